"""One delivery's send gate onto the journal: the journal's verdict turned into what the action does.

SEND lets the request go; REPLAY hands back the recorded outputs; MAY_HAVE_BEEN_SENT raises SendInDoubtError;
an unreachable journal raises JournalUnavailableError (a rebound). After the request, the answer is recorded;
if the journal fails then, the output still goes out (the SMS was sent) and the entry stays "sending", so a
copy of the message ends in doubt instead of sending twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from pysailor.sending import Output, SendGate

from .decisions import Decision, Doubt, Verdict
from .errors import DuplicateInProgressError, JournalUnavailableError, NotReplicatedError, SendInDoubtError
from .journal import Journal, SendKey

log = logging.getLogger(__name__)


class JournalGate(SendGate):
    """The gate the worker opens for one delivery: ``key`` None when it has no ``messageId`` header."""

    def __init__(self, journal: Journal, key: SendKey | None, *, redelivered: bool) -> None:
        self.journal = journal
        self.key = key
        self.redelivered = redelivered
        self.verdict: Verdict | None = None
        self._attempt: str | None = None
        self._withheld: dict[str, Any] = {}

    @property
    def sending(self) -> bool:
        """True between a SEND verdict and the call that says how the send ended."""
        return self._attempt is not None

    def before_send(self, withheld: Mapping[str, Any] | None = None, *,
                    duplicate: tuple[str, float] | None = None) -> list[Output] | None:
        if self.verdict is not None:
            raise RuntimeError("before_send was already called for this message")
        self._withheld = dict(withheld or {})
        if self.key is None:
            self.verdict = self._unkeyed()
        else:
            self.verdict = self._begin(self.key)
        verdict = self.verdict
        if verdict.decision is Decision.SEND:
            self._attempt = verdict.attempt
            if duplicate is None or duplicate[1] <= 0 or self.key is None:
                return None
            earlier = self._claim(self.key, *duplicate)
            if earlier is None:
                return None
            self.verdict = verdict = earlier
            if verdict.decision is Decision.REPLAY:
                return self._replay_earlier(verdict)
            self.not_sent()  # this copy certainly sent nothing; the earlier message's entry holds the doubt
            if verdict.doubt is Doubt.IN_PROGRESS:
                raise DuplicateInProgressError(self.key.message_id)
        message_id = self.key.message_id if self.key else None
        if verdict.decision is Decision.REPLAY:
            log.info("Message %s was sent already: its recorded output is published again, nothing is sent",
                     message_id)
            return [self._restore(output, verdict.withheld) for output in verdict.outputs]
        reason = verdict.doubt or Doubt.UNREADABLE
        log.warning("Message %s is not sent: it may have been sent already (%s)", message_id, reason.value)
        raise SendInDoubtError(reason, message_id=message_id, since=verdict.since, resend_from=verdict.resend_from)

    def after_send(self, outputs: Sequence[Output]) -> None:
        attempt, self._attempt = self._attempt, None
        if attempt is None or self.key is None:
            return
        try:
            recorded = self.journal.complete(self.key, attempt, outputs, withheld=tuple(self._withheld))
        except Exception as exc:  # the SMS was sent: nothing here may keep its output from being published
            log.error("Message %s was sent but the send journal could not record it (%s); its output is published, "
                      "and a copy of the message will end 'may have been sent' instead of sending again",
                      self.key.message_id, exc)
            return
        if not recorded:
            log.error("Message %s was sent but its journal entry belongs to another attempt now", self.key.message_id)

    def not_sent(self) -> None:
        self._end("release", "a copy of the message will end 'may have been sent' although nothing was sent")

    def in_doubt(self) -> None:
        self._end("doubt", "its entry stays 'sending', which a copy of the message also reads as in doubt")

    def finish(self) -> None:
        self.settle(None)

    def settle(self, error: BaseException | None) -> None:
        """The worker's backstop once ``process`` returned or raised: settle an attempt the action left open."""
        if not self.sending:
            return
        if error is None:
            log.error("The action returned without recording its send; the message's send is recorded in doubt")
            self.in_doubt()
        else:
            self.failed(error)

    def _end(self, how: str, consequence: str) -> None:
        attempt, self._attempt = self._attempt, None
        if attempt is None or self.key is None:
            return
        try:
            (self.journal.release if how == "release" else self.journal.doubt)(self.key, attempt)
        except Exception as exc:  # called while the action's own error propagates: never replace that error
            log.warning("The send journal could not record how message %s ended (%s): %s", self.key.message_id,
                        exc, consequence)

    def _begin(self, key: SendKey) -> Verdict:
        """The journal's verdict. A redelivery that finds the journal out of reach does not rebound: its rebound
        would come back without the broker's mark and be taken for a first delivery, which a Redis that lost the
        entry would let send again. It ends in doubt instead."""
        try:
            return self.journal.begin(key, redelivered=self.redelivered)
        except NotReplicatedError:
            raise
        except JournalUnavailableError:
            if not self.redelivered or not self.journal.policy.shared:
                raise
            log.warning("Message %s was redelivered while the send journal is out of reach: it is not sent",
                        key.message_id)
            return Verdict(Decision.MAY_HAVE_BEEN_SENT, doubt=Doubt.UNREACHABLE)

    def _claim(self, key: SendKey, digest: str, window: float) -> Verdict | None:
        try:
            return self.journal.claim_duplicate(key, digest, window)
        except BaseException:
            self.not_sent()
            raise

    def _replay_earlier(self, verdict: Verdict) -> list[Output]:
        """The same SMS went out under another message id inside the window: its output, recorded as this
        message's too, so that a redelivery of this one replays it as well."""
        attempt, self._attempt = self._attempt, None
        assert self.key is not None
        assert attempt is not None
        log.info("Message %s is the same SMS as one sent inside the step's duplicate window: that output is "
                 "published again, nothing is sent", self.key.message_id)
        try:
            self.journal.complete(self.key, attempt, verdict.outputs, withheld=verdict.withheld)
        except Exception as exc:  # the replay stands: the earlier message's entry still says it was sent
            log.warning("The send journal could not record message %s as a duplicate (%s)", self.key.message_id, exc)
        return [self._restore(output, verdict.withheld) for output in verdict.outputs]

    def _unkeyed(self) -> Verdict:
        """Without a messageId there is nothing to look up: a first delivery sends, a redelivery is unproven."""
        policy = self.journal.policy
        if self.redelivered and not policy.send_unproven_redeliveries:
            return Verdict(Decision.MAY_HAVE_BEEN_SENT, doubt=Doubt.NO_MESSAGE_ID)
        return Verdict(Decision.SEND)

    def _restore(self, output: Output, withheld: Sequence[str]) -> Output:
        missing = [name for name in withheld if name not in self._withheld]
        if missing:
            raise RuntimeError(f"the journal withheld {', '.join(missing)} from the recorded output, and "
                               "before_send was not given them back")
        body = output.get("body")
        if not withheld or not isinstance(body, dict):
            return output
        return {**output, "body": {k: (self._withheld[k] if k in withheld else v) for k, v in body.items()}}
