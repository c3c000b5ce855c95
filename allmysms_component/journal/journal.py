"""The send journal: begin, complete, release or doubt one message's send, atomically, over a store.

Each operation reads the message's entry, applies the rules of ``decisions``, and writes with a
compare-and-set: if another replica wrote in between, it reads and decides again, so two deliveries can never
both be told to send. The store is this process's memory or a Redis shared by the step's replicas.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from pysailor.messages import content_digest

from . import duplicates
from .decisions import Decision, Doubt, Entry, Output, Policy, State, Verdict, decide
from .errors import JournalUnavailableError
from .memory_store import MemoryStore
from .settings import JournalSettings
from .store import Store

KEY_PREFIX = "allmysms:journal:v2:"  # v2: entries beside their slot's generation marker (v1 had none)
MAX_PLAIN_ID = 128  # longer message ids, or ids with odd characters, are hashed into the entry's name
RECENT_SHARE = 4  # the in-memory journal keeps whole entries in a quarter of its budget, the archive the rest
MAX_TRIES = 32  # compare-and-set rounds lost to other replicas before giving up; in practice one or two

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendKey:
    """Which send an entry is about: the step, the platform message id, and a digest of the delivered content.

    The step, because one message fanned out to two SMS steps must send twice. The content, because the Node
    sailor gives every data message split from one input the same messageId (sailor-protocol.md section 13),
    and because a person may edit a message before retrying it: different content, different send.
    """

    step: str
    message_id: str
    content: str

    @classmethod
    def for_delivery(cls, *, step: str, message_id: str, content: bytes) -> SendKey:
        """The key of a delivery: ``step`` as "flowId/stepId", the ``messageId`` header, the raw body bytes."""
        return cls(step, message_id, content_digest(content))

    @property
    def name(self) -> str:
        """The entry's name in the store: readable, so that an operator can find it from a log line."""
        shown = self.message_id
        if not (0 < len(shown) <= MAX_PLAIN_ID and shown.isascii() and shown.isprintable() and " " not in shown):
            shown = "sha256-" + hashlib.sha256(shown.encode("utf-8", "surrogatepass")).hexdigest()
        return f"{self.step}:{shown}:{self.content}"


