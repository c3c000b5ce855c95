"""The Get opt-out list action: AllMySMS getBlacklist -> the numbers that opted out of the account's SMS, with
their count. No input; sends nothing and costs nothing. Refused in trial mode: the deployment's demo account
is not the user's, and its list says nothing about the user's customers."""

from __future__ import annotations

import logging

from pysailor import Message, new_message

from ..errors import ConfigurationError
from .common import account_call

ACTION = "getOptOutList"

log = logging.getLogger(__name__)


def process(msg: object, cfg: object, snapshot: object = None) -> Message:
    """The account's opt-out list; the incoming message only triggers the call."""
    call = account_call(cfg)
    if call.account.trial:
        raise ConfigurationError("Get opt-out list needs the step's own AllMySMS login and API key: in trial "
                                 "mode (blank credentials) the deployment's demo account would answer, whose "
                                 "opt-out list is not yours; nothing was asked")
    listed = call.context.client.get_blacklist(call.account.credentials)
    numbers = sorted(listed.numbers)
    log.info("AllMySMS opt-out list read: %d number(s)", len(numbers))
    return new_message({
        "numbers": numbers,
        "count": len(numbers),
        "entries": [{"phoneNumber": entry.phone_number, "comment": entry.comment,
                     "receptionDate": entry.reception_date} for entry in listed.entries],
    })
