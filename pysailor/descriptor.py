"""component.json, the single source of truth: where it is, its version, each action's main and input schema."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigurationError, InvalidInputError
from .schema import ActionSchema


def component_json_path(candidates: Sequence[Path]) -> Path:
    """The first of ``candidates`` that exists."""
    for path in candidates:
        if path.is_file():
            return path
    raise ConfigurationError(f"component.json not found (looked at {', '.join(map(str, candidates))})")


@dataclass(frozen=True)
class Descriptor:
    """What the code needs from component.json."""

    data: Mapping[str, Any]
    input_error: type[InvalidInputError] = InvalidInputError  # what input validation raises
    actions: dict[str, ActionSchema] = field(default_factory=dict, compare=False, repr=False)
    labels: dict[str, dict[str, str]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, path: Path, *, input_error: type[InvalidInputError] = InvalidInputError) -> Descriptor:
        """The descriptor read from ``path``; its input validation raises ``input_error``."""
        return cls(json.loads(path.read_text(encoding="utf-8")), input_error)

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
