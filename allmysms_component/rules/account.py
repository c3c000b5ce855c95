"""Which AllMySMS account sends: the user's credentials, or the deployment's demo account in trial mode."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from ..errors import ConfigurationError
from ..settings import Settings

TRIAL_MAX_RECIPIENTS = 2


class Credentials:
    """An account's login and API key; the key stays out of the repr, and the pair is never iterable (as a tuple
    would be, handing the key to any ``%`` formatting or unpacking)."""

    __slots__ = ("api_key", "login")
    login: str
    api_key: str

    def __init__(self, login: str, api_key: str) -> None:
        object.__setattr__(self, "login", login)
        object.__setattr__(self, "api_key", api_key)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Credentials are read-only")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Credentials):
            return NotImplemented
        return (self.login, self.api_key) == (other.login, other.api_key)

    def __hash__(self) -> int:
        return hash((self.login, self.api_key))

    def __repr__(self) -> str:
        return f"Credentials(login={self.login!r})"


class Account(NamedTuple):
    credentials: Credentials
    trial: bool


def user_credentials(cfg: object) -> Credentials | None:
    """The credentials the user filled in, or None when either field is blank (trial mode)."""
    if cfg is None:
        return None
    if not isinstance(cfg, Mapping):
        raise ConfigurationError(f"the step configuration must be an object, not {type(cfg).__name__}")
    login = _field(cfg, "login")
    api_key = _field(cfg, "apiKey")
    if not login or not api_key:
        return None
    return Credentials(login, api_key)


def _field(cfg: Mapping[str, object], name: str) -> str:
    value = cfg.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigurationError(f"the credential field {name} must be text, not {type(value).__name__}")
    # Pasted keys often carry a trailing newline or space; AllMySMS keys and logins never contain one.
    return value.strip()


def resolve(cfg: object, settings: Settings) -> Account:
    """The account to send with; ConfigurationError when trial mode is needed but not set up."""
    credentials = user_credentials(cfg)
    if credentials is not None:
        return Account(credentials, trial=False)
    if not settings.trial_login or not settings.trial_api_key:
        raise ConfigurationError(
            "The login or the API key is blank, which means trial mode, but this deployment has no trial "
            "account: set ALLMYSMS_TRIAL_LOGIN and ALLMYSMS_TRIAL_API_KEY, or fill in both credential fields; "
            "nothing was sent")
    return Account(Credentials(settings.trial_login, settings.trial_api_key), trial=True)
