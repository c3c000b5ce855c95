"""Several data messages: one per item of ``body.items``, yielded as they are made; fails on an item "fail"."""

from collections.abc import Iterator
from typing import Any


def process(msg: dict[str, Any], cfg: dict[str, Any], snapshot: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in msg["body"]["items"]:
        if item == "fail":
            raise ValueError("item 'fail' cannot be split")
        yield {"body": {"item": item}}
