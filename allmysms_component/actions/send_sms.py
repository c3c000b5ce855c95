"""The Send SMS action: platform message -> input checks -> domain rules -> AllMySMS -> output message.

The platform calls ``process(msg, cfg, snapshot)`` once per incoming message. It returns the output message,
or raises one of the component's errors (``errors.Rebound`` when the platform should redeliver later).
What it shares between messages (settings, the connection pool, component.json) comes from ``context``.
Without a new input or setting it sends exactly the request the original component sent.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from pysailor import ActionSchema, Message, new_id, new_message, sending

from .. import context
from ..api import AllMySmsClient, SendResult, SimulationResult, SmsRequest
from ..rules import recipients, text
from ..rules.account import TRIAL_MAX_RECIPIENTS, Account, resolve
from ..rules.campaign import campaign_name
from ..rules.options import SendOptions, send_options
from . import output
from .common import incoming_body, optional_text

if TYPE_CHECKING:  # imported by the messages that need it: a plain send does not load zoneinfo's data
    from ..rules.schedule import Schedule

ACTION = "sendSMS"
MAX_CLI_MSG_ID = 64

log = logging.getLogger(__name__)


def process(msg: object, cfg: object, snapshot: object = None) -> Message:
    """Send the message's text to its mobile numbers (or price it, in a dry run); return the output message."""
    started = time.perf_counter()
    ctx = context.current()
    schema = ctx.descriptor.action(ACTION)
    body = incoming_body(msg, schema)
    options = send_options(cfg, ctx.descriptor.setting_labels(ACTION))
    numbers = recipients.parse(body["mobileNumbers"], label=schema.label("mobileNumbers"))
    schedule = _schedule(body, schema)

    account = resolve(cfg, ctx.settings)
    if account.trial:
        numbers = numbers.limited(TRIAL_MAX_RECIPIENTS)
    message, replaced = body["messageText"], 0
    if options.replace_lookalikes:
        from ..rules.lookalikes import replace_lookalikes

        swapped = replace_lookalikes(message)
        message, replaced = swapped.text, swapped.count
    prepared = text.prepare(message, trial=account.trial, label=schema.label("messageText"),
                            max_parts=options.max_parts, stop_mention=options.marketing)
    request = SmsRequest(text=prepared.text, sender=body["senderName"], recipients=numbers.numbers,
                         cli_msg_id=_cli_msg_id(msg), date=schedule.api_date if schedule else None,
                         campaign_name=campaign_name(optional_text(body, "campaignName"),
                                                     label=schema.label("campaignName")))

    client = ctx.client
    if options.dry_run:  # sends nothing: no journal entry
        _still_to_come(schedule, schema)
        _log_plan(numbers, prepared, account.trial, options, schedule, replaced)
        outcome = _simulate(client, account, request)
        gate: sending.SendGate = sending.UNGUARDED
    else:
        # The one irrevocable call, behind the worker's send journal: a message already sent replays its output.
        gate = sending.current()
        replay = gate.before_send(withheld={"text": prepared.text}, duplicate=_duplicate(request, options))
        if replay is not None:
            return replay[0]
        try:
            # After the journal: a redelivery past its Send at replays, or may have been sent; never "fix the time"
            _still_to_come(schedule, schema)
            _log_plan(numbers, prepared, account.trial, options, schedule, replaced)
            outcome = _send(client, account, request, started)
        except BaseException as exc:
            gate.failed(exc)
            raise
    refused, unmatched = recipients.refused_by_api(request.recipients, outcome["invalidNumbers"])
    if outcome["invalidNumbers"]:
        log.warning("AllMySMS refused %d number(s): %s", len(outcome["invalidNumbers"]),
                    recipients.mask_all(outcome["invalidNumbers"]))
    if unmatched:
        log.warning("%d number(s) AllMySMS refused match no number sent: %s", len(unmatched),
                    recipients.mask_all(unmatched))
    unaccounted = len(request.recipients) - len(outcome["smsIds"]) - len(refused)
    if outcome["smsIds"] and unaccounted > 0:
        log.warning("AllMySMS reported neither an SMS id nor a refusal for %d recipient(s)", unaccounted)
    sent_to = numbers.without(set(refused))
    result = new_message({
        **output.body(request, outcome, sent_to, unmatched, prepared, account.trial),
        "simulated": options.dry_run,
        "creditsNeeded": outcome["creditsNeeded"],
        "scheduled": schedule is not None and not options.dry_run,  # a dry run leaves nothing waiting
        "scheduledAt": schedule.iso if schedule else None,
        "campaignName": request.campaign_name,
        "replacedCharacters": replaced,
        "stopMentionAdded": prepared.stop_mention_added,
    })
    gate.after_send([result])
    return result


