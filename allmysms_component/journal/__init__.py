"""The send journal: an SMS accepted by AllMySMS is never sent again, whichever replica gets its message again.

docs/journal.md is the guide (the guarantee, the settings, manual resends, the rule tables). Each module does
one job:

decisions     the rules: (entry, delivery) -> SEND, REPLAY or MAY_HAVE_BEEN_SENT, and the entry to write (pure)
duplicates    the duplicate window: the same SMS under another message id, claimed by a pointer per SMS digest
journal       begin / complete / doubt / release over a store, with compare-and-set; the key of a delivery
store         what a store offers: bytes by name, compare-and-set writes that report a store that forgot
memory_store  the default store: this process's memory, bounded, expiring; old entries go to memory_archive
memory_archive  old in-memory entries, 8 bytes each: the state by hour, no output
redis_store   the shared store: Redis, one Lua compare-and-set per write beside its slot's generation marker,
              the pre-send write replicated (WAIT) before the send
redis_url     the Redis URL (one server, Sentinel, Cluster) read, and shown without its secrets
settings      the ALLMYSMS_JOURNAL_* settings and ALLMYSMS_SEND_UNPROVEN_REDELIVERIES
errors        SendInDoubtError (the SMS may have been sent); JournalUnavailableError, NotReplicatedError and
              DuplicateInProgressError (rebounds: nothing was sent)
gate          the per-delivery SendGate onto the journal
delivery      the journal opened once per process from the environment; the gatekeeper the worker is handed

The action's side of the gate (SendGate, current(), use()) and the Gatekeeper the worker asks are the runtime's
``pysailor.sending``: the runtime imports nothing of the component.
"""

from .decisions import Decision, Doubt, Policy, Verdict
from .errors import DuplicateInProgressError, JournalUnavailableError, NotReplicatedError, SendInDoubtError
from .gate import JournalGate
from .journal import Journal, SendKey, open_journal
from .settings import JournalSettings

__all__ = [
    "Decision",
    "Doubt",
    "DuplicateInProgressError",
    "Journal",
    "JournalGate",
    "JournalSettings",
    "JournalUnavailableError",
    "NotReplicatedError",
    "Policy",
    "SendInDoubtError",
    "SendKey",
    "Verdict",
    "open_journal",
]
