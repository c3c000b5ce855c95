"""The worker: start-up, consuming through the delivery pipeline, and the stop order; its entry points.

``run_worker(env, open_gatekeeper)`` runs one step of a flow and returns the exit code:

- Start-up: settings (a missing or refused one is one fatal line and exit 1, as is a component's gatekeeper that
  refuses its settings); the step's data from the platform; the function loaded from component.json and its
  ``init(cfg)``. A failure once the broker is known is published as one error event (no input to attach it
  to, section 1.8), then exit 1.
- Running: the broker hands each delivery to the pipeline (``delivery``), up to the prefetch at once, each
  run in a worker thread.
- Stop (SIGTERM or SIGINT, at any moment, even during start-up): stop consuming, let the runs in progress finish
  for up to ``ALLMYSMS_WORKER_GRACE_PERIOD`` seconds (outcomes published, then settled), requeue what was
  received but not started, close, exit 0. Runs still going after the grace period are abandoned (their
  inputs return to the queue when the connection closes) and the exit code is 1. A broker lost for longer than
  ``ALLMYSMS_WORKER_RECONNECT_TIMEOUT`` seconds: exit 1.

``run_service(method, check, env)`` is the one-shot credentials check (``service``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pamqp import encode

from . import service
from .amqp import AmqpBroker, PublishPolicy
from .broker import GaveUpError, PublishError, StartupError
from .delivery import Pipeline
from .descriptor import Descriptor
from .errors import ConfigurationError
from .execution import Process
from .platform import PlatformApi
from .sailor.settings import WorkerSettings
from .sailor.wire import SailorDialect
from .sending import Gatekeeper, Open
from .throttle import Throttle

log = logging.getLogger(__name__)

STARTUP_ERROR_TIMEOUT = 10.0  # s to publish the start-up error before giving up on it
DRAIN_TIMEOUT = 5.0           # s to cancel the consumer


def run_worker(env: Mapping[str, str] | None = None,
               open_gatekeeper: Callable[[Mapping[str, str]], Gatekeeper] | None = None,
               stopped: threading.Event | None = None) -> int:
    """``open_gatekeeper``: the component's send gate (its journal), opened once the worker's own settings are
    known; a ``ConfigurationError`` it raises is a fatal line and exit 1, like a refused setting. ``stopped``: set
    by a SIGTERM that came before the worker's own handlers (the launcher's), a stop like any other."""
    env = os.environ if env is None else env
    try:
        settings = WorkerSettings.from_env(env)
        gatekeeper = open_gatekeeper(env) if open_gatekeeper else Open()
    except ConfigurationError as exc:
        log.critical("%s", exc)
        return 1
    # amqplib (Node) reads only the signed integer types b, s, I and l in headers; pamqp would also use the
    # unsigned u and i for some values, which a Node step could not decode.
    encode.support_deprecated_rabbitmq(True)
    worker = Worker(settings, gatekeeper, stopped)
    try:
        code = asyncio.run(worker.run())
    finally:
        if not worker.abandoned:  # abandoned runs may still use it until the process exits
            gatekeeper.close()
    if worker.abandoned:
        # Threads still running component code would keep the interpreter alive: leave without them.
        logging.shutdown()
        sys.stdout.flush()
        os._exit(code)
    return code


def run_service(method: str, check: Callable[[Any], Any], env: Mapping[str, str] | None = None) -> int:
    """``check``: the component's credentials check (``verifyCredentials``)."""
    return service.run(method, os.environ if env is None else env, check)


