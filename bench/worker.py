"""The worker against the Node sailor and a bare relay: Send SMS through one RabbitMQ, AllMySMS answering in 30 ms.

Run from the repository root (after scripts/test-setup)::

    .venv/bin/python bench/worker.py            # about 2 minutes on 2 cores
    .venv/bin/python bench/worker.py --quick    # fewer messages, about 1 minute: a smoke test of the numbers
    .venv/bin/python bench/worker.py --profile /tmp/worker.txt   # only row (a) at prefetch 10, under py-spy

Each row runs one step process on a fresh flow of the same broker: (a) ``allmysms-component worker`` running
Send SMS, (b) the real Node sailor 2.7.8 running a minimal Node action that posts the same form, (c) the bare
relay (bench/relay.py). The simulator runs in a process of its own and delays every answer by 30 ms. After a
warm-up, N messages are published at once; the row's time runs from the first publish until the N-th output is
in the output queue. CPU (user + system) and peak RSS (VmHWM) are read from /proc for the step's process.
bench/WORKER.md says what each column means; the broker is ``ALLMYSMS_BENCH_AMQP_URL`` or a private one.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from allmysms_component.sandbox import SANDBOX_ACCOUNT, Account, AllMySmsSimulator, Fault  # noqa: E402
from tests.worker.broker import PrivateBroker  # noqa: E402
from tests.worker.platform import NODE, SAILOR, Flow, Loop, StepApi  # noqa: E402

LATENCY = 0.030  # s, every AllMySMS answer
BODY = {"mobileNumbers": "33612345678", "senderName": "MyShop",
        "messageText": "Your parcel 4711 is ready for pick-up at the counter until Saturday 6 pm. Thank you!"}
CFG = {"login": SANDBOX_ACCOUNT.login, "apiKey": SANDBOX_ACCOUNT.api_key}
WARM_UP = 20
TICK = os.sysconf("SC_CLK_TCK")


def serve_simulator(pipe: Connection) -> None:
    """The simulator in its own process, so that its CPU counts neither for the step nor for the harness."""
    rich = Account(SANDBOX_ACCOUNT.login, SANDBOX_ACCOUNT.api_key, credits=10**12)
    with AllMySmsSimulator([rich]) as simulator:
        simulator.inject(Fault.delay(LATENCY), times=10**9, endpoint="sendSms")
        pipe.send(simulator.url)
        pipe.recv()  # until told to stop


@dataclass(frozen=True)
class Row:
    impl: str  # python | node | relay
    prefetch: int
    raised: bool
    messages: int

    @property
    def label(self) -> str:
        names = {"python": "(a) this worker, Send SMS", "node": "(b) Node sailor 2.7.8, minimal action",
                 "relay": "(c) bare aiormq relay"}
        return names[self.impl]

    @property
    def throttle(self) -> str:
        if self.impl == "relay":
            return "none"
        return "DATA_RATE_LIMIT=1000" if self.raised else "default (10/100 ms)"


@dataclass(frozen=True)
class Result:
    row: Row
    seconds: float
    cpu: float
    rss_mib: float

    @property
    def rate(self) -> float:
        return self.row.messages / self.seconds

    @property
    def cpu_per_1000(self) -> float:
        return self.cpu / self.row.messages * 1000


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def step(row: Row, flow: Flow, api: StepApi, simulator_url: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ELASTICIO_", "ALLMYSMS_"))}
    env.update(flow.env(ELASTICIO_API_URI=api.url, ELASTICIO_FUNCTION="sendSMS", ALLMYSMS_API_URL=simulator_url,
                        ELASTICIO_RABBITMQ_PREFETCH_SAILOR=str(row.prefetch), RELAY_CFG=json.dumps(CFG)))
    if row.raised:
        env["ELASTICIO_DATA_RATE_LIMIT"] = "1000"
    command, cwd = {
        "python": ([sys.executable, "-m", "allmysms_component", "worker"], ROOT),
        "node": (["node", str(SAILOR / "run.js")], NODE),
        "relay": ([sys.executable, str(ROOT / "bench" / "relay.py")], ROOT),
    }[row.impl]
    env["ELASTICIO_COMPONENT_PATH"] = "component" if row.impl == "node" else str(ROOT)
    env["PYTHONPATH"] = str(ROOT)
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while b"Fully initialized" not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{row.impl} did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        process.wait(60)


def wait_for_outputs(flow: Flow, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while flow.count("message") < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {flow.count('message')} of {count} outputs after {timeout:g} s "
                               f"(errors: {flow.count('error')}, dead: {flow.count('dead')})")
        time.sleep(0.01)


def measure(row: Row, loop: Loop, amqp_url: str, simulator_url: str, folder: Path,
            profile: str | None = None) -> Result:
    flow = Flow(loop, amqp_url).declare()
    api = StepApi({"config": CFG, "snapshot": {}, "is_passthrough": False})
    try:
        with step(row, flow, api, simulator_url, folder / f"{row.impl}-{row.prefetch}-{row.raised}.log") as process:
            for _ in range(WARM_UP):
                flow.publish({"body": BODY})
            wait_for_outputs(flow, WARM_UP, 60)
            spy = None
            if profile:  # py-spy (pip install py-spy) samples every thread: collapsed stacks, for a flame graph
                spy_command = [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(process.pid),
                               "--format", "raw", "--rate", "250", "--gil", "--output", profile]
                spy = subprocess.Popen(spy_command, stdout=subprocess.DEVNULL)
                time.sleep(1)  # attached
            cpu_before = cpu_seconds(process.pid)
            started = time.perf_counter()
            for _ in range(row.messages):
                flow.publish({"body": BODY})
            wait_for_outputs(flow, WARM_UP + row.messages, 300)
            seconds = time.perf_counter() - started
            cpu = cpu_seconds(process.pid) - cpu_before
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(60)
            rss = peak_rss_mib(process.pid)
        if flow.count("error") or flow.count("dead"):
            raise RuntimeError(f"{row.impl}: errors during the run")
        return Result(row, seconds, cpu, rss)
    finally:
        api.close()
        flow.delete()


def rows(quick: bool) -> list[Row]:
    scale = 0.4 if quick else 1.0
    out = []
    for prefetch, messages in ((1, 150), (10, 900)):
        n = max(50, int(messages * scale))
        for raised in (False, True):
            out += [Row("python", prefetch, raised, n), Row("node", prefetch, raised, n)]
        out.append(Row("relay", prefetch, True, n))
    return out


def report(results: list[Result]) -> str:
    lines = ["| step process | prefetch | data throttle | messages | msg/s | CPU s / 1,000 msgs | peak RSS MiB |",
             "|---|---:|---|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r.row.label} | {r.row.prefetch} | {r.row.throttle} | {r.row.messages} | {r.rate:.1f} | "
                     f"{r.cpu_per_1000:.2f} | {r.rss_mib:.0f} |")
    lines.append("")
    by = {(r.row.impl, r.row.prefetch, r.row.raised): r for r in results}
    for prefetch in (1, 10):
        ours, relay = by[("python", prefetch, True)], by[("relay", prefetch, True)]
        lines.append(f"- prefetch {prefetch}, throttle raised: worker / relay throughput "
                     f"{ours.rate / relay.rate:.2f}, CPU {ours.cpu_per_1000 / relay.cpu_per_1000:.2f}x; "
                     f"worker / Node throughput {ours.rate / by[('node', prefetch, True)].rate:.2f} (default "
                     f"throttle: {by[('python', prefetch, False)].rate / by[('node', prefetch, False)].rate:.2f})")
    lines.append(f"- {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
                 f"AllMySMS simulator answering after {LATENCY * 1000:.0f} ms")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer messages per row")
    parser.add_argument("--profile", metavar="FILE", help="profile row (a) at prefetch 10 with py-spy into FILE")
    args = parser.parse_args()
    if not (SAILOR / "run.js").is_file():
        print("the Node sailor is missing: run scripts/test-setup", file=sys.stderr)
        return 2
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    simulator = context.Process(target=serve_simulator, args=(child,), daemon=True)
    simulator.start()
    simulator_url = parent.recv()
    loop = Loop()
    with tempfile.TemporaryDirectory(prefix="bench-worker-") as tmp:
        folder = Path(tmp)
        broker = None
        amqp_url = os.environ.get("ALLMYSMS_BENCH_AMQP_URL")
        if not amqp_url:
            broker = PrivateBroker(folder / "rabbitmq").start()
            amqp_url = broker.url
        try:
            if args.profile:
                result = measure(Row("python", 10, True, 900), loop, amqp_url, simulator_url, folder, args.profile)
                print(f"profiled {result.rate:.1f} msg/s, {result.cpu_per_1000:.2f} CPU s / 1,000: {args.profile}")
                return 0
            results = []
            for row in rows(args.quick):
                print(f"bench: {row.label}, prefetch {row.prefetch}, {row.throttle}", file=sys.stderr, flush=True)
                results.append(measure(row, loop, amqp_url, simulator_url, folder))
            print(report(results))
        finally:
            loop.close()
            parent.send("stop")
            simulator.join(10)
            if broker is not None:
                broker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
