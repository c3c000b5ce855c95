"""Deployment settings, read from the environment: where the API is, how long to wait, the trial account.

All optional (see component.json ``envVars``). A bad value is a ConfigurationError that names the variable,
raised before any HTTP request.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .errors import ConfigurationError

# The variables read, in the order Settings.parse takes them.
ENV_VARS = ("ALLMYSMS_API_URL", "ALLMYSMS_CONNECT_TIMEOUT", "ALLMYSMS_READ_TIMEOUT", "ALLMYSMS_TRIAL_LOGIN",
            "ALLMYSMS_TRIAL_API_KEY")
DEFAULT_API_URL = "https://api.allmysms.com"
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0
MAX_TIMEOUT = 300.0


@dataclass(frozen=True)
class Timeouts:
    connect: float = DEFAULT_CONNECT_TIMEOUT
    read: float = DEFAULT_READ_TIMEOUT


@dataclass(frozen=True)
class Settings:
    api_url: str = DEFAULT_API_URL
    timeouts: Timeouts = Timeouts()
    trial_login: str = ""
    trial_api_key: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        return cls.parse(raw_values(os.environ if env is None else env))

    @classmethod
    def parse(cls, raw: tuple[str, ...]) -> Settings:
        """Settings from the raw values of ENV_VARS, in that order; a refused value raises ConfigurationError."""
        api_url, connect, read, trial_login, trial_api_key = raw
        return cls(
            api_url=check_api_url(api_url.strip() or DEFAULT_API_URL),
            timeouts=Timeouts(
                connect=_seconds("ALLMYSMS_CONNECT_TIMEOUT", connect, DEFAULT_CONNECT_TIMEOUT),
                read=_seconds("ALLMYSMS_READ_TIMEOUT", read, DEFAULT_READ_TIMEOUT),
            ),
            trial_login=trial_login.strip(),
            trial_api_key=trial_api_key.strip(),
        )


def raw_values(env: Mapping[str, str]) -> tuple[str, ...]:
    """The raw values Settings are parsed from: cheap to read and compare on every message."""
    return tuple(env.get(name, "") for name in ENV_VARS)


def check_api_url(url: str) -> str:
    """The base URL without a trailing slash; https, or http on a loopback host only."""
    parts = urlsplit(url)
    problem = None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        problem = "it must be an absolute https:// URL"
    elif parts.username or parts.password:
        problem = "it must not contain credentials"
    elif parts.query or parts.fragment:
        problem = "it must not have a query or a fragment"
    elif parts.scheme == "http" and not is_loopback(parts.hostname):
        problem = "plain http:// is allowed only for loopback hosts (a local sandbox): credentials would cross " \
                  "the network in clear text"
    if problem:
        shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()  # never echo a password
        raise ConfigurationError(f"ALLMYSMS_API_URL {shown!r} is refused: {problem}; nothing was sent")
    return url.rstrip("/")


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _seconds(name: str, raw: str, default: float) -> float:
    raw = raw.strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= MAX_TIMEOUT:
        raise ConfigurationError(f"{name} {raw!r} is refused: it must be a number of seconds above 0 and at "
                                 f"most {MAX_TIMEOUT:g}; nothing was sent")
    return value
