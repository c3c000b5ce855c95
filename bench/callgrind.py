"""Instruction counts under valgrind's callgrind: a figure that holds whatever else the machine is doing.

Wall time and even CPU time move by tens of percent on a shared machine; the number of instructions a process
executes moves by well under 1 %. A process runs under ``valgrind --tool=callgrind`` (Debian: ``apt-get install
valgrind``), about 50 times slower; the bench zeroes its counters after the warm-up (``callgrind_control -z``)
and dumps them after the measured work (``callgrind_control -d``), so start-up and shut-down never count, or it
reads a fresh process's whole count at its exit. Every thread of the process counts; the simulator and the
broker run in other processes. PYTHONHASHSEED is fixed so that two runs hash (and so work) alike.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

VALGRIND = "valgrind"
CONTROL = "callgrind_control"


def available() -> bool:
    return shutil.which(VALGRIND) is not None and shutil.which(CONTROL) is not None


def wrap(argv: Sequence[str], folder: Path) -> list[str]:
    """``argv`` run under callgrind, its counts written into ``folder`` (one file per dump, named by pid)."""
    return [VALGRIND, "--tool=callgrind", "--quiet", f"--callgrind-out-file={folder}/callgrind.%p",
            *argv]


def counted_env(env: Mapping[str, str]) -> dict[str, str]:
    return {**env, "PYTHONHASHSEED": "0"}


def summary(path: Path) -> int:
    """The instructions a callgrind output file counted."""
    for line in path.read_text().splitlines():
        if line.startswith("summary:"):
            return int(line.split()[1])
    raise RuntimeError(f"no summary in {path}")


class Counter:
    """The counters of one running callgrind process: ``zero()`` then ``dump()`` gives what ran in between."""

    def __init__(self, pid: int, folder: Path) -> None:
        self.pid = pid
        self.folder = folder

    def _control(self, flag: str) -> None:
        done = subprocess.run([CONTROL, flag, str(self.pid)], capture_output=True, text=True, check=False,
                              timeout=120)
        if done.returncode != 0 or "OK" not in done.stdout:
            raise RuntimeError(f"callgrind_control {flag} {self.pid} failed: {done.stdout.strip()} "
                               f"{done.stderr.strip()}")

    def zero(self) -> None:
        self._control("-z")

    def dump(self) -> int:
        """Instructions since the last zero or dump (counters are zeroed by the dump)."""
        before = set(self.folder.glob(f"callgrind.{self.pid}.*"))
        self._control("-d")
        deadline = time.monotonic() + 60
        while True:
            new = set(self.folder.glob(f"callgrind.{self.pid}.*")) - before
            if new:
                path = max(new, key=lambda p: int(p.name.rsplit(".", 1)[1]))
                try:
                    return summary(path)
                except RuntimeError:  # still being written
                    pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"callgrind did not dump pid {self.pid}")
            time.sleep(0.1)


def whole_run(argv: Sequence[str], env: Mapping[str, str], folder: Path) -> int:
    """Instructions of a whole process, from exec to exit (a fresh interpreter's first message)."""
    with subprocess.Popen(wrap(argv, folder), env=counted_env(env), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as process:
        _, errors = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"a counted process failed ({process.returncode}): {errors.strip()[-500:]}")
    out = folder / f"callgrind.{process.pid}"
    try:
        return summary(out)
    finally:
        out.unlink()
