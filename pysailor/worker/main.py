"""The worker's entry points: ``run_worker(env, gatekeeper)`` for a flow step, ``run_service(method, env, check)``.

Both return the process exit code. A setting that is missing or refused is one fatal log line and exit 1. A
start-up failure once the broker is known (step data, component, queue) is published as one error event without
``errorInput`` (section 1.8), then exit 1. The component's gatekeeper (its send journal) is opened by the caller
once per process and closed here when the worker stops.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping
from typing import Any

from pamqp import encode

from .. import error_payload
from ..errors import ConfigurationError
from ..sending import Gatekeeper, Open
from . import component, headers, service, stepdata
from .cipher import Cipher
from .codec import error_body
from .consumer import Consumer, StartupError
from .handler import Handler
from .publisher import Publisher, PublishError
from .settings import SettingsError, WorkerSettings

log = logging.getLogger(__name__)

STARTUP_ERROR_TIMEOUT = 10.0  # s to publish the start-up error before giving up on it


def run_worker(env: Mapping[str, str] | None = None,
               open_gatekeeper: Callable[[Mapping[str, str]], Gatekeeper] | None = None) -> int:
    """``open_gatekeeper``: the component's send gate (its journal), opened once the worker's own settings are
    known; a ``ConfigurationError`` it raises is a fatal line and exit 1, like a refused setting."""
    env = os.environ if env is None else env
    try:
        settings = WorkerSettings.from_env(env)
        journal = open_gatekeeper(env) if open_gatekeeper else Open()
    except (SettingsError, ConfigurationError) as exc:
        log.critical("%s", exc)
        return 1
    # amqplib (Node) reads only the signed integer types b, s, I and l in headers; pamqp would also use the
    # unsigned u and i for some values, which a Node step could not decode.
    encode.support_deprecated_rabbitmq(True)
    worker = _Worker(settings, journal)
    try:
        code = asyncio.run(worker.run())
    finally:
        if not worker.abandoned:  # abandoned runs may still write to it until the process exits
            journal.close()
    if worker.abandoned:
        # Threads still running component code would keep the interpreter alive: leave without them.
        logging.shutdown()
        sys.stdout.flush()
        os._exit(code)
    return code


def run_service(method: str, check: Callable[[Any], Any], env: Mapping[str, str] | None = None) -> int:
    """``check``: the component's credentials check (``verifyCredentials``)."""
    return service.run(method, os.environ if env is None else env, check)


class _Worker:
    def __init__(self, settings: WorkerSettings, journal: Gatekeeper) -> None:
        self.settings = settings
        self.journal = journal
        self.abandoned = 0

    async def run(self) -> int:
        s = self.settings
        loop = asyncio.get_running_loop()
        abort = asyncio.Event()
        publisher = Publisher(s.amqp_uri, s.publish_messages_to, retry_delay_ms=s.publish_retry_delay,
                              max_retry_delay_ms=s.publish_max_retry_delay, attempts=s.publish_retry_attempts,
                              abort=abort)
        cipher = Cipher(s.crypto_password, s.crypto_iv)
        stop_early = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop_early.set)
        try:
            step = await asyncio.to_thread(stepdata.fetch, s.api_uri, s.ids.flow_id, s.ids.step_id,
                                           s.api_username, s.api_key)
            function = component.load(s.component_path, s.ids.function)
            if function.init is not None:
                await asyncio.to_thread(function.init, dict(step.config))
        except (stepdata.StepDataError, component.ComponentError) as exc:
            return await self._startup_failed(publisher, cipher, exc)
        except Exception as exc:  # init() of the component failed
            return await self._startup_failed(publisher, cipher, exc)
        if stop_early.is_set():
            await publisher.close()
            return 0
        handler = Handler(s, cipher, function, step, publisher, loop, self.journal)
        consumer = Consumer(s, publisher, handler, abort)
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, consumer.request_stop, signum)
        try:
            code = await consumer.run()
        except StartupError as exc:
            return await self._startup_failed(publisher, cipher, exc)
        finally:
            self.abandoned = consumer.abandoned
        log.info("Stopped")
        return code

    async def _startup_failed(self, publisher: Publisher, cipher: Cipher, exc: BaseException) -> int:
        s = self.settings
        log.critical("Cannot start: %s", exc)
        base: dict[str, Any] = headers.base_headers({}, s.ids, s.additional_headers, message_id=headers.new_id(),
                                                    start=headers.now_ms())
        body, _ = error_body(cipher, error_payload(exc), None)
        properties = headers.properties(headers.error_headers(base), persistent=s.persistent_messages)
        try:
            await asyncio.wait_for(publisher.publish(s.error_routing_key, body, properties), STARTUP_ERROR_TIMEOUT)
        except (PublishError, TimeoutError) as problem:
            log.error("The start-up error could not be published: %s", problem or "timed out")
        await publisher.close()
        return 1
