"""The Cancel a scheduled send action: a campaign id -> AllMySMS deleteCampaign -> cancelled, or a clear error.

A campaign AllMySMS does not hold as pending (unknown id, already sent) is a CampaignNotPendingError; one
AllMySMS says is already cancelled (a redelivery after a lost ack) is cancelled, and the output says it was
already. When the answer is lost, whether the campaign was cancelled is unknown, and the error says so: its
SMS may still go out at the scheduled time.
"""

from __future__ import annotations

import logging

from pysailor import Message, new_message

from .. import context
from ..errors import AllMySmsError, MalformedResponseError, OutcomeUnknownError
from ..rules import campaign
from ..rules.account import resolve
from .common import incoming_body

ACTION = "cancelScheduledSend"

log = logging.getLogger(__name__)


def process(msg: object, cfg: object, snapshot: object = None) -> Message:
    """Cancel the scheduled campaign in the message's ``campaignId``."""
    ctx = context.current()
    schema = ctx.descriptor.action(ACTION)
    campaign_id = campaign.campaign_id(incoming_body(msg, schema)["campaignId"], label=schema.label("campaignId"))
    account = resolve(cfg, ctx.settings)
    try:
        cancellation = ctx.client.delete_campaign(account.credentials, campaign_id)
    except OutcomeUnknownError as exc:
        raise OutcomeUnknownError(_unknown(exc, campaign_id), status=exc.status) from None
    except MalformedResponseError as exc:
        raise MalformedResponseError(_unknown(exc, campaign_id), may_have_been_sent=True) from None
    log.info("Scheduled campaign %s cancelled%s%s", campaign_id, " already" if cancellation.already else "",
             " (trial account)" if account.trial else "")
    return new_message({"campaignId": campaign_id, "cancelled": True, "alreadyCancelled": cancellation.already,
                        "trial": account.trial})


def _unknown(exc: AllMySmsError, campaign_id: str) -> str:
    return (f"{exc.message}; whether campaign {campaign_id} was cancelled is unknown: its SMS may still be sent "
            f"at the scheduled time; check it in the AllMySMS account")
