"""The worker on the Open Integration Hub: one connection's worth of consuming, the Ferryman handler, the stop order.

What the sailor's worker does at start (step data, one function loaded, ``init``) has no counterpart here: on
OIH the token brings the config and names the function with every message, so nothing is fetched before the
first one and ``init`` is never called (Ferryman calls none either). The broker side is the sailor worker's
consumer and publisher: reconnects for ``ALLMYSMS_WORKER_RECONNECT_TIMEOUT`` before exit 1 (Ferryman exits at
the first connection loss), SIGTERM drains within ``ALLMYSMS_WORKER_GRACE_PERIOD`` and exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from ...sending import Gatekeeper
from ..consumer import Consumer, StartupError
from ..publisher import Publisher
from .handler import FerrymanHandler
from .services import PlatformServices
from .settings import FerrymanSettings

log = logging.getLogger(__name__)


class OihWorker:
    def __init__(self, settings: FerrymanSettings, gatekeeper: Gatekeeper) -> None:
        self.settings = settings
        self.gatekeeper = gatekeeper
        self.abandoned = 0

    async def run(self) -> int:
        s = self.settings
        loop = asyncio.get_running_loop()
        abort = asyncio.Event()
        publisher = Publisher(s.amqp_uri, s.backchannel_exchange, retry_delay_ms=s.publish_retry_delay,
                              max_retry_delay_ms=s.publish_max_retry_delay, attempts=s.publish_retry_attempts,
                              abort=abort)
        services = PlatformServices(s.secret_service_url, s.snapshots_service_url, pool_size=s.prefetch)
        handler = FerrymanHandler(s, services, publisher, loop, self.gatekeeper)
        consumer = Consumer(s, publisher, handler, abort)
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, consumer.request_stop, signum)
        log.info("Open Integration Hub dialect (Ferryman's protocol): consuming %s", s.listen_messages_on)
        try:
            code = await consumer.run()
        except StartupError as exc:  # no token to address an error event with: the log line is the report
            log.critical("Cannot start: %s", exc)
            await publisher.close()
            return 1
        finally:
            self.abandoned = consumer.abandoned
            services.close()
        log.info("Stopped")
        return code
