"""The Send SMS action: platform message -> input checks -> domain rules -> AllMySMS -> output message.

The platform calls ``process(msg, cfg, snapshot)`` once per incoming message. It returns the output message,
or raises one of the component's errors (``errors.Rebound`` when the platform should redeliver later).
What it shares between messages (settings, the connection pool, component.json) comes from ``context``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from .. import context
from ..api import SmsRequest
from ..errors import InvalidInputError
from ..rules import recipients, text
from ..rules.account import TRIAL_MAX_RECIPIENTS, resolve
from ..runtime import Message, new_id, new_message, sending
from . import output

ACTION = "sendSMS"
MAX_CLI_MSG_ID = 64

log = logging.getLogger(__name__)


def process(msg: object, cfg: object, snapshot: object = None) -> Message:
    """Send the message's text to its mobile numbers; return the output message."""
    started = time.perf_counter()
    body = _body(msg)
    ctx = context.current()
    schema = ctx.descriptor.action(ACTION)
    schema.validate(body)
    numbers = recipients.parse(body["mobileNumbers"], label=schema.label("mobileNumbers"))

    account = resolve(cfg, ctx.settings)
    if account.trial:
        numbers = numbers.limited(TRIAL_MAX_RECIPIENTS)
    prepared = text.prepare(body["messageText"], trial=account.trial, label=schema.label("messageText"))
    request = SmsRequest(text=prepared.text, sender=body["senderName"], recipients=numbers.numbers,
                         cli_msg_id=_cli_msg_id(msg))

    # The one irrevocable call, behind the worker's send journal: a message already sent replays its output.
    gate = sending.current()
    replay = gate.before_send(withheld={"text": prepared.text})
    if replay is not None:
        return replay[0]
    _log_plan(numbers, prepared, account.trial)
    try:
        result = ctx.client.send_sms(account.credentials, request)
    except BaseException as exc:
        gate.failed(exc)
        raise

    log.info("AllMySMS accepted the SMS: status %d, %d SMS id(s), %s part(s) billed, %d number(s) refused "
             "by AllMySMS, campaign %s, in %.0f ms", result.status, len(result.sms_ids), _count(result.nb_sms),
             len(result.invalid_numbers), result.campaign_id or "-", (time.perf_counter() - started) * 1000)
    refused, unmatched = recipients.refused_by_api(request.recipients, result.invalid_numbers)
    if result.invalid_numbers:
        log.warning("AllMySMS refused %d number(s): %s", len(result.invalid_numbers),
                    recipients.mask_all(result.invalid_numbers))
    if unmatched:
        log.warning("%d number(s) AllMySMS refused match no number sent: %s", len(unmatched),
                    recipients.mask_all(unmatched))
    unaccounted = len(request.recipients) - len(result.sms_ids) - len(refused)
    if result.sms_ids and unaccounted > 0:
        log.warning("AllMySMS reported neither an SMS id nor a refusal for %d recipient(s)", unaccounted)
    sent_to = numbers.without(set(refused))
    message = new_message(output.body(request, result, sent_to, unmatched, prepared, account.trial))
    gate.after_send([message])
    return message


def _log_plan(numbers: recipients.Recipients, prepared: text.PreparedText, trial: bool) -> None:
    log.info("Sending %s to %d recipient(s) (%s): %s, %d part(s) each", "a trial SMS" if trial else "an SMS",
             len(numbers.numbers), recipients.mask_all(numbers.numbers), prepared.encoding, prepared.segments)
    if numbers.invalid:
        log.warning("%d malformed entr%s not sent: %s", len(numbers.invalid),
                    "y" if len(numbers.invalid) == 1 else "ies", recipients.mask_all(numbers.invalid))
    if numbers.skipped:
        log.info("%d number(s) skipped (duplicates%s)", len(numbers.skipped),
                 f", or over the trial limit of {TRIAL_MAX_RECIPIENTS}" if trial else "")
    if prepared.truncated:
        log.warning("The message text was truncated to %d characters", text.MAX_LENGTH)


def _body(msg: object) -> Mapping[str, Any]:
    if not isinstance(msg, Mapping):
        raise InvalidInputError([f"the incoming message must be an object with a body, not "
                                 f"{type(msg).__name__}"])
    body = msg.get("body")
    if not isinstance(body, Mapping):
        raise InvalidInputError(["the incoming message has no body object with the fields mobileNumbers, "
                                 "senderName and messageText"])
    return body


def _cli_msg_id(msg: object) -> str:
    """The platform message id, so delivery reports can be matched to this message; a new one if unusable."""
    message_id = msg.get("id") if isinstance(msg, Mapping) else None
    if isinstance(message_id, str) and 0 < len(message_id) <= MAX_CLI_MSG_ID and message_id.isprintable():
        return message_id
    return new_id()


def _count(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"
