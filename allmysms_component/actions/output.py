"""The Send SMS output body: who the SMS went to, who it did not and why, what it cost; always small enough
to emit.

Every string that comes from outside (an entry as typed, a text or an id AllMySMS answered) is cut to a bound
with a visible marker, and the lists AllMySMS answers are no longer than the list of recipients: the largest
input (10,000 entries) and the largest answer still make an output well under the platform's message limit,
so a sent SMS is never followed by an output that cannot be emitted.
"""

from __future__ import annotations

import logging
from typing import Any

from ..api import SendResult, SmsRequest
from ..rules.echo import clip
from ..rules.recipients import ECHO_MAX, Recipients
from ..rules.text import PreparedText

STATUS_TEXT_MAX = 500   # characters of AllMySMS's statusText: its own texts are under 100
ID_MAX = 64             # characters of an id or a number AllMySMS answers: a campaign id, a UUID, a number

log = logging.getLogger(__name__)


def body(request: SmsRequest, result: SendResult, numbers: Recipients, unmatched: list[str],
         prepared: PreparedText, trial: bool) -> dict[str, Any]:
    """The output body. ``numbers`` already has the numbers AllMySMS refused in its ``invalid`` list;
    ``unmatched`` are the refusals AllMySMS reported that match no number sent."""
    most = len(request.recipients)  # an answer listing more than were sent is not believed past that
    if len(result.sms_ids) > most or len(unmatched) > most:
        log.warning("AllMySMS answered more SMS ids or refused numbers than numbers sent; the extra are left out")
    return {
        "recipients": numbers.numbers,
        "smsIds": [{"phoneNumber": clip(sms["phoneNumber"], ID_MAX), "smsId": clip(sms["smsId"], ID_MAX)}
                   for sms in result.sms_ids[:most]],
        "invalidNumbers": numbers.invalid + [clip(report, ECHO_MAX) for report in unmatched[:most]],
        "skippedNumbers": numbers.skipped,
        "trial": trial,
        "text": prepared.text,
        "truncated": prepared.truncated,
        "encoding": prepared.encoding,
        "segments": prepared.segments,
        "cliMsgId": request.cli_msg_id,
        "status": result.status,
        "statusText": clip(result.status_text, STATUS_TEXT_MAX),
        "campaignId": None if result.campaign_id is None else clip(result.campaign_id, ID_MAX),
        "nbSms": result.nb_sms,
        "creditsUsed": result.credits_used,
        "credits": result.credits,
    }
