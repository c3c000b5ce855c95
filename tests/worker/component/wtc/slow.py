"""Slow: says it started (a file), then waits until the test releases it (another file), then echoes."""

import time
from pathlib import Path
from typing import Any


def process(msg: dict[str, Any], cfg: dict[str, Any], snapshot: dict[str, Any]) -> dict[str, Any]:
    folder = Path(msg["body"]["folder"])
    (folder / f"started-{msg['body']['n']}").touch()
    with (folder / "runs").open("a") as runs:  # one line per run: a message run twice shows twice
        runs.write(f"{msg['body']['n']}\n")
    deadline = time.monotonic() + 60
    while not (folder / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return {"body": {"n": msg["body"]["n"], "released": (folder / "release").exists()}}
