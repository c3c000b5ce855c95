"""component.json, read once: the version, and input validation in the platform's schema dialect.

component.json is the single source of truth for what an action accepts: the input is validated against its
``metadata.in`` as the platform writes it (draft 3: a boolean ``required`` on each property), and every schema
error is turned into a sentence that names the field by its UI label.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigurationError, InvalidInputError

if TYPE_CHECKING:  # jsonschema costs ~50 ms to import: loaded on the first message, not at start-up
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

_PACKAGE = Path(__file__).resolve().parent
# A source checkout (how the platform runs it) has the file at the repository root; a wheel carries a copy.
_CANDIDATES = (_PACKAGE.parent / "component.json", _PACKAGE / "component.json")

_JSON_TYPE_NAMES = {
    "str": "text", "int": "a number", "float": "a number", "bool": "true/false", "NoneType": "null",
    "list": "a list", "dict": "an object",
}


def component_json_path() -> Path:
    for path in _CANDIDATES:
        if path.is_file():
            return path
    raise ConfigurationError(f"component.json not found (looked at {', '.join(map(str, _CANDIDATES))})")


@dataclass(frozen=True)
class ActionSchema:
    """One action's ``metadata.in``, with a validator compiled on first use."""

    name: str
    schema: Mapping[str, Any]

    @property
    def properties(self) -> Mapping[str, Any]:
        props: Mapping[str, Any] = self.schema.get("properties", {})
        return props

    def label(self, key: str) -> str:
        title = self.properties.get(key, {}).get("title")
        return f"{title} ({key})" if title else key

    @cached_property
    def _validator(self) -> Validator:
        return _compile(self.schema)

    @cached_property
    def _accepts(self) -> Callable[[Mapping[str, Any]], bool] | None:
        self._validator  # noqa: B018 - compiling checks the schema itself, once, before any fast acceptance
        return _fast_acceptor(self.schema)

    def validate(self, body: object) -> None:
        """Raise InvalidInputError naming every field that does not fit the schema."""
        if not isinstance(body, dict):
            raise InvalidInputError(
                [f"the message body must be an object with the fields {', '.join(self.properties)}, "
                 f"not {_type_name(body)}"])
        accepts = self._accepts
        if accepts is not None and accepts(body):
            return
        errors = sorted(self._validator.iter_errors(body), key=self._field_order)
        if errors:
            problems = [self._describe(error) for error in errors]
            raise InvalidInputError(problems, field=self._field_of(errors[0]))

    def _field_of(self, error: ValidationError) -> str | None:
        if error.path:
            return str(error.path[0])
        if error.validator == "required" and isinstance(error.instance, dict):
            # draft 3 reports a missing property on the parent; its name is the one absent
            missing = [k for k, v in self.properties.items() if v.get("required") and k not in error.instance]
            return missing[0] if missing else None
        return None

    def _field_order(self, error: ValidationError) -> tuple[int, str]:
        keys = list(self.properties)
        field = self._field_of(error) or ""
        return (keys.index(field) if field in keys else len(keys), str(error.validator))

    def _describe(self, error: ValidationError) -> str:
        field = self._field_of(error)
        label = self.label(field) if field else "the message body"
        spec = self.properties.get(field, {}) if field else {}
        value: Any = error.instance
        kind = error.validator
        if kind == "required":
            return f"{label} is required"
        if kind == "type":
            return f"{label} must be text, not {_type_name(value)}"
        if kind == "minLength":
            return f"{label} is empty"
        if kind == "maxLength":
            return f"{label} is too long: {len(value)} characters, at most {error.validator_value}"
        if kind == "pattern":
            shown = value if len(value) <= 20 else value[:20] + "..."
            return f"{label} {shown!r} is not allowed; allowed: {spec.get('description') or error.message}"
        return f"{label}: {error.message}"


def _type_name(value: object) -> str:
    return _JSON_TYPE_NAMES.get(type(value).__name__, type(value).__name__)


