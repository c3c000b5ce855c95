"""The bench's baseline (c): a bare relay with the worker's AMQP library, as the practical limit for Python.

Consume with the prefetch, decrypt, post the Send SMS form to AllMySMS with ``requests`` in a thread pool of
the prefetch's size, encrypt the answer, publish it with a confirm, ack. No checks, no headers beyond
``protocolVersion``, no throttle, no logs. Configured by the same ``ELASTICIO_*`` variables as the worker, plus
``ALLMYSMS_API_URL``. Run: ``python bench/relay.py`` (SIGTERM stops it).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiormq
import requests
from aiormq.abc import DeliveredMessage
from pamqp.commands import Basic

from pysailor.sailor.cipher import Cipher

_local = threading.local()


def post(url: str, cfg: dict[str, str], msg: dict[str, Any]) -> Any:
    session: requests.Session | None = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    body = msg["body"]
    sms_data = {"DATA": {"MESSAGE": body["messageText"], "TPOA": body["senderName"], "CLIMSGID": msg.get("id"),
                         "SMS": [{"MOBILEPHONE": n.strip()} for n in body["mobileNumbers"].split(",")]}}
    form = {"login": cfg["login"], "apiKey": cfg["apiKey"], "returnformat": "json", "smsData": json.dumps(sms_data)}
    return session.post(f"{url}/http/9.0/sendSms/", data=form, timeout=(5, 30)).json()


async def main() -> None:
    env = os.environ
    cipher = Cipher(env["ELASTICIO_MESSAGE_CRYPTO_PASSWORD"], env["ELASTICIO_MESSAGE_CRYPTO_IV"])
    prefetch = int(env.get("ELASTICIO_RABBITMQ_PREFETCH_SAILOR") or 1)
    cfg = json.loads(env["RELAY_CFG"])
    url = env["ALLMYSMS_API_URL"]
    pool = ThreadPoolExecutor(prefetch)
    loop = asyncio.get_running_loop()
    read = await aiormq.connect(env["ELASTICIO_AMQP_URI"])
    write = await aiormq.connect(env["ELASTICIO_AMQP_URI"])
    consume = await read.channel(publisher_confirms=False)
    publish = await write.channel(publisher_confirms=True)
    await consume.basic_qos(prefetch_count=prefetch)

    async def relay(message: DeliveredMessage) -> None:
        msg = cipher.decode(message.body, 1)
        answer = await loop.run_in_executor(pool, post, url, cfg, msg)
        out = cipher.encode({"body": answer, "headers": {}}, 1)
        await publish.basic_publish(out, exchange=env["ELASTICIO_PUBLISH_MESSAGES_TO"],
                                    routing_key=env["ELASTICIO_DATA_ROUTING_KEY"],
                                    properties=Basic.Properties(headers={"protocolVersion": 1}))
        delivery: Any = message.delivery
        await consume.basic_ack(delivery.delivery_tag)

    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await consume.basic_consume(env["ELASTICIO_LISTEN_MESSAGES_ON"], relay, no_ack=False)
    print('{"msg": "Fully initialized and waiting for messages"}', flush=True)
    await stop.wait()
    await read.close()
    await write.close()
    pool.shutdown(wait=False)


if __name__ == "__main__":
    asyncio.run(main())
