"""What the in-memory send journal costs in memory, and how long its default budget remembers, in one run.

Run from the repository root::

    .venv/bin/python bench/journal_memory.py          # about a minute: a simulated day at 12 messages a second
    .venv/bin/python bench/journal_memory.py --quick  # the per-entry costs only

Rows: the memory of one whole entry (a sent message, one recipient) in the recent part, measured with
tracemalloc, beside what the store counts for it; the same for an archived entry (a closed hour); then a
simulated day of 1,000,000 SMS at one recipient each (about 12 a second, on a fake clock) through the default
budget (ALLMYSMS_JOURNAL_MEMORY_MB=32): what is remembered of the first messages of the day at its end, the
store's counted bytes, and the process's resident memory (VmRSS) before and after the day, beside the same
process before the journal was imported (the day runs first, in a process that holds nothing else). The
report goes to stdout as Markdown.
"""

from __future__ import annotations

import argparse
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


RSS_BEFORE_IMPORT_MIB = rss_mib()

from journal import output  # noqa: E402  (bench/journal.py: a Send SMS output as the worker records it)

from allmysms_component.journal import Decision, Doubt, JournalSettings, SendKey, open_journal  # noqa: E402
from allmysms_component.journal.memory_archive import Archive  # noqa: E402
from allmysms_component.journal.memory_store import MemoryStore  # noqa: E402
from tests.journal.helpers import FakeClock  # noqa: E402

PER_DAY = 1_000_000
ENTRIES = 20_000


def key(n: int) -> SendKey:
    return SendKey.for_delivery(step="6798a1b2c3d4e5f6a7b8c9d0/step_2",
                                message_id=f"{n:08x}-9c4e-4f1a-b2d3-5e6f7a8b9c0d", content=n.to_bytes(8, "big"))


def whole_entry_bytes() -> tuple[float, float]:
    """(measured, counted) bytes per whole entry in the recent part."""
    clock = FakeClock()
    journal = open_journal(JournalSettings(memory_limit_bytes=512 * 1024 * 1024), clock=clock)
    out = [output(1)]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for n in range(ENTRIES):
        attempt = journal.begin(key(n), redelivered=False).attempt
        assert attempt is not None
        journal.complete(key(n), attempt, out, withheld=("text",))
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    store = journal.store
    assert isinstance(store, MemoryStore)
    return (after - before) / ENTRIES, store.size_bytes / ENTRIES


def archived_entry_bytes() -> float:
    archive = Archive(ttl=86_400, limit_bytes=1 << 30)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for n in range(ENTRIES):
        archive.add(key(n).name, 2, 0.0)
    archive.add("closes the hour", 2, 3600.0)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / ENTRIES


def a_day() -> dict[str, object]:
    clock = FakeClock()
    journal = open_journal(JournalSettings(), clock=clock)  # the default budget
    out = [output(1)]
    rss_before = rss_mib()
    step = 86_400 / PER_DAY
    for n in range(PER_DAY):
        clock.advance(step)
        attempt = journal.begin(key(n), redelivered=False).attempt
        assert attempt is not None
        journal.complete(key(n), attempt, out, withheld=("text",))
    store = journal.store
    assert isinstance(store, MemoryStore)
    assert store.archive is not None
    first = journal.begin(key(0), redelivered=True)
    last_whole = next(n for n in range(PER_DAY - 1, -1, -1) if key(n).name not in store.dump()) + 1
    return {"remembered": store.archive.count + len(store.dump()),
            "first_of_the_day": f"{first.decision.value} ({(first.doubt or Doubt.UNREADABLE).value})"
            if first.decision is not Decision.SEND else "forgotten: sent again",
            "whole_entries": len(store.dump()), "whole_minutes": round((PER_DAY - last_whole) * step / 60, 1),
            "counted_mib": round(store.size_bytes / 2**20, 1), "rss_before": round(rss_before, 1),
            "rss_after": round(rss_mib(), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the per-entry costs only")
    args = parser.parse_args()
    day = None if args.quick else a_day()  # first: the process's memory then holds nothing else of the bench
    measured, counted = whole_entry_bytes()
    archived = archived_entry_bytes()
    print(f"Per entry, {ENTRIES} entries (a sent message, one recipient), tracemalloc\n")
    print("| entry | measured bytes | counted by the store |\n|---|---:|---:|")
    print(f"| whole (recent part) | {measured:.0f} | {counted:.0f} |")
    print(f"| archived (a closed hour) | {archived:.1f} | 8 |")
    if day is None:
        return
    print(f"\nA simulated day: {PER_DAY:,} SMS at one recipient each through the default budget (32 MiB)\n")
    print("| figure | value |\n|---|---:|")
    print(f"| process RSS before importing the journal, MiB | {RSS_BEFORE_IMPORT_MIB:.1f} |")
    for name, value in day.items():
        print(f"| {name.replace('_', ' ')} | {value} |")


if __name__ == "__main__":
    main()
