"""What the transport takes from the process's environment: the proxy variables once, when it is built, and never
a password from a .netrc file (the API's credentials travel only in the POST body)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from allmysms_component.api import AllMySmsClient

from .scripted_server import ScriptedServer, answer, read_request
from .test_transport import CREDENTIALS, REQUEST, SENT


def test_a_netrc_password_for_the_api_host_is_never_sent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    received: list[bytes | None] = []

    def serve(connection: socket.socket, index: int) -> None:
        received.append(read_request(connection))
        answer(connection, SENT)

    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password netrc-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    with ScriptedServer(serve) as api:
        AllMySmsClient(api.url).send_sms(CREDENTIALS, REQUEST)
    assert len(received) == 1
    request = received[0] or b""
    assert b"POST " in request
    assert b"authorization:" not in request.lower()


def test_the_proxy_variables_are_read_when_the_client_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    proxied = AllMySmsClient("https://api.allmysms.invalid")
    monkeypatch.setenv("NO_PROXY", "api.allmysms.invalid")
    direct = AllMySmsClient("https://api.allmysms.invalid")
    assert proxied.transport.proxies.get("https") == "http://proxy.invalid:3128"
    assert not direct.transport.proxies.get("https")
