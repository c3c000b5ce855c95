"""The journal's two errors: the SMS may already have been sent (error), or the journal is out of reach (rebound)."""

from __future__ import annotations

from datetime import datetime, timezone

from ..errors import OutcomeUnknownError, Rebound
from .decisions import Doubt

_CHECK = ("Check the sending history of the AllMySMS account before you retry this message from the platform's "
          "error list: a retry sends it again.")

_WHY = {
    Doubt.INTERRUPTED: "an earlier attempt began sending it and stopped before recording AllMySMS's answer (its "
                       "worker was stopped or lost its connection)",
    Doubt.IN_PROGRESS: "another copy of this message is being sent right now, or was interrupted moments ago",
    Doubt.UNPROVEN: "the broker redelivered it and this process has no record of it; without a shared send journal "
                    "(ALLMYSMS_JOURNAL_URL) nothing proves that another process did not send it (a deployment can "
                    "choose to send such messages anyway: ALLMYSMS_SEND_UNPROVEN_REDELIVERIES=true)",
    Doubt.EARLIER_DOUBT: "an earlier attempt of this message already ended without knowing whether it was sent",
    Doubt.TOO_SOON: "an earlier copy of this message ended without knowing whether it was sent, {ago}; a copy that "
                    "comes this soon is taken for an automatic duplicate",
    Doubt.UNREADABLE: "the send journal holds a record for it that this version cannot read",
    Doubt.NO_MESSAGE_ID: "the broker redelivered it and it has no messageId header to look it up in the send journal",
    Doubt.STORE_FORGOT: "the broker redelivered it and the send journal has no record of it, but the journal's Redis "
                        "lost its records not long ago (it restarted empty, or a replica without the last writes "
                        "took over), so nothing proves that an earlier attempt did not send it",
    Doubt.OUTPUT_FORGOTTEN: "this process recorded it as sent (in the hour that began {ago}), but no longer keeps its "
                            "output in memory to publish it again",
    Doubt.UNREACHABLE: "the broker redelivered it while the send journal could not be reached, so nothing could "
                       "check whether an earlier attempt sent it",
    Doubt.DUPLICATE: "the same SMS (same recipients, sender and text) was sent under another message id {ago}, inside "
                     "the step's duplicate window, and that send has not ended or may have gone out",
}


class SendInDoubtError(OutcomeUnknownError):
    """An earlier attempt may have sent this SMS, so it is not sent again automatically: a person decides."""

    def __init__(self, reason: Doubt, *, message_id: str | None, since: float | None = None,
                 resend_from: float | None = None) -> None:
        why = _WHY[reason]
        if since is not None and "{ago}" in why:
            why = why.format(ago=f"at {_clock(since)}")
        check = _CHECK
        if resend_from is not None:
            check += f" A retry is accepted as your deliberate resend from {_clock(resend_from)}."
        about = f" {message_id}" if message_id else ""
        super().__init__(f"The SMS of message{about} may already have been sent, so it was not sent again: {why}. "
                         f"{check}")
        self.reason = reason
        self.message_id = message_id


class JournalUnavailableError(Rebound):
    """The send journal could not be read or written before the send: nothing was sent; the platform retries later.

    A rebound rather than an error because the cause is transient infrastructure, not the message: the platform
    brings the message back with growing waits (and ends in "Rebound limit exceeded" in the error list if the
    journal stays away), where an error would leave every message of an outage for a person to retry.
    """

    def __init__(self, detail: str) -> None:
        super().__init__(f"The send journal could not be reached ({detail}); nothing was sent, the message will be "
                         "tried again later.", may_have_been_sent=False)


class NotReplicatedError(JournalUnavailableError):
    """The pre-send write reached Redis, which proved the message never began, but its replicas did not
    acknowledge it in time: nothing was sent, the write is withdrawn, and the message rebounds (even a redelivery:
    its proof was read, so its unmarked rebound is rightly taken for a first delivery)."""


class DuplicateInProgressError(Rebound):
    """The same SMS is being sent right now under another message id, inside the duplicate window: this copy
    sends nothing and comes back later, when that send's outcome (replayed, or in doubt) is known."""

    def __init__(self, message_id: str | None) -> None:
        about = f" {message_id}" if message_id else ""
        super().__init__(f"The same SMS as message{about} (same recipients, sender and text) is being sent right now "
                         "under another message id, inside the step's duplicate window; nothing was sent, this "
                         "message will be tried again later.", may_have_been_sent=False)


def _clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
