"""Benchmarks of the Send SMS action against the local AllMySMS simulator, side by side with a bare baseline.

Run from the repository root::

    .venv/bin/python bench/run.py            # about 90 s on 2 cores
    .venv/bin/python bench/run.py --quick    # about 30 s: fewer rounds, a smoke test of the numbers
    .venv/bin/python bench/run.py --profile 10000   # cProfile of process() on a 10,000-recipient message

The report (a Markdown table, then the details behind it) goes to stdout, progress to stderr. The simulator
runs in a separate process by default, so that its CPU time does not run under the client's GIL nor count
in the client's tracemalloc; ``--simulator thread`` runs it in-process for comparison. bench/README.md says
what each row measures and why.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import json
import logging
import multiprocessing
import os
import platform
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol
from unittest import mock

import requests
from allmysms_component.client import DEFAULT_TIMEOUTS, shared_client

from allmysms_component.actions.send_sms import process
from allmysms_component.sandbox import SANDBOX_ACCOUNT, Account, AllMySmsSimulator, _Handler
from allmysms_component.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEND_PATH = "/http/9.0/sendSms/"
CFG = {"login": SANDBOX_ACCOUNT.login, "apiKey": SANDBOX_ACCOUNT.api_key}
SENDER = "MyShop"
TEXT = "Your parcel 4711 is ready for pick-up at the counter until Saturday 6 pm. Thank you!"  # GSM-7, 1 part
MESSAGE_ID = "bench-msg-0001"
TIMEOUT = (DEFAULT_TIMEOUTS.connect, DEFAULT_TIMEOUTS.read)
RICH = 10**15  # credits: a 10,000-recipient send costs 150,000, more than the sandbox account's 15,000
# Deployment settings that would change what process() does; the run clears them, as the tests do.
CLEARED_ENV = ("ALLMYSMS_TRIAL_LOGIN", "ALLMYSMS_TRIAL_API_KEY", "ALLMYSMS_CONNECT_TIMEOUT",
               "ALLMYSMS_READ_TIMEOUT", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "LOG_LEVEL")

Form = dict[str, str]


_STARTED = time.perf_counter()


def progress(text: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:5.1f} s] {text}", file=sys.stderr, flush=True)


# --- The simulator, in its own process (default) or in a thread of this one ------------------------------


def _new_simulator() -> AllMySmsSimulator:
    return AllMySmsSimulator(accounts=[Account(SANDBOX_ACCOUNT.login, SANDBOX_ACCOUNT.api_key, credits=RICH)])


class ServerClock:
    """How long the simulator's handler takes per request, from reading the body to writing the answer."""

    def __init__(self) -> None:
        self._durations: list[int] = []
        self._lock = threading.Lock()
        self._installed = False

    def install(self) -> None:
        """Wrap the handler of every simulator in this process (for the rest of the run)."""
        if self._installed:
            return
        serve = _Handler._serve

        def timed(handler: _Handler) -> None:
            started = time.perf_counter_ns()
            try:
                serve(handler)
            finally:
                with self._lock:
                    self._durations.append(time.perf_counter_ns() - started)

        mock.patch.object(_Handler, "_serve", new=timed).start()  # for the rest of the process
        self._installed = True

    def take(self) -> list[int]:
        with self._lock:
            durations, self._durations = self._durations, []
        return durations


SERVER_CLOCK = ServerClock()


def _forget(simulator: AllMySmsSimulator) -> list[int]:
    """Drop what the simulator recorded (10,000-recipient sends would otherwise grow it by ~10 MB each);
    return how long it took to serve each request since the last time."""
    simulator.forget()
    return SERVER_CLOCK.take()


def _serve(connection: Connection) -> None:
    """Child process: run a simulator and answer the parent's questions about it until told to stop."""
    SERVER_CLOCK.install()
    simulator = _new_simulator().start()
    try:
        connection.send(simulator.url)
        while True:
            command = connection.recv()
            if command == "connections":
                connection.send(simulator.connections_accepted)
            elif command == "received":
                connection.send(len(simulator.received))
            elif command == "forget":
                connection.send(_forget(simulator))
            else:
                break
    except EOFError:  # the parent went away
        pass
    finally:
        simulator.stop()


class Simulator(Protocol):
    url: str

    def connections(self) -> int: ...
    def received(self) -> int: ...
    def forget(self) -> list[int]: ...
    def close(self) -> None: ...


