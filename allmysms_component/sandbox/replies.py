"""The simulated replies (SMS received in answer, "MO") and what the simulator pushes: the rules, without I/O.

``getPulls`` lists an account's replies, oldest first, the most recent ``limit`` (default 1000) of them; they stay
listed (whether the real API drops a reply once pulled is undocumented). A push carries the callback fields the
reference gives (section 2.10, medium confidence): a delivery report ``smsId, status, statusText, phoneNumber,
receptionDate, campaignId``, a reply adds ``smsMoId`` and ``message``; the simulator adds ``cliMsgId`` when the
send had one, so that a receiver's handling of it can be tried (the real callback may not carry it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .rules import ACK_COMMENTS, Ack, ReceivedSms

DEFAULT_PULL_LIMIT = 1000


@dataclass(frozen=True)
class Mo:
    """One reply received by an account."""

    sms_mo_id: str
    login: str
    phone_number: str       # normalised, 33612345678
    message: str
    reception_date: str     # YYYY-MM-DD HH:MM:SS, Paris time
    campaign_id: str = ""   # the campaign answered, when known
    sms_id: str = ""        # the SMS answered, when known

    def pull_json(self) -> dict[str, str]:
        return {"phoneNumber": self.phone_number, "id": self.sms_mo_id, "campaignId": self.campaign_id,
                "message": self.message, "receptionDate": self.reception_date}

    def push_fields(self) -> dict[str, str]:
        fields = {"smsMoId": self.sms_mo_id, "phoneNumber": self.phone_number, "message": self.message,
                  "receptionDate": self.reception_date, "campaignId": self.campaign_id, "smsId": self.sms_id}
        return {key: value for key, value in fields.items() if value}


def report_fields(sms: ReceivedSms, ack: Ack) -> dict[str, str]:
    """The delivery report callback of one SMS."""
    fields = {"smsId": sms.sms_id, "status": str(ack.status), "statusText": ACK_COMMENTS[ack.status],
              "phoneNumber": ack.phone_number, "receptionDate": ack.reception_date, "campaignId": sms.campaign_id}
    if sms.cli_msg_id:
        fields["cliMsgId"] = sms.cli_msg_id
    return fields


def pulls_json(replies: list[Mo], login: str, params: Mapping[str, str]) -> dict[str, Any]:
    """getPulls: the account's most recent replies, oldest first."""
    limit_text = params.get("limit", "")
    limit = int(limit_text) if limit_text.isascii() and limit_text.isdigit() and int(limit_text) > 0 \
        else DEFAULT_PULL_LIMIT
    own = [mo for mo in replies if mo.login == login]
    return {"mos": [mo.pull_json() for mo in own[-limit:]]}
