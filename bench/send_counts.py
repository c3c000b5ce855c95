"""Instructions per send: the Send SMS action against the bare post of the same form, counted by callgrind.

The parent (the bench, with the simulator in one of its threads) starts this file as a child under callgrind.
The child builds the component as deployed and the bare client (harness.Component, harness.BareClient), warms
both up, then obeys the parent line by line: ``component N R`` or ``bare N R`` makes N sends to R recipients
and answers ``done``. The parent zeroes the child's counters before each block and dumps them after it, so a block's
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
LARGE = 2_000  # recipients of the per-recipient blocks


@dataclass
class Counts:
    """Instructions per send, one value per block."""

    block: int
    per_send: dict[str, list[float]] = field(default_factory=lambda: {"component": [], "bare": []})
    per_recipient: dict[str, list[float]] = field(default_factory=lambda: {"component": [], "bare": []})

    def median(self, side: str) -> float:
        return median(self.per_send[side])

    def ratio(self) -> float:
        return self.median("component") / self.median("bare")


def measure(sim: AllMySmsSimulator, *, blocks: int, block: int) -> Counts:
    """``blocks`` blocks of ``block`` one-recipient sends per side, alternating, in one counted child; then two
    sends to 2,000 recipients per side, counted one by one."""
    counts = Counts(block)
    with tempfile.TemporaryDirectory(prefix="allmysms-bench-callgrind-") as tmp:
        folder = Path(tmp)
        argv = callgrind.wrap([sys.executable, str(Path(__file__).resolve())], folder)
        progress(f"instructions per send under callgrind: {blocks} blocks of {block} per side")
        with subprocess.Popen(argv, env=callgrind.counted_env(os.environ), text=True, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE) as child:
            assert child.stdin is not None
            assert child.stdout is not None
            stdin, stdout = child.stdin, child.stdout
            try:
                if stdout.readline().strip() != "ready":
                    raise RuntimeError("the counted child did not start")
                counter = callgrind.Counter(child.pid, folder)

                def run(side: str, sends: int, recipients: int) -> float:
                    sim.forget()
                    counter.zero()
                    stdin.write(f"{side} {sends} {recipients}\n")
                    stdin.flush()
                    if stdout.readline().strip() != "done":
                        raise RuntimeError("the counted child failed")
                    return counter.dump() / sends

                for index in range(blocks * 2):
                    side = ("component", "bare")[(index + index // 2) % 2]  # c b b c c b ...
                    counts.per_send[side].append(run(side, block, 1))
                for side in ("component", "bare", "bare", "component"):
                    counts.per_recipient[side].append(run(side, 1, LARGE) / LARGE)
            finally:
                stdin.close()
                child.wait(120)
    return counts


def child() -> None:
    """The counted process: the component and the bare client, sending when told."""
    with harness.deployed():
        component, bare = harness.Component(), harness.BareClient(os.environ["ALLMYSMS_API_URL"])
        messages = {1: harness.incoming(1), LARGE: harness.incoming(LARGE)}
        for recipients, msg in messages.items():
            for _ in range(WARM_UP if recipients == 1 else 1):
                component.send(msg, recipients)
                bare.send(msg, recipients)
            component.check_like_with_like(msg)
        print("ready", flush=True)
        for line in sys.stdin:
            side, count, size = line.split()
            send = component.send if side == "component" else bare.send
            for _ in range(int(count)):
                send(messages[int(size)], int(size))
            print("done", flush=True)
        bare.close()


if __name__ == "__main__":
    child()