class ProcessSimulator:
    """The simulator in a spawned child process, driven through a pipe."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child_end = context.Pipe()
        self._process = context.Process(target=_serve, args=(child_end,), name="allmysms-simulator", daemon=True)
        self._process.start()
        child_end.close()
        self.url = str(self._pipe.recv())

    def _ask(self, command: str) -> Any:
        self._pipe.send(command)
        return self._pipe.recv()

    def connections(self) -> int:
        return int(self._ask("connections"))

    def received(self) -> int:
        return int(self._ask("received"))

    def forget(self) -> list[int]:
        return [int(ns) for ns in self._ask("forget")]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._pipe.send("stop")
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)
        self._pipe.close()


class ThreadSimulator:
    """The simulator in a thread of this process (``--simulator thread``): shares the client's GIL."""

    def __init__(self) -> None:
        SERVER_CLOCK.install()
        self._simulator = _new_simulator().start()
        self.url = self._simulator.url

    def connections(self) -> int:
        return self._simulator.connections_accepted

    def received(self) -> int:
        return len(self._simulator.received)

    def forget(self) -> list[int]:
        return _forget(self._simulator)

    def close(self) -> None:
        self._simulator.stop()


@contextlib.contextmanager
def simulator(kind: str) -> Iterator[Simulator]:
    sim: Simulator = ProcessSimulator() if kind == "process" else ThreadSimulator()
    try:
        yield sim
    finally:
        sim.close()


# --- Inputs and the bare baseline --------------------------------------------------------------------------


def numbers(count: int) -> list[str]:
    """``count`` distinct French mobile numbers in the international form the documentation shows."""
    return [f"336{10_000_000 + index:08d}" for index in range(count)]


def message(count: int) -> dict[str, Any]:
    """A platform message as a flow would map it: numbers separated by ", "."""
    return {"id": MESSAGE_ID, "body": {"mobileNumbers": ", ".join(numbers(count)), "senderName": SENDER,
                                       "messageText": TEXT},
            "attachments": {}, "headers": {}, "metadata": {}}


def bare_form(recipients: Sequence[str]) -> Form:
    """The form the component posts, built by hand: login, apiKey, returnformat and the smsData JSON."""
    sms_data = {"DATA": {"MESSAGE": TEXT, "TPOA": SENDER, "SMS": [{"MOBILEPHONE": n} for n in recipients],
                         "CLIMSGID": MESSAGE_ID}}
    return {"login": SANDBOX_ACCOUNT.login, "apiKey": SANDBOX_ACCOUNT.api_key, "returnformat": "json",
            "smsData": json.dumps(sms_data, ensure_ascii=False, separators=(",", ":"))}


def bare_post(session: requests.Session, url: str, form: Form) -> requests.Response:
    return session.post(url, data=form, timeout=TIMEOUT)


def check_bare(response: requests.Response, count: int) -> None:
    body = response.json()
    if response.status_code != 200 or body.get("status") != 100 or len(body.get("smsIds", ())) != count:
        raise RuntimeError(f"the bare post failed: HTTP {response.status_code}, {str(body)[:200]}")


def check_component(output: dict[str, Any], count: int) -> None:
    body = output["body"]
    if body["status"] != 100 or len(body["smsIds"]) != count:
        raise RuntimeError(f"process() did not send to {count} number(s): {str(body)[:200]}")


class PostTimer:
    """Wraps the component client's ``session.post``: how long the HTTP call took, and what it posted."""

    def __init__(self, session: requests.Session) -> None:
        self._post = session.post
        self.last_ns = 0
        self.calls = 0
        self.last_form: object = None

    def post(self, *args: Any, **kwargs: Any) -> requests.Response:
        started = time.perf_counter_ns()
        try:
            return self._post(*args, **kwargs)
        finally:
            self.last_ns = time.perf_counter_ns() - started
            self.calls += 1
            self.last_form = kwargs.get("data")


@contextlib.contextmanager
def timed_component_http() -> Iterator[PostTimer]:
    """Time the HTTP call of the very client process() uses (the shared one for the current settings)."""
    settings = Settings.from_env()
    session = shared_client(settings.api_url, settings.timeouts)._session
    timer = PostTimer(session)
    with mock.patch.object(session, "post", new=timer.post):
        yield timer


# --- Paired, interleaved timing ------------------------------------------------------------------------------