def _ecma_pattern(pattern: str) -> re.Pattern[str]:
    # JSON Schema patterns are ECMA 262, where "$" matches only at the very end; Python's "$" also matches
    # before a final newline, which would let "Sender\n" through.
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _compile(schema: Mapping[str, Any]) -> Validator:
    from jsonschema import Draft3Validator, validators

    patterns: dict[str, re.Pattern[str]] = {}

    def pattern(validator: Validator, value: str, instance: object, schema: Mapping[str, Any],
                ) -> Iterator[ValidationError]:
        from jsonschema.exceptions import ValidationError

        if not isinstance(instance, str):
            return
        compiled = patterns.get(value) or patterns.setdefault(value, _ecma_pattern(value))
        if not compiled.search(instance):
            yield ValidationError(f"does not match {value!r}")

    Draft3Validator.check_schema(schema)
    cls = validators.extend(Draft3Validator, {"pattern": pattern})  # type: ignore[no-untyped-call]
    return cls(schema)  # type: ignore[no-any-return]


# Bounded strings only: a string property's keywords that the fast acceptor below checks itself.
_FAST_STRING_KEYWORDS = frozenset({"type", "minLength", "maxLength", "pattern"})


def _fast_acceptor(schema: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], bool] | None:
    """A quick yes for valid input, built from the same schema. jsonschema's generic machinery costs ~30 µs
    per message in a tight loop and ~80 µs between real sends, a third of the component's own time per send
    (bench/README.md), to check three strings; this takes a few µs.

    Only for a schema of string properties with the draft 3 ``required``, ``minLength``, ``maxLength`` and
    ``pattern`` (what component.json uses); any other keyword that jsonschema enforces means None, i.e. always
    jsonschema. It never accepts what jsonschema would refuse; whatever it does not accept goes to jsonschema,
    which decides and words the errors.
    """
    from jsonschema import Draft3Validator

    enforced = Draft3Validator.VALIDATORS  # keywords outside it (title, description, order...) are annotations
    properties = schema.get("properties", {})
    if (any(k in enforced for k in schema if k not in ("type", "properties")) or schema.get("type") != "object"
            or not isinstance(properties, Mapping)):
        return None
    rules: list[tuple[str, bool, int, float, re.Pattern[str] | None]] = []
    for name, spec in properties.items():
        if not isinstance(spec, Mapping) or spec.get("type") != "string":
            return None
        if any(k in enforced and k not in _FAST_STRING_KEYWORDS for k in spec):
            return None
        required, low, high, pattern = (spec.get("required", False), spec.get("minLength", 0),
                                        spec.get("maxLength", math.inf), spec.get("pattern"))
        if (not isinstance(required, bool) or type(low) is not int or not (type(high) is int or high == math.inf)
                or not (pattern is None or isinstance(pattern, str))):
            return None
        rules.append((name, required, low, high, None if pattern is None else _ecma_pattern(pattern)))

    def accepts(body: Mapping[str, Any]) -> bool:
        for name, required, low, high, pattern in rules:
            if name not in body:
                if required:
                    return False
                continue
            value = body[name]
            if not isinstance(value, str) or not low <= len(value) <= high or (
                    pattern is not None and not pattern.search(value)):
                return False
        return True

    return accepts


@dataclass(frozen=True)
class Descriptor:
    """What the code needs from component.json."""

    data: Mapping[str, Any]
    _actions: dict[str, ActionSchema] = field(default_factory=dict, compare=False, repr=False)

    @property
    def version(self) -> str:
        return str(self.data["version"])

    def action(self, name: str) -> ActionSchema:
        action = self._actions.get(name)
        if action is None:
            try:
                schema = self.data["actions"][name]["metadata"]["in"]
            except (KeyError, TypeError):
                raise ConfigurationError(f"component.json has no metadata.in for action {name!r}") from None
            action = self._actions.setdefault(name, ActionSchema(name, schema))
        return action


_lock = threading.Lock()
_descriptor: Descriptor | None = None


def load() -> Descriptor:
    """component.json, parsed once per process."""
    global _descriptor
    if _descriptor is None:
        with _lock:
            if _descriptor is None:
                path = component_json_path()
                _descriptor = Descriptor(json.loads(path.read_text(encoding="utf-8")))
    return _descriptor
