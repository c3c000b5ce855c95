"""The orchestratorToken of an OIH message: decoded (not verified), refused whole when it cannot be used."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from pysailor.ferryman.token import Token, TokenError, decode, from_headers
from tests.worker.orchestrator import sign

CLAIMS = {"flowId": "flow-1", "stepId": "step_2", "userId": "u", "function": "sendSMS", "flowExecId": "exec-1",
          "secretId": "s-1", "fields": {"mode": "a"}, "apiKey": "iam-T0ken-S3cret", "nodeSettings": {"x": 1},
          "tenant": "t"}


def part(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def test_the_claims_are_read_from_a_token_signed_as_the_orchestrator_signs() -> None:
    raw = sign(CLAIMS)
    token = from_headers({"orchestratorToken": raw})
    assert token.raw == raw
    assert (token.flow_id, token.step_id, token.function, token.user_id) == ("flow-1", "step_2", "sendSMS", "u")
    assert (token.flow_exec_id, token.secret_id, token.api_key, token.tenant) == ("exec-1", "s-1",
                                                                                 "iam-T0ken-S3cret", "t")
    assert token.fields == {"mode": "a"}
    assert token.node_settings == {"x": 1}


@pytest.mark.parametrize("signature", ["wrong-secret", "alg-none"])
def test_the_signature_is_not_verified_as_in_ferryman(signature: str) -> None:
    """The container does not get the orchestrator's secret; the orchestrator verifies what comes back."""
    raw = sign(CLAIMS, secret="another") if signature == "wrong-secret" else \
        f"{part({'alg': 'none'})}.{part(CLAIMS)}."
    assert decode(raw).flow_id == "flow-1"


def test_the_message_id_is_a_uuid_of_the_token_the_same_for_each_copy() -> None:
    raw = sign(CLAIMS)
    assert decode(raw).message_id == decode(raw.encode()).message_id
    assert uuid.UUID(decode(raw).message_id)
    assert decode(sign({**CLAIMS, "flowId": "flow-2"})).message_id != decode(raw).message_id


def test_fields_are_a_copy_and_a_non_object_reads_as_empty() -> None:
    token = decode(sign({**CLAIMS, "fields": "text", "nodeSettings": None}))
    assert (token.fields, token.node_settings) == ({}, {})
    fresh = decode(sign(CLAIMS))
    fresh.fields["mode"] = "changed"
    assert fresh.fields == {"mode": "a"}


@pytest.mark.parametrize(("headers", "reason"), [
    (None, "no AMQP headers"),
    ({}, "no orchestratorToken"),
    ({"orchestratorToken": ""}, "no orchestratorToken"),
    ({"orchestratorToken": "not-a-jwt"}, "not a JWT"),
    ({"orchestratorToken": "a.b.c.d"}, "not a JWT"),
    ({"orchestratorToken": 42}, "int"),
    ({"orchestratorToken": "é.é.é".encode()}, "not ASCII"),
    ({"orchestratorToken": f"{part({'alg': 'HS256'})}.bm90IGpzb24.x"}, "claims cannot be read as base64url JSON"),
    ({"orchestratorToken": f"{part({'alg': 'HS256'})}.{part([1, 2])}.x"}, "not a JSON object"),
    ({"orchestratorToken": f"{part('text')}.{part(CLAIMS)}.x"}, "not a JSON object"),
    ({"orchestratorToken": sign({**CLAIMS, "stepId": None})}, "has no stepId"),
    ({"orchestratorToken": sign({"userId": "u"})}, "has no flowId, stepId, function"),
])
def test_an_unusable_token_is_refused_saying_why(headers: dict[str, object] | None, reason: str) -> None:
    with pytest.raises(TokenError, match=reason):
        from_headers(headers)


def test_neither_the_token_nor_its_api_key_appear_in_a_repr_or_an_error() -> None:
    raw = sign(CLAIMS)
    token = decode(raw)
    assert isinstance(token, Token)
    assert raw not in repr(token)
    assert "iam-T0ken-S3cret" not in repr(token)
    with pytest.raises(TokenError) as caught:
        decode(raw.replace(".", "!", 1))
    assert raw not in str(caught.value)