@dataclass
class Pairs:
    component: list[int] = field(default_factory=list)  # ns per process() call
    http: list[int] = field(default_factory=list)       # ns of that call spent in the client's session.post
    bare: list[int] = field(default_factory=list)       # ns per bare post of the identical form
    server: list[int] = field(default_factory=list)     # ns the simulator took per request, both sides

    def ratios(self) -> list[float]:
        return [c / b for c, b in zip(self.component, self.bare, strict=True)]

    def outside(self) -> list[int]:
        return [c - h for c, h in zip(self.component, self.http, strict=True)]


def run_pairs(rounds: int, warmup: int, component: Callable[[], object], bare: Callable[[], object],
              timer: PostTimer, between: Callable[[int], None] = lambda _: None) -> Pairs:
    """Alternate component and baseline, swapping which goes first each round; a full GC before each call
    so that each starts from the same heap and collections it triggers are its own."""
    pairs = Pairs()
    calls_before = timer.calls
    for index in range(warmup + rounds):
        component_ns = http_ns = bare_ns = 0
        for side in ("component", "bare") if index % 2 == 0 else ("bare", "component"):
            gc.collect()
            if side == "component":
                started = time.perf_counter_ns()
                component()
                component_ns = time.perf_counter_ns() - started
                http_ns = timer.last_ns
            else:
                started = time.perf_counter_ns()
                bare()
                bare_ns = time.perf_counter_ns() - started
        if index >= warmup:
            pairs.component.append(component_ns)
            pairs.http.append(http_ns)
            pairs.bare.append(bare_ns)
        between(index)
    if timer.calls - calls_before != warmup + rounds:
        raise RuntimeError("the component's HTTP calls were not all timed: the measurement is void")
    return pairs


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def quartiles(values: Sequence[float]) -> tuple[float, float]:
    q1, _, q3 = statistics.quantiles(values, n=4)
    return q1, q3


# --- The report ---------------------------------------------------------------------------------------------------


@dataclass
class Row:
    number: str
    what: str
    measured: str
    baseline: str
    ratio: str
    target: str
    met: bool | None  # None: no target, reported for information

    def cells(self) -> list[str]:
        met = "n/a" if self.met is None else "yes" if self.met else "**NO**"
        return [self.number, self.what, self.measured, self.baseline, self.ratio, self.target, met]


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        self.details.append(text)

    def markdown(self, header: str) -> str:
        lines = [header, "", "| # | What | Component | Baseline | Ratio | Target | Met |",
                 "|---|---|---|---|---|---|---|"]
        lines += ["| " + " | ".join(row.cells()) + " |" for row in self.rows]
        lines += ["", "Details:", ""] + [f"- {line}" for line in self.details]
        return "\n".join(lines)


def us(ns: float) -> str:
    return f"{ns / 1000:,.0f} µs" if ns >= 100_000 else f"{ns / 1000:,.1f} µs"


def ms(ns: float) -> str:
    return f"{ns / 1e6:,.1f} ms"


def mib(size: float) -> str:
    return f"{size / 2**20:,.1f} MiB"


# --- Rows 1 and 2: per-send overhead, large messages ---------------------------------------------------------


@dataclass(frozen=True)
class Rounds:
    small: int
    large: int
    huge: int
    cold: int
    first_send: int
    memory: int
    warmup: int


def measure_sends(sim: Simulator, count: int, rounds: int, warmup: int, forget_every: int) -> Pairs:
    msg = message(count)
    form = bare_form(numbers(count))
    url = sim.url + SEND_PATH
    with requests.Session() as session, timed_component_http() as timer:
        check_component(process(msg, CFG), count)
        if timer.last_form != form:
            raise RuntimeError("the bare form differs from what the component posts: not like with like")
        check_bare(bare_post(session, url, form), count)
        sim.forget()
        server: list[int] = []

        def between(index: int) -> None:
            if (index + 1) % forget_every == 0:
                server.extend(sim.forget())

        pairs = run_pairs(rounds, warmup, lambda: process(msg, CFG), lambda: bare_post(session, url, form),
                          timer, between)
    server.extend(sim.forget())
    pairs.server = server
    return pairs


