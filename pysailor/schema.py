"""One action's input schema (``metadata.in`` in the platform's draft 3 dialect): validation and field labels.

Every schema error becomes a sentence that names the field by its UI label from component.json.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .errors import InvalidInputError

if TYPE_CHECKING:  # jsonschema is imported on the first message, not at start-up (bench/README.md)
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

_JSON_TYPE_NAMES = {
    "str": "text", "int": "a number", "float": "a number", "bool": "true/false", "NoneType": "null",
    "list": "a list", "dict": "an object",
}


@dataclass(frozen=True)
class ActionSchema:
    """One action's ``metadata.in``, with its validator compiled once, on first use."""

    name: str
    schema: Mapping[str, Any]
    error: type[InvalidInputError] = InvalidInputError  # a component may raise its own subclass

    @property
    def properties(self) -> Mapping[str, Any]:
        props: Mapping[str, Any] = self.schema.get("properties", {})
        return props

    def label(self, key: str) -> str:
        """How errors name a field: its title in the UI, with its key (``Message Text (messageText)``)."""
        title = self.properties.get(key, {}).get("title")
        return f"{title} ({key})" if title else key

    @cached_property
    def _validator(self) -> Validator:
        return _compile(self.schema)

    def validate(self, body: object) -> None:
        """Raise InvalidInputError naming every field that does not fit the schema."""
        if not isinstance(body, dict):
            raise self.error(
                [f"the message body must be an object with the fields {', '.join(self.properties)}, "
                 f"not {type_name(body)}"])
        errors = sorted(self._validator.iter_errors(body), key=self._field_order)
        if errors:
            problems = [self._describe(error) for error in errors]
            raise self.error(problems, field=self._field_of(errors[0]))

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
            return f"{label} must be text, not {type_name(value)}"
        if kind == "minLength":
            return f"{label} is empty"
        if kind == "maxLength":
            return f"{label} is too long: {len(value)} characters, at most {error.validator_value}"
        if kind == "pattern":
            shown = value if len(value) <= 20 else value[:20] + "..."
            return f"{label} {shown!r} is not allowed; allowed: {spec.get('description') or error.message}"
        return f"{label}: {error.message}"


def type_name(value: object) -> str:
    """A JSON value's type in words a flow builder reads."""
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
