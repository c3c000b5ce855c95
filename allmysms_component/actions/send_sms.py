"""The Send SMS action: platform message -> plan (input checks, domain rules) -> AllMySMS -> output message.

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

from pysailor import Message, sending

from .. import context
from ..api import AllMySmsClient, SendResult, SmsRequest
from ..rules.options import SendOptions
from . import output
from .send_plan import ACTION, Plan, log_plan, plan, still_to_come

__all__ = ["ACTION", "process"]

log = logging.getLogger(__name__)


def process(msg: object, cfg: object, snapshot: object = None) -> Message:
    """Send the message's text to its mobile numbers (or price it, in a dry run); return the output message."""
    started = time.perf_counter()
    ctx = context.current()
    planned = plan(msg, cfg, ctx)
    if planned.options.dry_run:  # sends nothing: no journal entry
        still_to_come(planned, ctx)
        planned = _without_opted_out(planned, ctx)
        log_plan(planned)
        return output.message(planned, _simulate(ctx.client, planned))
    # The one irrevocable call, behind the worker's send journal: a message already sent replays its output.
    gate = sending.current()
    replay = gate.before_send(withheld={"text": planned.prepared.text},
                             duplicate=_duplicate(planned.request, planned.options))
    if replay is not None:
        return replay[0]
    try:
        # After the journal: a redelivery past its Send at replays, or may have been sent; never "fix the time"
        still_to_come(planned, ctx)
        # After the journal, so that the duplicate window compares what was asked, whoever opted out since.
        planned = _without_opted_out(planned, ctx)
        log_plan(planned)
        result = _send(ctx.client, planned, started)
    except BaseException as exc:
        gate.failed(exc)
        raise
    sent = output.message(planned, result)
    gate.after_send([sent])
    return sent


def _without_opted_out(planned: Plan, ctx: context.Context) -> Plan:
    if not planned.options.skip_opted_out:
        return planned
    from .opted_out import skip_opted_out

    return skip_opted_out(planned, ctx.client, ctx.descriptor.action(ACTION).label("mobileNumbers"))


def _send(client: AllMySmsClient, planned: Plan, started: float) -> SendResult:
    result = client.send_sms(planned.account.credentials, planned.request)
    if log.isEnabledFor(logging.INFO):
        log.info("AllMySMS accepted %s: status %d, %d SMS id(s), %s part(s) billed, %d number(s) refused by "
                 "AllMySMS, campaign %s, in %.0f ms", planned.describe(), result.status, len(result.sms_ids),
                 output.count(result.nb_sms), len(result.invalid_numbers), result.campaign_id or "-",
                 (time.perf_counter() - started) * 1000)
    return result


def _simulate(client: AllMySmsClient, planned: Plan) -> output.DryRun:
    """simulateCampaign with the very payload a send would carry, then getInfo for the credits left: two calls
    that send nothing and cost nothing."""
    credentials = planned.account.credentials
    dry_run = output.DryRun.of(client.simulate_campaign(credentials, planned.request), client.get_info(credentials))
    if log.isEnabledFor(logging.INFO):
        log.info("Nothing sent, %s; %s part(s) would be billed for %s credit(s), %s credit(s) left, %d "
                 "number(s) refused by AllMySMS", planned.describe(), output.count(dry_run.nb_sms),
                 output.count(dry_run.credits_needed), output.count(dry_run.credits), len(dry_run.invalid_numbers))
    return dry_run


def _duplicate(request: SmsRequest, options: SendOptions) -> tuple[str, float] | None:
    """The Duplicate window: what makes two messages the same SMS (recipients, sender, text, Send at), digested."""
    if not options.duplicate_window:
        return None
    what: list[object] = [sorted(request.recipients), request.sender, request.text, request.date]
    if request.params is not None:  # one text per recipient: other values are other content
        what.append(sorted([number, list(values)] for number, values in request.params.items()))
    same = json.dumps(what, ensure_ascii=False)
    return hashlib.blake2b(same.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest(), \
        options.duplicate_window
