"""Send times: an ISO 8601 date-time with an offset, checked, and written as AllMySMS's ``DATE`` in Paris time.

AllMySMS does not document the time zone of ``DATE`` nor of its report dates; as a French provider its clock
is assumed to be Europe/Paris, and zoneinfo handles summer time. A time without an offset is refused rather
than guessed: the flow's server, the user and AllMySMS may all be in different zones. So is a time in the hour
Paris repeats when summer time ends (``DATE`` could not say which pass is meant), an offset no place uses, and a
time more than a year ahead (a paid send decades out is a typo, not a plan).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from ..errors import InvalidInputError

PARIS = ZoneInfo("Europe/Paris")
API_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
FIELD = "sendAt"
EXAMPLE = "2026-12-01T09:30:00+01:00"
MAX_AHEAD = timedelta(days=366)      # a year, leap day included: the same date next year is always accepted
MAX_OFFSET = timedelta(hours=14)     # real zones run from -12:00 (Baker Island) to +14:00 (Kiribati)

_ISO = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt ](?P<h>[0-9]{2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2})(?:[.,][0-9]+)?)?"
    r"(?P<zone>[Zz]|(?P<sign>[+-])(?P<oh>[0-9]{2})(?::?(?P<om>[0-9]{2}))?)?")
_API_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")


@dataclass(frozen=True)
class Schedule:
    """When to send: an aware date-time in Paris time, to the second (AllMySMS's resolution)."""

    at: datetime

    @property
    def api_date(self) -> str:
        """``DATE`` as AllMySMS reads it: ``YYYY-MM-DD HH:MM:SS``, Paris local time."""
        return self.at.strftime(API_DATE_FORMAT)

    @property
    def iso(self) -> str:
        """The same instant in ISO 8601 with the Paris offset of that day, e.g. ``2026-07-01T09:30:00+02:00``."""
        return self.at.isoformat()


def parse_send_at(raw: str, *, now: datetime, label: str = FIELD) -> Schedule:
    """The schedule for ``raw``; InvalidInputError when ``read_send_at`` refuses it or it is not after ``now``
    (an aware date-time)."""
    schedule = read_send_at(raw, now=now, label=label)
    require_future(schedule, now=now, label=label)
    return schedule


def read_send_at(raw: str, *, now: datetime, label: str = FIELD) -> Schedule:
    """The schedule for ``raw``, whether or not its time has passed; InvalidInputError when it has no offset,
    cannot be read, has an offset no place uses, falls in the hour Paris repeats, or is more than a year after
    ``now``. Fractions of a second are dropped. Whether it is still in the future is ``require_future``'s
    question, asked after the send journal: a redelivery past its time must replay, not be refused."""
    text = raw.strip()
    shown = text if len(text) <= 40 else text[:40] + "..."
    match = _ISO.fullmatch(text)
    if match is None:
        raise _refused(f"{label} {shown!r} is not a date-time in ISO 8601, e.g. {EXAMPLE} or "
                       f"2026-12-01T08:30:00Z")
    if match["zone"] is None:
        raise _refused(f"{label} {shown!r} has no offset: add one, e.g. {EXAMPLE} or a final Z for UTC, so that "
                       f"the time is not guessed")
    offset = timezone.utc
    if match["sign"]:
        minutes = int(match["om"] or "0")
        delta = timedelta(hours=int(match["oh"]), minutes=minutes)
        if minutes > 59 or delta > MAX_OFFSET:
            raise _refused(f"{label} {shown!r}: the offset {match['sign']}{match['oh']}:{match['om'] or '00'} is "
                           f"not one a place uses; offsets are between -14:00 and +14:00, e.g. {EXAMPLE}")
        offset = timezone(delta if match["sign"] == "+" else -delta)
    try:
        local = datetime.strptime(f"{match['date']} {match['h']}:{match['m']}:{match['s'] or '00'}",
                                  API_DATE_FORMAT)
        at = local.replace(tzinfo=offset).astimezone(PARIS)
    except (ValueError, OverflowError):  # 2026-02-30, 25:00, year 0001 - 1 h
        raise _refused(f"{label} {shown!r} is not a possible date-time, e.g. {EXAMPLE}") from None
    if at.replace(fold=1 - at.fold).utcoffset() != at.utcoffset():
        hour = at.replace(minute=0, second=0)
        raise _refused(f"{label} {at.isoformat()} falls in the hour Paris repeats when summer time ends "
                       f"({hour:%H:%M} to {hour + timedelta(hours=1):%H:%M} on {hour:%Y-%m-%d} happens twice), and "
                       f"AllMySMS's DATE, in Paris local time, cannot say which pass is meant: choose a time "
                       f"outside that hour")
    if at - now > MAX_AHEAD:
        raise _refused(f"{label} {at.isoformat()} is more than a year ahead (now {_now(now)}): a send can be "
                       f"scheduled at most {MAX_AHEAD.days} days ahead; check the year")
    return Schedule(at)


def require_future(schedule: Schedule, *, now: datetime, label: str = FIELD) -> None:
    """InvalidInputError unless ``schedule`` is after ``now``: a scheduled send needs a time to come."""
    if schedule.at <= now:
        raise _refused(f"{label} {schedule.iso} is not in the future (now {_now(now)}): a scheduled send needs "
                       f"a time to come; leave it empty to send at once")


def paris_iso(api_date: str) -> str | None:
    """An AllMySMS date (``YYYY-MM-DD HH:MM:SS``, Paris time assumed) in ISO 8601 with its offset; None when
    it is not one."""
    if not _API_DATE.fullmatch(api_date):
        return None
    try:
        return datetime.strptime(api_date, API_DATE_FORMAT).replace(tzinfo=PARIS).isoformat()
    except ValueError:
        return None


def _now(now: datetime) -> str:
    return now.astimezone(PARIS).isoformat(timespec="seconds")


def _refused(problem: str) -> InvalidInputError:
    return InvalidInputError([problem], field=FIELD)
