"""The Cancel a scheduled send action: a campaign id -> AllMySMS deleteCampaign -> cancelled, or a clear error.

A campaign AllMySMS does not hold as pending (unknown id, already sent, already cancelled) is a
CampaignNotPendingError. When the answer is lost, whether the campaign was cancelled is unknown, and the
error says so: its SMS may still go out at the scheduled time.
"""

from __future__ import annotations

import logging

from pysailor import Message, new_message

from .. import context
from ..errors import AllMySmsError, MalformedResponseError, OutcomeUnknownError
from ..rules.account import resolve
from .common import incoming_body

ACTION = "cancelScheduledSend"

log = logging.getLogger(__name__)


def process(msg: object, cfg: object, snapshot: object = None) -> Message:
    """Cancel the scheduled campaign in the message's ``campaignId``."""
    ctx = context.current()
    body = incoming_body(msg, ctx.descriptor.action(ACTION))
    campaign_id = body["campaignId"].strip()
    account = resolve(cfg, ctx.settings)
    try:
        ctx.client.delete_campaign(account.credentials, campaign_id)
    except OutcomeUnknownError as exc:
        raise OutcomeUnknownError(_unknown(exc, campaign_id), status=exc.status) from None
    except MalformedResponseError as exc:
        raise MalformedResponseError(_unknown(exc, campaign_id), may_have_been_sent=True) from None
    log.info("Scheduled campaign %s cancelled%s", campaign_id, " (trial account)" if account.trial else "")
    return new_message({"campaignId": campaign_id, "cancelled": True, "trial": account.trial})


def _unknown(exc: AllMySmsError, campaign_id: str) -> str:
    return (f"{exc.message}; whether campaign {campaign_id} was cancelled is unknown: its SMS may still be sent "
            f"at the scheduled time; check it in the AllMySMS account")
