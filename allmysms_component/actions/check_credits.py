"""The Check credits action: AllMySMS getInfo -> the credits left, the account's status, an estimate of the SMS
parts they pay for in France. No input; sends nothing and costs nothing."""

from __future__ import annotations

import logging

from pysailor import Message, new_message

from .. import context
from ..rules.account import resolve
from ..rules.credits import CREDITS_PER_PART_FRANCE, estimated_parts_to_france

ACTION = "checkCredits"

log = logging.getLogger(__name__)


def process(msg: object, cfg: object, snapshot: object = None) -> Message:
    """The account's credits; the incoming message only triggers the check."""
    ctx = context.current()
    account = resolve(cfg, ctx.settings)
    info = ctx.client.get_info(account.credentials)
    estimate = estimated_parts_to_france(info.credits)
    log.info("AllMySMS account %r: %s credits left, about %s SMS part(s) to France%s", info.status_text,
             "?" if info.credits is None else f"{info.credits:g}", "?" if estimate is None else estimate,
             " (trial account)" if account.trial else "")
    return new_message({
        "credits": info.credits,
        "accountStatus": info.status_text,
        "estimatedSmsToFrance": estimate,
        "creditsPerSmsToFrance": CREDITS_PER_PART_FRANCE,
        "trial": account.trial,
    })
