"""A replica in a separate process for the Redis race test: begin every key at once, report the decisions."""

from __future__ import annotations

from typing import Protocol

from allmysms_component.journal import JournalSettings, open_journal

from .helpers import delivery


class StartLine(Protocol):
    def wait(self) -> object: ...


def race(url: str, prefix: str, message_ids: list[str], barrier: StartLine) -> list[tuple[str, str]]:
    """(message id, decision) for each message, all begun as soon as every replica is ready."""
    journal = open_journal(JournalSettings(url=url), prefix=prefix)
    try:
        journal.store.get("warm-up")  # connect before the start line, so the race is on the writes
        barrier.wait()
        return [(m, journal.begin(delivery(message_id=m), redelivered=False).decision.value) for m in message_ids]
    finally:
        journal.close()