def _send(client: AllMySmsClient, account: Account, request: SmsRequest, started: float) -> dict[str, Any]:
    result: SendResult = client.send_sms(account.credentials, request)
    log.info("AllMySMS accepted the SMS: status %d, %d SMS id(s), %s part(s) billed, %d number(s) refused "
             "by AllMySMS, campaign %s, in %.0f ms", result.status, len(result.sms_ids), _count(result.nb_sms),
             len(result.invalid_numbers), result.campaign_id or "-", (time.perf_counter() - started) * 1000)
    return {"smsIds": result.sms_ids, "invalidNumbers": result.invalid_numbers, "status": result.status,
            "statusText": result.status_text, "campaignId": result.campaign_id, "nbSms": result.nb_sms,
            "creditsUsed": result.credits_used, "credits": result.credits, "creditsNeeded": None}


def _simulate(client: AllMySmsClient, account: Account, request: SmsRequest) -> dict[str, Any]:
    """simulateCampaign with the very payload a send would carry, then getInfo for the credits left: two calls
    that send nothing and cost nothing."""
    result: SimulationResult = client.simulate_campaign(account.credentials, request)
    info = client.get_info(account.credentials)
    log.info("Dry run, nothing sent: %s part(s) would be billed for %s credit(s), %s credit(s) left, %d "
             "number(s) refused by AllMySMS", _count(result.nb_sms), _count(result.nb_credits),
             _count(info.credits), len(result.invalid_numbers))
    return {"smsIds": [], "invalidNumbers": result.invalid_numbers, "status": result.status,
            "statusText": f"Dry run, nothing sent: {result.status_text}", "campaignId": None,
            "nbSms": result.nb_sms, "creditsUsed": 0, "credits": info.credits, "creditsNeeded": result.nb_credits}


def _schedule(body: Mapping[str, Any], schema: ActionSchema) -> Schedule | None:
    send_at = optional_text(body, "sendAt")
    if send_at is None:
        return None
    from ..rules.schedule import read_send_at

    return read_send_at(send_at, now=datetime.now(timezone.utc), label=schema.label("sendAt"))


def _still_to_come(schedule: Schedule | None, schema: ActionSchema) -> None:
    if schedule is not None:
        from ..rules.schedule import require_future

        require_future(schedule, now=datetime.now(timezone.utc), label=schema.label("sendAt"))


def _log_plan(numbers: recipients.Recipients, prepared: text.PreparedText, trial: bool, options: SendOptions,
              schedule: Schedule | None, replaced: int) -> None:
    what = "a trial SMS" if trial else "an SMS"
    if options.dry_run:
        what = f"a dry run of {what}"
    elif schedule:
        what = "a scheduled trial SMS" if trial else "a scheduled SMS"
    log.info("Sending %s to %d recipient(s) (%s): %s, %d part(s) each%s", what, len(numbers.numbers),
             recipients.mask_all(numbers.numbers), prepared.encoding, prepared.segments,
             f", at {schedule.iso}" if schedule else "")
    if numbers.invalid:
        log.warning("%d malformed entr%s not sent: %s", len(numbers.invalid),
                    "y" if len(numbers.invalid) == 1 else "ies", recipients.mask_all(numbers.invalid))
    if numbers.skipped:
        log.info("%d number(s) skipped (duplicates%s)", len(numbers.skipped),
                 f", or over the trial limit of {TRIAL_MAX_RECIPIENTS}" if trial else "")
    if replaced:
        log.info("%d look-alike character(s) replaced by their GSM-7 equivalent", replaced)
    if prepared.truncated:
        log.warning("The message text was truncated to %d characters", len(prepared.text))


def _duplicate(request: SmsRequest, options: SendOptions) -> tuple[str, float] | None:
    """The Duplicate window: what makes two messages the same SMS (recipients, sender, text, Send at), digested."""
    if not options.duplicate_window:
        return None
    same = json.dumps([sorted(request.recipients), request.sender, request.text, request.date], ensure_ascii=False)
    return hashlib.blake2b(same.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest(), \
        options.duplicate_window


def _cli_msg_id(msg: object) -> str:
    """The platform message id, so delivery reports can be matched to this message; a new one if unusable."""
    message_id = msg.get("id") if isinstance(msg, Mapping) else None
    if isinstance(message_id, str) and 0 < len(message_id) <= MAX_CLI_MSG_ID and message_id.isprintable():
        return message_id
    return new_id()


def _count(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"