class Worker:
    def __init__(self, settings: WorkerSettings, gatekeeper: Gatekeeper,
                 stopped: threading.Event | None = None) -> None:
        self.settings = settings
        self.gatekeeper = gatekeeper
        self.abandoned = 0
        self._stopped_early = stopped or threading.Event()
        self._stop = asyncio.Event()

    def request_stop(self, signum: int | None = None) -> None:
        if not self._stop.is_set():
            log.info("%s received: stopping", signal.Signals(signum).name if signum else "Stop")
        self._stop.set()

    async def run(self) -> int:
        s = self.settings
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.request_stop, signum)
        if self._stopped_early.is_set():
            self.request_stop(signal.SIGTERM)
            return 0
        broker = AmqpBroker(s.amqp_uri, s.listen_messages_on, s.publish_messages_to, prefetch=s.prefetch,
                            reconnect_timeout=s.reconnect_timeout,
                            publishing=PublishPolicy(s.publish_retry_delay / 1000, s.publish_max_retry_delay / 1000,
                                                     s.publish_retry_attempts))
        dialect = SailorDialect(s, PlatformApi(s.api_uri, s.api_username, s.api_key))
        executor = ThreadPoolExecutor(max_workers=s.prefetch, thread_name_prefix="process")
        try:
            try:
                state = await asyncio.to_thread(dialect.start)
                functions = Functions(Descriptor.load(s.component_path / "component.json"), s.component_path,
                                      s.ids.function)
                init = functions.step.init
                if init is not None:
                    await asyncio.to_thread(init, dict(state.config))
            except Exception as exc:  # the platform API, component.json, the module or its init() failed
                return await self._startup_failed(broker, dialect, exc)
            if self._stop.is_set():
                return 0
            pipeline = Pipeline(broker, dialect, functions, state.config, self.gatekeeper, executor, loop,
                                throttles={"data": Throttle(s.data_rate_limit, s.rate_interval),
                                           "error": Throttle(s.error_rate_limit, s.rate_interval),
                                           "snapshot": Throttle(s.snapshot_rate_limit, s.rate_interval)},
                                concurrency=s.prefetch, snapshot=dict(state.snapshot))
            return await self._consume(broker, dialect, pipeline)
        finally:
            await broker.close()
            executor.shutdown(wait=False, cancel_futures=True)

    async def _consume(self, broker: AmqpBroker, dialect: SailorDialect, pipeline: Pipeline) -> int:
        consuming = asyncio.ensure_future(broker.consume(pipeline.deliver))
        stopping = asyncio.ensure_future(self._stop.wait())
        await asyncio.wait([consuming, stopping], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        code = 0
        if consuming.done():
            try:
                consuming.result()
            except StartupError as exc:
                return await self._startup_failed(broker, dialect, exc)
            except GaveUpError as exc:
                log.critical("%s", exc)
                broker.abort()  # nothing can be published any more: stop retrying
                code = 1
        # The stop order: no new delivery, what is in flight finishes (or is abandoned), then close.
        pipeline.stopping = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(broker.cancel(), DRAIN_TIMEOUT)
        if not consuming.done():
            consuming.cancel()
        runs = set(pipeline.in_flight)
        if runs:
            log.info("Finishing %d message(s) in progress (grace period %g s)", len(runs), self.settings.grace_period)
            _, pending = await asyncio.wait(runs, timeout=self.settings.grace_period)
            if pending:
                self.abandoned = len(pending)
                log.error("%d message(s) still running after the grace period of %g s: abandoned; their inputs go "
                          "back to the queue, and their SMS may have been sent", len(pending),
                          self.settings.grace_period)
                broker.abort()
                code = 1
        log.info("Stopped")
        return code

    async def _startup_failed(self, broker: AmqpBroker, dialect: SailorDialect, exc: BaseException) -> int:
        log.critical("Cannot start: %s", exc)
        try:
            for publish in dialect.startup_error(exc):
                await asyncio.wait_for(broker.publish(publish), STARTUP_ERROR_TIMEOUT)
        except (PublishError, TimeoutError) as problem:
            log.error("The start-up error could not be published: %s", problem or "timed out")
        return 1


class Functions:
    """The step's function, loaded at start (a failure is a start-up failure), and the others by name (a dialect
    may name one per message), each loaded once."""

    def __init__(self, descriptor: Descriptor, root: Path, default: str) -> None:
        self._descriptor = descriptor
        self._root = root
        self.step = descriptor.function(default, root)
        self._loaded: dict[str, Process] = {default: self.step.process}

    def __call__(self, name: str | None) -> Process:
        if name is None:
            return self.step.process
        process = self._loaded.get(name)
        if process is None:
            process = self._loaded.setdefault(name, self._descriptor.function(name, self._root).process)
        return process
