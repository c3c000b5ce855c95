"""Reading the environment, in one place: required values, the sailor's numbers and flags, durations and counts.

The sailor's own variables follow sailor-nodejs 2.7.8 ``lib/settings.js`` (sailor-protocol.md section 2.1) where
a flow could notice: a number is JavaScript's ``parseInt(value) || default`` (``"0"``, ``"abc"`` and ``""`` give
the default, ``"12ms"`` gives 12), a boolean is false for ``""`` and ``"false"`` and true for any other string;
we refuse what the sailor would pass on to the broker or to ``setTimeout`` (a negative number, one past a
bound). Durations and counts of our own are strict: a value that does not parse or fit is refused, naming the
variable and saying what is allowed. Every refusal is a ``SettingsError``: one fatal line, exit 1.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

from .errors import ConfigurationError

_INT = re.compile(r"\s*([+-]?\d+)")


class SettingsError(ConfigurationError):
    """A variable is missing or refused."""


def required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if not value:
        raise SettingsError(f"{name} is missing")
    return value


def parse_int(raw: str) -> int | None:
    """JavaScript's ``parseInt(raw)`` for decimal text: the leading integer, or None where it gives NaN."""
    match = _INT.match(raw)
    return int(match.group(1)) if match and len(match.group(1)) <= 18 else None


def js_number(env: Mapping[str, str], name: str, default: int, *, high: int = 2**31 - 1) -> int:
    """``parseInt(value) || default``, as the sailor reads a numeric option; negative or over ``high`` refused."""
    raw = env.get(name)
    value = parse_int(raw) if raw else None
    if not value:
        return default
    if value < 0:
        raise SettingsError(f"{name} must not be negative, not {raw!r}")
    if value > high:
        raise SettingsError(f"{name} must be at most {high}, not {raw!r}")
    return value


def flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """Unset gives the default; ``""`` and ``"false"`` give false; anything else true."""
    raw = env.get(name)
    if raw is None:
        return default
    return raw not in ("", "false")


def seconds(name: str, raw: str, default: float, fits: Callable[[float], bool] = lambda value: 0 < value < math.inf,
            allowed: str = "a number of seconds above 0") -> float:
    """A duration in seconds (blank: ``default``); refused when it does not parse or ``fits`` says no."""
    raw = raw.strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not fits(value):  # NaN fits no range
        raise refused(name, raw, allowed)
    return value


def whole_number(name: str, raw: str, default: int, low: int, high: int, allowed: str) -> int:
    """A count (blank: ``default``): ASCII digits from ``low`` to ``high``, else refused."""
    raw = raw.strip()
    if not raw:
        return default
    value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else low - 1
    if not low <= value <= high:
        raise refused(name, raw, allowed)
    return value


def refused(name: str, raw: str, allowed: str) -> SettingsError:
    shown = raw if len(raw) <= 40 else raw[:37] + "..."
    return SettingsError(f"{name} {shown!r} is refused: {name} must be {allowed}")
