"""Rebound: always asks the platform to try again later."""

from typing import Any

from allmysms_component.errors import Rebound


def process(msg: dict[str, Any], cfg: dict[str, Any], snapshot: dict[str, Any]) -> None:
    raise Rebound("not ready yet")
