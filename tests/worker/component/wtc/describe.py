"""Describe: the body, cfg and snapshot it was given (tests/worker/ferryman/component/describe.js in Python)."""

from typing import Any


def process(msg: dict[str, Any], cfg: dict[str, Any], snapshot: dict[str, Any]) -> dict[str, Any]:
    return {"body": {"received": msg.get("body"), "cfg": cfg, "snapshot": snapshot}, "metadata": msg.get("metadata")}
