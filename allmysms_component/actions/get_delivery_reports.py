"""The Get delivery reports action: a campaign id -> AllMySMS getAcks -> one entry per number, totals by status.

Sends nothing and costs nothing. AllMySMS's "no data" answer is not an error: a scheduled campaign or a
very recent one has no report yet, and a flow polling for reports should not fail for that. The output is
bounded whatever AllMySMS answers: each text cut past ``TEXT_MAX`` characters, and reports listed only while they
fit ``REPORTS_BUDGET`` bytes of JSON; the totals count them all.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pysailor import Message, new_message

from .. import context
from ..api.campaigns import Ack
from ..rules import campaign
from ..rules.account import resolve
from ..rules.echo import clip
from ..rules.reports import meaning
from ..rules.schedule import paris_iso
from .common import incoming_body

ACTION = "getDeliveryReports"
TEXT_MAX = 100                    # characters of a number, comment or date AllMySMS answers: its own are under 40
REPORTS_BUDGET = 4 * 1024 * 1024  # bytes of reports in the output's JSON: well under the platform's 10 MiB

log = logging.getLogger(__name__)


def process(msg: object, cfg: object, snapshot: object = None) -> Message:
    """The delivery reports of the campaign in the message's ``campaignId``."""
    ctx = context.current()
    schema = ctx.descriptor.action(ACTION)
    campaign_id = campaign.campaign_id(incoming_body(msg, schema)["campaignId"], label=schema.label("campaignId"))
    account = resolve(cfg, ctx.settings)
    reports = ctx.client.get_acks(account.credentials, campaign_id)
    counts = reports.totals
    if reports.available:
        log.info("Delivery reports of campaign %s: %s", campaign_id,
                 ", ".join(f"{count} {key}" for key, count in counts.items() if count) or "none")
    else:
        log.info("AllMySMS has no delivery report for campaign %s (unknown, scheduled, or none yet)", campaign_id)
    listed = _within_budget([_entry(ack) for ack in reports.acks])
    if len(listed) < reports.total:
        log.warning("Campaign %s has %d delivery reports: the first %d are listed, all are counted", campaign_id,
                    reports.total, len(listed))
    return new_message({
        "campaignId": campaign_id,
        "available": reports.available,
        "cliMsgId": None if reports.cli_msg_id is None else clip(reports.cli_msg_id, TEXT_MAX),
        "reports": listed,
        "totals": counts,
        "total": reports.total,
        "reportsOmitted": reports.total - len(listed),
        "trial": account.trial,
    })


def _entry(ack: Ack) -> dict[str, Any]:
    return {
        "phoneNumber": clip(ack.phone_number, TEXT_MAX),
        "status": ack.status,
        "meaning": meaning(ack.status).words,
        "comment": clip(ack.comment, TEXT_MAX),
        "receptionDate": clip(ack.reception_date, TEXT_MAX),
        "reportedAt": paris_iso(ack.reception_date),
    }


def _within_budget(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first entries whose JSON (as the platform measures it: non-ASCII escaped) fits REPORTS_BUDGET."""
    used = 0
    for index, entry in enumerate(entries):
        used += len(json.dumps(entry)) + 2
        if used > REPORTS_BUDGET:
            return entries[:index]
    return entries
