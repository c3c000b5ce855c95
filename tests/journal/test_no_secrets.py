"""The journal never holds the API key or the message text: every stored byte is scanned, on both stores."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import redis

from allmysms_component.actions.send_sms import process
from allmysms_component.journal import Journal, JournalGate, SendKey
from allmysms_component.journal.memory_store import MemoryStore
from allmysms_component.sandbox import Account, AllMySmsSimulator

from .conftest import JournalFactory
from .helpers import guarded_send

API_KEY = "k3y-J0urnal-S3cret-5550123"
LOGIN = "journal-test"
TEXT = "Votre code d'accès est 7Q9Z-ÉTÉ, valable 10 minutes 🔐"


@pytest.fixture
def simulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[AllMySmsSimulator]:
    with AllMySmsSimulator(accounts=[Account(LOGIN, API_KEY)]) as sim:
        monkeypatch.setenv("ALLMYSMS_API_URL", sim.url)
        yield sim


def stored_bytes(journal: Journal, request: pytest.FixtureRequest) -> list[bytes]:
    """Every name and value the journal's store holds, as bytes."""
    if isinstance(journal.store, MemoryStore):
        return [part for name, value in journal.store.dump().items() for part in (name.encode(), value)]
    client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
    try:
        names = list(client.scan_iter(match=request.getfixturevalue("key_prefix") + "*"))
        return names + [client.dump(name) or b"" for name in names] + [client.get(name) or b"" for name in names]
    finally:
        client.close()


def forms(secret: str) -> list[bytes]:
    """The ways a string can appear in stored bytes: UTF-8, JSON with escapes, and a distinctive ASCII part."""
    ascii_part = max(secret.encode("ascii", "replace").decode().split("?"), key=len)
    return [secret.encode(), json.dumps(secret).encode()[1:-1], ascii_part.encode()]


def test_a_real_send_leaves_neither_the_api_key_nor_the_text_in_the_journal(
        make_journal: JournalFactory, simulator: AllMySmsSimulator, request: pytest.FixtureRequest) -> None:
    msg = {"id": "msg-secret-1", "body": {"mobileNumbers": "33612345678", "senderName": "MyShop",
                                          "messageText": TEXT}}
    cfg = {"login": LOGIN, "apiKey": API_KEY}
    journal = make_journal()
    key = SendKey.for_delivery(step="flow-1/step_2", message_id="msg-secret-1", content=json.dumps(msg).encode())

    sent = guarded_send(JournalGate(journal, key, redelivered=False), lambda: [process(msg, cfg)], text=TEXT)
    replayed = guarded_send(JournalGate(journal, key, redelivered=True), lambda: [process(msg, cfg)], text=TEXT)

    assert replayed == sent
    assert len(simulator.received) == 1
    assert sent[0]["body"]["text"] == TEXT  # the output does hold the text: withholding it is what keeps it out
    assert any(form in json.dumps(sent, ensure_ascii=False).encode() for form in forms(TEXT))
    stored = stored_bytes(journal, request)
    assert stored, "the scan must see the entry"
    for secret in (API_KEY, TEXT):
        for form in forms(secret):
            assert not any(form in chunk for chunk in stored), f"{form!r} is stored in the journal"


def test_the_scan_finds_the_text_when_it_is_not_withheld(make_journal: JournalFactory,
                                                         request: pytest.FixtureRequest) -> None:
    journal = make_journal()
    gate = JournalGate(journal, SendKey.for_delivery(step="s", message_id="m", content=b"c"), redelivered=False)
    assert gate.before_send() is None  # nothing withheld
    gate.after_send([{"id": "o", "body": {"text": TEXT}}])
    assert any(form in chunk for form in forms(TEXT) for chunk in stored_bytes(journal, request))
