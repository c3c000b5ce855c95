"""component.json checked the way the platform's validator (elasticio-cli ``cmp:validate``) does, and more:
every ``main`` resolves to a module with ``process``, and the in/out metadata are valid schemas.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .descriptor import module_name, read
from .errors import ConfigurationError

VIEW_CLASSES = frozenset({
    "TextFieldView", "TextAreaView", "CheckBoxView", "SelectView", "MultiSelectView", "PasswordFieldView",
    "OAuthFieldView", "TextFieldWithNoteView", "CodeFieldView", "TextAreaWithNoteView", "SelectTreeView",
    "SelectPropertyView", "WebHookPayloadView", "OutMetadataView", "InMetadataExtensionView", "CSVReadView",
    "CSVWriteView", "JSONataView", "RESTAPIView", "HTTPAuthView", "WebhookAuthView",
})
FUNCTION_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
TRIGGER_TYPES = frozenset({"polling", "webhook"})  # webhook when absent (elasticio-platform.md, section 1.4)
SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?")


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_component(path: Path) -> Report:
    report = Report()
    try:
        data = read(path)
    except ConfigurationError as exc:
        report.errors.append(str(exc))
        return report
    if not isinstance(data, dict):
        report.errors.append("component.json must hold one JSON object")
        return report
    _top_level(data, report)
    _credentials(data.get("credentials"), report)
    functions = [("trigger", key, value) for key, value in (data.get("triggers") or {}).items()]
    functions += [("action", key, value) for key, value in (data.get("actions") or {}).items()]
    if not functions:
        report.errors.append("a component needs at least one action or trigger")
    seen: set[str] = set()
    for kind, key, spec in functions:
        if key in seen:
            report.errors.append(f"function id {key!r} is used twice")
        seen.add(key)
        _function(kind, key, spec, path.parent, report)
    return report


def _top_level(data: dict[str, Any], report: Report) -> None:
    for key in ("title", "description"):
        if not data.get(key):
            report.warnings.append(f"component.json has no {key}")
    version = data.get("version")
    if version is not None and not (isinstance(version, str) and SEMVER.fullmatch(version)):
        report.errors.append(f"version {version!r} is not semantic versioning (e.g. 1.0.0)")
    env_vars = data.get("envVars", {})
    if not isinstance(env_vars, dict) or any(not isinstance(v, dict) for v in env_vars.values()):
        report.errors.append("envVars must map each variable name to {required, description}")


def _credentials(credentials: object, report: Report) -> None:
    if credentials is None:
        report.warnings.append("component.json has no credentials")
        return
    fields = credentials.get("fields") if isinstance(credentials, dict) else None
    if not isinstance(fields, dict):
        report.errors.append("credentials.fields is required when credentials are declared")
        return
    for name, spec in fields.items():
        _field(f"credential field {name!r}", spec, report)


def _field(where: str, spec: object, report: Report) -> None:
    if not isinstance(spec, dict):
        report.errors.append(f"{where} must be an object")
        return
    if not spec.get("label"):
        report.warnings.append(f"{where} has no label")
    view = spec.get("viewClass")
    if not view:
        report.errors.append(f"{where} has no viewClass")
    elif view not in VIEW_CLASSES:
        report.errors.append(f"{where} has an unknown viewClass {view!r}")
    if view == "SelectView" and not isinstance(spec.get("model"), (dict, str)):
        report.errors.append(f"{where} is a SelectView without a model")
    if "required" in spec and not isinstance(spec["required"], bool):
        report.warnings.append(f"{where} has a required that is not true or false")


def _function(kind: str, key: str, spec: object, root: Path, report: Report) -> None:
    where = f"{kind} {key!r}"
    if not FUNCTION_ID.fullmatch(key):
        report.errors.append(f"{where}: the id must start with a letter and hold only letters, digits and _")
    if not isinstance(spec, dict):
        report.errors.append(f"{where} must be an object")
        return
    if not spec.get("title"):
        report.errors.append(f"{where} has no title")
    if not spec.get("description"):
        report.warnings.append(f"{where} has no description")
    trigger_type = spec.get("type")
    if kind == "trigger" and trigger_type is not None and trigger_type not in TRIGGER_TYPES:
        report.errors.append(f"{where}: type {trigger_type!r} is not one of {', '.join(sorted(TRIGGER_TYPES))}")
    elif kind == "action" and trigger_type is not None:
        report.warnings.append(f"{where}: type means nothing for an action (only triggers are polling or webhook)")
    for name, field_spec in (spec.get("fields") or {}).items():
        _field(f"{where} field {name!r}", field_spec, report)
    module = _module(where, spec.get("main"), root, report)
    if module is not None:
        if not callable(getattr(module, "process", None)):
            report.errors.append(f"{where}: {spec['main']} does not export process")
        if kind == "action" and any(hasattr(module, hook) for hook in ("startup", "shutdown")):
            report.warnings.append(f"{where}: startup/shutdown hooks only run for triggers")
        if spec.get("dynamicMetadata") and not callable(getattr(module, "getMetaModel", None)):
            report.errors.append(f"{where} declares dynamicMetadata but exports no getMetaModel")
    metadata = spec.get("metadata")
    if metadata is None and not spec.get("dynamicMetadata"):
        report.errors.append(f"{where} has neither metadata nor dynamicMetadata")
    if isinstance(metadata, dict):
        # No metadata.in is how the platform is told that a function takes no mapped input (no mapper step).
        if "in" in metadata:
            _schema(f"{where} metadata.in", metadata["in"], root, report)
        _schema(f"{where} metadata.out", metadata.get("out"), root, report)


def _module(where: str, main: object, root: Path, report: Report) -> Any:
    if not isinstance(main, str) or not main:
        report.errors.append(f"{where} has no main")
        return None
    if not (root / main).is_file() and not (root.parent / main).is_file():
        report.errors.append(f"{where}: main file {main} does not exist")
        return None
    try:
        return importlib.import_module(module_name(main))
    except Exception as exc:  # any import failure is a finding, not a crash of the validator
        report.errors.append(f"{where}: main {main} cannot be imported: {type(exc).__name__}: {exc}")
        return None


def _schema(where: str, schema: object, root: Path, report: Report) -> None:
    from jsonschema import Draft3Validator
    from jsonschema.exceptions import SchemaError

    if schema is None:
        report.warnings.append(f"{where} is missing")
        return
    if isinstance(schema, str):
        file = root / schema
        if not file.is_file():
            report.errors.append(f"{where}: schema file {schema} does not exist")
            return
        try:
            schema = json.loads(file.read_text(encoding="utf-8"))
        except ValueError as exc:
            report.errors.append(f"{where}: schema file {schema} is not JSON: {exc}")
            return
    if not isinstance(schema, dict):
        report.errors.append(f"{where} must be a schema object or a path to one")
        return
    try:
        Draft3Validator.check_schema(schema)
    except SchemaError as exc:
        report.errors.append(f"{where} is not a valid schema: {exc.message}")
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict) and "required" in prop and not isinstance(prop["required"], bool):
            report.warnings.append(f"{where} property {name!r}: required should be true or false")
