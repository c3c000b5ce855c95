"""Instructions per send: the Send SMS action against the bare post of the same form, counted by callgrind.

The parent (the bench, with the simulator in one of its threads) starts this file as a child under callgrind.
The child builds the component as deployed and the bare client (harness.Component, harness.BareClient), warms
both up, then obeys the parent line by line: ``component N`` or ``bare N`` makes N one-recipient sends and
answers ``done``. The parent zeroes the child's counters before each block and dumps them after it, so a block's
count holds the sends and nothing else of the child; blocks alternate between the sides.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import callgrind
import harness
from harness import median, progress

from allmysms_component.sandbox import AllMySmsSimulator

WARM_UP = 20


@dataclass
class Counts:
    """Instructions per send, one value per block."""

    block: int
    per_send: dict[str, list[float]] = field(default_factory=lambda: {"component": [], "bare": []})

    def median(self, side: str) -> float:
        return median(self.per_send[side])

    def ratio(self) -> float:
        return self.median("component") / self.median("bare")


def measure(sim: AllMySmsSimulator, *, blocks: int, block: int) -> Counts:
    """``blocks`` blocks of ``block`` sends per side, alternating, in one counted child."""
    counts = Counts(block)
    with tempfile.TemporaryDirectory(prefix="allmysms-bench-callgrind-") as tmp:
        folder = Path(tmp)
        argv = callgrind.wrap([sys.executable, str(Path(__file__).resolve())], folder)
        progress(f"instructions per send under callgrind: {blocks} blocks of {block} per side")
        with subprocess.Popen(argv, env=callgrind.counted_env(os.environ), text=True, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE) as child:
            assert child.stdin is not None
            assert child.stdout is not None
            try:
                if child.stdout.readline().strip() != "ready":
                    raise RuntimeError("the counted child did not start")
                counter = callgrind.Counter(child.pid, folder)
                for index in range(blocks * 2):
                    side = ("component", "bare")[(index + index // 2) % 2]  # c b b c c b ...
                    sim.forget()
                    counter.zero()
                    child.stdin.write(f"{side} {block}\n")
                    child.stdin.flush()
                    if child.stdout.readline().strip() != "done":
                        raise RuntimeError("the counted child failed")
                    counts.per_send[side].append(counter.dump() / block)
            finally:
                child.stdin.close()
                child.wait(120)
    return counts


def child() -> None:
    """The counted process: the component and the bare client, sending when told."""
    with harness.deployed():
        component, bare = harness.Component(), harness.BareClient(os.environ["ALLMYSMS_API_URL"])
        msg = harness.incoming(1)
        for _ in range(WARM_UP):
            component.send(msg, 1)
            bare.send(msg, 1)
        component.check_like_with_like(msg)
        print("ready", flush=True)
        for line in sys.stdin:
            side, count = line.split()
            send = component.send if side == "component" else bare.send
            for _ in range(int(count)):
                send(msg, 1)
            print("done", flush=True)
        bare.close()


if __name__ == "__main__":
    child()
