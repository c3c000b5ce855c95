"""The AllMySMS API v9 wire format: the ``smsData`` payload, the statuses, and answers read into typed results.

The outcome is read from the body's ``status`` (the API answers HTTP 200 for errors too). Counters arrive as
strings and are coerced to numbers; after a success status a bad counter is dropped, never fatal (failing
then would invite a second send).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, TypedDict
from urllib.parse import urlencode

from ..errors import (
    ApiRejectedError,
    AuthenticationError,
    ConfigurationError,
    InsufficientCreditError,
    MalformedResponseError,
    OutcomeUnknownError,
    consequence,
)
from ..rules.account import Credentials
from ..rules.recipients import refused_by_api
from ..rules.values import as_int, scalar
from .answer import number_of, quoted, redact, redact_all, text_of

# Compact, non-ASCII as UTF-8; made once (json.dumps with options makes an encoder per call).
_SMS_DATA = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

API_PATH = "/http/9.0/"
# The credential fields by their labels in component.json, for an error that names them.
LABELS = {"login": "login", "apiKey": "API key"}
SUCCESS = frozenset({100, 101})          # sent, scheduled
PARTIAL = 113                            # some numbers invalid, the others sent
# Statuses that say the request was refused as a whole: nothing was sent (reference, section 2.3).
REFUSED = {
    102: "AllMySMS refused the login and API key",
    103: "the AllMySMS account has no SMS credit left",
    104: "the AllMySMS account does not have enough credit for this send",
    105: "AllMySMS received an empty request",
    106: "AllMySMS could not read the request",
    107: "AllMySMS could not read the request",
    108: "AllMySMS refused the client code in the request",
    109: "AllMySMS could not read the request",
    110: "AllMySMS received an empty message",
    111: "AllMySMS refused the message as too long",
    112: "AllMySMS could not read the request",
    113: "AllMySMS refused some phone numbers",
    114: "AllMySMS found no valid phone number in the request",
    115: "AllMySMS refused the send date",
    117: "AllMySMS refused a link as too long",
    118: "AllMySMS does not know the master account",
}


class SmsId(TypedDict):
    phoneNumber: str
    smsId: str


class SmsRequest(NamedTuple):
    """One SMS text from one sender to many numbers (already validated and normalized)."""

    text: str
    sender: str
    recipients: Sequence[str]
    cli_msg_id: str | None = None
    date: str | None = None           # DATE, ``YYYY-MM-DD HH:MM:SS`` in Paris time: a scheduled send
    campaign_name: str | None = None  # CAMPAIGN_NAME
    # One text per recipient: each number's values, PARAM_1... of its SMS entry (``#param_1#``... in the text)
    params: Mapping[str, Sequence[str]] | None = None

    def sms_data(self) -> str:
        """The ``smsData`` JSON, compact, non-ASCII as UTF-8 rather than escapes; optional fields only when
        set, so that a plain send is byte for byte what it always was."""
        data: dict[str, Any] = {"MESSAGE": self.text, "TPOA": self.sender,
                                "SMS": [{"MOBILEPHONE": number} for number in self.recipients]}
        if self.params is not None:
            params = self.params
            data["SMS"] = [{"MOBILEPHONE": number, **{f"PARAM_{n}": value for n, value in
                                                      enumerate(params[number], start=1)}}
                           for number in self.recipients]
            data["DYNAMIC"] = max((len(params[number]) for number in self.recipients), default=0)
        if self.cli_msg_id:
            data["CLIMSGID"] = self.cli_msg_id
        if self.date:
            data["DATE"] = self.date
        if self.campaign_name:
            data["CAMPAIGN_NAME"] = self.campaign_name
        return _SMS_DATA.encode({"DATA": data})


def path(call: str) -> str:
    """The path of one v9 call (``/http/9.0/sendSms/``): the transport posts where it is told."""
    return f"{API_PATH}{call}/"


def form(credentials: Credentials, **fields: str) -> str:
    """The url-encoded form of a call: credentials in the body, never in a URL. A value UTF-8 cannot carry (a
    lone surrogate, e.g. from an undecodable environment variable) is refused here, naming its field, rather
    than failing inside the HTTP library."""
    values = {"login": credentials.login, "apiKey": credentials.api_key, "returnformat": "json", **fields}
    try:
        return urlencode(values)
    except UnicodeEncodeError:
        pass
    name = next(name for name, value in values.items() if value.encode("utf-8", "replace").decode() != value)
    what = f"The {LABELS[name]} of the step's credentials" if name in LABELS else f"The request's {name}"
    raise ConfigurationError(f"{what} contains a character that cannot be sent (a lone surrogate, which is not "
                             f"text); nothing was sent")


class SendResult(NamedTuple):
    status: int
    status_text: str
    invalid_numbers: list[str]
    campaign_id: str | None
    credits: float | None
    credits_used: float | None
    nb_contacts: float | None
    nb_sms: float | None
    sms_ids: list[SmsId]


class SimulationResult(NamedTuple):
    status: int
    status_text: str
    invalid_numbers: list[str]
    nb_credits: float | None
    nb_contacts: float | None
    nb_sms: float | None


class AccountInfo(NamedTuple):
    status_text: str
    credits: float | None
    login: str


def read_send(body: Mapping[str, Any], credentials: Credentials, recipients: Sequence[str]) -> SendResult:
    """A sendSms answer to a request for ``recipients``; raises unless AllMySMS accepted at least one number."""
    status = _status(body, sends=True)
    sms_ids = _sms_ids(body.get("smsIds"))
    if status == PARTIAL and not sms_ids:
        raise _partial_without_ids(body, credentials, recipients)
    if status not in SUCCESS and status != PARTIAL:
        raise rejection(status, body, credentials, sends=True)
    key = credentials.api_key
    return SendResult(
        status, *_said(body, key),
        campaign_id=redact(text_of(body.get("campaignId")), key) or None,
        credits=number_of(body, "credits"),
        credits_used=number_of(body, "creditsUsed"),
        nb_contacts=number_of(body, "nbContacts"),
        nb_sms=number_of(body, "nbSms"),
        sms_ids=_redacted_ids(sms_ids, key),
    )


def read_simulation(body: Mapping[str, Any], credentials: Credentials) -> SimulationResult:
    """A simulateCampaign answer: what sendSms would do and cost."""
    status = _status(body, sends=False)
    nb_contacts = number_of(body, "nbContacts")
    if status not in SUCCESS and not (status == PARTIAL and nb_contacts):
        raise rejection(status, body, credentials, sends=False)
    return SimulationResult(
        status, *_said(body, credentials.api_key),
        nb_credits=number_of(body, "nbCredits"),
        nb_contacts=nb_contacts,
        nb_sms=number_of(body, "nbSms"),
    )


def read_info(body: Mapping[str, Any], credentials: Credentials) -> AccountInfo:
    """A getInfo answer: a text status ("Active Account") on success, the numeric 102 family on failure."""
    status = body.get("status")
    if as_int(status) is not None:
        raise rejection(as_int(status), body, credentials, sends=False)
    if not isinstance(status, str):
        raise MalformedResponseError("AllMySMS answered getInfo without a status; nothing was sent")
    return AccountInfo(status_text=redact(status, credentials.api_key), credits=number_of(body, "credits"),
                       login=credentials.login)


def _status(body: Mapping[str, Any], *, sends: bool) -> int:
    status = as_int(body.get("status"))
    if status is None:
        raise MalformedResponseError(f"AllMySMS answered without a numeric status; {consequence(sends)}",
                                     may_have_been_sent=sends)
    return status


def rejection(status: int | None, body: Mapping[str, Any], credentials: Credentials, *,
               sends: bool) -> ApiRejectedError | OutcomeUnknownError:
    status_text = quoted(text_of(body.get("statusText")), credentials.api_key)
    said = f" (status {status}: {status_text})" if status_text else f" (status {status})"
    if status == 102:
        return AuthenticationError(REFUSED[102] + said + "; check the login and API key of the step's "
                                   "credentials; nothing was sent", status=status, status_text=status_text)
    if status in (103, 104):
        return InsufficientCreditError(f"{REFUSED[status]}{said}; nothing was sent", status=status,
                                       status_text=status_text)
    if status in REFUSED:
        return ApiRejectedError(f"{REFUSED[status]}{said}; nothing was sent", status=status,
                                status_text=status_text)
    return OutcomeUnknownError(f"AllMySMS answered a status this component does not know{said}; "
                               f"{consequence(sends)}", status=status, may_have_been_sent=sends)


def _partial_without_ids(body: Mapping[str, Any], credentials: Credentials,
                         recipients: Sequence[str]) -> ApiRejectedError | OutcomeUnknownError:
    """113 says some numbers were refused and the others sent; without SMS ids, only the refused numbers say
    which: nothing was sent only when they cover every recipient."""
    refused = redact_all(_invalid_numbers(body.get("invalidNumbers")), credentials.api_key)
    status_text = quoted(text_of(body.get("statusText")), credentials.api_key)
    said = f" (status {PARTIAL}: {status_text})" if status_text else f" (status {PARTIAL})"
    matched, _ = refused_by_api(recipients, refused)
    others = len(recipients) - len(matched)
    if others <= 0:
        return ApiRejectedError(f"AllMySMS refused every phone number{said}; nothing was sent", status=PARTIAL,
                                status_text=status_text, refused=refused)
    return OutcomeUnknownError(
        f"AllMySMS refused {len(matched)} of {len(recipients)} phone numbers{said} without the ids of the SMS "
        f"it sent: the SMS may have been sent to the {others} other number{'s' if others != 1 else ''}; "
        f"check the AllMySMS account before sending it again", status=PARTIAL, refused=refused)


def _said(body: Mapping[str, Any], key: str) -> tuple[str, list[str]]:
    """What every accepted answer says beside its counters: the status text and the refused numbers, keyless."""
    return redact(text_of(body.get("statusText")), key), redact_all(_invalid_numbers(body.get("invalidNumbers")), key)


def _invalid_numbers(value: object) -> list[str]:
    if not value:  # the usual answer: ""
        return []
    if isinstance(value, list):
        return [text for text in map(text_of, value) if text]
    return [n for n in text_of(value).split("|") if n]


def _redacted_ids(sms_ids: list[SmsId], key: str) -> list[SmsId]:
    texts = [text for entry in sms_ids for text in (entry["phoneNumber"], entry["smsId"])]
    redacted = redact_all(texts, key)
    if redacted is texts:
        return sms_ids
    return [{"phoneNumber": phone, "smsId": sms_id} for phone, sms_id in zip(redacted[::2], redacted[1::2],
                                                                             strict=True)]


def _sms_ids(value: object) -> list[SmsId]:
    if not isinstance(value, list):
        return []
    return [{"phoneNumber": text_of(e["phoneNumber"]), "smsId": text_of(e["smsId"])}
            for e in value if isinstance(e, dict) and scalar(e.get("phoneNumber")) and scalar(e.get("smsId"))]