def row_per_send(report: Report, sim: Simulator, rounds: Rounds) -> None:
    progress(f"1. per-send overhead, 1 recipient: {rounds.small} interleaved pairs")
    pairs = measure_sends(sim, 1, rounds.small, rounds.warmup * 5, forget_every=200)
    ratio = median(pairs.ratios())
    q1, q3 = quartiles(pairs.ratios())
    report.rows.append(Row("1", "Per-send time, 1 recipient (median)", us(median(pairs.component)),
                           us(median(pairs.bare)), f"{ratio:.3f}", "≤ 1.10", ratio <= 1.10))
    report.note(f"Row 1: ratio = median of {rounds.small} per-pair ratios process()/bare post (IQR "
                f"{q1:.3f}-{q3:.3f}); ratio of the medians {median(pairs.component) / median(pairs.bare):.3f}. "
                f"Of a process() call, {us(median(pairs.outside()))} (median) is the component's own work "
                f"outside its HTTP call, and its HTTP call takes {us(median(pairs.http))} against "
                f"{us(median(pairs.bare))} for the bare post, of which the simulator takes "
                f"{us(median(pairs.server))} per request.")


def row_large(report: Report, sim: Simulator, rounds: Rounds) -> None:
    for count, pair_rounds in ((2_000, rounds.large), (10_000, rounds.huge)):
        progress(f"2. large message, {count:,} recipients: {pair_rounds} interleaved pairs")
        pairs = measure_sends(sim, count, pair_rounds, rounds.warmup, forget_every=1)
        per_recipient = median(pairs.outside()) / count
        by_difference = (median(pairs.component) - median(pairs.bare)) / count
        client, bare_client = (median(pairs.component) - median(pairs.server),
                               median(pairs.bare) - median(pairs.server))
        ratio = median(pairs.ratios())
        q1, q3 = quartiles(pairs.ratios())
        bare_per_recipient = median(pairs.bare) / count
        report.rows.append(Row(
            "2", f"Component time outside the HTTP call, per recipient, {count:,} recipients (median)",
            f"{per_recipient / 1000:.2f} µs", f"{bare_per_recipient / 1000:.2f} µs (whole bare post)",
            f"{per_recipient / bare_per_recipient:.3f}", "< 10 µs", per_recipient < 10_000))
        report.rows.append(Row(
            "2", f"process() vs bare post, {count:,} recipients (median)", ms(median(pairs.component)),
            ms(median(pairs.bare)), f"{ratio:.3f}", "≤ 1.5" if count == 2_000 else "— (info)",
            ratio <= 1.5 if count == 2_000 else None))
        report.note(f"Row 2, {count:,} recipients: component time outside HTTP {ms(median(pairs.outside()))} "
                    f"(median process() minus the time spent in the client's session.post, per call); "
                    f"cross-check by difference of medians process() - bare: {by_difference / 1000:.2f} µs per "
                    f"recipient. The component's HTTP call {ms(median(pairs.http))} vs bare post "
                    f"{ms(median(pairs.bare))}, of which the simulator takes {ms(median(pairs.server))} per request "
                    f"(reading the body to writing the answer); without it on either side, {ms(client)} vs "
                    f"{ms(bare_client)} ({client / bare_client:.2f}x). Ratio = median of {pair_rounds} per-pair "
                    f"ratios (IQR {q1:.3f}-{q3:.3f}).")


# --- Row 3: cold start -------------------------------------------------------------------------------------------

COLD_COMMANDS = {
    "pass": "pass",
    "requests": "import requests",
    "component": "import allmysms_component.actions.send_sms",
}


def fresh_env(pycache: str, **extra: str) -> dict[str, str]:
    """The environment of the fresh interpreters: bytecode cached for every module, ours included.

    A source checkout has no __pycache__ for the component when PYTHONDONTWRITEBYTECODE is set (it is, on
    this machine), while pip compiled requests at install time: every start would recompile our modules
    only. A private cache prefix puts both sides on the same footing, as a pip-installed wheel would be, and
    writes nothing into the working tree.
    """
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": pycache, **extra}


def run_python(code: str, *options: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *options, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=True)


def import_times(code: str, env: dict[str, str]) -> dict[str, float]:
    """Self import time in ms per top-level package, from ``-X importtime``."""
    totals: dict[str, float] = {}
    for line in run_python(code, "-X", "importtime", env=env).stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:
            package = match[2].split(".")[0]
            totals[package] = totals.get(package, 0.0) + int(match[1]) / 1000
    return totals


