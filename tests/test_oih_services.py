"""OIH's secret and snapshots services as the worker calls them: per message, with the token's apiKey, bounded."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from pysailor.ferryman.services import PlatformServices, ServiceError
from tests.services import free_port
from tests.worker.orchestrator import API_KEY, CREDENTIALS, SECRET_ID, Services


@pytest.fixture
def fake() -> Iterator[Services]:
    services = Services()
    yield services
    services.close()


@pytest.fixture
def client(fake: Services) -> Iterator[PlatformServices]:
    services = PlatformServices(fake.url + "/", fake.url)
    yield services
    services.close()


def test_a_mixed_secret_s_payload_is_the_credentials(fake: Services, client: PlatformServices) -> None:
    assert client.secret(SECRET_ID, API_KEY) == CREDENTIALS
    path, headers = fake.requests[0]
    assert path == f"/secrets/{SECRET_ID}"
    assert (headers["authorization"], headers["accept"]) == (f"Bearer {API_KEY}", "application/json")


@pytest.mark.parametrize(("secret", "credentials"), [
    ({"type": "SIMPLE", "value": {"username": "u", "passphrase": "p"}}, {"username": "u", "passphrase": "p"}),
    ({"type": "MIXED", "value": {"payload": "not json"}}, {"payload": "not json"}),
    ({"type": "MIXED", "value": {"payload": json.dumps({"login": "l"})}}, {"login": "l"}),
])
def test_each_secret_type_as_ferryman_reads_it(fake: Services, client: PlatformServices, secret: dict[str, object],
                                               credentials: dict[str, str]) -> None:
    fake.secrets["other"] = secret
    assert client.secret("other", API_KEY) == credentials


def test_a_secret_id_is_one_path_segment(fake: Services, client: PlatformServices) -> None:
    with pytest.raises(ServiceError):
        client.secret("../snapshots/x?y", API_KEY)
    assert fake.paths() == ["/secrets/..%2Fsnapshots%2Fx%3Fy"]


def test_a_missing_secret_is_an_error_not_empty_credentials(fake: Services, client: PlatformServices) -> None:
    with pytest.raises(ServiceError, match="HTTP 404") as caught:
        client.secret("no-such-secret", API_KEY)
    assert not caught.value.transient


def test_a_failing_secret_service_is_retried_a_bounded_number_of_times(fake: Services,
                                                                       client: PlatformServices) -> None:
    fake.fail_with = [503, 502]
    assert client.secret(SECRET_ID, API_KEY) == CREDENTIALS
    fake.fail_with = [503] * 5
    with pytest.raises(ServiceError, match="HTTP 503") as caught:
        client.secret(SECRET_ID, API_KEY)
    assert caught.value.transient
    assert len(fake.requests) == 3 + 3  # each call: one try and two retries at most


def test_a_secret_service_out_of_reach_is_transient_and_names_no_secret() -> None:
    client = PlatformServices(f"http://127.0.0.1:{free_port()}", "http://127.0.0.1:9", timeout=(0.5, 0.5))
    try:
        with pytest.raises(ServiceError) as caught:
            client.secret(SECRET_ID, API_KEY)
    finally:
        client.close()
    assert caught.value.transient
    assert API_KEY not in str(caught.value)


def test_the_snapshot_is_the_service_s_data_and_empty_when_it_cannot_be_had(
        fake: Services, client: PlatformServices, caplog: pytest.LogCaptureFixture) -> None:
    fake.snapshots[("flow-1", "step_2")] = {"count": 3}
    assert client.snapshot("flow-1", "step_2", API_KEY) == {"count": 3}
    assert client.snapshot("flow-1", "step_9", API_KEY) == {}
    fake.fail_with = [500]
    with caplog.at_level(logging.WARNING):
        assert client.snapshot("flow-1", "step_2", API_KEY) == {}
    assert "HTTP 500" in caplog.text
    assert API_KEY not in caplog.text
    assert fake.paths()[0] == "/snapshots/flows/flow-1/steps/step_2"