class Journal:
    """The decisions for one process; thread-safe. ``clock`` gives epoch seconds (all replicas compare them)."""

    def __init__(self, store: Store, *, policy: Policy, clock: Callable[[], float] = time.time) -> None:
        if policy.shared != store.shared:
            raise ValueError("the policy and the store disagree on whether the journal is shared")
        self.store = store
        self.policy = policy
        self._clock = clock
        self._lock = threading.Lock()
        self._running: dict[str, bytes] = {}  # attempts begun here and not yet settled -> the entry they wrote

    @property
    def where(self) -> str:
        return self.store.description

    def begin(self, key: SendKey, *, redelivered: bool) -> Verdict:
        """SEND (the entry now says "sending", owned by ``verdict.attempt``), REPLAY or MAY_HAVE_BEEN_SENT.

        Raises JournalUnavailableError (a rebound: nothing was sent) if the store cannot be reached.
        """
        name = key.name
        raw: bytes | None = None  # most deliveries are first deliveries: try the write for "no entry" first
        remembers_since: float | None = None  # learnt from the store when a guarded write is refused
        for _ in range(MAX_TRIES):
            try:
                current = None if raw is None else Entry.decode(raw)
            except ValueError:
                log.error("Send journal entry %s is unreadable; the message is not sent", name)
                return Verdict(Decision.MAY_HAVE_BEEN_SENT, doubt=Doubt.UNREADABLE)
            with self._lock:
                held_here = current is not None and current.attempt in self._running
            now = self._clock()
            verdict, new = decide(current, redelivered=redelivered, now=now, policy=self.policy,
                                  attempt=secrets.token_hex(8), held_here=held_here, remembers_since=remembers_since)
            if new is None:
                return verdict
            sends = verdict.decision is Decision.SEND
            # "No entry, redelivered: it never began" holds only if the store has not forgotten since: checked
            # atomically with the write, against the store's generation marker.
            guard = now - self.policy.memory_window if sends and current is None and redelivered else None
            encoded = new.encode()
            try:
                written, raw, forgot_since = self._write(name, raw, encoded, now=now, guard=guard, durable=sends)
            except JournalUnavailableError:
                self._withdraw(name, encoded)
                raise
            if forgot_since is not None:
                remembers_since = forgot_since
                continue
            if written:
                if sends:
                    with self._lock:
                        self._running[new.attempt] = encoded
                return verdict
        raise JournalUnavailableError(f"{self.where}: the entry {name} kept changing under {MAX_TRIES} attempts")

    def claim_duplicate(self, key: SendKey, digest: str, window: float) -> Verdict | None:
        """Claim the SMS ``digest`` for ``key`` (duplicates.claim): None if this message may send, else the
        verdict an earlier message with the same SMS inside ``window`` seconds imposes."""
        return duplicates.claim(self.store, step=key.step, digest=digest, name=key.name, now=self._clock(),
                                window=window)

    def complete(self, key: SendKey, attempt: str, outputs: Sequence[Output], *,
                 withheld: Collection[str] = ()) -> bool:
        """Record that ``attempt`` sent, with the ``outputs`` to replay (their ``withheld`` body fields removed).

        False if the entry now belongs to another attempt (it expired and the message began again).
        """
        stored = tuple(_without(output, withheld) for output in outputs)
        entry = Entry(State.SENT, attempt, self._clock(), stored, tuple(withheld))
        return self._settle(key, attempt, entry, keep_if=(State.SENT,))

    def doubt(self, key: SendKey, attempt: str) -> bool:
        """Record that nobody knows whether ``attempt`` sent (a read timeout, a crash in the action)."""
        entry = Entry(State.IN_DOUBT, attempt, self._clock())
        return self._settle(key, attempt, entry, keep_if=(State.SENT, State.IN_DOUBT))

    def release(self, key: SendKey, attempt: str) -> bool:
        """Forget ``attempt``: it certainly did not send (refused before sending, rebound, error that says so)."""
        return self._settle(key, attempt, None, keep_if=(State.SENT,))

    def close(self) -> None:
        self.store.close()

    def _settle(self, key: SendKey, attempt: str, entry: Entry | None, *, keep_if: tuple[State, ...]) -> bool:
        with self._lock:
            written_at_begin = self._running.get(attempt)
        try:
            return self._replace_own(key.name, attempt, entry, keep_if, written_at_begin)
        finally:
            with self._lock:
                self._running.pop(attempt, None)

    def _replace_own(self, name: str, attempt: str, entry: Entry | None, keep_if: tuple[State, ...],
                     expected: bytes | None) -> bool:
        new = None if entry is None else entry.encode()
        # Usually the entry is still what this attempt wrote: try the write on that before any read.
        raw = expected if expected is not None else self.store.get(name)
        for _ in range(MAX_TRIES):
            if raw is not None:
                try:
                    current = Entry.decode(raw)
                except ValueError:
                    return False
                if current.attempt != attempt:
                    return False
                if current.state in keep_if:
                    return True
            elif new is None:
                return True
            written, raw, _ = self._write(name, raw, new, now=self._clock())
            if written:
                return True
        return False

    def _withdraw(self, name: str, written: bytes) -> None:
        """Best effort, when a write failed: the store may have applied it before the connection broke. A
        "sending" entry left behind would make the rebounded message look in progress, then in doubt."""
        try:
            self.store.compare_and_set(name, written, None)
        except JournalUnavailableError:
            log.warning("Send journal entry %s may be left 'sending' though nothing was sent", name)

    def _write(self, name: str, expected: bytes | None, new: bytes | None, *, now: float,
               guard: float | None = None, durable: bool = False) -> tuple[bool, bytes | None, float | None]:
        """Compare-and-set; if it failed, whether our own write is what is there now (a retried command that had
        applied), and the entry as it is now for the next round; third, when the store began remembering if the
        guard refused the write."""
        written = self.store.compare_and_set(name, expected, new, now=now, guard=guard, durable=durable)
        if written:
            return True, new, None
        if written.forgot:
            return False, expected, written.remembers_since
        current = self.store.get(name)
        return current == new, current, None


def open_journal(settings: JournalSettings, *, clock: Callable[[], float] = time.time,
                 prefix: str = KEY_PREFIX) -> Journal:
    """The journal the settings ask for: in Redis if ALLMYSMS_JOURNAL_URL is set, else in memory.

    Raises ConfigurationError for a URL the Redis client cannot use. Nothing connects yet.
    """
    store: Store
    if settings.url:
        from .redis_store import RedisStore  # the redis client is only imported by deployments that use it

        store = RedisStore(settings.url, ttl=settings.ttl, prefix=prefix, replicas=settings.replicas,
                           replica_timeout=settings.replica_timeout)
    else:
        recent = settings.memory_limit_bytes // RECENT_SHARE
        store = MemoryStore(ttl=settings.ttl, limit_bytes=recent, archive_bytes=settings.memory_limit_bytes - recent,
                            clock=clock)
    policy = Policy(shared=store.shared, send_unproven_redeliveries=settings.send_unproven_redeliveries,
                    memory_window=settings.ttl)
    return Journal(store, policy=policy, clock=clock)


def _without(output: Output, withheld: Collection[str]) -> Output:
    body = output.get("body")
    if not withheld or not isinstance(body, dict):
        return output
    return {**output, "body": {k: (None if k in withheld else v) for k, v in body.items()}}

