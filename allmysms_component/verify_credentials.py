"""The credentials check the platform runs when a user saves credentials: one cheap getInfo call.

Always answers explicitly, ``{"verified": True, ...}`` or ``{"verified": False, "reason": ...}``: the platform
would read anything else as verified.
"""

from __future__ import annotations

import logging
from typing import Any

from .client import shared_client
from .credentials import user_credentials
from .errors import AllMySmsError, ApiRejectedError
from .settings import Settings

log = logging.getLogger(__name__)

TRIAL_NOTE = ("The login or the API key is blank: the step runs in trial mode with the deployment's demo "
              "account, prefixes texts with 'TRIAL USE: ' and sends to at most 2 recipients.")


def verify(credentials: object) -> dict[str, Any]:
    try:
        settings = Settings.from_env()
        account = user_credentials(credentials)
        if account is None:
            log.info("Credentials blank: trial mode")
            note = TRIAL_NOTE
            if not (settings.trial_login and settings.trial_api_key):
                note += (" This deployment has no trial account yet (ALLMYSMS_TRIAL_LOGIN and "
                         "ALLMYSMS_TRIAL_API_KEY), so sending will fail until it is set up or both fields "
                         "are filled in.")
            return {"verified": True, "trial": True, "message": note}
        info = shared_client(settings.api_url, settings.timeouts).get_info(account)
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