def row_cold_start(report: Report, rounds: Rounds, env: dict[str, str]) -> None:
    progress(f"3. cold start: {rounds.cold} interleaved rounds of 3 fresh interpreters")
    times: dict[str, list[int]] = {name: [] for name in COLD_COMMANDS}
    names = list(COLD_COMMANDS)
    for index in range(rounds.warmup + rounds.cold):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter_ns()
            run_python(COLD_COMMANDS[name], env=env)
            if index >= rounds.warmup:
                times[name].append(time.perf_counter_ns() - started)
    triples = list(zip(times["pass"], times["requests"], times["component"], strict=True))
    net_component = median([c - p for p, _, c in triples])
    net_requests = median([r - p for p, r, _ in triples])
    net_ratio = median([(c - p) / (r - p) for p, r, c in triples])
    raw_ratio = median([c / r for _, r, c in triples])
    report.rows.append(Row("3", "Cold start: import time net of `python -c pass` (median)",
                           ms(net_component), ms(net_requests), f"{net_ratio:.2f}x", "≤ 1.5x", net_ratio <= 1.5))
    report.note(f"Row 3: {rounds.cold} rounds, each running the three commands in fresh interpreters, one after "
                f"the other (order rotated): medians `python -c pass` {ms(median(times['pass']))}, `import requests` "
                f"{ms(median(times['requests']))}, `import allmysms_component.actions.send_sms` "
                f"{ms(median(times['component']))} (wall time, exit included). Ratio = median over rounds of "
                f"(component - pass) / (requests - pass); without subtracting `pass`, {raw_ratio:.2f}x.")

    samples = max(3, rounds.cold // 6)
    per_run = [import_times(COLD_COMMANDS["component"], env) for _ in range(samples)]
    base_runs = [import_times(COLD_COMMANDS["requests"], env) for _ in range(samples)]
    packages = {package for run in per_run for package in run}

    def typical(runs: list[dict[str, float]], package: str) -> float:
        return median([run.get(package, 0.0) for run in runs])

    extra = sorted(((typical(per_run, p) - typical(base_runs, p), p) for p in packages), reverse=True)
    shown = ", ".join(f"{package} {delta:+.1f} ms" for delta, package in extra[:6])
    own = typical(per_run, "allmysms_component")
    report.note(f"Row 3, `-X importtime` (median of {samples} runs each, self times summed per top-level "
                f"package): the component's import over `import requests` adds {shown}. Its own modules take "
                f"{own:.1f} ms; jsonschema and regex are not imported until the first message needs them.")


def row_first_send(report: Report, sim: Simulator, rounds: Rounds, pycache: str) -> None:
    """For information: the first send in a fresh process, where the deferred imports are paid."""
    progress(f"3b. first send in a fresh process: {rounds.first_send} rounds (+1 to warm the bytecode cache)")
    env = fresh_env(pycache, ALLMYSMS_API_URL=sim.url)
    component_code = ("import time, logging; logging.disable(logging.WARNING); t = time.perf_counter_ns()\n"
                      "from allmysms_component.actions.send_sms import process\n"
                      f"process({message(1)!r}, {CFG!r})\n"
                      "print(time.perf_counter_ns() - t)")
    bare_code = ("import time; t = time.perf_counter_ns()\n"
                 "import requests\n"
                 f"requests.Session().post({sim.url + SEND_PATH!r}, data={bare_form(numbers(1))!r}, timeout=30)\n"
                 "print(time.perf_counter_ns() - t)")
    component: list[int] = []
    bare: list[int] = []
    for index in range(1 + rounds.first_send):
        for code, into in ((component_code, component), (bare_code, bare))[:: 1 if index % 2 == 0 else -1]:
            elapsed = int(run_python(code, env=env).stdout)
            if index > 0:
                into.append(elapsed)
    sim.forget()
    report.note(f"Row 3, for information: import + first send in a fresh process (median of {rounds.first_send}): "
                f"component {ms(median(component))}, bare `import requests` + post {ms(median(bare))} "
                f"(ratio {median(component) / median(bare):.2f}): the first message pays for jsonschema and the "
                f"schema compilation that the import deferred.")


# --- Row 4: connections ----------------------------------------------------------------------------------------


def sequential(send: Callable[[int], None], count: int) -> int:
    started = time.perf_counter_ns()
    for index in range(count):
        send(index)
    return time.perf_counter_ns() - started


def threaded(send: Callable[[int], None], threads: int, each: int) -> tuple[int, int]:
    """(successes, ns) of ``threads`` threads sending ``each`` messages, all started together."""
    barrier = threading.Barrier(threads)

    def worker(thread: int) -> int:
        barrier.wait()
        done = 0
        for index in range(each):
            with contextlib.suppress(Exception):
                send(thread * each + index)
                done += 1
        return done

    started = time.perf_counter_ns()
    with ThreadPoolExecutor(threads) as pool:
        succeeded = sum(pool.map(worker, range(threads)))
    return succeeded, time.perf_counter_ns() - started


def row_connections(report: Report, kind: str) -> None:
    count, threads, each = 1_000, 8, 100
    progress(f"4. connections: {count:,} sequential sends, {threads} threads x {each}, component and bare")

    def component_send(index: int) -> None:
        check_component(process({**message(1), "id": f"bench-{index}"}, CFG), 1)

    def bare_sender(session: requests.Session, url: str) -> Callable[[int], None]:
        form = bare_form(numbers(1))
        return lambda _: check_bare(bare_post(session, url, form), 1)

    results: dict[str, tuple[int, int, int, int, int]] = {}
    # A fresh simulator per run, so that connections_accepted counts that run alone; a new URL also means a
    # fresh shared client (pools are per base URL). All stay up until the end, so that no port is reused.
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.dict(os.environ))  # ALLMYSMS_API_URL is the main simulator's again after
        for side in ("component", "bare"):
            seq_sim, thr_sim = stack.enter_context(simulator(kind)), stack.enter_context(simulator(kind))
            if side == "component":
                os.environ["ALLMYSMS_API_URL"] = seq_sim.url
                seq_ns = sequential(component_send, count)
                os.environ["ALLMYSMS_API_URL"] = thr_sim.url
                ok, thr_ns = threaded(component_send, threads, each)
            else:
                seq_session, thr_session = stack.enter_context(requests.Session()), \
                    stack.enter_context(requests.Session())
                seq_ns = sequential(bare_sender(seq_session, seq_sim.url + SEND_PATH), count)
                ok, thr_ns = threaded(bare_sender(thr_session, thr_sim.url + SEND_PATH), threads, each)
            if seq_sim.received() != count or thr_sim.received() != ok:
                raise RuntimeError(f"{side}: the simulator did not receive what the senders reported")
            results[side] = (seq_sim.connections(), seq_ns, thr_sim.connections(), ok, thr_ns)
    seq_c, seq_c_ns, thr_c, ok_c, thr_c_ns = results["component"]
    seq_b, seq_b_ns, thr_b, ok_b, thr_b_ns = results["bare"]
    total = threads * each
    report.rows.append(Row("4", f"TCP connections, {count:,} sequential process() calls", str(seq_c), str(seq_b),
                           f"{seq_c / seq_b:.2f}", "= 1", seq_c == 1))
    report.rows.append(Row("4", f"TCP connections / successes, {threads} threads x {each} process() calls",
                           f"{thr_c} / {ok_c}", f"{thr_b} / {ok_b}", f"{thr_c / thr_b:.2f}",
                           f"≤ {threads} / {total}", thr_c <= threads and ok_c == total))
    report.note(f"Row 4: each count is a fresh simulator's connections_accepted. Baseline: one bare "
                f"requests.Session, shared by the threads. Throughput, sequential: component "
                f"{count / (seq_c_ns / 1e9):,.0f} sends/s, bare {count / (seq_b_ns / 1e9):,.0f}; {threads} threads: "
                f"component {ok_c / (thr_c_ns / 1e9):,.0f}, bare {ok_b / (thr_b_ns / 1e9):,.0f} (2 cores shared "
                f"with the simulator).")


