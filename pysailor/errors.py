"""The runtime's own errors: what a component raises to steer the platform, and what the runtime raises itself.

A component may raise these directly or subclass them (allmysms_component.errors does): the runtime tells a
rebound from an error by ``isinstance(exc, Rebound)`` and reads ``may_have_been_sent`` where an error has it.
"""

from __future__ import annotations


class Rebound(Exception):  # the platform's own name for the event, hence no Error suffix
    """Nothing was done and trying again later may work: the platform redelivers the message."""


class ConfigurationError(Exception):
    """The component or the deployment is set up wrongly (component.json, a setting)."""


class InvalidInputError(Exception):
    """The incoming message does not fit the function's ``metadata.in``; nothing was done."""

    may_have_been_sent = False

    def __init__(self, problems: list[str], *, field: str | None = None) -> None:
        super().__init__("Invalid input, nothing was sent: " + "; ".join(problems) + ".")
        self.problems = problems
        self.field = field


class OutputError(Exception):
    """The function did its work but its output message cannot be emitted (too large for the platform, or not
    JSON): running it again would do the work again."""

    may_have_been_sent = True
