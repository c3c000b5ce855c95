"""The component's errors: what went wrong, in words a flow builder understands, catchable by meaning.

Every error says whether the SMS may have gone out (``may_have_been_sent``), because an SMS costs money and
cannot be recalled: the one question a user must be able to answer before retrying a message by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

from pysailor import errors as runtime


class AllMySmsError(Exception):
    """Base of every error the component raises on purpose."""

    may_have_been_sent: bool = False

    def __init__(self, message: str, *, may_have_been_sent: bool | None = None) -> None:
        super().__init__(message)
        if may_have_been_sent is not None:
            self.may_have_been_sent = may_have_been_sent

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class InvalidInputError(AllMySmsError, runtime.InvalidInputError):
    """The incoming message is not something we can send; nothing was sent."""

    def __init__(self, problems: list[str], *, field: str | None = None) -> None:
        runtime.InvalidInputError.__init__(self, problems, field=field)


class ConfigurationError(AllMySmsError, runtime.ConfigurationError):
    """The deployment or the step is set up wrongly (trial account, API URL, TLS); nothing was sent."""


class ApiRejectedError(AllMySmsError):
    """AllMySMS answered with a status that is not a success (``refused``: the numbers it listed as invalid)."""

    def __init__(self, message: str, *, status: int | None, status_text: str,
                 may_have_been_sent: bool = False, refused: Sequence[str] = ()) -> None:
        super().__init__(message, may_have_been_sent=may_have_been_sent)
        self.status = status
        self.status_text = status_text
        self.refused = list(refused)


class AuthenticationError(ApiRejectedError):
    """AllMySMS refused the login and API key (status 102)."""


class InsufficientCreditError(ApiRejectedError):
    """The account has no credit, or not enough for this send (status 103 or 104)."""


class CampaignNotPendingError(ApiRejectedError):
    """AllMySMS did not cancel a scheduled send: it has no pending campaign with this id (unknown, or already
    sent; one it says is already cancelled is no error). Its SMS may have gone out, so ``may_have_been_sent`` is
    true."""

    def __init__(self, message: str, *, campaign_id: str, status: int | None, status_text: str) -> None:
        super().__init__(message, status=status, status_text=status_text, may_have_been_sent=True)
        self.campaign_id = campaign_id


class OutcomeUnknownError(AllMySmsError):
    """The request reached AllMySMS but no usable answer came back, or an answer this component cannot read
    (``status``: an unknown AllMySMS status, or 113 without SMS ids; ``refused``: the numbers it listed as
    invalid): the SMS may have been sent."""

    may_have_been_sent = True

    def __init__(self, message: str, *, may_have_been_sent: bool | None = None, status: int | None = None,
                 refused: Sequence[str] = ()) -> None:
        super().__init__(message, may_have_been_sent=may_have_been_sent)
        self.status = status
        self.refused = list(refused)


class OutputError(AllMySmsError, runtime.OutputError):
    """The action did its work (the SMS was sent) but its output message cannot be emitted (too large for the
    platform, or not JSON): running it again would send again."""

    may_have_been_sent = True


class UnauthorizedCallbackError(AllMySmsError):
    """A callback (webhook) did not carry the step's shared secret: it was refused and nothing was emitted. The
    message never holds the secret, expected or given."""


class MalformedResponseError(AllMySmsError):
    """AllMySMS answered something that is not the JSON its API documents."""


class Rebound(AllMySmsError, runtime.Rebound):  # the platform's own name for the event, hence no Error suffix
    """Nothing was sent and trying again later may work: the platform redelivers the message."""


class RateLimitedError(Rebound):
    """AllMySMS asked us to slow down (HTTP 429) for longer than a step should block."""


class ServiceUnavailableError(Rebound):
    """AllMySMS said it is unavailable (HTTP 503), or could not be reached at all."""


def consequence(sends: bool) -> str:
    """What a failed call means for the user's SMS when its outcome is unknown: the end of an error message."""
    if sends:
        return "the SMS may have been sent: check the AllMySMS account before sending it again"
    return "this call sends no SMS"
