"""Deployment settings from the environment: API URL, timeouts, trial account."""

from __future__ import annotations

import pytest

from allmysms_component import context
from allmysms_component.errors import ConfigurationError
from allmysms_component.settings import (
    DEFAULT_API_URL,
    Settings,
    Timeouts,
    check_api_url,
)

SECRET = "tr1al-S3cret-9876543210"


# --- API URL -----------------------------------------------------------------------------------------------

def test_default_api_url_is_the_allmysms_https_api() -> None:
    assert Settings.from_env({}).api_url == "https://api.allmysms.com"


def test_default_api_url_when_the_process_environment_has_none() -> None:
    assert context.current().settings.api_url == "https://api.allmysms.com"


@pytest.mark.parametrize("value", ["", "   ", "\n"], ids=["empty", "spaces", "newline"])
def test_blank_api_url_means_the_default(value: str) -> None:
    assert Settings.from_env({"ALLMYSMS_API_URL": value}).api_url == DEFAULT_API_URL


def test_api_url_is_read_from_the_environment() -> None:
    assert Settings.from_env({"ALLMYSMS_API_URL": "https://sandbox.example.com"}).api_url == \
        "https://sandbox.example.com"


def test_api_url_is_stripped_of_surrounding_whitespace() -> None:
    assert Settings.from_env({"ALLMYSMS_API_URL": " https://sandbox.example.com \n"}).api_url == \
        "https://sandbox.example.com"


@pytest.mark.parametrize(("url", "expected"), [
    ("https://api.allmysms.com/", "https://api.allmysms.com"),
    ("https://sandbox.example.com/api/", "https://sandbox.example.com/api"),
    ("https://sandbox.example.com:8443/", "https://sandbox.example.com:8443"),
    ("https://api.allmysms.com", "https://api.allmysms.com"),
])
def test_trailing_slash_is_removed(url: str, expected: str) -> None:
    assert check_api_url(url) == expected


@pytest.mark.parametrize("url", [
    "http://localhost",
    "http://localhost:8080",
    "http://LOCALHOST:8080/",
    "http://127.0.0.1",
    "http://127.0.0.1:9000",
    "http://127.5.5.5:9000",
    "http://[::1]",
    "http://[::1]:8080",
])
def test_plain_http_is_allowed_on_loopback_hosts(url: str) -> None:
    assert check_api_url(url) == url.rstrip("/")


