"""The simulated AllMySMS v9 API as state and answers, without HTTP: one call in, one JSON answer out."""

from __future__ import annotations

import hmac
import json
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from http import HTTPStatus
from typing import Any

from .rules import (
    ACK_COMMENTS,
    SANDBOX_ACCOUNT,
    STATUS_TEXTS,
    TRANSMITTED,
    TRIAL_ACCOUNT,
    Account,
    Ack,
    Campaign,
    Order,
    ReceivedSms,
    Refused,
    check_credit,
    flow_data,
    normalise_number,
    now,
    parse_date,
    sms_parts,
    text_field,
)


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, content type, body and extra headers."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def text_reply(status: int, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:  # a status http.HTTPStatus does not name, e.g. 599
        phrase = "Error"
    return Reply(status, "text/plain; charset=utf-8", f"{status} {phrase}\n".encode(), headers)


class SimulatedApi:
    """Accounts, the SMS received, campaigns and delivery reports; thread-safe."""

    def __init__(self, accounts: Iterable[Account] | None, *, blacklist: Iterable[str], max_message_length: int,
                 content_type: str, on_receive: Callable[[ReceivedSms], None] | None) -> None:
        self.accounts: dict[str, Account] = {}
        for account in (SANDBOX_ACCOUNT, TRIAL_ACCOUNT) if accounts is None else accounts:
            if account.login in self.accounts:
                raise ValueError(f"two accounts have the login {account.login!r}")
            # A copy, so that debits never leak into the caller's object or into another simulator.
            self.accounts[account.login] = replace(account)
        self.blacklist = frozenset(normalise_number(number) or number for number in blacklist)
        self.max_message_length = max_message_length
        self.content_type = content_type
        self.on_receive = on_receive
        self.received: list[ReceivedSms] = []
        self.campaigns: dict[str, Campaign] = {}
        self.acks: dict[str, Ack] = {}
        self.lock = threading.Lock()  # guards accounts, received, campaigns and acks

    def forget(self) -> None:
        with self.lock:
            self.received.clear()
            self.campaigns.clear()
            self.acks.clear()

    def deliver(self, sms_id: str, status: int) -> None:
        if status not in ACK_COMMENTS:
            raise ValueError(f"ack status {status} is not one of {sorted(ACK_COMMENTS)}")
        with self.lock:
            ack = self.acks.get(sms_id)
            if ack is None:
                raise KeyError(f"no SMS has the id {sms_id!r}")
            ack.status = status
            ack.reception_date = now()

    def answer(self, endpoint: str, params: Mapping[str, str]) -> Reply:
        """Process one API call and build its HTTP answer."""
        methods: dict[str, Callable[[Mapping[str, str]], dict[str, Any]]] = {
            "sendSms": self.send_sms,
            "simulateCampaign": self.simulate_campaign,
            "getInfo": self.get_info,
            "getAcks": self.get_acks,
        }
        method = methods.get(endpoint)
        if method is None:
            return text_reply(HTTPStatus.NOT_FOUND)
        try:
            body = method(params)
        except Refused as refused:
            body = {"status": refused.status, "statusText": refused.text}
        # ASCII escapes like PHP's json_encode; this also survives lone surrogates from a JSON payload.
        return Reply(HTTPStatus.OK, self.content_type, json.dumps(body).encode("ascii"))

    def send_sms(self, params: Mapping[str, str]) -> dict[str, Any]:
        account = self.authenticate(params)
        order = self.order(params)
        campaign_id = "sb_" + uuid.uuid4().hex[:16]
        sent = [ReceivedSms(str(uuid.uuid4()), campaign_id, number, order.message, order.sender,
                            order.cli_msg_id, order.parts, account.login) for number in order.recipients]
        with self.lock:
            # Check and debit under one lock, so that concurrent sends cannot overdraw the account.
            check_credit(account.credits, order.cost)
            account.credits -= order.cost
            credits_left = account.credits
            self.received.extend(sent)
            self.campaigns[campaign_id] = Campaign(account.login, order.cli_msg_id, [s.sms_id for s in sent])
            sent_at = now()
            self.acks.update((sms.sms_id, Ack(sms.phone_number, TRANSMITTED, sent_at)) for sms in sent)
        if self.on_receive is not None:
            for sms in sent:
                self.on_receive(sms)
        return {
            "status": order.status,
            "statusText": STATUS_TEXTS[order.status],
            "invalidNumbers": "|".join(order.invalid),
            "campaignId": campaign_id,
            "credits": str(credits_left),
            "creditsUsed": str(order.cost),
            "nbContacts": str(len(order.recipients)),
            "nbSms": str(order.nb_sms),
            "smsIds": [{"phoneNumber": sms.phone_number, "smsId": sms.sms_id} for sms in sent],
        }

    def simulate_campaign(self, params: Mapping[str, str]) -> dict[str, Any]:
        account = self.authenticate(params)
        order = self.order(params)
        with self.lock:
            check_credit(account.credits, order.cost)
        return {
            "status": order.status,
            "statusText": STATUS_TEXTS[order.status],
            "invalidNumbers": "|".join(order.invalid),
            "nbCredits": order.cost,
            "nbContacts": len(order.recipients),
            "nbSms": order.nb_sms,
        }

    def get_info(self, params: Mapping[str, str]) -> dict[str, Any]:
        account = self.authenticate(params)
        with self.lock:
            credits = account.credits
        return {"status": "Active Account", "credits": str(credits), "firstName": "Sandbox",
                "lastName": account.login, "society": "AllMySMS simulator",
                "email": f"{account.login}@example.invalid"}

    def get_acks(self, params: Mapping[str, str]) -> dict[str, Any]:
        account = self.authenticate(params)
        with self.lock:
            campaign = self.campaigns.get(params.get("campId", ""))
            if campaign is None or campaign.login != account.login:
                return {"status": "0"}
            acks = [self.acks[sms_id].as_json() for sms_id in campaign.sms_ids]
        return {"acks": acks, "cliMsgId": campaign.cli_msg_id or ""}

    def authenticate(self, params: Mapping[str, str]) -> Account:
        account = self.accounts.get(params.get("login", ""))
        key = params.get("apiKey", "").encode()
        if account is None or not hmac.compare_digest(account.api_key.encode(), key):
            raise Refused(102)
        return account

    def order(self, params: Mapping[str, str]) -> Order:
        """The smsData flow, checked in the documented order (105, 106, 110, 111, 115, 118, 114)."""
        sms_data = params.get("smsData", "")
        if not sms_data.strip():
            raise Refused(105)
        data = flow_data(sms_data)
        message = text_field(data, "MESSAGE")
        if not message:
            raise Refused(110)
        if len(message) > self.max_message_length:
            raise Refused(111, f"Message longer than {self.max_message_length} characters")
        date_text = text_field(data, "DATE")
        date = parse_date(date_text)
        if date_text and date is None:
            raise Refused(115)
        master = text_field(data, "MASTERACCOUNT")
        if master and master not in self.accounts:
            raise Refused(118)
        recipients, invalid = self.sort_numbers([text_field(entry, "MOBILEPHONE") for entry in data["SMS"]])
        if not recipients:
            raise Refused(114)
        return Order(message=message, sender=text_field(data, "TPOA"),
                     cli_msg_id=text_field(data, "CLIMSGID") or None,
                     scheduled=date is not None and date > datetime.now(),
                     recipients=recipients, invalid=invalid, parts=sms_parts(message))

    def sort_numbers(self, numbers: list[str]) -> tuple[list[str], list[str]]:
        """(normalised valid numbers, invalid or blacklisted numbers as received), both in request order."""
        valid: list[str] = []
        invalid: list[str] = []
        for raw in numbers:
            number = normalise_number(raw)
            if number is None or number in self.blacklist:
                invalid.append(raw)
            else:
                valid.append(number)
        return valid, invalid
