"""Echo: the body and headers it received, the cfg and the snapshot it was given; ``routeTo`` sets a route."""

from typing import Any


def process(msg: dict[str, Any], cfg: dict[str, Any], snapshot: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"body": {"received": msg.get("body"), "msgHeaders": msg.get("headers"), "cfg": cfg,
                                    "snapshot": snapshot, "keys": sorted(msg)}}
    body = msg.get("body")
    if isinstance(body, dict) and body.get("routeTo"):
        out["headers"] = {"X-EIO-Routing-Key": body["routeTo"]}
    if isinstance(body, dict) and body.get("id"):
        out["id"] = body["id"]
    return out
