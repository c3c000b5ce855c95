"""The send journal in the worker: opened once per process from the environment, one gate per delivery.

The journal itself decides; this module only says where it lives and which send a delivery is: the step, the
platform's message id (the same across redeliveries and rebounds) and the delivered bytes. ``JournalGatekeeper``
is what ``allmysms-component worker`` hands the runtime (``pysailor.sending.Gatekeeper``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from pysailor.sending import Delivery, Gatekeeper

from .errors import JournalUnavailableError
from .gate import JournalGate
from .journal import Journal, SendKey, open_journal
from .settings import JournalSettings

log = logging.getLogger(__name__)


def open_from_env(env: Mapping[str, str]) -> Journal:
    """The journal the ``ALLMYSMS_JOURNAL_*`` settings ask for; ConfigurationError (naming the variable) if refused."""
    settings = JournalSettings.from_env(env)
    journal = open_journal(settings)
    if settings.shared:
        log.info("Send journal: shared, in Redis at %s; %s", journal.where, _durability(journal))
    else:
        log.info("Send journal: in this process's memory; a redelivery this process has no record of is %s",
                 "sent anyway (ALLMYSMS_SEND_UNPROVEN_REDELIVERIES)" if settings.send_unproven_redeliveries
                 else "not sent: it ends 'may have been sent'")
    return journal


def _durability(journal: Journal) -> str:
    """What keeps the pre-send write when the Redis fails over, as found now (it is decided again on reconnect)."""
    from .redis_store import RedisStore

    if not isinstance(journal.store, RedisStore):
        return "no replication"
    try:
        return journal.store.durability()
    except JournalUnavailableError:
        return "its replicas will be counted once it can be reached"


class JournalGatekeeper(Gatekeeper):
    """One gate per delivery onto one journal, keyed by the step, the message id and the delivered bytes."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def gate(self, delivery: Delivery) -> JournalGate:
        key = SendKey(delivery.step, delivery.message_id, delivery.digest) if delivery.message_id else None
        return JournalGate(self.journal, key, redelivered=delivery.redelivered)

    def close(self) -> None:
        self.journal.close()
