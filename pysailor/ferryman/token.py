"""The ``orchestratorToken`` of an OIH message: the flow, step, function and config it runs with, decoded.

OIH's orchestrator signs one JWT per message (HS256, ``iat``, no ``exp``; ferryman-protocol.md section 6.1)
and verifies it again on what the step sends back, so the token goes out byte-identical (``raw``).

Decoded, not verified, as Ferryman does: verifying needs the orchestrator's signing secret, which OIH gives no
component (HS256 is symmetric: a component holding it could mint tokens for any flow), and the orchestrator
verifies every token that comes back, so a forged one gets nothing published further. Decoding is the
compact form's three base64url parts read with the standard library; PyJWT would only be asked to skip its
verification. Unlike Ferryman, a token this worker cannot use is refused whole (TokenError, the message is
rejected with an error event): one that is not a JWT, whose claims are not a JSON object, or that lacks
``flowId``, ``stepId`` or ``function`` (the orchestrator always sets them; the send journal keys by the first two).
Neither ``raw`` nor the claims appear in a repr: ``apiKey`` is the flow's IAM token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

HEADER = "orchestratorToken"
_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*")  # as jws.decode accepts it
NEEDED = ("flowId", "stepId", "function")


class TokenError(ValueError):
    """The message's token is absent or unusable; the message says why, never the token."""


class _Claim:
    """A token's optional text claim, read on access: the text, or None when absent, empty or not text."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, token: Token, owner: type | None = None) -> str | None:
        value = token.claims.get(self.name)
        return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class Token:
    raw: str = field(repr=False)
    claims: Mapping[str, Any] = field(repr=False)

    @property
    def flow_id(self) -> str:
        return str(self.claims["flowId"])

    @property
    def step_id(self) -> str:
        return str(self.claims["stepId"])

    @property
    def function(self) -> str:
        return str(self.claims["function"])

    # Optional claims: text, or None when absent or not text.
    user_id = _Claim("userId")
    flow_exec_id = _Claim("flowExecId")
    tenant = _Claim("tenant")
    secret_id = _Claim("secretId")
    api_key = _Claim("apiKey")

    @property
    def fields(self) -> dict[str, Any]:
        """The step's configuration (a copy)."""
        fields = self.claims.get("fields")
        return json.loads(json.dumps(fields)) if isinstance(fields, dict) else {}

    @property
    def node_settings(self) -> dict[str, Any]:
        settings = self.claims.get("nodeSettings")
        return json.loads(json.dumps(settings)) if isinstance(settings, dict) else {}

    @property
    def message_id(self) -> str:
        """The message's id for the send journal and ``process`` (OIH sends no messageId): a uuid made from the
        token, which OIH mints per message (flow execution, step, second) and which stays the same across
        redeliveries and rebounds, unlike the ``messageId`` Ferryman gives each rebound."""
        return str(uuid.UUID(bytes=hashlib.blake2b(self.raw.encode(), digest_size=16).digest()))

    def __repr__(self) -> str:
        return f"Token(flowId={self.flow_id!r}, stepId={self.step_id!r}, function={self.function!r})"


def from_headers(headers: Mapping[str, Any] | None) -> Token:
    """The token of a delivery's AMQP headers; TokenError when there is none or it cannot be used."""
    if headers is None:
        raise TokenError("the message has no AMQP headers, so no orchestratorToken")
    if not headers.get(HEADER):
        raise TokenError("the message has no orchestratorToken header")
    return decode(headers[HEADER])


def decode(raw: object) -> Token:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("ascii")
        except UnicodeDecodeError:
            raise TokenError("the orchestratorToken is not ASCII, so not a JWT") from None
    if not isinstance(raw, str):
        raise TokenError(f"the orchestratorToken is a {type(raw).__name__}, not a JWT")
    match = _COMPACT.fullmatch(raw)
    if match is None:
        raise TokenError("the orchestratorToken is not a JWT (three base64url parts separated by dots)")
    header, payload = _json_part(raw.split(".", 1)[0], "header"), _json_part(match.group(1), "claims")
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise TokenError("the orchestratorToken's header or claims are not a JSON object")
    absent = [name for name in NEEDED if not isinstance(payload.get(name), str) or not payload[name]]
    if absent:
        raise TokenError(f"the orchestratorToken has no {', '.join(absent)}")
    return Token(raw, payload)


def _json_part(part: str, what: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (binascii.Error, ValueError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise TokenError(f"the orchestratorToken's {what} cannot be read as base64url JSON") from None
