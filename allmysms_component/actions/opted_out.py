"""Skip opted-out numbers: one getBlacklist call before a send, and the plan without the numbers it lists, each
reported in skippedNumbers with its reason. When the list cannot be read, nothing is sent (the call's error)."""

from __future__ import annotations

import logging

from ..api import AllMySmsClient
from ..errors import InvalidInputError
from ..rules import recipients
from .send_plan import Plan

OPTED_OUT = "opted out: on the account's opt-out list (getBlacklist)"

log = logging.getLogger("allmysms_component.actions.send_sms")


def skip_opted_out(planned: Plan, client: AllMySmsClient, label: str) -> Plan:
    """``planned`` without the numbers on the account's opt-out list; InvalidInputError when that leaves none."""
    try:
        listed = client.get_blacklist(planned.account.credentials).numbers
    except Exception:
        log.error("Skip opted-out numbers is ticked and the opt-out list could not be read: nothing was sent")
        raise
    numbers = planned.numbers
    out = [number for number in numbers.numbers if number in listed]
    if not out:
        log.info("None of the %d number(s) is on the opt-out list", len(numbers.numbers))
        return planned
    kept = [number for number in numbers.numbers if number not in listed]
    if not kept:
        raise InvalidInputError([f"every number of {label} is on the account's opt-out list "
                                 f"({recipients.mask_all(out)})"], field=recipients.FIELD)
    log.info("%d number(s) on the opt-out list left out: %s", len(out), recipients.mask_all(out))
    request = planned.request
    params = None if request.params is None else {number: request.params[number] for number in kept}
    return planned._replace(
        numbers=recipients.Recipients(kept, numbers.invalid, numbers.skipped + out),
        request=request._replace(recipients=kept, params=params),
        reasons={**(planned.reasons or {}), **dict.fromkeys(out, OPTED_OUT)},
        texts=None if planned.texts is None else {n: planned.texts[n] for n in kept})
