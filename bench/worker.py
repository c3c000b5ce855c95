"""The worker against the Node sailor and bare relays: Send SMS through one RabbitMQ, at prefetch 1, 10 and 50.

Run from the repository root (after scripts/test-setup; the aiohttp prototype needs ``pip install -e
'.[bench]'``, the instruction counts ``apt-get install valgrind``)::

    .venv/bin/python bench/worker.py                 # the whole matrix, wall time: 6-7 minutes
    .venv/bin/python bench/worker.py --quick         # the same matrix, shorter rows: about 4 minutes
    .venv/bin/python bench/worker.py --instructions  # instructions per message (callgrind): about 11 min
    .venv/bin/python bench/worker.py --profile /tmp/worker.txt   # the worker at prefetch 10 under py-spy

Each row runs one step process on a fresh flow of the same broker: ``allmysms-component worker`` running Send
SMS; the real Node sailor 2.7.8 running a minimal Node action that posts the same form; the bare relay
(bench/relay.py) with ``requests`` in threads; and the same relay with aiohttp on its event loop (issue 18 item 7).
The simulator runs in a process of its own and answers every ``sendSms`` after 30 ms or 200 ms. After a warm-up,
N messages are published at once; a row's time runs from the first publish until the N-th output is in the
output queue. CPU (user + system) and peak RSS (VmHWM) are read from /proc for the step's process. With
``--instructions`` the worker and the relays run under callgrind instead, counters zeroed after the warm-up.
bench/README.md, "Worker", says what each column means; the broker is ``ALLMYSMS_BENCH_AMQP_URL`` or a private one.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import multiprocessing
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import callgrind  # noqa: E402
import worker_targets  # noqa: E402
from pamqp.commands import Basic  # noqa: E402
from worker_targets import IMPLS, Result, Row  # noqa: E402

from allmysms_component.sandbox import SANDBOX_ACCOUNT, Account, AllMySmsSimulator, Fault  # noqa: E402
from tests.worker.broker import PrivateBroker  # noqa: E402
from tests.worker.platform import CIPHER, NODE, SAILOR, Flow, Loop, StepApi  # noqa: E402

LATENCIES = (0.030, 0.200)  # s, every AllMySMS sendSms answer
PREFETCHES = (1, 10, 50)
BODY = {"mobileNumbers": "33612345678", "senderName": "MyShop",
        "messageText": "Your parcel 4711 is ready for pick-up at the counter until Saturday 6 pm. Thank you!"}
CFG = {"login": SANDBOX_ACCOUNT.login, "apiKey": SANDBOX_ACCOUNT.api_key}
WARM_UP = 5  # messages before the measured ones, at least; at least the prefetch, so every connection opens
THROTTLE = 100.0  # msg/s: the sailor's default data throttle, 10 per 100 ms
RAISED = "1000"   # ELASTICIO_DATA_RATE_LIMIT when raised: 10,000 msg/s, never the bound
TICK = os.sysconf("SC_CLK_TCK")
COUNTED_MESSAGES = {1: 60, 10: 150, 50: 300}  # per row under callgrind, after the warm-up


def serve_simulator(pipe: Connection, latency: float) -> None:
    """The simulator in its own process, so that its CPU counts neither for the step nor for the harness."""
    rich = Account(SANDBOX_ACCOUNT.login, SANDBOX_ACCOUNT.api_key, credits=10**12)
    with AllMySmsSimulator([rich]) as simulator:
        simulator.inject(Fault.delay(latency), times=10**9, endpoint="sendSms")
        pipe.send(simulator.url)
        while pipe.recv() != "stop":
            simulator.forget()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def step(row: Row, flow: Flow, api: StepApi, simulator_url: str, log: Path,
         counted: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ELASTICIO_", "ALLMYSMS_"))}
    env.update(flow.env(ELASTICIO_API_URI=api.url, ELASTICIO_FUNCTION="sendSMS", ALLMYSMS_API_URL=simulator_url,
                        ELASTICIO_RABBITMQ_PREFETCH_SAILOR=str(row.prefetch), RELAY_CFG=json.dumps(CFG)))
    if row.raised:
        env["ELASTICIO_DATA_RATE_LIMIT"] = RAISED
    # BENCH_WORKER_ROOT: another checkout with its own .venv (an earlier release), so that its worker and this one
    # are measured in one session against the same relay; the relay rows stay this checkout's.
    other = os.environ.get("BENCH_WORKER_ROOT")
    worker_root = Path(other).resolve() if other and row.impl == "python" else ROOT
    worker_python = str(worker_root / ".venv" / "bin" / "python") if other else sys.executable
    command, cwd = {
        "python": ([worker_python, "-m", "allmysms_component", "worker"], worker_root),
        "node": (["node", str(SAILOR / "run.js")], NODE),
        "relay": ([sys.executable, str(ROOT / "bench" / "relay.py")], ROOT),
        "aiohttp": ([sys.executable, str(ROOT / "bench" / "relay.py")], ROOT),
        "inline": ([sys.executable, str(ROOT / "bench" / "relay.py")], ROOT),
    }[row.impl]
    env["RELAY_HTTP"] = {"aiohttp": "aiohttp", "inline": "inline"}.get(row.impl, "threads")
    env["ELASTICIO_COMPONENT_PATH"] = "component" if row.impl == "node" else str(worker_root)
    env["PYTHONPATH"] = str(worker_root)
    if counted is not None:
        command, env = callgrind.wrap(command, counted), callgrind.counted_env(env)
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + (300 if counted else 30)
        while b"Fully initialized" not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{row.impl} did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def publish(flow: Flow, loop: Loop, count: int) -> None:
    """``count`` inputs as the previous step publishes them, in one go (one coroutine, no round trip each)."""
    content = CIPHER.encode({"body": BODY}, 1)

    async def send() -> None:
        assert flow.channel is not None
        for _ in range(count):
            props = Basic.Properties(content_type="application/json", content_encoding="utf8", delivery_mode=1,
                                     headers={"messageId": str(uuid.uuid4()), "threadId": "thread-1",
                                              "stepId": "step_1", "protocolVersion": 1})
            await flow.channel.basic_publish(content, exchange=flow.exchange, routing_key=flow.key("input"),
                                             properties=props)
    loop.run(send(), timeout=300)


def wait_for_outputs(flow: Flow, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while flow.count("message") < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {flow.count('message')} of {count} outputs after {timeout:g} s "
                               f"(errors: {flow.count('error')}, dead: {flow.count('dead')})")
        time.sleep(0.01)


def measure(row: Row, loop: Loop, amqp_url: str, simulator_url: str, folder: Path, *, profile: str | None = None,
            counted: bool = False) -> Result:
    flow = Flow(loop, amqp_url).declare()
    api = StepApi({"config": CFG, "snapshot": {}, "is_passthrough": False})
    name = f"{row.impl}-{row.prefetch}-{row.latency}-{row.raised}"
    try:
        with step(row, flow, api, simulator_url, folder / f"{name}.log", folder if counted else None) as process:
            warm_up = max(WARM_UP, row.prefetch)
            publish(flow, loop, warm_up)
            wait_for_outputs(flow, warm_up, 600 if counted else 60)
            counter = callgrind.Counter(process.pid, folder) if counted else None
            spy = None
            if profile:  # py-spy samples the thread holding the GIL: collapsed stacks, for a flame graph
                spy_command = [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(process.pid),
                               "--format", "raw", "--rate", "250", "--gil", "--output", profile]
                spy = subprocess.Popen(spy_command, stdout=subprocess.DEVNULL)
                time.sleep(1)  # attached
            if counter is not None:
                counter.zero()
            cpu_before = cpu_seconds(process.pid)
            started = time.perf_counter()
            publish(flow, loop, row.messages)
            wait_for_outputs(flow, warm_up + row.messages, 1800 if counted else 300)
            seconds = time.perf_counter() - started
            cpu = cpu_seconds(process.pid) - cpu_before
            instructions = counter.dump() / row.messages if counter is not None else None
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(60)
            rss = peak_rss_mib(process.pid)
        if flow.count("error") or flow.count("dead"):
            raise RuntimeError(f"{row.impl}: errors during the run")
        return Result(row, seconds, cpu, rss, instructions)
    finally:
        api.close()
        flow.delete()


def messages(prefetch: int, latency: float, raised: bool, seconds: float) -> int:
    """Enough messages for about ``seconds`` at the rate the row can reach at best."""
    expected = min(prefetch / latency, 400.0 if raised else THROTTLE)
    return max(40, min(3000, int(expected * seconds)))


def matrix(seconds: float, impls: tuple[str, ...]) -> list[Row]:
    rows = []
    for latency in LATENCIES:
        for prefetch in PREFETCHES:
            for impl in impls:
                if impl == "inline":  # one message at a time: for the instruction counts only
                    continue
                for raised in ((False, True) if impl in ("python", "node") else (True,)):
                    rows.append(Row(impl, prefetch, latency, raised, messages(prefetch, latency, raised, seconds)))
    return rows


def counted_rows(impls: tuple[str, ...]) -> list[Row]:
    """Instruction counts: the Python processes at the 30 ms API, the worker with default settings."""
    return [Row(impl, prefetch, LATENCIES[0], False, COUNTED_MESSAGES[prefetch])
            for prefetch in PREFETCHES for impl in impls if impl != "node"]


@contextmanager
def simulators() -> Iterator[dict[float, str]]:
    """One simulator process per latency; their URLs by latency."""
    context = multiprocessing.get_context("spawn")
    running = []
    try:
        urls = {}
        for latency in LATENCIES:
            parent, child = context.Pipe()
            process = context.Process(target=serve_simulator, args=(child, latency), daemon=True)
            process.start()
            running.append((process, parent))
            urls[latency] = parent.recv()
        yield urls
    finally:
        for process, parent in running:
            parent.send("stop")
            process.join(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter rows (about 3 s each instead of 8)")
    parser.add_argument("--instructions", action="store_true", help="instructions per message under callgrind")
    parser.add_argument("--only", choices=IMPLS, action="append", help="only these step processes")
    parser.add_argument("--profile", metavar="FILE", help="profile the worker at prefetch 10 with py-spy into FILE")
    args = parser.parse_args()
    impls = tuple(args.only or IMPLS)
    if "aiohttp" in impls and importlib.util.find_spec("aiohttp") is None:
        print("aiohttp is missing (pip install -e '.[bench]'): the aiohttp relay rows are left out", file=sys.stderr)
        impls = tuple(impl for impl in impls if impl != "aiohttp")
    if "node" in impls and not (SAILOR / "run.js").is_file():
        print("the Node sailor is missing: run scripts/test-setup", file=sys.stderr)
        return 2
    if args.instructions and not callgrind.available():
        print("valgrind is missing: apt-get install valgrind", file=sys.stderr)
        return 2
    started = time.monotonic()
    loop = Loop()
    with tempfile.TemporaryDirectory(prefix="bench-worker-") as tmp, simulators() as urls:
        folder = Path(tmp)
        broker = None
        amqp_url = os.environ.get("ALLMYSMS_BENCH_AMQP_URL")
        if not amqp_url:
            broker = PrivateBroker(folder / "rabbitmq").start()
            amqp_url = broker.url
        try:
            if args.profile:
                row = Row("python", 10, LATENCIES[0], True, 900)
                result = measure(row, loop, amqp_url, urls[row.latency], folder, profile=args.profile)
                print(f"profiled {result.rate:.1f} msg/s, {result.cpu_ms:.2f} ms CPU per message: {args.profile}")
                return 0
            rows = counted_rows(impls) if args.instructions else matrix(3.0 if args.quick else 8.0, impls)
            results = []
            for index, row in enumerate(rows, 1):
                print(f"[{time.monotonic() - started:6.0f} s] {index}/{len(rows)} {row.label}, prefetch "
                      f"{row.prefetch}, {row.latency * 1000:.0f} ms, throttle {row.throttle}, {row.messages} "
                      f"messages", file=sys.stderr, flush=True)
                results.append(measure(row, loop, amqp_url, urls[row.latency], folder, counted=args.instructions))
        finally:
            loop.close()
            if broker is not None:
                broker.stop()
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    mode = "instructions (callgrind)" if args.instructions else "quick" if args.quick else "full"
    print(f"Worker benchmark, {when}, {mode} run, {time.monotonic() - started:.0f} s; "
          f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at the end\n")
    if args.instructions:
        table, met = worker_targets.instructions_report(results)
    else:
        table, met = worker_targets.wall_report(results)
    print(table)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
