"""Quiet hours of marketing SMS: when a send marked Marketing message may go out (Paris time), and the next time
it may when it may not.

French providers refuse marketing SMS at night (22:00 to 08:00), on Sundays and on French public holidays. The
rule table (README, "Quiet hours") is :data:`RULES`, checked in its order: the first row that matches refuses.
No setting overrides it: the providers would refuse such SMS anyway, so a send in those hours could only fail or
be held by AllMySMS without a word. The holidays come from the ``holidays`` library (metropolitan France), loaded
only by a marketing send.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from ..errors import InvalidInputError
from .schedule import PARIS

DAY_STARTS = time(8, 0)
NIGHT_STARTS = time(22, 0)
FIELD = "sendAt"
SUNDAY = 6


def _night(moment: datetime) -> bool:
    return not DAY_STARTS <= moment.time() < NIGHT_STARTS


def _sunday(moment: datetime) -> bool:
    return moment.weekday() == SUNDAY


def _holiday(moment: datetime) -> bool:
    return holiday_name(moment.date()) is not None


# (what the README's table says, the test on Paris wall-clock time): the first that matches refuses the send.
RULES: tuple[tuple[str, Callable[[datetime], bool]], ...] = (
    ("at night, 22:00 to 08:00", _night),
    ("on a Sunday", _sunday),
    ("on a French public holiday", _holiday),
)


def holiday_name(day: date) -> str | None:
    """The French public holiday on ``day`` (its name in the ``holidays`` library), or None."""
    import holidays  # loaded by marketing sends only: a plain send never needs it

    name: str | None = holidays.country_holidays("FR", years=day.year).get(day)
    return name


def why_quiet(moment: datetime) -> str | None:
    """Why a marketing SMS may not go out at ``moment`` (aware), in words; None when it may."""
    local = moment.astimezone(PARIS)
    for reason, matches in RULES:
        if matches(local):
            return reason
    return None


def next_allowed(moment: datetime) -> datetime:
    """The first time at or after ``moment`` (aware) when a marketing SMS may go out, in Paris time."""
    local = moment.astimezone(PARIS)
    while why_quiet(local) is not None:
        # Before 08:00 the day itself may still open; from 08:00 on (a Sunday, a holiday, the night) the next.
        day = local.date() + timedelta(days=1) if local.time() >= DAY_STARTS else local.date()
        local = datetime.combine(day, DAY_STARTS, PARIS)
    return local


def check(moment: datetime, *, scheduled: bool, label: str = FIELD) -> None:
    """InvalidInputError when a marketing send at ``moment`` (Send at, or now for an immediate send) falls in the
    quiet hours, with the next allowed time; nothing has been sent."""
    reason = why_quiet(moment)
    if reason is None:
        return
    local = moment.astimezone(PARIS)
    if reason == RULES[2][0]:
        reason = f"on a French public holiday ({holiday_name(local.date())})"
    when = f"{label} {local.isoformat()}" if scheduled else f"now ({local.isoformat(timespec='minutes')})"
    raise InvalidInputError(
        [f"Marketing SMS may not be sent at night (22:00 to 08:00 Paris time), on Sundays or on French public "
         f"holidays, and {when} is {reason}; the next allowed time is {next_allowed(moment).isoformat()}: "
         f"set {label} to it or later"], field=FIELD)
