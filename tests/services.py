"""Real services for tests: a private Redis server, or the one an environment variable names.

``redis_server(workdir)`` yields a redis:// URL. With ALLMYSMS_TEST_REDIS_URL set it yields that URL (the
tests then keep to their own key prefixes). Otherwise it starts Debian's ``redis-server`` bound to 127.0.0.1
on a free port, with no persistence, its files in ``workdir`` (nothing in the repository or the home folder),
and stops it by its PID. ``scripts/install-redis-server.sh`` installs the package where it is missing.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REDIS_URL_VARIABLE = "ALLMYSMS_TEST_REDIS_URL"
START_TIMEOUT = 20.0  # seconds for a fresh redis-server to answer PING
STOP_TIMEOUT = 10.0


def free_port() -> int:
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """The URL of a Redis for the test session: the environment's, or a private one started here."""
    given = os.environ.get(REDIS_URL_VARIABLE, "").strip()
    if given:
        yield given
        return
    with private_redis(workdir) as url:
        yield url


@contextmanager
def private_redis(workdir: Path) -> Iterator[str]:
    """A redis-server of our own on a free loopback port, stopped (by PID) when the block ends."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise RuntimeError("redis-server is not installed: run scripts/install-redis-server.sh (Debian's "
                           f"redis-server package), or name a Redis in {REDIS_URL_VARIABLE}")
    workdir.mkdir(parents=True, exist_ok=True)
    for _ in range(3):  # the free port may be taken between the probe and the bind
        port = free_port()
        process = subprocess.Popen(
            [executable, "--bind", "127.0.0.1", "--port", str(port), "--protected-mode", "yes",
             "--save", "", "--appendonly", "no", "--dir", str(workdir), "--daemonize", "no",
             "--logfile", str(workdir / f"redis-{port}.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            cwd=workdir, env={**os.environ, "HOME": str(workdir)},
        )
        try:
            if _answers(port, process):
                yield f"redis://127.0.0.1:{port}/0"
                return
        finally:
            stop(process)
    raise RuntimeError(f"redis-server did not start; see the logs in {workdir}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM by PID, then SIGKILL if it does not exit in time."""
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


def _answers(port: int, process: subprocess.Popen[bytes]) -> bool:
    """Whether the server answers PING before the deadline (False as soon as it exits)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(64).startswith(b"+PONG"):
                    return True
        except OSError:
            pass
        time.sleep(0.05)  # polling for readiness, not a timing assertion
    return False
