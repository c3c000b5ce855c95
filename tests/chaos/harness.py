"""The chaos test's machinery: worker replicas on one queue, a killer that SIGKILLs them, and the outcomes downstream.

Nothing here asserts: the test reads the figures and judges them.
"""

from __future__ import annotations

import contextlib
import random
import signal
import socket
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.worker.platform import Flow, Received, WorkerProcess

READY = "Fully initialized and waiting for messages"
MAY_HAVE_BEEN_SENT = "SendInDoubtError"


class Replicas:
    """``count`` workers of one step, each a child process; a killed one is replaced by a fresh process."""

    def __init__(self, env: Mapping[str, str], folder: Path, count: int) -> None:
        self._env = dict(env)
        self._folder = folder
        self._started = 0
        self._lock = threading.Lock()
        self.slots: list[WorkerProcess] = [self._start() for _ in range(count)]

    def _start(self) -> WorkerProcess:
        self._started += 1
        return WorkerProcess(self._env, self._folder / f"replica-{self._started}.log")

    def ready(self, slot: int) -> bool:
        return READY in self.slots[slot].text()

    def all_ready(self) -> bool:
        with self._lock:
            return all(self.ready(slot) for slot in range(len(self.slots)))

    def kill_and_restart(self, slot: int) -> None:
        with self._lock:
            self.slots[slot].stop(signal.SIGKILL)
            self.slots[slot] = self._start()

    def stop_all(self) -> list[int]:
        """SIGTERM every replica (they finish what they run, then exit); their exit codes."""
        with self._lock:
            for worker in self.slots:
                worker.process.send_signal(signal.SIGTERM)
            return [worker.wait() for worker in self.slots]

    def close(self) -> None:
        """Kill whatever still runs (a failed test's replicas): by their PIDs."""
        with self._lock:
            for worker in self.slots:
                if worker.process.poll() is None:
                    worker.stop(signal.SIGKILL)

    @property
    def logs(self) -> list[Path]:
        return sorted(self._folder.glob("replica-*.log"))


class Events(threading.Thread):
    """Runs ``action()`` once ``progress()`` passes each of ``at``, a random 0-60 ms later: each failure lands
    while messages are being sent. ``done`` counts the actions that ran."""

    def __init__(self, rng: random.Random, *, at: list[int], progress: Callable[[], int],
                 action: Callable[[], None]) -> None:
        super().__init__(name="chaos-failures", daemon=True)
        self._rng = rng
        self._at = sorted(at)
        self._progress = progress
        self._action = action
        self.stopped = threading.Event()
        self.done = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for threshold in self._at:
                while self._progress() < threshold:
                    if self.stopped.wait(0.005):
                        return
                if self.stopped.wait(self._rng.uniform(0.0, 0.06)):
                    return
                self._action()
                if self.stopped.is_set():
                    return
                self.done += 1
        except BaseException as exc:  # the test reports it: a failure to inject is not a pass
            self.error = exc

    def stop(self) -> int:
        self.stopped.set()
        self.join()
        if self.error is not None:
            raise AssertionError(f"injecting a failure failed: {self.error!r}") from self.error
        return self.done


class Killer(Events):
    """SIGKILLs a random ready replica once ``progress()`` passes each of ``at``, a random 0-60 ms later, and
    restarts it: every kill lands while messages are being sent, at a random point of a send."""

    def __init__(self, replicas: Replicas, rng: random.Random, *, at: list[int],
                 progress: Callable[[], int]) -> None:
        super().__init__(rng, at=at, progress=progress, action=self._kill)
        self._replicas = replicas

    @property
    def kills(self) -> int:
        return self.done

    def _kill(self) -> None:
        while not (ready := [slot for slot in range(len(self._replicas.slots)) if self._replicas.ready(slot)]):
            if self.stopped.wait(0.05):  # killing a process still starting up would interrupt nothing
                return
        self._replicas.kill_and_restart(self._rng.choice(ready))


@dataclass
class Outcomes:
    """What reached the step's output, error and dead-letter queues, by the input's ``messageId``."""

    data: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # input -> output ids
    errors: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # input -> error names
    dead: Counter[str] = field(default_factory=Counter)  # input -> rejected copies

    def drain(self, flow: Flow) -> None:
        """Take everything that arrived since the last call."""
        for kind in ("message", "error", "dead"):
            while (received := flow.poll(kind)) is not None:
                self._add(kind, received)

    def _add(self, kind: str, received: Received) -> None:
        headers = received.headers
        if kind == "message":
            self.data[str(headers["parentMessageId"])].append(str(headers["messageId"]))
        elif kind == "error":
            self.errors[str(headers["parentMessageId"])].append(str(received.error()["name"]))
        else:
            self.dead[str(headers["messageId"])] += 1

    def ended(self) -> set[str]:
        return set(self.data) | set(self.errors)

    def may_have_been_sent(self) -> set[str]:
        return {mid for mid, names in self.errors.items() if MAY_HAVE_BEEN_SENT in names}


def finish(flow: Flow, replicas: Replicas, outcomes: Outcomes, settled: Callable[[], bool], failures: Events,
           timeout: float) -> tuple[int, list[int]]:
    """Wait until ``settled()``, stop the failures, let the last restarted replica start, stop every replica
    (SIGTERM: each finishes what it runs) and take the last outcomes: (failures injected, exit codes)."""
    try:
        wait_for(settled, "every message ending with an outcome", timeout, poll=0.1)
    finally:
        done = failures.stop()
    wait_for(replicas.all_ready, "the last restarted replica starting", 60)
    exit_codes = replicas.stop_all()
    outcomes.drain(flow)
    return done, exit_codes


def wait_for(condition: Callable[[], object], what: str, timeout: float, *, poll: float = 0.05) -> float:
    """Poll ``condition()`` until true; the seconds it took. A bound on the wait, not a timing assertion."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        time.sleep(poll)
    return time.monotonic() - start


class Forwarder:
    """A TCP port on 127.0.0.1 that forwards every connection to ``target`` (a port), re-pointed by
    ``point_to``: what a Sentinel-aware proxy or a DNS switch does after a fail-over. Re-pointing closes the
    connections open to the old target, and drops what ``hold`` kept back: between a primary and its replica,
    ``hold`` is replication lag, and the held writes are the ones a promoted replica never receives."""

    def __init__(self, target: int) -> None:
        self.target = target
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._server.getsockname()[1]
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._flowing = threading.Event()
        self._flowing.set()
        threading.Thread(target=self._accept, name="forwarder", daemon=True).start()

    def point_to(self, target: int) -> None:
        with self._lock:
            self.target = target
            for sock in self._open:  # what was held is dropped with its connection
                with contextlib.suppress(OSError):
                    sock.close()
            self._flowing.set()
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            self._open.clear()

    def close(self) -> None:
        self.point_to(0)
        self._server.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=2)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(source, sink, self._flowing), daemon=True).start()

    def hold(self) -> None:
        """Keep back everything that arrives from now on (until ``release`` or ``point_to``)."""
        self._flowing.clear()

    def release(self) -> None:
        self._flowing.set()


def _pipe(source: socket.socket, sink: socket.socket, flowing: threading.Event) -> None:
    try:
        while chunk := source.recv(65536):
            flowing.wait()
            if sink.fileno() < 0:
                return
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
