"""What one Send SMS message asks for, after the input checks and the domain rules: the typed plan that the
send and the output share."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from pysailor import ActionSchema, new_id

from ..api import SmsRequest
from ..context import Context
from ..rules import recipients, text
from ..rules.account import TRIAL_MAX_RECIPIENTS, Account, resolve
from ..rules.campaign import campaign_name
from ..rules.options import SendOptions, send_options
from . import send_numbers
from .common import incoming_body, optional_text

if TYPE_CHECKING:  # imported by the messages that need it: a plain send does not load zoneinfo's data
    from ..rules.schedule import Schedule

ACTION = "sendSMS"
MAX_CLI_MSG_ID = 64
TRIAL_LIMIT = f"over the {TRIAL_MAX_RECIPIENTS} recipients of trial mode"

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
    # Why each entry not sent is not, when a setting or input of issue 19 is used (None: the output is 1.2.0's)
    reasons: dict[str, str] | None = None
    texts: dict[str, text.PreparedText] | None = None  # each number's own text, with a Recipients list

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
                f"{self.prepared.encoding}, {'up to ' if self.texts else ''}{self.prepared.segments} part(s) each"
                + (f", at {self.schedule.iso}" if self.schedule else ""))


def plan(msg: object, cfg: object, ctx: Context) -> Plan:
    """The plan for ``msg``: InvalidInputError or ConfigurationError before anything is sent."""
    schema = ctx.descriptor.action(ACTION)
    raw_body = msg.get("body") if isinstance(msg, Mapping) else None
    listed = isinstance(raw_body, Mapping) and raw_body.get("recipients") not in (None, [])  # null, []: no list
    body = incoming_body(msg, _input_schema(schema, listed))
    labels = ctx.descriptor.setting_labels(ACTION)
    options = send_options(cfg, labels)
    message, replaced = body["messageText"], 0
    if options.replace_lookalikes:
        from ..rules.lookalikes import replace_lookalikes

        swapped = replace_lookalikes(message)
        message, replaced = swapped.text, swapped.count
    read = send_numbers.read(body, schema, options, message, labels)
    if options.replace_lookalikes and read.values:  # each recipient's values, as the text
        read, more = send_numbers.without_lookalikes(read)
        replaced += more
    numbers = read.numbers
    schedule = _schedule(body, schema, ctx)
    account = resolve(cfg, ctx.settings)
    if options.marketing:
        from ..rules import quiet_hours

        quiet_hours.check(schedule.at if schedule else ctx.clock(), scheduled=schedule is not None,
                          label=schema.label("sendAt"))
    reasons = read.reasons
    if account.trial:
        limited = numbers.limited(TRIAL_MAX_RECIPIENTS)
        reasons = {**reasons, **dict.fromkeys(limited.skipped[len(numbers.skipped):], TRIAL_LIMIT)}
        numbers = limited
    texts: dict[str, text.PreparedText] | None = None
    if read.values is None:
        prepared = text.prepare(message, trial=account.trial, label=schema.label("messageText"),
                                max_parts=options.max_parts, stop_mention=options.marketing)
    else:
        from .personal_text import prepare_each

        prepared, texts = prepare_each(message, read.values, numbers.numbers, trial=account.trial,
                                       label=schema.label("messageText"), options=options)
    params = None
    if read.values is not None and any(read.values[number] for number in numbers.numbers):
        params = {number: read.values[number] for number in numbers.numbers}
    request = SmsRequest(text=prepared.text, sender=body["senderName"], recipients=numbers.numbers,
                         cli_msg_id=_cli_msg_id(msg), date=schedule.api_date if schedule else None,
                         campaign_name=campaign_name(optional_text(body, "campaignName"),
                                                     label=schema.label("campaignName")), params=params)
    extended = read.values is not None or options.default_country is not None or options.skip_opted_out
    return Plan(request, numbers, prepared, account, options, schedule, replaced,
                reasons=dict(reasons) if extended else None, texts=texts)


def _input_schema(schema: ActionSchema, listed: bool) -> ActionSchema:
    """The input schema a message is checked against. Without a Recipients list: 1.2.0's, to the letter (the
    same errors in the same order, and a plain send compiles no more than it did). With one: Mobile numbers may
    be absent or empty. Each made once per component.json (the process has one)."""
    key = (schema.name, listed)
    made = _SCHEMAS.get(key)
    if made is None or made[0] is not schema:
        spec = dict(schema.schema)
        properties = dict(spec["properties"])
        if listed:
            properties["mobileNumbers"] = {name: value for name, value in properties["mobileNumbers"].items()
                                           if name not in ("required", "minLength")}
        else:
            properties.pop("recipients", None)
        spec["properties"] = properties
        made = _SCHEMAS[key] = (schema, ActionSchema(schema.name, spec, schema.error))
    return made[1]


# by action and whether the message has a Recipients list: component.json's schema and the one checked
_SCHEMAS: dict[tuple[str, bool], tuple[ActionSchema, ActionSchema]] = {}


def log_plan(plan: Plan) -> None:
    """What is about to be sent (DEBUG: the INFO line after the answer says it again with the outcome), and
    whatever the rules left out or changed."""
    if log.isEnabledFor(logging.DEBUG):
        log.debug("Sending %s", plan.describe())
    numbers = plan.numbers
    if numbers.invalid:
        log.warning("%d malformed entr%s not sent: %s", len(numbers.invalid),
                    "y" if len(numbers.invalid) == 1 else "ies", recipients.mask_all(numbers.invalid))
    if numbers.skipped and plan.reasons is not None:
        why = Counter(plan.reasons.get(number, "duplicates") for number in numbers.skipped)
        log.info("%d number(s) skipped: %s", len(numbers.skipped),
                 "; ".join(f"{count} {reason}" for reason, count in why.items()))
    elif numbers.skipped:
        log.info("%d number(s) skipped (duplicates%s)", len(numbers.skipped),
                 f", or over the trial limit of {TRIAL_MAX_RECIPIENTS}" if plan.account.trial else "")
    if plan.replaced:
        log.info("%d look-alike character(s) replaced by their GSM-7 equivalent", plan.replaced)
    if plan.prepared.truncated:
        log.warning("The message text was truncated to %d characters", len(plan.prepared.text))


def _schedule(body: Mapping[str, Any], schema: ActionSchema, ctx: Context) -> Schedule | None:
    send_at = optional_text(body, "sendAt")
    if send_at is None:
        return None
    from ..rules.schedule import read_send_at

    return read_send_at(send_at, now=ctx.clock(), label=schema.label("sendAt"))


def still_to_come(plan: Plan, ctx: Context) -> None:
    """InvalidInputError when the plan's Send at has passed (checked at the last moment before the request)."""
    if plan.schedule is not None:
        from ..rules.schedule import require_future

        require_future(plan.schedule, now=ctx.clock(),
                       label=ctx.descriptor.action(ACTION).label("sendAt"))


def _cli_msg_id(msg: object) -> str:
    """The platform message id, so delivery reports can be matched to this message; a new one if unusable."""
    message_id = msg.get("id") if isinstance(msg, Mapping) else None
    if isinstance(message_id, str) and 0 < len(message_id) <= MAX_CLI_MSG_ID and message_id.isprintable():
        return message_id
    return new_id()
