"""One action's input schema (``metadata.in`` in the platform's draft 3 dialect): validation and field labels.

Every schema error becomes a sentence that names the field by its UI label from component.json. fastjsonschema
compiles the schema once into plain Python (its draft 4, so draft 3's ``"required": true`` booleans are first
moved into the parent's ``required`` list): a valid body costs one call of that code. fastjsonschema stops at
the first error, so an invalid body is then checked field by field, keyword by keyword (each compiled once, on
the first invalid body), to list every problem at once. ``allmysms-component validate`` checks the schema itself
with jsonschema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any, NamedTuple

from .errors import InvalidInputError

_JSON_TYPE_NAMES = {
    "str": "text", "int": "a number", "float": "a number", "bool": "true/false", "NoneType": "null",
    "list": "a list", "dict": "an object",
}
# Keywords that say nothing about validity: not compiled into a check of their own.
_ANNOTATIONS = frozenset({"title", "description", "order", "default", "required", "$schema", "id", "note",
                          "viewClass", "placeholder", "format"})
# Validation only: no default written into the body, no format checked (jsonschema's draft 3 validator, which
# `validate` uses, has no format checker either).
_COMPILE_OPTIONS: dict[str, Any] = {"use_default": False, "use_formats": False}
# The whole body's check only tells valid from not (an invalid body is then read field by field): compiled without
# the details each error would carry (the schema's text, once per keyword), it compiles in half the time.
_GATE_OPTIONS: dict[str, Any] = {**_COMPILE_OPTIONS, "detailed_exceptions": False}

Check = Callable[[Any], Any]


class Problem(NamedTuple):
    """One thing wrong with a body: the field (None: the body as a whole), the keyword, a sentence."""

    field: str | None
    keyword: str
    text: str


class ActionSchema:
    """One action's ``metadata.in``, compiled once, on first use."""

    # A plain class, not a dataclass: a fresh process creates it on a first message's path, and a dataclass costs
    # millions of instructions to create (bench/README.md, the first message).
    def __init__(self, name: str, schema: Mapping[str, Any],
                 error: type[InvalidInputError] = InvalidInputError) -> None:
        self.name = name
        self.schema = schema
        self.error = error  # a component may raise its own subclass

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ActionSchema):
            return NotImplemented
        return (self.name, self.schema, self.error) == (other.name, other.schema, other.error)

    __hash__ = None  # type: ignore[assignment]  # the schema is a mapping

    def __repr__(self) -> str:
        return f"ActionSchema(name={self.name!r}, schema={self.schema!r}, error={self.error!r})"

    @property
    def properties(self) -> Mapping[str, Any]:
        props: Mapping[str, Any] = self.schema.get("properties", {})
        return props

    def label(self, key: str) -> str:
        """How errors name a field: its title in the UI, with its key (``Message Text (messageText)``)."""
        title = self.properties.get(key, {}).get("title")
        return f"{title} ({key})" if title else key

    @cached_property
    def _check(self) -> Check:
        return _compile(draft4(self.schema), _GATE_OPTIONS)

    @cached_property
    def _detailed_check(self) -> Check:
        """The whole body's check with fastjsonschema's details: for an error no field's own check finds."""
        return _compile(draft4(self.schema))

    @cached_property
    def _field_checks(self) -> dict[str, list[tuple[str, Check]]]:
        """For each property, one check per keyword, so that every problem of a field is found."""
        converted = draft4(self.schema).get("properties", {})
        return {key: [(keyword, _compile(_keyword_schema(spec, keyword))) for keyword in spec
                      if keyword not in _ANNOTATIONS]
                for key, spec in converted.items() if isinstance(spec, Mapping)}

    def validate(self, body: object) -> None:
        """Raise InvalidInputError naming every field that does not fit the schema."""
        if not isinstance(body, dict):
            raise self.error(
                [f"the message body must be an object with the fields {', '.join(self.properties)}, "
                 f"not {type_name(body)}"])
        from fastjsonschema import JsonSchemaValueException

        try:
            self._check(body)
        except JsonSchemaValueException as exc:
            problems = self._problems(body) or [self._body_problem(body, exc)]
            raise self.error([problem.text for problem in problems], field=problems[0].field) from None

    def _body_problem(self, body: Mapping[str, Any], gate: Exception) -> Problem:
        """The first problem of ``body`` as a whole, in fastjsonschema's words."""
        from fastjsonschema import JsonSchemaValueException

        try:
            self._detailed_check(body)
        except JsonSchemaValueException as exc:
            return Problem(None, exc.rule or "", f"the message body: {exc.message}")
        return Problem(None, "", f"the message body: {gate}")  # not reached: both checks compile one schema

    def _problems(self, body: Mapping[str, Any]) -> list[Problem]:
        """Every problem of ``body``, in the order of the schema's properties, then by keyword."""
        from fastjsonschema import JsonSchemaValueException

        found: list[Problem] = []
        for key, checks in self._field_checks.items():  # in the properties' order
            if key not in body:
                if self.properties[key].get("required") is True:
                    found.append(Problem(key, "required", f"{self.label(key)} is required"))
                continue
            for keyword, check in checks:
                try:
                    check(body[key])
                except JsonSchemaValueException as exc:
                    found.append(Problem(key, keyword, self._describe(key, keyword, body[key], exc.message)))
        order = {key: index for index, key in enumerate(self._field_checks)}
        return sorted(found, key=lambda problem: (order[problem.field or ""], problem.keyword))

    def _describe(self, key: str, keyword: str, value: Any, message: str) -> str:
        label, spec = self.label(key), self.properties[key]
        if keyword == "type":
            return f"{label} must be {_expected(spec.get('type'))}, not {type_name(value)}"
        if keyword == "minLength":
            return f"{label} is empty"
        if keyword == "maxLength":
            return f"{label} is too long: {len(value)} characters, at most {spec['maxLength']}"
        if keyword == "pattern":
            shown = value if len(value) <= 20 else value[:20] + "..."
            return f"{label} {shown!r} is not allowed; allowed: {spec.get('description') or _mismatch(spec)}"
        return f"{label}: {message}"


