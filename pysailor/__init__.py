"""pysailor: the platform runtime for Python components of elastic.io-style platforms (a Python sailor).

It runs any component described by a component.json: the descriptor, input schema validation with labelled
errors, the message shape, events and their verdicts, bunyan logs, the send gate seam, and (``pysailor.worker``)
the sailor's wire protocol over RabbitMQ and the credentials service. It imports nothing of any component.
"""

from . import errors
from .descriptor import Descriptor, component_json_path
from .execution import Event, Execution, Outcome, Process, error_payload, execute, load_process, module_name, verify
from .jsontext import json_text
from .logs import BunyanFormatter, bunyan_level, configure_logging, message_log_context
from .messages import Message, new_id, new_incoming, new_message
from .schema import ActionSchema

__all__ = [
    "ActionSchema",
    "BunyanFormatter",
    "Descriptor",
    "Event",
    "Execution",
    "Message",
    "Outcome",
    "Process",
    "bunyan_level",
    "component_json_path",
    "configure_logging",
    "error_payload",
    "errors",
    "execute",
    "json_text",
    "load_process",
    "message_log_context",
    "module_name",
    "new_id",
    "new_incoming",
    "new_message",
    "verify",
]
