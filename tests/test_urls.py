"""A URL as it may be shown: no password, in any of the forms a deployment writes one."""

from __future__ import annotations

import pytest

from pysailor.urls import UNREADABLE, origin, redact, split_credentials

SECRET = "Pa55w0rd"


@pytest.mark.parametrize(("url", "shown"), [
    (f"amqp://guest:{SECRET}@127.0.0.1:5672/vhost", "amqp://guest:******@127.0.0.1:5672/vhost"),
    (f"redis://:{SECRET}@redis:6379/0", "redis://:******@redis:6379/0"),
    (f"unix:///run/redis.sock?db=0&password={SECRET}", "unix:///run/redis.sock?db=0&password=******"),
    (f"redis://h/0?socket_timeout=3&password={SECRET}&db=1", "redis://h/0?socket_timeout=3&password=******&db=1"),
    (f"rediss://h?password={SECRET}#more", "rediss://h?password=******#******"),
    (f"redis://h?password=a&{SECRET}", "redis://h?password=******&******"),
    (f"redis+sentinel://:{SECRET}@h1:26379,h2:26379/mymaster/0", "redis+sentinel://:******@h1:26379,h2:26379/mymaster/0"),
    (f"amqp://guest:p@{SECRET}@h/", "amqp://guest:******@h/"),
    (f"http://u:{SECRET}@h/x?token={SECRET}", "http://u:******@h/x?token=******"),
    ("amqp://127.0.0.1:5672/", "amqp://127.0.0.1:5672/"),
])
def test_a_password_is_hidden_in_every_form(url: str, shown: str) -> None:
    assert redact(url) == shown


@pytest.mark.parametrize("url", [
    f"redis://:pa#{SECRET}@host:6379/0", f"redis://:pa/{SECRET}@host/0", f"redis://:pa?{SECRET}@host/0",
    f"redis://host/0?password=a@{SECRET}", "not a url", "", f"amqp://u:{SECRET} x@h/",
])
def test_a_url_no_parser_can_read_safely_is_a_placeholder_never_quoted(url: str) -> None:
    assert redact(url) == UNREADABLE


def test_userinfo_becomes_basic_auth_and_leaves_the_url() -> None:
    assert split_credentials("http://task:s%40cret@127.0.0.1:8000/callback/42") == (
        "http://127.0.0.1:8000/callback/42", ("task", "s@cret"))
    assert split_credentials("http://127.0.0.1/x") == ("http://127.0.0.1/x", None)


@pytest.mark.parametrize("url", ["http://[::1", "http://u:pa#ss@h/", "no scheme", "http://h:99999/"])
def test_a_url_that_cannot_be_read_is_refused_without_quoting_it(url: str) -> None:
    with pytest.raises(ValueError, match="cannot be read") as caught:
        split_credentials(url)
    assert "pa" not in str(caught.value)


def test_the_origin_hides_the_path_too() -> None:
    assert origin(f"http://u:{SECRET}@h:8000/callback/{SECRET}") == "http://h:8000"
    assert origin("http://[::1") == UNREADABLE


@pytest.mark.parametrize("url", [f"https://u:pa/{SECRET}@api.allmysms.com", f"https://u:{SECRET}@api.allmysms.com",
                                 f"https://api.allmysms.com?password={SECRET}"])
def test_the_api_url_is_refused_without_its_password(url: str) -> None:
    from allmysms_component.errors import ConfigurationError
    from allmysms_component.settings import check_api_url

    with pytest.raises(ConfigurationError, match="ALLMYSMS_API_URL") as caught:
        check_api_url(url)
    assert SECRET not in str(caught.value)