# --- Row 5: memory ---------------------------------------------------------------------------------------------


def traced_peak(action: Callable[[], object]) -> int:
    """Peak of traced memory above the level before ``action``; what it returns is alive at the peak."""
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    result = action()
    peak = tracemalloc.get_traced_memory()[1] - before
    del result
    return peak


def row_memory(report: Report, sim: Simulator, rounds: Rounds) -> None:
    count = 10_000
    progress(f"5. memory: tracemalloc peak of process() on {count:,} recipients, {rounds.memory} rounds")
    msg = message(count)
    size = len(msg["body"]["mobileNumbers"].encode())
    url = sim.url + SEND_PATH
    with requests.Session() as session:
        check_component(process(msg, CFG), count)  # warm: the session and every lazy import exist already
        check_bare(bare_post(session, url, bare_form(numbers(count))), count)
        component: list[int] = []
        bare: list[int] = []
        tracemalloc.start()
        try:
            for index in range(rounds.memory):
                sides: list[tuple[list[int], Callable[[], object]]] = [
                    (component, lambda: process(msg, CFG)),
                    (bare, lambda: bare_post(session, url, bare_form(numbers(count)))),
                ]
                for into, action in sides[:: 1 if index % 2 == 0 else -1]:
                    into.append(traced_peak(action))
                    sim.forget()
        finally:
            tracemalloc.stop()
    peak, bare_peak = median(component), median(bare)
    report.rows.append(Row("5", f"Peak memory of process(), {count:,} recipients, as a multiple of the input",
                           f"{peak / size:.0f}x ({mib(peak)})", f"{bare_peak / size:.0f}x ({mib(bare_peak)})",
                           f"{peak / bare_peak:.2f}", "— (info)", None))
    report.note(f"Row 5: input = the mobileNumbers string, {size:,} bytes. tracemalloc peak above the level "
                f"before the call, median of {rounds.memory}; the output message is alive at the peak. Baseline: "
                f"building the same numbers list, the smsData JSON and the bare post (its response left "
                f"unparsed).")


