"""Real services for tests: a private Redis server, or the one an environment variable names.

``redis_server(workdir)`` yields a redis:// URL. With ALLMYSMS_TEST_REDIS_URL set it yields that URL (the
tests then keep to their own key prefixes). Otherwise it starts Debian's ``redis-server`` bound to 127.0.0.1
on a free port, with no persistence, its files in ``workdir`` (nothing in the repository or the home folder),
and stops it by its PID. ``scripts/test-setup`` installs the package where it is missing.
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
        raise RuntimeError("redis-server is not installed: run scripts/test-setup (Debian's "
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


def trust_since_long_ago(url: str) -> None:
    """Date the send journal's missing generation markers in this Redis 30 days back (RedisStore.date_markers)."""
    from allmysms_component.journal import JournalSettings, open_journal

    journal = open_journal(JournalSettings(url=url))
    try:
        journal.store.date_markers(time.time() - 30 * 86_400)  # type: ignore[attr-defined]
    finally:
        journal.close()


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


class RedisProcess:
    """A redis-server of a test's own on a free loopback port, that the test can SIGKILL, SIGSTOP and restart on
    the same port (empty, or from the files it wrote): by PID. ``args`` are redis-server options; a Sentinel is
    started from a configuration file, as ``redis-server <file> --sentinel`` requires one it can rewrite."""

    def __init__(self, workdir: Path, *args: str, sentinel_of: tuple[str, int] | None = None) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError("redis-server is not installed: run scripts/test-setup")
        self.executable = executable
        self.port = free_port()
        self.workdir = workdir / f"redis-{self.port}"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.args = list(args)
        self.sentinel_of = sentinel_of
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisProcess:
        common = ["--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.workdir),
                  "--daemonize", "no", "--logfile", str(self.workdir / "redis.log")]
        if self.sentinel_of:
            host, port = self.sentinel_of
            conf = self.workdir / "sentinel.conf"
            if not conf.exists():
                conf.write_text(f"sentinel monitor journal {host} {port} 1\n"
                                "sentinel down-after-milliseconds journal 1000\n"
                                "sentinel failover-timeout journal 5000\n", encoding="utf-8")
            command = [self.executable, str(conf), "--sentinel", *common]
        else:
            command = [self.executable, "--save", "", "--appendonly", "no", *common, *self.args]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, cwd=self.workdir,
                                        env={**os.environ, "HOME": str(self.workdir)})
        if not _answers(self.port, self.process):
            stop(self.process)
            raise RuntimeError(f"redis-server did not start on port {self.port}; see {self.workdir}")
        return self

    def signal(self, sig: signal.Signals) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, sig)

    def kill(self) -> None:
        """SIGKILL, and wait until it is gone: whatever it had not written to disk is lost."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None:
            self.signal(signal.SIGCONT)
            stop(self.process)