_SCHEMA_TYPE_NAMES = {"string": "text", "number": "a number", "integer": "a whole number", "boolean": "true/false",
                      "object": "an object", "array": "a list", "null": "null"}


def _expected(types: object) -> str:
    """A schema's ``type`` in words ("text", "an object"); null is left unsaid, as an optional field's empty value."""
    listed = [str(t) for t in (types if isinstance(types, list) else [types]) if t is not None]
    names = [_SCHEMA_TYPE_NAMES.get(t, t) for t in listed if t != "null"]
    return " or ".join(names) if names else "text"


def draft4(schema: Any) -> Any:
    """``schema`` in draft 4: each ``"required": true`` on a property becomes the parent's ``required`` list,
    ``"required": false`` and draft 3's ``"any"`` type are dropped. Nested objects and items are converted too."""
    if not isinstance(schema, Mapping):
        return schema
    converted = {key: value for key, value in schema.items()
                 if not (key == "required" and isinstance(value, bool)) and not (key == "type" and value == "any")}
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        converted["properties"] = {key: draft4(spec) for key, spec in properties.items()}
        required = [key for key, spec in properties.items()
                    if isinstance(spec, Mapping) and spec.get("required") is True]
        if required:
            converted["required"] = required
    items = schema.get("items")
    if items is not None:
        converted["items"] = [draft4(item) for item in items] if isinstance(items, list) else draft4(items)
    return converted


def _keyword_schema(spec: Mapping[str, Any], keyword: str) -> dict[str, Any]:
    """The part of a property's schema that one keyword checks (a nested object's ``required`` goes with its
    ``properties``)."""
    part = {keyword: spec[keyword]}
    if keyword == "properties" and "required" in spec:
        part["required"] = spec["required"]
    return part


def _compile(schema: Mapping[str, Any], options: Mapping[str, Any] = _COMPILE_OPTIONS) -> Check:
    # JSON Schema patterns are ECMA 262, where "$" matches only at the very end: fastjsonschema compiles an
    # unescaped "$" as "\Z" (Python's "$" would let "Sender\n" through).
    import fastjsonschema

    check: Check = fastjsonschema.compile(dict(schema), **options)
    return check


def _mismatch(spec: Mapping[str, Any]) -> str:
    return f"does not match {spec['pattern']!r}"


def type_name(value: object) -> str:
    """A JSON value's type in words a flow builder reads."""
    return _JSON_TYPE_NAMES.get(type(value).__name__, type(value).__name__)
