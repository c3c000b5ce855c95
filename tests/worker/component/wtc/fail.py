"""Fail: raises with the body's ``message``."""

from typing import Any


class Boom(Exception):
    pass


def process(msg: dict[str, Any], cfg: dict[str, Any], snapshot: dict[str, Any]) -> None:
    raise Boom(str(msg.get("body", {}).get("message", "it failed")))
