"""The credentials check the platform runs when a user saves credentials: one cheap getInfo call.

Always answers explicitly, ``{"verified": True, ...}`` or ``{"verified": False, "reason": ...}``: the platform
would read anything else as verified.
"""

from __future__ import annotations

import logging
from typing import Any

from . import context
from .errors import AllMySmsError, ApiRejectedError
from .rules.account import TRIAL_MAX_RECIPIENTS, user_credentials
from .rules.text import TRIAL_PREFIX

log = logging.getLogger(__name__)

TRIAL_NOTE = (f"The login or the API key is blank: the step runs in trial mode with the deployment's demo "
              f"account, prefixes texts with {TRIAL_PREFIX!r} and sends to at most {TRIAL_MAX_RECIPIENTS} "
              f"recipients.")


def verify(credentials: object) -> dict[str, Any]:
    try:
        ctx = context.current()
        settings = ctx.settings
        account = user_credentials(credentials)
        if account is None:
            log.info("Credentials blank: trial mode")
            note = TRIAL_NOTE
            if not (settings.trial_login and settings.trial_api_key):
                note += (" This deployment has no trial account yet (ALLMYSMS_TRIAL_LOGIN and "
                         "ALLMYSMS_TRIAL_API_KEY), so sending will fail until it is set up or both fields "
                         "are filled in.")
            return {"verified": True, "trial": True, "message": note}
        info = ctx.client.get_info(account)
    except ApiRejectedError as exc:
        log.info("Credentials refused by AllMySMS (status %s)", exc.status)
        return {"verified": False, "reason": exc.message}
    except AllMySmsError as exc:
        log.warning("Credentials could not be checked: %s", exc.message)
        return {"verified": False, "reason": f"The credentials could not be checked: {exc.message}"}
    credits = "an unknown number of" if info.credits is None else f"{info.credits:g}"
    log.info("Credentials verified: %s, %s credits", info.status_text, credits)
    return {"verified": True, "trial": False,
            "message": f"AllMySMS account {info.status_text!r}, {credits} credits left."}
