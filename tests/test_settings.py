"""Deployment settings from the environment: API URL (judged as the HTTP library will use it, ambiguity
refused), timeouts, trial account, the pool size; every setting documented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from urllib3.util import parse_url

from allmysms_component import context
from allmysms_component.errors import ConfigurationError
from allmysms_component.settings import (
    DEFAULT_API_URL,
    DEFAULT_MAX_CONNECTIONS,
    ENV_VARS,
    MAX_CONNECTIONS,
    Settings,
    Timeouts,
    check_api_url,
    is_loopback,
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


def host_requests_connects_to(base_url: str) -> str:
    """The host requests (through urllib3) opens a connection to for a POST under ``base_url``."""
    prepared = requests.Request("POST", f"{base_url}/http/9.0/sendSms/").prepare()
    return (parse_url(prepared.url or "").host or "").strip("[]")


# --- a URL is judged as urllib3 reads it ------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://sms-gateway.example:8080\\[::1]",
    "http://sms-gateway.example\\[::1]",
    "http://evil.example\\@127.0.0.1",
    "http://evil.example\\@127.0.0.1:8080",
    "http://127.0.0.1\\@evil.example",
    "http://127.0.0.1:8080\\evil.example",
], ids=["port-backslash-ipv6", "backslash-ipv6", "backslash-at-loopback", "backslash-at-loopback-port",
        "loopback-backslash-at", "loopback-port-backslash"])
def test_a_url_that_parsers_read_differently_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        check_api_url(url)
    assert "ALLMYSMS_API_URL" in str(caught.value)
    assert caught.value.may_have_been_sent is False


URL_PIECES = st.sampled_from(["http://", "https://", "HTTP://", "127.0.0.1", "localhost", "[::1]", "evil.example",
                              "sms-gateway.example", ":", "8080", "\\", "@", "[", "]", "/", "?", "#", "%",
                              "%2e", "%5c", "%40", "\t", " ", "\n", ".", "::1", "0", "99999", "\u3002", "\uff0e"])


@given(pieces=st.lists(URL_PIECES, min_size=1, max_size=8))
def test_an_accepted_url_is_one_requests_connects_to_as_judged(pieces: list[str]) -> None:
    url = "".join(pieces)
    try:
        accepted = check_api_url(url)
    except ConfigurationError:
        return
    host = host_requests_connects_to(accepted)
    assert host
    if accepted.lower().startswith("http://"):
        assert is_loopback(host), f"{url!r} was accepted for plain http, but requests connects to {host!r}"


# --- values that cannot work are refused up front, naming the variable ------------------------------------

@pytest.mark.parametrize(("url", "said"), [
    ("http://[::1", "ALLMYSMS_API_URL"),
    ("https://[::1", "ALLMYSMS_API_URL"),
    ("http://localhost:99999", "port"),
    ("http://localhost:65536", "port"),
    ("http://localhost:0", "port"),
    ("http://localhost:abc", "port"),
    ("http://localhost:+80", "port"),
    ("http://localhost:\u0668\u0660", "ASCII"),
    ("https://api.allmysms.com:", "port"),
    ("http://local\thost:8080", "control"),
    ("http://localhost:8080/a\tpi", "control"),
    ("https://api.allmysms\n.com", "control"),
    ("https://api.allmysms.com/a b", "control"),
    ("http://localhost:8080?", "query"),
    ("http://localhost:8080#", "query"),
    ("https://api.allmysms.com/?", "query"),
    ("https://api.allmysms.com/x#", "query"),
    ("https://\u00e4pi.example.com", "ASCII"),
    ("https://api.allmysms.com/%zz", "path"),
], ids=["ipv6-unclosed", "ipv6-unclosed-https", "port-99999", "port-65536", "port-0", "port-letters",
        "port-plus", "port-arabic-digits", "port-empty", "tab-in-host", "tab-in-path", "newline-in-host",
        "space-in-path", "bare-question-mark", "bare-hash", "bare-question-mark-after-slash",
        "bare-hash-after-path", "non-ascii-host", "bad-percent-escape"])
def test_an_unusable_url_is_refused_before_any_request_naming_the_variable(url: str, said: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({"ALLMYSMS_API_URL": url})
    assert "ALLMYSMS_API_URL" in str(caught.value)
    assert said.lower() in str(caught.value).lower()
    assert caught.value.__context__ is None


@pytest.mark.parametrize("url", [
    "https://api.allmysms.com",
    "https://api.allmysms.com:443/",
    "https://API.AllMySMS.com/base/path",
    "https://sandbox.example.com:8443/api%2Fv9",
    "http://127.0.0.1:65535",
    "http://[::1]:1",
    "HTTP://localhost:8080",
])
def test_usable_urls_are_kept(url: str) -> None:
    assert check_api_url(url) == url.rstrip("/")


def test_a_refused_url_is_shown_without_its_password_and_with_its_control_characters_escaped() -> None:
    with pytest.raises(ConfigurationError) as caught:
        check_api_url("https://user:pa55w0rd@api.allmysms.com\t")
    assert "pa55w0rd" not in str(caught.value)
    assert "\t" not in str(caught.value)


# --- the connection pool's size ---------------------------------------------------------------------------

def test_the_pool_holds_16_connections_by_default() -> None:
    assert DEFAULT_MAX_CONNECTIONS == 16
    assert Settings.from_env({}).max_connections == 16


@pytest.mark.parametrize(("raw", "expected"), [("1", 1), (" 64\n", 64), (str(MAX_CONNECTIONS), MAX_CONNECTIONS),
                                               ("", DEFAULT_MAX_CONNECTIONS)])
def test_the_pool_size_is_read_from_the_environment(raw: str, expected: int) -> None:
    assert Settings.from_env({"ALLMYSMS_MAX_CONNECTIONS": raw}).max_connections == expected


@pytest.mark.parametrize("raw", ["0", "-1", "1.5", "abc", "\u0663", str(MAX_CONNECTIONS + 1), "1e3"])
def test_an_unusable_pool_size_is_refused_naming_the_variable(raw: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({"ALLMYSMS_MAX_CONNECTIONS": raw})
    assert "ALLMYSMS_MAX_CONNECTIONS" in str(caught.value)


# --- every setting is documented in both places -----------------------------------------------------------

def test_every_setting_is_in_component_json_and_in_the_readme_table() -> None:
    root = Path(__file__).resolve().parent.parent
    env_vars = json.loads((root / "component.json").read_text(encoding="utf-8"))["envVars"]
    readme = (root / "README.md").read_text(encoding="utf-8")
    for name in ENV_VARS:
        assert name in env_vars, name
        assert f"| `{name}` |" in readme, name