# --- Profiling ----------------------------------------------------------------------------------------------------


def profile(sim: Simulator, count: int) -> None:
    msg = message(count)
    for _ in range(3):
        process(msg, CFG)
    sim.forget()
    profiler = cProfile.Profile()
    calls = max(3, 2_000 // count)
    for _ in range(calls):
        profiler.enable()
        process(msg, CFG)
        profiler.disable()
        sim.forget()
    print(f"cProfile of {calls} process() calls, {count:,} recipient(s), sorted by internal time:")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(25)


# --- Main -----------------------------------------------------------------------------------------------------------


def configure() -> None:
    for name in CLEARED_ENV:
        os.environ.pop(name, None)
    for name in ("NO_PROXY", "no_proxy"):  # the simulator is on loopback: never through a proxy
        os.environ[name] = ",".join(filter(None, [os.environ.get(name), "127.0.0.1", "localhost"]))
    # The component logs each send at INFO: a deployment that benchmarks well logs at WARNING or quieter.
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("allmysms_component").setLevel(logging.WARNING)


def header(kind: str, quick: bool, seconds: float | None = None) -> str:
    took = f", took {seconds:.0f} s" if seconds is not None else ""
    return (f"AllMySMS component benchmark, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC: "
            f"Python {platform.python_version()}, requests {requests.__version__}, {platform.system()} "
            f"{platform.machine()}, {os.cpu_count()} cores; simulator in a {kind}"
            f"{', --quick' if quick else ''}{took}.")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the Send SMS action against the local simulator.")
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke test, noisier)")
    parser.add_argument("--simulator", choices=("process", "thread"), default="process",
                        help="run the simulator in a separate process (default) or in a thread of this one")
    parser.add_argument("--profile", type=int, metavar="RECIPIENTS",
                        help="print a cProfile of process() for a message this large instead of benchmarking")
    args = parser.parse_args(argv)
    configure()
    rounds = (Rounds(small=300, large=20, huge=8, cold=10, first_send=3, memory=2, warmup=2) if args.quick else
              Rounds(small=3_000, large=150, huge=60, cold=60, first_send=8, memory=3, warmup=5))
    started = time.perf_counter()
    report = Report()
    with simulator(args.simulator) as sim:
        os.environ["ALLMYSMS_API_URL"] = sim.url
        if args.profile:
            profile(sim, args.profile)
            return 0
        process(message(1), CFG)  # lazy imports, the schema, the pool: start-up costs are row 3's business
        gc.collect()
        gc.freeze()  # what exists now is never garbage: keep it out of the collections before each call
        row_per_send(report, sim, rounds)
        row_large(report, sim, rounds)
        with tempfile.TemporaryDirectory(prefix="allmysms-bench-pycache-") as pycache:
            row_cold_start(report, rounds, fresh_env(pycache))
            row_first_send(report, sim, rounds, pycache)
        row_connections(report, args.simulator)
        row_memory(report, sim, rounds)
    print(report.markdown(header(args.simulator, args.quick, time.perf_counter() - started)))
    return 0 if all(row.met is not False for row in report.rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
