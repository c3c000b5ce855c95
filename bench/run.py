"""The Send SMS benchmark: what users pay per message, next to a bare ``requests`` baseline in the same run.

Run from the repository root::

    .venv/bin/python bench/run.py                     # 1.5-5 min on 2 cores, by load (callgrind included)
    .venv/bin/python bench/run.py --quick             # about 40 s: fewer rounds, a smoke test
    .venv/bin/python bench/run.py --no-instructions   # wall and CPU time only (no valgrind needed)
    .venv/bin/python bench/run.py --instructions-only # about a minute: the callgrind counts only

The report (a Markdown table of every target with its measured value and baseline, then the details behind it,
then a line saying which targets were met) goes to stdout, progress to stderr. The exit status is 1 when a target
is missed. bench/README.md says what each row measures and how. Instruction counts need valgrind (``apt-get
install valgrind``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import callgrind
import cold_start
import harness
import requests
import send_counts
import sends
from harness import median, ms, quartiles, us

# The targets of issue 18, measured against the bare baseline of the same run.
SEND_INSTRUCTIONS_RATIO = 1.10  # one send's instructions over a bare post of the same form
OWN_PER_SEND_NS = 300_000       # the component's own time for a 1-recipient message
OWN_PER_RECIPIENT_NS = 10_000   # its own time per recipient at 2,000 and 10,000
FIRST_MESSAGE_RATIO = 1.2       # import + first send over `import requests` + one post, net of start-up
COLD_ROUNDS = {"full": 30, "quick": 6}
COUNTED = {"full": (4, 50), "quick": (2, 20)}  # blocks per side, sends per block, under callgrind


@dataclass(frozen=True)
class Row:
    what: str
    component: str
    baseline: str
    target: str
    met: bool | None  # None: information only

    def cells(self) -> str:
        met = "n/a" if self.met is None else "yes" if self.met else "**NO**"
        return f"| {self.what} | {self.component} | {self.baseline} | {self.target} | {met} |"


def rows(results: sends.Results | None, cold: cold_start.Runs, counts: send_counts.Counts | None) -> list[Row]:
    table = []
    if counts is None:
        table.append(Row("One send, 1 recipient: instructions", "not counted", "(--no-instructions)",
                         f"≤ {SEND_INSTRUCTIONS_RATIO:.2f}x", None))
    else:
        ratio = counts.ratio()
        table.append(Row("One send, 1 recipient: instructions (callgrind, median of blocks)",
                         f"{counts.median('component') / 1e6:.3f} M",
                         f"{counts.median('bare') / 1e6:.3f} M (bare post)",
                         f"≤ {SEND_INSTRUCTIONS_RATIO:.2f}x: {ratio:.3f}x", ratio <= SEND_INSTRUCTIONS_RATIO))
    if results is not None:
        one = results.per_send
        table.append(Row("Own time per send, 1 recipient (median wall)", us(median(one.own())),
                         f"{us(median(one.bare_own()))} (bare client's own)", f"≤ {us(OWN_PER_SEND_NS)}",
                         median(one.own()) <= OWN_PER_SEND_NS))
        for large in results.large:
            per = large.own_per_recipient()
            table.append(Row(f"Own time per recipient, {large.recipients:,} recipients (median wall)", us(per),
                             f"{us(median(large.bare_own()) / large.recipients)} (bare client's own)",
                             f"≤ {us(OWN_PER_RECIPIENT_NS)}", per <= OWN_PER_RECIPIENT_NS))
    if counts is not None:
        mine, theirs = median(counts.per_recipient["component"]), median(counts.per_recipient["bare"])
        table.append(Row(f"Instructions per recipient, {send_counts.LARGE:,} recipients (callgrind)", f"{mine:,.0f}",
                         f"{theirs:,.0f} (bare post)", f"information: {mine / theirs:.2f}x", None))
    if cold.instructions:
        net = cold.net_instruction_ratio()
        table.append(Row("First message of a fresh process: instructions (callgrind)",
                         f"{cold.instructions['component'] / 1e6:,.0f} M",
                         f"{cold.instructions['bare'] / 1e6:,.0f} M (`import requests` + post); "
                         f"`pass` {cold.instructions['empty'] / 1e6:,.0f} M",
                         f"≤ {FIRST_MESSAGE_RATIO}x net of start-up: {net:.2f}x", net <= FIRST_MESSAGE_RATIO))
    if results is None:
        return table
    net = median(cold.net_ratios())
    table.append(Row("First message of a fresh process (median wall)", ms(cold.median_wall("component")),
                     f"{ms(cold.median_wall('bare'))} (`import requests` + post); `pass` "
                     f"{ms(cold.median_wall('empty'))}",
                     f"≤ {FIRST_MESSAGE_RATIO}x net of start-up: {net:.2f}x", net <= FIRST_MESSAGE_RATIO))
    one, spent = results.per_send, results.cpu
    c_cpu, b_cpu = median(spent.thread["component"]), median(spent.thread["bare"])
    table.append(Row(f"CPU per message over {spent.sends:,} sends (sending thread)", us(c_cpu),
                     f"{us(b_cpu)} (bare post)", f"information: {c_cpu / b_cpu:.2f}x", None))
    table.append(Row("Loopback send, 1 recipient (median wall)", us(median([t.total for t in one.component])),
                     f"{us(median([t.total for t in one.bare]))} (bare post)",
                     f"information: {median(one.loopback_ratios()):.3f}x", None))
    return table


def details(results: sends.Results | None, cold: cold_start.Runs, counts: send_counts.Counts | None) -> list[str]:
    lines = [f"The first message's child loaded, of the modules a plain send does not use "
             f"({', '.join(cold_start.NOT_ON_THE_SEND_PATH)}): {', '.join(cold.off_path) or 'none'}."]
    if counts is not None:
        blocks = ", ".join(f"{value / 1e6:.3f}" for value in counts.per_send["component"])
        bare = ", ".join(f"{value / 1e6:.3f}" for value in counts.per_send["bare"])
        lines.append(f"Instructions per send (M), blocks of {counts.block} one-recipient sends in one process "
                     f"under callgrind, the simulator outside it: component {blocks}; bare {bare}.")
    if cold.instructions:
        lines.append(f"First message, instructions (M, one counted run each, exec to exit): component "
                     f"{cold.instructions['component'] / 1e6:,.1f}, bare {cold.instructions['bare'] / 1e6:,.1f}, "
                     f"`python -c pass` {cold.instructions['empty'] / 1e6:,.1f}; net of `pass`: "
                     f"{(cold.instructions['component'] - cold.instructions['empty']) / 1e6:,.1f} against "
                     f"{(cold.instructions['bare'] - cold.instructions['empty']) / 1e6:,.1f}.")
    if results is None:
        return lines
    one, via, warn = results.per_send, results.via_execute, results.at_warn
    q1, q3 = quartiles(one.own())
    lines.append(
        f"Own time per send, 1 recipient: median of {len(one.component)} sends (IQR {us(q1)}-{us(q3)}; "
        f"mean {us(sum(one.own()) / len(one.own()))}). Inside session.post: component "
        f"{us(median([t.http for t in one.component]))}, bare {us(median([t.http for t in one.bare]))}. "
        f"Variants (information, {len(via.component)} pairs each): through runtime.execute (events, the output's "
        f"size check) instead of process() {us(median(via.own()))}; at LOG_LEVEL=warn instead of info (no INFO "
        f"line) {us(median(warn.own()))}, bare {us(median(warn.bare_own()))}.")
    for large in results.large:
        lines.append(
            f"{large.recipients:,} recipients: own time {ms(median(large.own()))} per send (median of "
            f"{len(large.component)}); inside session.post: component {ms(median([t.http for t in large.component]))}"
            f", bare {ms(median([t.http for t in large.bare]))}; whole send: component "
            f"{ms(median([t.total for t in large.component]))}, bare {ms(median([t.total for t in large.bare]))} "
            f"(loopback ratio {median(large.loopback_ratios()):.3f}x, information).")
    c_imp, c_send = median(cold.imports["component"]), median(cold.first_send["component"])
    b_imp, b_send = median(cold.imports["bare"]), median(cold.first_send["bare"])
    lines.append(
        f"First message: {len(cold.wall['empty'])} rounds of three fresh interpreters, order rotated; `python -c "
        f"pass` {ms(cold.median_wall('empty'))}. Measured inside the children: component import {ms(c_imp)} + "
        f"first send {ms(c_send)}; "
        f"bare `import requests` {ms(b_imp)} + first post {ms(b_send)}. Ratio = median over rounds of "
        f"(component - pass) / (bare - pass); without subtracting `pass`: "
        f"{cold.median_wall('component') / cold.median_wall('bare'):.2f}x.")
    spent = results.cpu

    def per_block(kind: dict[str, list[float]]) -> str:
        return f"{us(median(kind['component']))} vs {us(median(kind['bare']))}"

    lines.append(
        f"CPU: {spent.sends:,} sends per side in alternating blocks of {spent.block}; per message, median over "
        f"blocks (a block's garbage collections included): the sending thread {per_block(spent.thread)}; the "
        f"whole process, the simulator's threads included (the same work for both) {per_block(spent.process)}; "
        f"wall {per_block(spent.wall)}. Mean over all blocks, sending thread: "
        f"{us(sum(spent.thread['component']) / len(spent.thread['component']))} vs "
        f"{us(sum(spent.thread['bare']) / len(spent.thread['bare']))}.")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds: about a minute, noisier")
    parser.add_argument("--no-instructions", action="store_true", help="skip the callgrind counts")
    parser.add_argument("--instructions-only", action="store_true",
                        help="only the callgrind counts (one send, per recipient, the first message): about a minute")
    args = parser.parse_args(argv)
    if args.no_instructions and args.instructions_only:
        parser.error("--no-instructions and --instructions-only exclude each other")
    mode = "quick" if args.quick else "full"
    count = not args.no_instructions
    if count and not callgrind.available():
        print("valgrind is missing (apt-get install valgrind), or run with --no-instructions", file=sys.stderr)
        return 2
    started = time.monotonic()
    with harness.simulator() as sim:
        results = None if args.instructions_only else sends.measure(sim, sends.QUICK if args.quick else sends.FULL)
        blocks, block = COUNTED[mode]
        counts = send_counts.measure(sim, blocks=blocks, block=block) if count else None
        cold = cold_start.measure(sim, 0 if args.instructions_only else COLD_ROUNDS[mode], count=count)
    table = rows(results, cold, counts)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    kind = "instructions only" if args.instructions_only else f"{mode} run"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"Send SMS benchmark, {when}, {kind}, {time.monotonic() - started:.0f} s; Python "
          f"{platform.python_version()}, requests {requests.__version__}, simulator in a thread; load average "
          f"{load} at the end\n")
    print("| What | Component | Baseline (same run) | Target | Met |")
    print("|---|---|---|---|---|")
    for row in table:
        print(row.cells())
    print("\nDetails:\n")
    for line in details(results, cold, counts):
        print(f"- {line}")
    judged = [row for row in table if row.met is not None]
    missed = [row.what for row in judged if not row.met]
    print(f"\nTargets met: {len(judged) - len(missed)} of {len(judged)}"
          + (f"; missed: {'; '.join(missed)}" if missed else ""))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
