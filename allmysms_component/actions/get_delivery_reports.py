"""The Get delivery reports action: a campaign id -> AllMySMS getAcks -> one entry per number, totals by status.

Sends nothing and costs nothing. AllMySMS's "no data" answer is not an error: a scheduled campaign or a
very recent one has no report yet, and a flow polling for reports should not fail for that.
"""

from __future__ import annotations

import logging

from pysailor import Message, new_message

from .. import context
from ..rules.account import resolve
from ..rules.reports import meaning, totals
from ..rules.schedule import paris_iso
from .common import incoming_body

ACTION = "getDeliveryReports"

log = logging.getLogger(__name__)


def process(msg: object, cfg: object, snapshot: object = None) -> Message:
    """The delivery reports of the campaign in the message's ``campaignId``."""
    ctx = context.current()
    body = incoming_body(msg, ctx.descriptor.action(ACTION))
    campaign_id = body["campaignId"].strip()
    account = resolve(cfg, ctx.settings)
    reports = ctx.client.get_acks(account.credentials, campaign_id)
    counts = totals(ack.status for ack in reports.acks)
    if reports.available:
        log.info("Delivery reports of campaign %s: %s", campaign_id,
                 ", ".join(f"{count} {key}" for key, count in counts.items() if count) or "none")
    else:
        log.info("AllMySMS has no delivery report for campaign %s (unknown, scheduled, or none yet)", campaign_id)
    return new_message({
        "campaignId": campaign_id,
        "available": reports.available,
        "cliMsgId": reports.cli_msg_id,
        "reports": [{
            "phoneNumber": ack.phone_number,
            "status": ack.status,
            "meaning": meaning(ack.status).words,
            "comment": ack.comment,
            "receptionDate": ack.reception_date,
            "reportedAt": paris_iso(ack.reception_date),
        } for ack in reports.acks],
        "totals": counts,
        "total": len(reports.acks),
        "trial": account.trial,
    })
