"""The transport posts where its caller says: the AllMySMS v9 paths are the wire format's, not the transport's."""

from __future__ import annotations

import pytest
import responses

from allmysms_component.api import DEFAULT_RETRY, DEFAULT_TIMEOUTS, Transport
from allmysms_component.errors import MalformedResponseError

from .conftest import BASE


def transport() -> Transport:
    return Transport(BASE, user_agent="test", timeouts=DEFAULT_TIMEOUTS, verify=True, retry=DEFAULT_RETRY,
                     pool_size=1, sleep=lambda seconds: None)


def test_the_form_is_posted_to_the_callers_path(api: responses.RequestsMock) -> None:
    api.post(f"{BASE}/other/api/v2/ping/", json={"pong": 1})
    assert transport().post("/other/api/v2/ping/", "a=1", sends=False) == {"pong": 1}
    assert api.calls[0].request.body == "a=1"


def test_errors_name_the_call_by_the_paths_last_segment(api: responses.RequestsMock) -> None:
    api.post(f"{BASE}/http/9.0/sendSms/", body="<html>")
    with pytest.raises(MalformedResponseError, match=r"AllMySMS answered sendSms with something") as caught:
        transport().post("/http/9.0/sendSms/", "a=1", sends=True)
    assert caught.value.may_have_been_sent
