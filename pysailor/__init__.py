"""pysailor: the platform runtime for Python components of elastic.io-style platforms (a Python sailor).

It runs any component described by a component.json, and imports nothing of any component. Each module does
one job:

descriptor   component.json read once: version, each function's main (loaded) and input schema, labels
schema       input validation against ``metadata.in``, errors naming fields by their labels
messages     the message shape, ids, the platform message id of a delivery, the content digest
execution    ``process`` -> data / error / rebound / snapshot / end events -> verdict; the one output size check
sending      the send gate seam: what an action asks around an irrevocable request; the worker's Gatekeeper
logs         bunyan JSON log lines, as the sailor writes them
env, urls    reading the environment; showing a URL without its password (one place each)
errors       Rebound, ConfigurationError, InvalidInputError, OutputError
checks       component.json validated as the platform's validator does, and more
broker       the broker contract; amqp (RabbitMQ through aiormq) and stub (in memory, for tests)
delivery     one delivery: claim -> decode -> gate -> run -> publish each event -> settle once
dialect      what a platform's wire must say for the pipeline; sailor/ is elastic.io's
redeliveries recognising a redelivery of a message running or settled here; throttle: the publish limits
platform     the platform API: step data, a service's result (urllib3 Retry)
worker       start-up, consuming, the stop order: ``run_worker``; service: the credentials check
stub         StubBroker
"""

from typing import TYPE_CHECKING, Any

from . import errors
from .descriptor import Descriptor, Function, component_json_path, module_name
from .jsontext import json_text
from .logs import BunyanFormatter, bunyan_level, configure_logging, message_log_context
from .messages import Message, new_id, new_incoming, new_message
from .schema import ActionSchema

if TYPE_CHECKING:
    from .execution import Event, Execution, Outcome, Process, error_payload, execute, verify

__all__ = [
    "ActionSchema", "BunyanFormatter", "Descriptor", "Event", "Execution", "Function", "Message", "Outcome",
    "Process", "bunyan_level", "component_json_path", "configure_logging", "error_payload", "errors", "execute",
    "json_text", "message_log_context", "module_name", "new_id", "new_incoming", "new_message", "verify",
]

# Imported on first use: an action's process() never needs the runtime's execution (its import is part of what
# a replica's first message pays), the worker and the CLI do.
_EXECUTION = frozenset({"Event", "Execution", "Outcome", "Process", "error_payload", "execute", "verify"})


def __getattr__(name: str) -> Any:
    if name in _EXECUTION:
        from . import execution

        value = getattr(execution, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
