"""The Send SMS output message, built in one place from the plan and AllMySMS's typed answer: who the SMS went
to, who it did not and why, what it cost; always small enough to emit.

Every string that comes from outside (an entry as typed, a text or an id AllMySMS answered) is cut to a bound
with a visible marker, and the lists AllMySMS answers are no longer than the list of recipients: the largest
input (10,000 entries) and the largest answer still make an output well under the platform's message limit,
so a sent SMS is never followed by an output that cannot be emitted.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, NamedTuple

from pysailor import Message, new_message

from ..api import AccountInfo, SendResult, SimulationResult, SmsId
from ..rules import recipients
from ..rules.echo import clip
from ..rules.recipients import ECHO_MAX

if TYPE_CHECKING:
    from .send_plan import Plan

STATUS_TEXT_MAX = 500   # characters of AllMySMS's statusText: its own texts are under 100
ID_MAX = 64             # characters of an id or a number AllMySMS answers: a campaign id, a UUID, a number

log = logging.getLogger(__name__)


class DryRun(NamedTuple):
    """A dry run's answers (simulateCampaign, then getInfo), read as a send's: no SMS id, no campaign, nothing
    used."""

    status: int
    status_text: str
    invalid_numbers: list[str]
    nb_sms: float | None
    credits: float | None          # left on the account (getInfo)
    credits_needed: float | None   # what the send would cost (simulateCampaign's nbCredits)
    sms_ids: tuple[SmsId, ...] = ()
    campaign_id: None = None
    credits_used: int = 0

    @classmethod
    def of(cls, simulation: SimulationResult, account: AccountInfo) -> DryRun:
        return cls(simulation.status, f"Dry run, nothing sent: {simulation.status_text}",
                   simulation.invalid_numbers, simulation.nb_sms, account.credits, simulation.nb_credits)


def message(plan: Plan, answer: SendResult | DryRun) -> Message:
    """The output message for ``plan`` once AllMySMS gave ``answer``; warns about the numbers it refused."""
    request = plan.request
    refused, unmatched = recipients.refused_by_api(request.recipients, answer.invalid_numbers)
    _warn(answer, len(request.recipients), refused, unmatched)
    numbers = plan.numbers.without(set(refused))
    most = len(request.recipients)  # an answer listing more than were sent is not believed past that
    if len(answer.sms_ids) > most or len(unmatched) > most:
        log.warning("AllMySMS answered more SMS ids or refused numbers than numbers sent; the extra are left out")
    body = {
        "recipients": numbers.numbers,
        "smsIds": [{"phoneNumber": clip(sms["phoneNumber"], ID_MAX), "smsId": clip(sms["smsId"], ID_MAX)}
                   for sms in answer.sms_ids[:most]],
        "invalidNumbers": numbers.invalid + [clip(report, ECHO_MAX) for report in unmatched[:most]],
        "skippedNumbers": numbers.skipped,
        "trial": plan.account.trial,
        "text": plan.prepared.text,
        "truncated": plan.prepared.truncated,
        "encoding": plan.prepared.encoding,
        "segments": plan.prepared.segments,
        "cliMsgId": request.cli_msg_id,
        "status": answer.status,
        "statusText": clip(answer.status_text, STATUS_TEXT_MAX),
        "campaignId": None if answer.campaign_id is None else clip(answer.campaign_id, ID_MAX),
        "nbSms": answer.nb_sms,
        "creditsUsed": answer.credits_used,
        "credits": answer.credits,
        "simulated": plan.options.dry_run,
        "creditsNeeded": answer.credits_needed if isinstance(answer, DryRun) else None,
        "scheduled": plan.schedule is not None and not plan.options.dry_run,  # a dry run leaves nothing waiting
        "scheduledAt": plan.schedule.iso if plan.schedule else None,
        "campaignName": request.campaign_name,
        "replacedCharacters": plan.replaced,
        "stopMentionAdded": plan.prepared.stop_mention_added,
    }
    if plan.reasons is not None:  # a setting or input of issue 19 is used: without one, 1.2.0's output exactly
        body.update(_why_and_each(plan, numbers, refused))
    return new_message(body)


REFUSED_BY_API = "refused by AllMySMS (invalid, or opted out)"
MALFORMED = "not a phone number: 6 to 15 digits, optionally after + or 00"
DUPLICATE = "the same number as an earlier entry"


def _why_and_each(plan: Plan, numbers: recipients.Recipients, refused: list[str]) -> dict[str, object]:
    """``reasons``: why each entry not sent is not; with a Recipients list, ``perRecipient`` (each number's
    encoding and parts, never its text: the send journal keeps outputs and never a text nor its values) and
    ``segmentsTotal`` (their sum: what the send bills)."""
    known = plan.reasons or {}
    gone = set(refused)
    reasons = [{"number": entry, "reason": REFUSED_BY_API if entry in gone else known.get(entry, MALFORMED)}
               for entry in numbers.invalid]
    reasons += [{"number": entry, "reason": known.get(entry, DUPLICATE)} for entry in numbers.skipped]
    extra: dict[str, object] = {"reasons": reasons}
    if plan.texts is not None:
        each = [{"phoneNumber": number, "encoding": plan.texts[number].encoding,
                 "segments": plan.texts[number].segments} for number in numbers.numbers]
        extra["perRecipient"] = each
        extra["segmentsTotal"] = sum(row["segments"] for row in each)  # type: ignore[misc]
    return extra


def _warn(answer: SendResult | DryRun, sent: int, refused: list[str], unmatched: list[str]) -> None:
    if answer.invalid_numbers:
        log.warning("AllMySMS refused %d number(s): %s", len(answer.invalid_numbers),
                    recipients.mask_all(answer.invalid_numbers))
    if unmatched:
        log.warning("%d number(s) AllMySMS refused match no number sent: %s", len(unmatched),
                    recipients.mask_all(unmatched))
    unaccounted = sent - len(answer.sms_ids) - len(refused)
    if answer.sms_ids and unaccounted > 0:
        log.warning("AllMySMS reported neither an SMS id nor a refusal for %d recipient(s)", unaccounted)


def count(value: float | None) -> str:
    """A counter AllMySMS answered, for a log line: ``?`` when it did not."""
    return "?" if value is None else f"{value:g}"
