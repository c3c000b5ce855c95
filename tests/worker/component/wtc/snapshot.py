"""Snapshot: counts its messages in the step's snapshot; replaces it on ``body.reset``."""

from collections.abc import Iterator
from typing import Any

from pysailor import Event


def process(msg: dict[str, Any], cfg: dict[str, Any], snapshot: dict[str, Any]) -> Iterator[Any]:
    if msg["body"].get("reset"):
        yield Event("snapshot", {"count": 0})
        return
    count = int(snapshot.get("count", 0)) + 1
    yield Event("updateSnapshot", {"count": count})
    yield {"body": {"count": count}}
