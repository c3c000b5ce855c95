"""What every action does with an incoming message: find its body, check it against the action's
``metadata.in`` (fields named by their component.json labels), and read optional fields; and how the account
actions start (the process's context, the campaign id, the account)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from pysailor import ActionSchema

from .. import context
from ..errors import InvalidInputError
from ..rules import campaign
from ..rules.account import Account, resolve


def incoming_body(msg: object, schema: ActionSchema) -> Mapping[str, Any]:
    """The message's body, valid against ``schema``; InvalidInputError otherwise."""
    if not isinstance(msg, Mapping):
        raise InvalidInputError([f"the incoming message must be an object with a body, not "
                                 f"{type(msg).__name__}"])
    body = msg.get("body")
    if not isinstance(body, Mapping):
        required = [key for key, spec in schema.properties.items() if spec.get("required")]
        fields = f" with the field{'s' if len(required) > 1 else ''} {_and(required)}" if required else ""
        raise InvalidInputError([f"the incoming message has no body object{fields}"])
    schema.validate(body)
    return body


class AccountCall(NamedTuple):
    """Where an action that asks AllMySMS about an account starts."""

    context: context.Context
    account: Account
    campaign_id: str = ""  # blank for an action without a campaign


def account_call(cfg: object, msg: object = None, *, campaign_of: str | None = None) -> AccountCall:
    """The process's context (``context.current()``, the one place an action finds it), then with
    ``campaign_of`` (an action id) the message's ``campaignId`` checked against that action's ``metadata.in``
    (an input problem is told before a credentials one), then the account ``cfg`` names."""
    ctx = context.current()
    campaign_id = ""
    if campaign_of is not None:
        schema = ctx.descriptor.action(campaign_of)
        campaign_id = campaign.campaign_id(incoming_body(msg, schema)["campaignId"], label=schema.label("campaignId"))
    return AccountCall(ctx, resolve(cfg, ctx.settings), campaign_id)


def optional_text(body: Mapping[str, Any], key: str) -> str | None:
    """An optional text field, trimmed; None when absent, null or blank (how a mapper leaves a field empty)."""
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
