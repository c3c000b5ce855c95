"""The platform runtime's names at their 1.1.0 path, for component authors: the runtime itself is ``pysailor``."""

from pysailor import (
    ActionSchema,
    Descriptor,
    Event,
    Execution,
    Message,
    Outcome,
    Process,
    error_payload,
    execute,
    new_id,
    new_incoming,
    new_message,
    sending,
    verify,
)

__all__ = [
    "ActionSchema", "Descriptor", "Event", "Execution", "Message", "Outcome", "Process", "error_payload", "execute",
    "new_id", "new_incoming", "new_message", "sending", "verify",
]
