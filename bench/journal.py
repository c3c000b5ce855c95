"""What the send journal costs per message, side by side with the least a journal could do, in one run.

Run from the repository root::

    .venv/bin/python bench/journal.py                # a private redis-server on a free loopback port
    .venv/bin/python bench/journal.py --redis-url redis://127.0.0.1:6379/15

Rows, per message (a first delivery that sends, then its record): the in-memory journal; the Redis journal
without waiting for a replica (ALLMYSMS_JOURNAL_REPLICAS=0: 1.1.0's writes, plus the generation marker); the
same with the pre-send write replicated (WAIT 1 in the same round trip: the default when the Redis has a
replica); the baseline, two bare redis-py commands on the same server (SET NX before the request, SET after
it), the floor for any journal that writes before and after the send. All on one private primary with one
replica on loopback (or --redis-url for the rows that need no replica). Then the size of an entry for outputs
of 1 and 100 recipients. The memory the in-memory journal takes is bench/journal_memory.py. The report goes to
stdout as Markdown.
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from allmysms_component.journal import Journal, JournalSettings, SendKey, open_journal
from allmysms_component.journal.decisions import Entry, State
from tests.services import RedisProcess

MESSAGES = 2000
ROUNDS = 5


def output(recipients: int) -> dict[str, object]:
    numbers = [f"336{i:08d}" for i in range(recipients)]
    return {"id": "0f8fad5b-d9cb-469f-a165-70867728950e", "attachments": {}, "headers": {}, "metadata": {},
            "body": {"recipients": numbers, "smsIds": [{"phoneNumber": n, "smsId": f"sms{i:012d}"}
                                                        for i, n in enumerate(numbers)],
                     "invalidNumbers": [], "skippedNumbers": [], "trial": False, "text": None, "truncated": False,
                     "encoding": "GSM-7", "segments": 1, "cliMsgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                     "status": 100, "statusText": "Your messages have been sent", "campaignId": "abc123",
                     "nbSms": recipients, "creditsUsed": 15 * recipients, "credits": 100000}}


def journal_round(journal: Journal, tag: str) -> float:
    out = [output(1)]
    start = time.perf_counter()
    for i in range(MESSAGES):
        key = SendKey.for_delivery(step="flow/step", message_id=f"{tag}-{i}", content=b"body")
        attempt = journal.begin(key, redelivered=False).attempt
        assert attempt is not None
        journal.complete(key, attempt, out, withheld=("text",))
    return (time.perf_counter() - start) / MESSAGES * 1e6


def baseline_round(client: redis.Redis, tag: str) -> float:
    value = Entry(State.SENT, "a", 0.0, (output(1),), ("text",)).encode()
    start = time.perf_counter()
    for i in range(MESSAGES):
        name = f"bench:{tag}:{i}"
        client.set(name, b'{"state":"sending"}', nx=True, px=86_400_000)
        client.set(name, value, px=86_400_000)
    return (time.perf_counter() - start) / MESSAGES * 1e6


@contextlib.contextmanager
def a_replicated_redis() -> Iterator[str]:
    """A private primary with one synced replica, both stopped by PID afterwards."""
    with tempfile.TemporaryDirectory() as workdir:
        primary = RedisProcess(Path(workdir)).start()
        replica = None
        try:
            replica = RedisProcess(Path(workdir), "--replicaof", "127.0.0.1", str(primary.port)).start()
            client = redis.Redis.from_url(replica.url)
            while client.info("replication").get("master_link_status") != "up":
                time.sleep(0.05)
            client.close()
            yield primary.url
        finally:
            for server in (replica, primary):
                if server is not None:
                    server.stop()


def measure(name: str, run: Callable[[str], float]) -> tuple[str, float, float]:
    samples = [run(f"{name}-{r}-{secrets.token_hex(3)}") for r in range(ROUNDS)]
    return name, statistics.median(samples), min(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-url", default="", help="use this Redis (keys under bench:, deleted after)")
    args = parser.parse_args()
    with a_replicated_redis() as url:
        url = args.redis_url or url
        prefix = f"bench:{secrets.token_hex(4)}:"
        memory = open_journal(JournalSettings())
        unreplicated = open_journal(JournalSettings(url=url, replicas=0), prefix=prefix)
        replicated = open_journal(JournalSettings(url=url), prefix=prefix)
        client = redis.Redis.from_url(url)
        unreplicated.store.date_markers(time.time() - 30 * 86_400)  # type: ignore[attr-defined]
        try:
            waits = replicated.store.durability()  # type: ignore[attr-defined]
            rows = [measure("in-memory journal", lambda tag: journal_round(memory, tag)),
                    measure("Redis journal, no wait", lambda tag: journal_round(unreplicated, tag)),
                    measure(f"Redis journal, {waits}", lambda tag: journal_round(replicated, tag)),
                    measure("baseline: SET NX + SET", lambda tag: baseline_round(client, tag))]
        finally:
            for pattern in (prefix + "*", "bench:*"):
                names = list(client.scan_iter(match=pattern))
                if names:
                    client.delete(*names)
            client.close()
            unreplicated.close()
            replicated.close()
    print(f"{MESSAGES} messages x {ROUNDS} rounds; µs per message (begin + complete), loopback Redis with one "
          "replica\n")
    print("| row | median µs | best µs |\n|---|---:|---:|")
    for name, median, best in rows:
        print(f"| {name} | {median:.0f} | {best:.0f} |")
    print("\n| entry | bytes |\n|---|---:|")
    for recipients in (1, 100):
        size = len(Entry(State.SENT, secrets.token_hex(8), time.time(), (output(recipients),), ("text",)).encode())
        print(f"| sent, {recipients} recipient(s) | {size} |")


if __name__ == "__main__":
    main()
