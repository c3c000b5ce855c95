"""The send journal in the worker: opened once per process from the environment, one gate per delivery.

The journal itself (``journal/``) decides; this module only says where it lives and which send a delivery is:
the step, the ``messageId`` header (the same across redeliveries and rebounds) and the delivered bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from .journal import Journal, JournalGate, JournalSettings, SendKey, open_journal

log = logging.getLogger(__name__)


def open_from_env(env: Mapping[str, str]) -> Journal:
    """The journal the ``ALLMYSMS_JOURNAL_*`` settings ask for; ConfigurationError (naming the variable) if refused."""
    settings = JournalSettings.from_env(env)
    journal = open_journal(settings)
    if settings.shared:
        log.info("Send journal: shared, in Redis at %s", journal.where)
    else:
        log.info("Send journal: in this process's memory; a redelivery this process has no record of is %s",
                 "sent anyway (ALLMYSMS_SEND_UNPROVEN_REDELIVERIES)" if settings.send_unproven_redeliveries
                 else "not sent: it ends 'may have been sent'")
    return journal


def message_id(headers: Mapping[str, Any]) -> str | None:
    """The platform message id of a delivery: its ``messageId`` header, if it has a usable one."""
    value = headers.get("messageId")
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value if isinstance(value, str) and value else None


def gate_for(journal: Journal, *, step: str, headers: Mapping[str, Any], content: bytes,
             redelivered: bool) -> JournalGate:
    """The gate of one delivery: keyed by ``step`` ("flowId/stepId"), its messageId and its raw bytes."""
    found = message_id(headers)
    key = SendKey.for_delivery(step=step, message_id=found, content=content) if found else None
    return JournalGate(journal, key, redelivered=redelivered)
