"""The first message of a fresh process: import + first send, against ``import requests`` + one post."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import callgrind
from harness import CFG, SEND_PATH, TIMEOUT, bare_form, incoming, median, progress

from allmysms_component.sandbox import AllMySmsSimulator

# Modules a plain send does not use (jsonschema checks a schema for `allmysms-component validate`, yarl reads the
# worker's URLs, the runtime's execution runs steps for the worker and the CLI, phonenumbers and holidays serve
# settings a plain send leaves off, dataclasses costs millions of instructions per class created): the component's
# child says which of them it had loaded by the end of its first send, so that a run shows what it measured.
NOT_ON_THE_SEND_PATH = ("jsonschema", "yarl", "pysailor.execution", "phonenumbers", "holidays", "dataclasses")
# Each child prints how long its imports and its first send took (ns; the component's child then those modules);
# the parent times the whole run (interpreter start and exit included), which is what a new replica or a CLI call
# pays. The component's child configures logging as deployed before its first send.
COMPONENT = """\
import time
started = time.perf_counter_ns()
import os
import sys
from pysailor import configure_logging
from allmysms_component.actions.send_sms import process
imported = time.perf_counter_ns()
configure_logging(open(os.devnull, "w"), "info")
output = process({msg!r}, {cfg!r})
assert output["body"]["status"] == 100, output
print(imported - started, time.perf_counter_ns() - imported,
      *[name for name in {off_path!r} if name in sys.modules])
"""
BARE = """\
import time
started = time.perf_counter_ns()
import json
from urllib.parse import urlencode
import requests
imported = time.perf_counter_ns()
data = urlencode({{"login": {login!r}, "apiKey": {api_key!r}, "returnformat": "json",
                  "smsData": json.dumps({sms_data!r}, ensure_ascii=False, separators=(",", ":"))}})
response = requests.post({url!r}, data=data, headers={{"Content-Type": "application/x-www-form-urlencoded"}},
                         timeout={timeout!r}, allow_redirects=False, stream=True)
assert json.loads(response.content)["status"] == 100, response.text
print(imported - started, time.perf_counter_ns() - imported)
"""
EMPTY = "pass"


@dataclass
class Runs:
    """Wall times of fresh interpreters (ns), and what the children said about their import and first send."""

    wall: dict[str, list[int]] = field(default_factory=lambda: {"component": [], "bare": [], "empty": []})
    imports: dict[str, list[int]] = field(default_factory=lambda: {"component": [], "bare": []})
    first_send: dict[str, list[int]] = field(default_factory=lambda: {"component": [], "bare": []})
    off_path: list[str] = field(default_factory=list)  # NOT_ON_THE_SEND_PATH modules the component's child loaded
    instructions: dict[str, int] = field(default_factory=dict)  # one counted run of each, when asked for

    def net_instruction_ratio(self) -> float:
        empty = self.instructions["empty"]
        return (self.instructions["component"] - empty) / (self.instructions["bare"] - empty)

    def net_ratios(self) -> list[float]:
        """Per round: (component - empty interpreter) / (bare - empty interpreter)."""
        return [(c - e) / (b - e) for c, b, e in zip(self.wall["component"], self.wall["bare"], self.wall["empty"],
                                                      strict=True)]

    def median_wall(self, name: str) -> float:
        return median(self.wall[name])


def _env(pycache: str) -> dict[str, str]:
    """The bench's environment (the simulator's URL included), with bytecode cached in ``pycache``: this machine
    sets PYTHONDONTWRITEBYTECODE, under which a source checkout would be recompiled on every start while pip
    precompiled requests; a private cache puts both on the footing of an installed wheel, written nowhere else."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def _run(code: str, env: dict[str, str]) -> tuple[int, list[str]]:
    started = time.perf_counter_ns()
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter_ns() - started
    if done.returncode != 0:
        raise RuntimeError(f"a fresh interpreter failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return wall, done.stdout.split()


def measure(sim: AllMySmsSimulator, rounds: int, *, count: bool = False) -> Runs:
    """``rounds`` rounds of three fresh interpreters (component, bare, empty), in an order rotated each round;
    with ``count``, then one run of each under callgrind (instructions from exec to exit)."""
    msg = incoming(1)
    form = bare_form(msg["body"]["mobileNumbers"])  # the same form the component posts (checked in sends.py)
    codes = {
        "component": COMPONENT.format(msg=msg, cfg=CFG, off_path=NOT_ON_THE_SEND_PATH),
        "bare": BARE.format(login=form["login"], api_key=form["apiKey"], sms_data=json.loads(form["smsData"]),
                            url=sim.url + SEND_PATH, timeout=TIMEOUT),
        "empty": EMPTY,
    }
    order = list(codes)
    runs = Runs()
    with tempfile.TemporaryDirectory(prefix="allmysms-bench-pycache-") as pycache:
        env = _env(pycache)
        progress(f"first message in a fresh process: {rounds} rounds of 3 interpreters (after 2 to warm up)")
        for name in order * 2:  # warm-up: fills the bytecode cache and the OS's file cache
            _, inside = _run(codes[name], env)
            if name == "component":
                runs.off_path = inside[2:]
        for index in range(rounds):
            for name in order[index % 3:] + order[:index % 3]:
                wall, inside = _run(codes[name], env)
                runs.wall[name].append(wall)
                if inside:
                    runs.imports[name].append(int(inside[0]))
                    runs.first_send[name].append(int(inside[1]))
            sim.forget()
        if count:
            progress("first message in a fresh process: instructions under callgrind, one run of each")
            with tempfile.TemporaryDirectory(prefix="allmysms-bench-callgrind-") as counted:
                for name in order:
                    runs.instructions[name] = callgrind.whole_run([sys.executable, "-c", codes[name]], env,
                                                                  Path(counted))
    return runs
