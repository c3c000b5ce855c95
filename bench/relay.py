"""The worker bench's baselines: a bare relay with the worker's AMQP library, the practical limit for Python.

Consume with the prefetch, decrypt, post the Send SMS form to AllMySMS, encrypt the answer, publish it with a
confirm, ack. No checks, no headers beyond ``protocolVersion``, no throttle, no logs. Its own code only (the
sailor's AES-256-CBC written out below), so it owes nothing to the package it is a baseline for. Configured by
the same ``ELASTICIO_*`` variables as the worker, plus ``ALLMYSMS_API_URL`` and ``RELAY_CFG`` (the step's
credentials as JSON). ``RELAY_HTTP`` chooses how the post is made:

- ``threads`` (the default): ``requests`` in a thread pool of the prefetch's size, what the worker does today;
- ``inline``: the same blocking post made on the event loop, one at a time (instruction counts only);
- ``aiohttp``: the prototype of issue 18 item 7, the post made on the event loop by aiohttp, with what the
  component's transport promises on the send path: no redirect followed, no proxy for loopback, a deadline for
  the whole answer (the read timeout), the answer read within a size cap, the key kept out of errors.

Run: ``python bench/relay.py`` (SIGTERM stops it).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import signal
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import aiormq
import requests
from aiormq.abc import DeliveredMessage
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from pamqp.commands import Basic

FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
CONNECT_TIMEOUT, READ_TIMEOUT = 5.0, 30.0
MAX_ANSWER_BYTES = 4 * 1024 * 1024
CHUNK_BYTES = 64 * 1024

Post = Callable[[dict[str, Any]], Awaitable[Any]]


class Aes:
    """The sailor's message encryption: AES-256-CBC, key = SHA-256 of the password, a fixed IV, base64."""

    def __init__(self, password: str, iv: str) -> None:
        self.cipher = Cipher(algorithms.AES(hashlib.sha256(password.encode()).digest()), modes.CBC(iv.encode()))

    def decode(self, content: bytes) -> Any:
        decryptor = self.cipher.decryptor()
        padded = decryptor.update(base64.b64decode(content)) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return json.loads(unpadder.update(padded) + unpadder.finalize())

    def encode(self, value: Any) -> bytes:
        padder = padding.PKCS7(128).padder()
        encryptor = self.cipher.encryptor()
        plain = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
        return base64.b64encode(encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize())


def form(cfg: dict[str, str], msg: dict[str, Any]) -> str:
    body = msg["body"]
    sms_data = {"DATA": {"MESSAGE": body["messageText"], "TPOA": body["senderName"], "CLIMSGID": msg.get("id"),
                         "SMS": [{"MOBILEPHONE": n.strip()} for n in body["mobileNumbers"].split(",")]}}
    return urlencode({"login": cfg["login"], "apiKey": cfg["apiKey"], "returnformat": "json",
                      "smsData": json.dumps(sms_data)})


def blocking(url: str, cfg: dict[str, str]) -> Callable[[dict[str, Any]], Any]:
    """A blocking ``requests`` post, one kept-alive session per thread."""
    local = threading.local()

    def post(msg: dict[str, Any]) -> Any:
        session: requests.Session | None = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            # RELAY_TRUST_ENV=0: no per-request reading of the proxy variables and .netrc, as the component's
            # transport (a one-off baseline in bench/README.md; the bench's relay keeps requests' default)
            session.trust_env = os.environ.get("RELAY_TRUST_ENV", "1") != "0"
        response = session.post(url, data=form(cfg, msg), headers=FORM, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
                                allow_redirects=False)
        return response.json()

    return post


def threaded(url: str, cfg: dict[str, str], prefetch: int) -> Post:
    """Today's way: the blocking post in a pool thread of the prefetch's size."""
    pool = ThreadPoolExecutor(prefetch)
    loop = asyncio.get_running_loop()
    post = blocking(url, cfg)

    async def run(msg: dict[str, Any]) -> Any:
        return await loop.run_in_executor(pool, post, msg)

    return run


def inline(url: str, cfg: dict[str, str], prefetch: int) -> Post:
    """For the instruction counts only: the blocking post made on the loop itself (one message at a time), so
    that ``threads`` less ``inline`` is what the thread hand-offs cost, and ``inline`` less ``aiohttp`` what
    requests costs over aiohttp."""
    post = blocking(url, cfg)

    async def run(msg: dict[str, Any]) -> Any:
        return post(msg)

    return run


def on_the_loop(url: str, cfg: dict[str, str], prefetch: int) -> Post:
    """The prototype: aiohttp on the event loop, one pool of up to ``prefetch`` kept-alive connections."""
    import aiohttp

    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=prefetch), trust_env=False,  # a loopback URL: never a proxy
        timeout=aiohttp.ClientTimeout(total=READ_TIMEOUT, sock_connect=CONNECT_TIMEOUT), auto_decompress=True)

    async def run(msg: dict[str, Any]) -> Any:
        chunks: list[bytes] = []
        size = 0
        try:
            async with session.post(url, data=form(cfg, msg), headers=FORM, allow_redirects=False) as response:
                if response.status != 200:
                    raise RuntimeError(f"unexpected answer: HTTP {response.status}")
                async for chunk in response.content.iter_chunked(CHUNK_BYTES):
                    size += len(chunk)
                    if size > MAX_ANSWER_BYTES:
                        raise RuntimeError(f"an answer of more than {MAX_ANSWER_BYTES} bytes")
                    chunks.append(chunk)
        except (aiohttp.ClientError, TimeoutError) as exc:  # the form (and its key) stays out of the error
            raise RuntimeError(f"the post failed: {type(exc).__name__}") from None
        return json.loads(b"".join(chunks))

    return run


async def main() -> None:
    env = os.environ
    aes = Aes(env["ELASTICIO_MESSAGE_CRYPTO_PASSWORD"], env["ELASTICIO_MESSAGE_CRYPTO_IV"])
    prefetch = int(env.get("ELASTICIO_RABBITMQ_PREFETCH_SAILOR") or 1)
    cfg = json.loads(env["RELAY_CFG"])
    url = f"{env['ALLMYSMS_API_URL']}/http/9.0/sendSms/"
    make = {"threads": threaded, "inline": inline, "aiohttp": on_the_loop}[env.get("RELAY_HTTP", "threads")]
    post = make(url, cfg, prefetch)
    read = await aiormq.connect(env["ELASTICIO_AMQP_URI"])
    write = await aiormq.connect(env["ELASTICIO_AMQP_URI"])
    consume = await read.channel(publisher_confirms=False)
    publish = await write.channel(publisher_confirms=True)
    await consume.basic_qos(prefetch_count=prefetch)

    async def relay(message: DeliveredMessage) -> None:
        answer = await post(aes.decode(message.body))
        await publish.basic_publish(aes.encode({"body": answer, "headers": {}}),
                                    exchange=env["ELASTICIO_PUBLISH_MESSAGES_TO"],
                                    routing_key=env["ELASTICIO_DATA_ROUTING_KEY"],
                                    properties=Basic.Properties(headers={"protocolVersion": 1}))
        delivery: Any = message.delivery
        await consume.basic_ack(delivery.delivery_tag)

    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await consume.basic_consume(env["ELASTICIO_LISTEN_MESSAGES_ON"], relay, no_ack=False)
    print('{"msg": "Fully initialized and waiting for messages"}', flush=True)
    await stop.wait()
    await read.close()
    await write.close()


if __name__ == "__main__":
    asyncio.run(main())
