"""component.json, read once: its version, each function's main (loaded as a module) and input schema, labels.

A function's ``main`` is a path relative to the component's folder (``./allmysms_component/actions/send_sms.py``),
imported as a module with that folder on the import path, as the sailor's component reader does; its
``process`` runs for each message, and its ``init(cfg)``, if it has one, once before the first.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

from .errors import ConfigurationError, InvalidInputError
from .schema import ActionSchema


def component_json_path(candidates: Sequence[Path]) -> Path:
    """The first of ``candidates`` that exists."""
    for path in candidates:
        if path.is_file():
            return path
    raise ConfigurationError(f"component.json not found (looked at {', '.join(map(str, candidates))})")


class Descriptor:
    """What the code needs from component.json."""

    # A plain class, not a dataclass: see ActionSchema. The two caches take no part in equality or the repr.
    def __init__(self, data: Mapping[str, Any], input_error: type[InvalidInputError] = InvalidInputError) -> None:
        self.data = data
        self.input_error = input_error  # what input validation raises
        self.actions: dict[str, ActionSchema] = {}
        self.labels: dict[str, dict[str, str]] = {}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Descriptor):
            return NotImplemented
        return (self.data, self.input_error) == (other.data, other.input_error)

    __hash__ = None  # type: ignore[assignment]  # the data is a mapping

    def __repr__(self) -> str:
        return f"Descriptor(data={self.data!r}, input_error={self.input_error!r})"

    @classmethod
    def load(cls, path: Path, *, input_error: type[InvalidInputError] = InvalidInputError) -> Descriptor:
        """The descriptor read from ``path``; its input validation raises ``input_error``."""
        data = read(path)
        if not isinstance(data, Mapping):
            raise ConfigurationError(f"{path} must hold one JSON object")
        return cls(data, input_error)

    @property
    def version(self) -> str:
        return str(self.data["version"])

    def main(self, function: str) -> str:
        """The ``main`` of an action or trigger: the file the platform loads."""
        for kind in ("actions", "triggers"):
            spec = (self.data.get(kind) or {}).get(function)
            if isinstance(spec, Mapping) and isinstance(spec.get("main"), str):
                return str(spec["main"])
        raise ConfigurationError(f"component.json has no action or trigger {function!r} with a main")

    def function(self, name: str, root: Path | None = None) -> Function:
        """The action or trigger ``name``, its module imported (with ``root``, the component's folder, on the
        import path); ConfigurationError when it cannot be."""
        main = self.main(name)
        if not main.endswith(".py"):
            raise ConfigurationError(f"the main of {name!r} is not a Python file: {main!r}")
        if root is not None and str(root.resolve()) not in sys.path:
            sys.path.insert(0, str(root.resolve()))
        try:
            module = importlib.import_module(module_name(main))
        except Exception as exc:  # any import-time failure of the component is its own problem, reported as such
            raise ConfigurationError(f"cannot import {main} of {name!r}: {type(exc).__name__}: {exc}") from exc
        if not callable(getattr(module, "process", None)):
            raise ConfigurationError(f"{main} of {name!r} has no process function")
        return Function(name, module)

    def setting_labels(self, function: str) -> dict[str, str]:
        """How errors name each step setting (the function's ``fields``): its label in the UI, with its key
        (``Dry run (dryRun)``). Read once per descriptor."""
        labels = self.labels.get(function)
        if labels is None:
            spec = (self.data.get("actions") or {}).get(function) or (self.data.get("triggers") or {}).get(function)
            fields = spec.get("fields") if isinstance(spec, Mapping) else None
            labels = self.labels.setdefault(function, _labels(fields if isinstance(fields, Mapping) else {}))
        return labels

    def action(self, name: str) -> ActionSchema:
        """An action's input schema, compiled once per descriptor."""
        action = self.actions.get(name)
        if action is None:
            try:
                schema = self.data["actions"][name]["metadata"]["in"]
            except (KeyError, TypeError):
                raise ConfigurationError(f"component.json has no metadata.in for action {name!r}") from None
            action = self.actions.setdefault(name, ActionSchema(name, schema, self.input_error))
        return action


def _labels(fields: Mapping[str, Any]) -> dict[str, str]:
    return {key: f"{spec['label']} ({key})" if isinstance(spec, Mapping) and spec.get("label") else key
            for key, spec in fields.items()}


class Function(NamedTuple):
    """An action or trigger, loaded."""

    name: str
    module: ModuleType

    @property
    def process(self) -> Callable[..., Any]:
        process: Callable[..., Any] = self.module.process
        return process

    @property
    def init(self) -> Callable[[Any], Any] | None:
        init = getattr(self.module, "init", None)
        return init if callable(init) else None


def read(path: Path) -> Any:
    """component.json's JSON; ConfigurationError, naming the file, when it cannot be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise ConfigurationError(f"cannot read {path}: {exc}") from None


def module_name(main: str) -> str:
    """``./allmysms_component/actions/send_sms.py`` -> ``allmysms_component.actions.send_sms``."""
    path = main.removeprefix("./").removesuffix(".py")
    return path.replace("/", ".")
