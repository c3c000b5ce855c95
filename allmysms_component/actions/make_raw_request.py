"""The Make Raw Request action: a v9 method name and its fields -> AllMySMS -> the parsed JSON answer.

For the long tail of the API (sub-accounts, statistics, lists, MMS...) without a release. The component adds the
credentials (never taken from the input) and asks for JSON; the answer comes back as AllMySMS wrote it, the API
key redacted from every text. Whether an arbitrary method sends is unknown, so a method not in the table of
those known to send nothing (``rules.raw_request``) goes behind the worker's send journal like Send SMS, and its
errors say the SMS may have been sent. Trial mode is refused: the demo account is the deployment's, shared by
every step, and a raw call could read or change anything in it.
"""

from __future__ import annotations

import logging
import time

from pysailor import Message, new_message, sending

from .. import context
from ..errors import ConfigurationError
from ..rules.account import resolve
from ..rules.raw_request import FIELDS_FIELD, METHOD_FIELD, form_fields, method_name, sends_nothing
from .common import incoming_body

ACTION = "makeRawRequest"

log = logging.getLogger(__name__)


def process(msg: object, cfg: object, snapshot: object = None) -> Message:
    """Call the message's ``method`` with its ``fields``; the output carries the answer."""
    started = time.perf_counter()
    ctx = context.current()
    schema = ctx.descriptor.action(ACTION)
    body = incoming_body(msg, schema)
    method = method_name(body[METHOD_FIELD], label=schema.label(METHOD_FIELD))
    fields = form_fields(body.get(FIELDS_FIELD), label=schema.label(FIELDS_FIELD))
    account = resolve(cfg, ctx.settings)
    if account.trial:
        raise ConfigurationError("Make Raw Request needs the step's own AllMySMS credentials: the login or the API "
                                 "key is blank (trial mode), and the deployment's demo account is not open to raw "
                                 "calls; nothing was sent")
    safe = sends_nothing(method)
    gate = sending.UNGUARDED if safe else sending.current()
    replay = gate.before_send()
    if replay is not None:
        return replay[0]
    try:
        answer = ctx.client.raw_request(account.credentials, method, fields, sends=not safe)
    except BaseException as exc:
        gate.failed(exc)
        raise
    log.info("AllMySMS answered the raw request %s (%d field(s)) in %.0f ms", method, len(fields),
             (time.perf_counter() - started) * 1000)
    out = new_message({"method": method, "answer": answer, "sendsNothing": safe, "trial": False})
    gate.after_send([out])
    return out
