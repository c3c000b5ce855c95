"""Which account sends: the user's credentials, or the deployment's demo account in trial mode."""

from __future__ import annotations

import pytest

from allmysms_component.errors import ConfigurationError
from allmysms_component.rules.account import (
    Account,
    Credentials,
    resolve,
    user_credentials,
)
from allmysms_component.settings import Settings

API_KEY = "k3y-Sup3r-S3cret-0123456789"
TRIAL_KEY = "tr1al-S3cret-9876543210"
TRIAL = Settings(trial_login="demo", trial_api_key=TRIAL_KEY)
NO_TRIAL = Settings()

BLANK_CONFIGS: dict[str, object] = {
    "none": None,
    "empty": {},
    "login-blank": {"login": "", "apiKey": API_KEY},
    "key-blank": {"login": "user", "apiKey": ""},
    "both-blank": {"login": "", "apiKey": ""},
    "login-whitespace": {"login": "  \t", "apiKey": API_KEY},
    "key-whitespace": {"login": "user", "apiKey": " \n"},
    "login-none": {"login": None, "apiKey": API_KEY},
    "key-none": {"login": "user", "apiKey": None},
    "login-missing": {"apiKey": API_KEY},
    "key-missing": {"login": "user"},
}


# --- the user's account ------------------------------------------------------------------------------------

def test_both_fields_filled_use_the_users_account() -> None:
    account = resolve({"login": "user", "apiKey": API_KEY}, TRIAL)
    assert account == Account(Credentials("user", API_KEY), trial=False)


def test_users_account_does_not_need_a_trial_account() -> None:
    account = resolve({"login": "user", "apiKey": API_KEY}, NO_TRIAL)
    assert account.trial is False


def test_whitespace_around_login_and_key_is_stripped() -> None:
    account = resolve({"login": " user\n", "apiKey": f"\t{API_KEY} \n"}, NO_TRIAL)
    assert account.credentials == Credentials("user", API_KEY)


def test_other_fields_in_the_configuration_are_ignored() -> None:
    account = resolve({"login": "user", "apiKey": API_KEY, "extra": 42}, NO_TRIAL)
    assert account.credentials == Credentials("user", API_KEY)


def test_user_credentials_returns_the_filled_credentials() -> None:
    assert user_credentials({"login": "user", "apiKey": API_KEY}) == Credentials("user", API_KEY)


# --- trial mode --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cfg", BLANK_CONFIGS.values(), ids=BLANK_CONFIGS.keys())
def test_either_field_blank_means_trial_mode(cfg: object) -> None:
    account = resolve(cfg, TRIAL)
    assert account == Account(Credentials("demo", TRIAL_KEY), trial=True)


@pytest.mark.parametrize("cfg", BLANK_CONFIGS.values(), ids=BLANK_CONFIGS.keys())
def test_user_credentials_are_none_when_either_field_is_blank(cfg: object) -> None:
    assert user_credentials(cfg) is None


def test_none_configuration_means_trial_mode() -> None:
    assert resolve(None, TRIAL).trial is True


def test_trial_mode_uses_the_account_from_the_environment() -> None:
    env = {"ALLMYSMS_TRIAL_LOGIN": "demo", "ALLMYSMS_TRIAL_API_KEY": TRIAL_KEY}
    account = resolve({}, Settings.from_env(env))
    assert account.trial is True
    assert account.credentials == Credentials(env["ALLMYSMS_TRIAL_LOGIN"], env["ALLMYSMS_TRIAL_API_KEY"])


@pytest.mark.parametrize("settings", [
    Settings(),
    Settings(trial_login="demo"),
    Settings(trial_api_key=TRIAL_KEY),
], ids=["none", "login-only", "key-only"])
def test_trial_mode_without_a_trial_account_names_both_variables(settings: Settings) -> None:
    with pytest.raises(ConfigurationError) as caught:
        resolve({"login": "user", "apiKey": ""}, settings)
    assert "ALLMYSMS_TRIAL_LOGIN" in str(caught.value)
    assert "ALLMYSMS_TRIAL_API_KEY" in str(caught.value)
    assert caught.value.may_have_been_sent is False


def test_trial_mode_without_environment_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        resolve(None, Settings.from_env({}))


# --- malformed configuration -------------------------------------------------------------------------------

@pytest.mark.parametrize("cfg", [
    {"login": 123, "apiKey": API_KEY},
    {"login": "user", "apiKey": 123456789},
    {"login": "user", "apiKey": [API_KEY]},
    {"login": ["user"], "apiKey": API_KEY},
    {"login": "user", "apiKey": True},
    {"login": {"value": "user"}, "apiKey": ""},
], ids=["login-number", "key-number", "key-list", "login-list", "key-bool", "login-object-key-blank"])
def test_non_string_credential_field_is_a_configuration_error(cfg: object) -> None:
    with pytest.raises(ConfigurationError):
        resolve(cfg, TRIAL)


def test_non_string_api_key_error_names_the_field_not_the_value() -> None:
    with pytest.raises(ConfigurationError) as caught:
        resolve({"login": "user", "apiKey": 987654321}, TRIAL)
    assert "apiKey" in str(caught.value)
    assert "987654321" not in str(caught.value)


@pytest.mark.parametrize("cfg", ["user:key", ["user", API_KEY], 42, ("login", "apiKey")],
                         ids=["string", "list", "number", "tuple"])
def test_configuration_that_is_not_a_mapping_is_a_configuration_error(cfg: object) -> None:
    with pytest.raises(ConfigurationError):
        resolve(cfg, TRIAL)


# --- secrets stay out of repr ------------------------------------------------------------------------------

def test_repr_of_credentials_never_shows_the_api_key() -> None:
    credentials = Credentials("user", API_KEY)
    assert API_KEY not in repr(credentials)
    assert API_KEY not in str(credentials)
    assert "user" in repr(credentials)


def test_repr_of_account_never_shows_the_api_key() -> None:
    assert API_KEY not in repr(resolve({"login": "user", "apiKey": API_KEY}, NO_TRIAL))
    assert TRIAL_KEY not in repr(resolve(None, TRIAL))
