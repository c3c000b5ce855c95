"""The platform's semantics around an action: component.json, input schema, message shape, events, logs."""

from .descriptor import Descriptor, component_json_path
from .execution import Event, Execution, Outcome, Process, error_payload, execute, load_process, module_name, verify
from .jsontext import json_text
from .logs import BunyanFormatter, bunyan_level, configure_logging, message_log_context
from .messages import Message, new_id, new_incoming, new_message
from .schema import ActionSchema

__all__ = [
    "ActionSchema", "BunyanFormatter", "Descriptor", "Event", "Execution", "Message", "Outcome", "Process",
    "bunyan_level", "component_json_path", "configure_logging", "error_payload", "execute", "json_text", "load_process",
    "message_log_context", "module_name", "new_id", "new_incoming", "new_message", "verify",
]
