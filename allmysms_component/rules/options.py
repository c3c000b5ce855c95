"""The Send SMS step's settings (its component.json ``fields``) read from ``cfg`` strictly, as the platform
sends them: a ticked CheckBoxView as the string ``"on"`` (absent when not ticked), a SelectView as a string.

A value the platform would not send is refused before any request, naming the setting by its label: a
misread "dry run" would send real, paid SMS. Keys that are not settings (credentials, the platform's own keys
such as ``_account``) are not this module's business.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from ..errors import ConfigurationError
from .text import MAX_PARTS

DRY_RUN = "dryRun"
MAX_SMS_PARTS = "maxSmsParts"
REPLACE_LOOKALIKES = "replaceLookalikes"
MARKETING = "marketingMessage"
DUPLICATE_WINDOW = "duplicateWindow"
DEFAULT_COUNTRY = "defaultCountry"
MOBILE_ONLY = "mobileNumbersOnly"
SKIP_OPTED_OUT = "skipOptedOut"
SETTINGS = (DRY_RUN, MAX_SMS_PARTS, REPLACE_LOOKALIKES, MARKETING, DUPLICATE_WINDOW, DEFAULT_COUNTRY, MOBILE_ONLY,
            SKIP_OPTED_OUT)
PARTS_CHOICES = [str(n) for n in range(1, MAX_PARTS + 1)]
WINDOW_CHOICES = ["0", "1", "5", "15", "60", "240", "1440"]  # minutes; 0: off
_SETTINGS = frozenset(SETTINGS)


class SendOptions(NamedTuple):
    """The settings of one Send SMS step; the defaults are the original component's behaviour."""

    dry_run: bool = False
    max_parts: int = 1
    replace_lookalikes: bool = False
    marketing: bool = False
    duplicate_window: float = 0.0  # seconds; 0: off
    default_country: str | None = None  # ISO 3166 alpha-2, upper case: numbers are read in that country
    mobile_only: bool = False           # with default_country: numbers that are not mobiles are refused
    skip_opted_out: bool = False        # getBlacklist before sending; listed numbers are skipped


DEFAULTS = SendOptions()


def send_options(cfg: object, labels: Mapping[str, str] | None = None) -> SendOptions:
    """The settings in ``cfg``; ConfigurationError for a value the platform would not send. ``labels`` maps a
    setting's key to how errors name it (its label in component.json)."""
    if not isinstance(cfg, Mapping) or _SETTINGS.isdisjoint(cfg):
        return DEFAULTS  # no setting at all (or no configuration: the account rules say what that means)

    def label(key: str) -> str:
        return (labels or {}).get(key, key)

    return SendOptions(
        dry_run=checkbox(cfg, DRY_RUN, label(DRY_RUN)),
        max_parts=int(select(cfg, MAX_SMS_PARTS, label(MAX_SMS_PARTS), PARTS_CHOICES, default="1")),
        replace_lookalikes=checkbox(cfg, REPLACE_LOOKALIKES, label(REPLACE_LOOKALIKES)),
        marketing=checkbox(cfg, MARKETING, label(MARKETING)),
        duplicate_window=60.0 * int(select(cfg, DUPLICATE_WINDOW, label(DUPLICATE_WINDOW), WINDOW_CHOICES,
                                           default="0")),
        default_country=country(cfg, label(DEFAULT_COUNTRY)),
        mobile_only=checkbox(cfg, MOBILE_ONLY, label(MOBILE_ONLY)),
        skip_opted_out=checkbox(cfg, SKIP_OPTED_OUT, label(SKIP_OPTED_OUT)),
    )


def country(cfg: Mapping[str, object], label: str) -> str | None:
    """The Default country: two letters (ISO 3166 alpha-2), upper-cased; None when absent or blank. Whether
    the country has a numbering plan is checked where numbers are read (rules.country), which loads the
    numbering data only for a step that sets it."""
    value = cfg.get(DEFAULT_COUNTRY)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and len(value.strip()) == 2 and value.strip().isascii() and value.strip().isalpha():
        return value.strip().upper()
    raise ConfigurationError(f"The setting {label} is {_shown(value)}: it must be a two-letter country code "
                             f"(ISO 3166 alpha-2), e.g. FR, BE or CH, or empty; nothing was sent")


def checkbox(cfg: Mapping[str, object], key: str, label: str) -> bool:
    """A CheckBoxView: ``"on"`` when ticked, absent (or null) when not; JSON true/false, unambiguous, are
    accepted for hand-written configurations."""
    value = cfg.get(key)
    if value is None or value is False:
        return False
    if value == "on" or value is True:
        return True
    raise ConfigurationError(f"The setting {label} is {_shown(value)}, which a checkbox never sends: it must be "
                             f"\"on\" (ticked) or absent (not ticked); nothing was sent")


def select(cfg: Mapping[str, object], key: str, label: str, choices: list[str], *, default: str) -> str:
    """A SelectView: one of ``choices`` as a string (a whole number is accepted for it); ``default`` when
    absent or null."""
    value = cfg.get(key)
    if value is None:
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value.strip() in choices:
        return value.strip()
    raise ConfigurationError(f"The setting {label} is {_shown(value)}: it must be one of "
                             f"{', '.join(repr(c) for c in choices)}; nothing was sent")


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 30 else text[:30] + "..."
