"""The journal's settings from the environment: defaults, accepted values, and errors that name the variable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from allmysms_component.errors import ConfigurationError
from allmysms_component.journal import JournalSettings
from allmysms_component.journal.settings import DEFAULT_MEMORY_MB, DEFAULT_TTL, NAMES


def test_unset_means_a_journal_in_memory_kept_for_a_day() -> None:
    settings = JournalSettings.from_env({})
    assert settings == JournalSettings()
    assert (settings.url, settings.ttl, settings.send_unproven_redeliveries) == ("", 86_400.0, False)
    assert settings.memory_limit_bytes == DEFAULT_MEMORY_MB * 1024 * 1024 == 32 * 1024 * 1024
    assert DEFAULT_TTL == 86_400.0
    assert not settings.shared
    assert settings.where == "in memory"


def test_every_setting_is_read() -> None:
    settings = JournalSettings.from_env({
        "ALLMYSMS_JOURNAL_URL": " redis://redis.internal:6380/2 ",
        "ALLMYSMS_JOURNAL_TTL": "7200",
        "ALLMYSMS_SEND_UNPROVEN_REDELIVERIES": "True",
        "ALLMYSMS_JOURNAL_MEMORY_MB": "8",
    })
    assert settings == JournalSettings("redis://redis.internal:6380/2", 7200.0, True, 8 * 1024 * 1024)
    assert settings.shared


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://cache.example.com:6380",
                                 "redis://:secret@127.0.0.1/1", "unix:///run/redis/redis.sock?db=3",
                                 "redis://127.0.0.1?socket_timeout=1"])
def test_redis_urls_are_accepted(url: str) -> None:
    assert JournalSettings.from_env({"ALLMYSMS_JOURNAL_URL": url}).url == url


@pytest.mark.parametrize(("value", "flag"), [("true", True), ("1", True), ("YES", True), ("on", True),
                                             ("false", False), ("0", False), ("no", False), (" ", False)])
def test_the_unproven_redeliveries_flag(value: str, flag: bool) -> None:
    assert JournalSettings.from_env({"ALLMYSMS_SEND_UNPROVEN_REDELIVERIES": value}).send_unproven_redeliveries \
        is flag


REFUSED = [
    ("ALLMYSMS_JOURNAL_URL", "http://127.0.0.1:6379", "redis://, rediss://, unix://, redis+sentinel://"),
    ("ALLMYSMS_JOURNAL_URL", "127.0.0.1:6379", "redis://, rediss://, unix://, redis+sentinel://"),
    ("ALLMYSMS_JOURNAL_URL", "redis://", "names no host"),
    ("ALLMYSMS_JOURNAL_URL", "redis://host:port", "cannot be read as a URL"),
    ("ALLMYSMS_JOURNAL_URL", "redis+sentinel://h1:26379,h2:26379", "must name the Sentinel service"),
    ("ALLMYSMS_JOURNAL_URL", "redis://h1:6379,h2:6379/0", "use redis+sentinel:// or redis+cluster://"),
    ("ALLMYSMS_JOURNAL_URL", "redis+cluster://h1:7000/3", "database 0 only"),
    ("ALLMYSMS_JOURNAL_REPLICAS", "some", "auto or a whole number from 0 to 16"),
    ("ALLMYSMS_JOURNAL_REPLICAS", "17", "auto or a whole number from 0 to 16"),
    ("ALLMYSMS_JOURNAL_REPLICA_TIMEOUT", "0", "from 0.01 to 60"),
    ("ALLMYSMS_JOURNAL_URL", "unix://", "names no socket path"),
    ("ALLMYSMS_JOURNAL_TTL", "a day", "number of seconds"),
    ("ALLMYSMS_JOURNAL_TTL", "60", "from 3600 (an hour)"),
    ("ALLMYSMS_JOURNAL_TTL", "99999999", "to 2592000 (30 days)"),
    ("ALLMYSMS_JOURNAL_TTL", "nan", "number of seconds"),
    ("ALLMYSMS_SEND_UNPROVEN_REDELIVERIES", "maybe", "true or false"),
    ("ALLMYSMS_JOURNAL_MEMORY_MB", "0", "from 1 to 4096"),
    ("ALLMYSMS_JOURNAL_MEMORY_MB", "1.5", "whole number"),
    ("ALLMYSMS_JOURNAL_MEMORY_MB", "-3", "whole number"),
]


@pytest.mark.parametrize(("name", "value", "problem"), REFUSED, ids=[f"{n}={v}" for n, v, _ in REFUSED])
def test_a_bad_value_is_refused_with_the_variable_named(name: str, value: str, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=rf"^{name} .* is refused: .*nothing was sent") as caught:
        JournalSettings.from_env({name: value})
    assert problem in str(caught.value)
    assert caught.value.may_have_been_sent is False


def test_a_refused_url_never_shows_its_password() -> None:
    with pytest.raises(ConfigurationError) as caught:
        JournalSettings.from_env({"ALLMYSMS_JOURNAL_URL": "http://admin:pa55-w0rd@cache:6379"})
    assert "pa55-w0rd" not in str(caught.value)
    assert "admin:******@cache:6379" in str(caught.value)


def test_the_url_with_its_password_stays_out_of_repr_and_logs() -> None:
    settings = JournalSettings.from_env({"ALLMYSMS_JOURNAL_URL": "redis://:pa55-w0rd@cache:6379/0"})
    assert "pa55-w0rd" not in repr(settings)
    assert settings.where == "redis://:******@cache:6379/0"


def test_the_settings_are_named_as_documented() -> None:
    assert NAMES == ("ALLMYSMS_JOURNAL_URL", "ALLMYSMS_JOURNAL_TTL", "ALLMYSMS_SEND_UNPROVEN_REDELIVERIES",
                     "ALLMYSMS_JOURNAL_MEMORY_MB", "ALLMYSMS_JOURNAL_REPLICAS", "ALLMYSMS_JOURNAL_REPLICA_TIMEOUT")


@pytest.mark.parametrize("name", NAMES)
def test_each_setting_is_declared_to_the_platform_and_documented(name: str) -> None:
    root = Path(__file__).resolve().parents[2]
    declared = json.loads((root / "component.json").read_text(encoding="utf-8"))["envVars"][name]
    assert declared["required"] is False
    assert declared["description"]
    assert f"| `{name}` |" in (root / "README.md").read_text(encoding="utf-8")