@pytest.mark.parametrize("url", [
    "http://api.allmysms.com",
    "http://192.168.1.10:8080",
    "http://10.0.0.1",
    "http://0.0.0.0:8080",
    "http://[2001:db8::1]",
    "http://localhost.example.com",
    "http://127.0.0.1.nip.io",
    "http://mylocalhost",
])
def test_plain_http_is_refused_elsewhere_naming_the_variable(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        check_api_url(url)
    assert "ALLMYSMS_API_URL" in str(caught.value)
    assert "http" in str(caught.value)


def test_plain_http_refusal_applies_to_the_environment_variable() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({"ALLMYSMS_API_URL": "http://api.allmysms.com"})
    assert "ALLMYSMS_API_URL" in str(caught.value)


@pytest.mark.parametrize("url", [
    "https://user:pa55w0rd@api.allmysms.com",
    "https://user@api.allmysms.com",
    "https://api.allmysms.com/?debug=1",
    "https://api.allmysms.com/#top",
    "ftp://api.allmysms.com",
    "file:///etc/passwd",
    "api.allmysms.com",
    "https://",
    "//api.allmysms.com",
], ids=["user-password", "user", "query", "fragment", "ftp", "file", "no-scheme", "no-host",
        "scheme-relative"])
def test_unusable_api_url_is_refused_naming_the_variable(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        check_api_url(url)
    assert "ALLMYSMS_API_URL" in str(caught.value)


def test_refused_url_error_does_not_echo_its_password() -> None:
    with pytest.raises(ConfigurationError) as caught:
        check_api_url("https://user:pa55w0rd@api.allmysms.com")
    assert "pa55w0rd" not in str(caught.value)


def test_api_url_error_says_nothing_was_sent() -> None:
    with pytest.raises(ConfigurationError) as caught:
        check_api_url("ftp://api.allmysms.com")
    assert caught.value.may_have_been_sent is False


# --- timeouts ----------------------------------------------------------------------------------------------

def test_default_timeouts() -> None:
    assert Settings.from_env({}).timeouts == Timeouts(connect=5.0, read=30.0)


@pytest.mark.parametrize(("raw", "expected"), [("2.5", 2.5), ("10", 10.0), (" 7 ", 7.0), ("0.1", 0.1),
                                               ("300", 300.0), ("1e2", 100.0)])
def test_connect_timeout_is_parsed(raw: str, expected: float) -> None:
    assert Settings.from_env({"ALLMYSMS_CONNECT_TIMEOUT": raw}).timeouts.connect == expected


@pytest.mark.parametrize(("raw", "expected"), [("2.5", 2.5), ("60", 60.0), (" 45\n", 45.0), ("300", 300.0)])
def test_read_timeout_is_parsed(raw: str, expected: float) -> None:
    assert Settings.from_env({"ALLMYSMS_READ_TIMEOUT": raw}).timeouts.read == expected


def test_blank_timeout_means_the_default() -> None:
    timeouts = Settings.from_env({"ALLMYSMS_CONNECT_TIMEOUT": " ", "ALLMYSMS_READ_TIMEOUT": ""}).timeouts
    assert timeouts == Timeouts()


def test_timeouts_are_read_from_the_environment() -> None:
    env = {"ALLMYSMS_CONNECT_TIMEOUT": "3", "ALLMYSMS_READ_TIMEOUT": "12"}
    assert Settings.from_env(env).timeouts == Timeouts(connect=3.0, read=12.0)


@pytest.mark.parametrize("raw", ["abc", "5s", "0", "0.0", "-1", "-0", "301", "1e9", "nan",
                                 "inf", "-inf"])
@pytest.mark.parametrize("name", ["ALLMYSMS_CONNECT_TIMEOUT", "ALLMYSMS_READ_TIMEOUT"])
def test_invalid_timeout_is_refused_naming_the_variable(name: str, raw: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({name: raw})
    assert name in str(caught.value)


# --- trial account -----------------------------------------------------------------------------------------

def test_trial_account_is_read_and_stripped() -> None:
    settings = Settings.from_env({"ALLMYSMS_TRIAL_LOGIN": " demo\n", "ALLMYSMS_TRIAL_API_KEY": f"\t{SECRET} \n"})
    assert settings.trial_login == "demo"
    assert settings.trial_api_key == SECRET


def test_trial_account_is_blank_when_unset() -> None:
    settings = Settings.from_env({})
    assert settings.trial_login == ""
    assert settings.trial_api_key == ""


def test_trial_account_is_read_from_the_environment() -> None:
    settings = Settings.from_env({"ALLMYSMS_TRIAL_LOGIN": "demo", "ALLMYSMS_TRIAL_API_KEY": SECRET})
    assert (settings.trial_login, settings.trial_api_key) == ("demo", SECRET)


# --- secrets stay out of repr ------------------------------------------------------------------------------

def test_repr_of_settings_never_shows_the_trial_api_key() -> None:
    settings = Settings(trial_login="demo", trial_api_key=SECRET)
    assert SECRET not in repr(settings)
    assert SECRET not in str(settings)


def test_repr_of_settings_from_env_never_shows_the_trial_api_key() -> None:
    settings = Settings.from_env({"ALLMYSMS_TRIAL_LOGIN": "demo", "ALLMYSMS_TRIAL_API_KEY": SECRET})
    assert SECRET not in repr(settings)
