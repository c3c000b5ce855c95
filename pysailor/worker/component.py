"""Finding the function to run: ``ELASTICIO_FUNCTION`` in the component.json at ``ELASTICIO_COMPONENT_PATH``.

Like the sailor's component reader, for any Python component laid out like this one: the action or trigger's
``main`` is a path relative to the component's folder (``./allmysms_component/actions/send_sms.py``), imported
as a module with the component's folder on the import path; its ``process`` is run for each message, and its
``init(cfg)``, if it has one, once before the first.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from .. import module_name


class ComponentError(Exception):
    """component.json or the function's module cannot be loaded."""


@dataclass(frozen=True)
class Function:
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


def load(component_path: Path, name: str) -> Function:
    root = component_path.resolve()
    path = root / "component.json"
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ComponentError(f"cannot read {path}: {exc}") from None
    definition = None
    for kind in ("actions", "triggers"):
        functions = descriptor.get(kind) if isinstance(descriptor, dict) else None
        if isinstance(functions, dict) and isinstance(functions.get(name), dict):
            definition = functions[name]
            break
    if definition is None:
        raise ComponentError(f"{path} has no action or trigger {name!r}")
    main = definition.get("main")
    if not isinstance(main, str) or not main.endswith(".py"):
        raise ComponentError(f"the main of {name!r} in {path} is not a Python file: {main!r}")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        module = importlib.import_module(module_name(main))
    except Exception as exc:  # any import-time failure of the component is its own problem, reported as such
        raise ComponentError(f"cannot import {main} of {name!r}: {type(exc).__name__}: {exc}") from exc
    if not callable(getattr(module, "process", None)):
        raise ComponentError(f"{main} of {name!r} has no process function")
    return Function(name, module)
