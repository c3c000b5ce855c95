"""What one Send SMS message asks for, after the input checks and the domain rules: the typed plan that the
send and the output share."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, NamedTuple

from pysailor import ActionSchema, new_id

from ..api import SmsRequest
from ..context import Context
from ..rules import recipients, text
from ..rules.account import TRIAL_MAX_RECIPIENTS, Account, resolve
from ..rules.campaign import campaign_name
from ..rules.options import SendOptions, send_options
from .common import incoming_body, optional_text

if TYPE_CHECKING:  # imported by the messages that need it: a plain send does not load zoneinfo's data
    from ..rules.schedule import Schedule

ACTION = "sendSMS"
MAX_CLI_MSG_ID = 64

log = logging.getLogger("allmysms_component.actions.send_sms")


class Plan(NamedTuple):
    """The request to make, with what the rules decided on the way: who is left out, how the text was cut."""

    request: SmsRequest
    numbers: recipients.Recipients
    prepared: text.PreparedText
    account: Account
    options: SendOptions
    schedule: Schedule | None
    replaced: int  # look-alike characters replaced

    def describe(self) -> str:
        """What is sent, for a log line: ``a trial SMS to 2 recipient(s) (336****78, ...): GSM-7, 1 part(s) each``
        (numbers masked, never the text)."""
        trial, numbers = self.account.trial, self.request.recipients
        what = "a trial SMS" if trial else "an SMS"
        if self.options.dry_run:
            what = f"a dry run of {what}"
        elif self.schedule:
            what = "a scheduled trial SMS" if trial else "a scheduled SMS"
        return (f"{what} to {len(numbers)} recipient(s) ({recipients.mask_all(list(numbers))}): "
                f"{self.prepared.encoding}, {self.prepared.segments} part(s) each"
                + (f", at {self.schedule.iso}" if self.schedule else ""))


def plan(msg: object, cfg: object, ctx: Context) -> Plan:
    """The plan for ``msg``: InvalidInputError or ConfigurationError before anything is sent."""
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
    return Plan(request, numbers, prepared, account, options, schedule, replaced)


def log_plan(plan: Plan) -> None:
    """What is about to be sent (DEBUG: the INFO line after the answer says it again with the outcome), and
    whatever the rules left out or changed."""
    if log.isEnabledFor(logging.DEBUG):
        log.debug("Sending %s", plan.describe())
    numbers = plan.numbers
    if numbers.invalid:
        log.warning("%d malformed entr%s not sent: %s", len(numbers.invalid),
                    "y" if len(numbers.invalid) == 1 else "ies", recipients.mask_all(numbers.invalid))
    if numbers.skipped:
        log.info("%d number(s) skipped (duplicates%s)", len(numbers.skipped),
                 f", or over the trial limit of {TRIAL_MAX_RECIPIENTS}" if plan.account.trial else "")
    if plan.replaced:
        log.info("%d look-alike character(s) replaced by their GSM-7 equivalent", plan.replaced)
    if plan.prepared.truncated:
        log.warning("The message text was truncated to %d characters", len(plan.prepared.text))


def _schedule(body: Mapping[str, Any], schema: ActionSchema) -> Schedule | None:
    send_at = optional_text(body, "sendAt")
    if send_at is None:
        return None
    from ..rules.schedule import read_send_at

    return read_send_at(send_at, now=datetime.now(timezone.utc), label=schema.label("sendAt"))


def still_to_come(plan: Plan, ctx: Context) -> None:
    """InvalidInputError when the plan's Send at has passed (checked at the last moment before the request)."""
    if plan.schedule is not None:
        from ..rules.schedule import require_future

        require_future(plan.schedule, now=datetime.now(timezone.utc),
                       label=ctx.descriptor.action(ACTION).label("sendAt"))


def _cli_msg_id(msg: object) -> str:
    """The platform message id, so delivery reports can be matched to this message; a new one if unusable."""
    message_id = msg.get("id") if isinstance(msg, Mapping) else None
    if isinstance(message_id, str) and 0 < len(message_id) <= MAX_CLI_MSG_ID and message_id.isprintable():
        return message_id
    return new_id()
