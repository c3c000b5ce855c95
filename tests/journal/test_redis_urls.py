"""The journal's Redis URL: one server, Sentinel and Cluster forms, an option redis-py cannot use refused at start,
and the password never shown, in any form (userinfo, query, unencoded characters)."""

from __future__ import annotations

import pytest

from allmysms_component.errors import ConfigurationError
from allmysms_component.journal import JournalSettings, open_journal
from allmysms_component.journal.redis_url import describe, parse

SECRET = "S3cr3t-pw"

SHOWN = [
    ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    (f"redis://:{SECRET}@cache:6379/0", "redis://:******@cache:6379/0"),
    (f"redis://admin:{SECRET}@cache:6379/0", "redis://admin:******@cache:6379/0"),
    (f"unix:///run/redis.sock?db=0&password={SECRET}", "unix:///run/redis.sock?db=0&password=******"),
    (f"redis://cache/0?socket_timeout=2&password={SECRET}", "redis://cache/0?socket_timeout=2&password=******"),
    (f"redis+sentinel://:{SECRET}@s1:26379,s2:26379/journal/2?sentinel_password={SECRET}",
     "redis+sentinel://:******@s1:26379,s2:26379/journal/2?sentinel_password=******"),
    (f"rediss+cluster://u:{SECRET}@c1:7000,c2:7001", "rediss+cluster://u:******@c1:7000,c2:7001"),
    (f"redis://cache/0?password=ab&{SECRET}", "redis://cache/0?password=******&******"),  # "&" unencoded
]


@pytest.mark.parametrize(("url", "shown"), SHOWN)
def test_a_url_is_shown_without_its_secrets(url: str, shown: str) -> None:
    assert describe(url) == shown


UNENCODED = [f"redis://:{SECRET[:3]}{c}{SECRET[3:]}@cache:6379/0" for c in "#/?@"] + [
    f"redis://u:{SECRET[:3]}/{SECRET[3:]}@cache:6379/0",
    f"redis://cache:6379/0?password={SECRET[:3]}#{SECRET[3:]}",
    f"redis://cache:6379/0?password={SECRET[:3]}@{SECRET[3:]}",
    f"redis+sentinel://:{SECRET[:3]}#{SECRET[3:]}@s1:26379/journal",
    f"redis://12:{SECRET[:3]}/{SECRET[3:]}@cache:6379/0",
]


@pytest.mark.parametrize("url", UNENCODED)
def test_a_password_with_an_unencoded_character_is_never_shown(url: str) -> None:
    shown = describe(url)
    assert SECRET[:3] not in shown
    assert SECRET[3:] not in shown


@pytest.mark.parametrize("url", [u for u in UNENCODED if "?password" not in u])
def test_the_refusal_of_an_unreadable_url_quotes_nothing_of_it(url: str) -> None:
    with pytest.raises(ConfigurationError, match="is refused: it cannot be read as a URL") as caught:
        JournalSettings.from_env({"ALLMYSMS_JOURNAL_URL": url})
    assert SECRET[:3] not in str(caught.value)
    assert SECRET[3:] not in str(caught.value)
    assert "must be written %23, %2F, %3F or %40" in str(caught.value)


def test_the_url_forms_are_read() -> None:
    sentinel = parse(f"redis+sentinel://:{SECRET}@s1:26379,[::1]:26380/journal/2?socket_timeout=1")
    assert (sentinel.kind, sentinel.hosts, sentinel.service, sentinel.db) == \
        ("sentinel", (("s1", 26379), ("::1", 26380)), "journal", 2)
    assert sentinel.password == SECRET
    assert SECRET not in repr(sentinel)
    cluster = parse("rediss+cluster://c1:7000,c2/0")
    assert (cluster.kind, cluster.hosts, cluster.tls) == ("cluster", (("c1", 7000), ("c2", 6379)), True)
    assert parse("unix:///run/redis.sock?db=3").db == 3
    assert parse("redis://:p%23ss@cache/1").password == "p#ss"  # encoded, as in any URL


@pytest.mark.parametrize("url", ["redis://127.0.0.1:1/0?socket_timout=5",
                                 "redis+sentinel://127.0.0.1:1/journal?socket_timout=5",
                                 "redis+cluster://127.0.0.1:1?socket_timout=5"])
def test_an_option_redis_py_does_not_know_is_refused_when_the_journal_opens(url: str) -> None:
    settings = JournalSettings.from_env({"ALLMYSMS_JOURNAL_URL": url})
    with pytest.raises(ConfigurationError, match=r"an option redis-py does not know \(did you mean socket_timeout"):
        open_journal(settings)


def test_an_unreadable_option_value_is_refused_without_quoting_a_secret() -> None:
    settings = JournalSettings.from_env({"ALLMYSMS_JOURNAL_URL": "redis://127.0.0.1:1/0?socket_timeout=soon"})
    with pytest.raises(ConfigurationError, match="the value of its option socket_timeout cannot be read"):
        open_journal(settings)
