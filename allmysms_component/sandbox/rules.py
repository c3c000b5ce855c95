"""The simulated AllMySMS v9 rules, without I/O: accounts, numbers, the smsData checks, parts, credits, dates."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

API_PATH = "/http/9.0/"
ENDPOINTS = frozenset({"sendSms", "simulateCampaign", "getInfo", "getAcks", "deleteCampaign", "getPulls",
                       "getBlacklist"})
CREDITS_PER_PART = 15

STATUS_TEXTS = {
    100: "Your messages have been sent",
    101: "Your messages have been scheduled for deferred sending",
    102: "Connection problem: no account matches this login and API key",
    103: "Your SMS credit is exhausted",
    105: "Empty flow: smsData is missing or empty",
    106: 'Invalid or incomplete flow: smsData must be JSON {"DATA": {..., "SMS": [{"MOBILEPHONE": ...}]}}',
    110: "Message not defined",
    114: "No valid phone number in the flow",
    115: "Invalid flow or badly formatted date between the DATE tags (expected YYYY-MM-DD HH:MM:SS)",
    118: "The specified master account does not exist",
}

ACK_COMMENTS = {
    1: "Delivered",
    2: "Not delivered",
    3: "Transmitted to operator",
    4: "Message rejected",
    5: "SMS rejected",
}
TRANSMITTED = 3
# Names tests may use for a delivery outcome.
ACK_NAMES = {"delivered": 1, "failed": 2, "pending": TRANSMITTED, "message_rejected": 4, "rejected": 5}
# The simulator's clock is Paris time: AllMySMS is French and documents no time zone for DATE.
PARIS = ZoneInfo("Europe/Paris")

# GSM 03.38 default alphabet (without the escape code) and its extension table, whose characters take two
# septets (escape + code). Written out again here, not imported: the simulator is an independent oracle.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")

_NUMBER = re.compile(r"[1-9][0-9]{5,14}")
_FRENCH_NATIONAL = re.compile(r"0[1-9][0-9]{8}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass
class Account:
    """An AllMySMS account. The simulator works on its own copy: read live credits with ``account()``."""

    login: str
    api_key: str = field(repr=False)
    credits: int = 15_000  # 15 credits per SMS part per recipient (France)


SANDBOX_ACCOUNT = Account("sandbox", "sandbox-api-key")
TRIAL_ACCOUNT = Account("trial", "trial-api-key")


@dataclass(frozen=True)
class ReceivedSms:
    """One SMS accepted by sendSms, one per recipient."""

    sms_id: str  # a UUID, as reported in smsIds
    campaign_id: str
    phone_number: str  # normalised, e.g. 33612345678
    text: str  # MESSAGE exactly as received
    sender: str  # TPOA, "" when absent (the real API then sends from the short code 36180)
    cli_msg_id: str | None  # CLIMSGID
    parts: int
    login: str
    campaign_name: str | None = None  # CAMPAIGN_NAME
    send_at: str | None = None  # DATE when it was in the future: the SMS goes out then, unless cancelled


class Refused(Exception):
    """A v9 business error: answered as HTTP 200 ``{"status", "statusText"}``."""

    def __init__(self, status: int, text: str | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.text = text or STATUS_TEXTS[status]


@dataclass(frozen=True)
class Order:
    """A sendSms or simulateCampaign payload that passed the payload checks."""

    message: str
    sender: str
    cli_msg_id: str | None
    campaign_name: str | None
    send_at: str | None  # DATE, only when it is in the future
    recipients: list[str]  # normalised, in request order
    invalid: list[str]  # as received
    parts: int  # per recipient
    texts: tuple[str, ...] = ()  # with DYNAMIC: each recipient's text, values filled in
    parts_each: tuple[int, ...] = ()  # with DYNAMIC: each recipient's parts

    def text_of(self, index: int) -> str:
        return self.texts[index] if self.texts else self.message

    def parts_of(self, index: int) -> int:
        return self.parts_each[index] if self.parts_each else self.parts

    @property
    def nb_sms(self) -> int:
        return sum(self.parts_each) if self.parts_each else self.parts * len(self.recipients)

    @property
    def cost(self) -> int:
        return CREDITS_PER_PART * self.nb_sms

    @property
    def status(self) -> int:
        return 101 if self.send_at else 100


@dataclass
class Ack:
    phone_number: str
    status: int
    reception_date: str

    def as_json(self) -> dict[str, str]:
        status = str(self.status)
        return {"phoneNumber": self.phone_number, "status": status, "statut": status,
                "comment": ACK_COMMENTS[self.status], "receptionDate": self.reception_date}


CampaignStatus = Literal["pending", "sent", "cancelled"]


@dataclass
class Campaign:
    login: str
    cli_msg_id: str | None
    sms_ids: list[str]
    name: str | None = None
    send_at: str | None = None  # DATE of a scheduled campaign (Paris time)
    state: CampaignStatus = "sent"
    cost: int = 0  # credits debited, refunded when a pending campaign is cancelled


@dataclass(frozen=True)
class CampaignState:
    """What tests see of a campaign: a copy, safe to keep."""

    campaign_id: str
    login: str
    name: str | None
    send_at: str | None
    state: CampaignStatus
    sms_ids: tuple[str, ...]


def sms_parts(text: str) -> int:
    """How many SMS parts the network bills for ``text``, for one recipient.

    A character is never split between two parts: an extension character's escape and code (GSM-7), or the
    two halves of a surrogate pair (UCS-2), go together into the next part when the current one is short of
    room. So each character is weighed, then parts are filled one after the other."""
    if all(char in GSM_BASIC or char in GSM_EXTENSION for char in text):
        weights = [2 if char in GSM_EXTENSION else 1 for char in text]
        single, per_part = 160, 153
    else:
        weights = [len(char.encode("utf-16-le", "surrogatepass")) // 2 for char in text]
        single, per_part = 70, 67
    if sum(weights) <= single:
        return 1
    parts, index = 0, 0
    while index < len(weights):
        parts += 1
        room = per_part
        while index < len(weights) and weights[index] <= room:
            room -= weights[index]
            index += 1
    return parts


def normalise_number(raw: str) -> str | None:
    """The number as the API reports it (``33612345678``), or None when it would be refused."""
    number = raw.strip()
    if _FRENCH_NATIONAL.fullmatch(number):
        return "33" + number[1:]
    number = number.removeprefix("+") if number.startswith("+") else number.removeprefix("00")
    # No country code starts with 0: "0612345" is a truncated national number, not an international one.
    return number if _NUMBER.fullmatch(number) else None


def text_field(data: Mapping[str, Any], key: str) -> str:
    """A scalar field of the flow as text ("" when absent); numbers are tolerated as PHP would."""
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise Refused(106)


def flow_data(sms_data: str) -> dict[str, Any]:
    """The ``DATA`` object of an smsData flow, or 106."""
    try:
        flow = json.loads(sms_data)
    except (ValueError, RecursionError):  # RecursionError: absurdly nested JSON
        raise Refused(106) from None
    data = flow.get("DATA") if isinstance(flow, dict) else None
    if not isinstance(data, dict):
        raise Refused(106)
    recipients = data.get("SMS")
    if not isinstance(recipients, list) or not all(isinstance(entry, dict) for entry in recipients):
        raise Refused(106)
    return data


def parse_date(text: str) -> datetime | None:
    # strptime alone would accept "2030-1-2 3:4:5"; the API wants the padded form.
    if not _DATE.fullmatch(text):
        return None
    try:
        return datetime.strptime(text, DATE_FORMAT)
    except ValueError:  # 2030-02-30 and the like
        return None


def check_credit(available: int, cost: int) -> None:
    if available <= 0:
        raise Refused(103)
    if available < cost:
        raise Refused(104, f"Not enough credit for this send (to use: {cost} credits, "
                           f"available: {available} credits)")


def paris_time(moment: datetime) -> datetime:
    """An aware moment as Paris wall-clock time, naive, comparable with a parsed DATE."""
    return moment.astimezone(PARIS).replace(tzinfo=None)


def ack_status(status: int | str) -> int:
    """A delivery status given as 1-5 or by name (delivered, failed, pending, message_rejected, rejected)."""
    code = ACK_NAMES.get(status, 0) if isinstance(status, str) else status
    if code not in ACK_COMMENTS:
        raise ValueError(f"ack status {status!r} is not one of {sorted(ACK_COMMENTS)} or {sorted(ACK_NAMES)}")
    return code
