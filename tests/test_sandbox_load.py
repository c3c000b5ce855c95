"""The simulator under many clients connecting at once, over real sockets: every connection is accepted at its
first try and answered."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator

import pytest

from allmysms_component.sandbox import SANDBOX_ACCOUNT, AllMySmsSimulator

CLIENTS = 48
# struct tcp_info (linux/tcp.h): 8 one-byte fields, then 23 u32 before tcpi_total_retrans.
TCP_INFO_TOTAL_RETRANS = 8 + 4 * 23


@pytest.fixture
def sim() -> Iterator[AllMySmsSimulator]:
    with AllMySmsSimulator() as simulator:
        yield simulator


def get_info_request() -> bytes:
    form = f"login={SANDBOX_ACCOUNT.login}&apiKey={SANDBOX_ACCOUNT.api_key}".encode()
    return (b"POST /http/9.0/getInfo/ HTTP/1.1\r\nHost: sandbox\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(form)) + form


def retransmissions(connection: socket.socket) -> int:
    """Segments the kernel had to send again on this connection, the connection request (SYN) included: a SYN
    is sent again when the server's listen queue was full and the kernel dropped the first one."""
    info = connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, TCP_INFO_TOTAL_RETRANS + 4)
    count: int = struct.unpack_from("I", info, TCP_INFO_TOTAL_RETRANS)[0]
    return count


def test_many_clients_connecting_at_once_are_all_accepted_at_the_first_try(sim: AllMySmsSimulator) -> None:
    host, port = sim.url.removeprefix("http://").rsplit(":", 1)
    barrier = threading.Barrier(CLIENTS)
    lock = threading.Lock()
    answers: list[bytes] = []
    retried: list[int] = []
    errors: list[BaseException] = []

    def client() -> None:
        barrier.wait()
        try:
            with socket.create_connection((host, int(port)), timeout=30) as connection:
                retries = retransmissions(connection)
                connection.sendall(get_info_request())
                answer = b""
                while chunk := connection.recv(65536):
                    answer += chunk
            with lock:
                answers.append(answer)
                retried.append(retries)
        except OSError as exc:  # a reset or a refusal
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(answers) == CLIENTS
    assert all(answer.startswith(b"HTTP/1.1 200") and b"Active Account" in answer for answer in answers)
    assert sum(1 for count in retried if count) == 0  # no connection request was dropped by a full listen queue
    assert sim.connections_accepted == CLIENTS
