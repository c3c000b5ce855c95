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

from .campaigns import Campaigns
from .params import blacklist_json, dynamic, render
from .replies import Mo, pulls_json, report_fields
from .rules import (
    DATE_FORMAT,
    SANDBOX_ACCOUNT,
    STATUS_TEXTS,
    TRANSMITTED,
    TRIAL_ACCOUNT,
    Account,
    Campaign,
    CampaignState,
    Order,
    ReceivedSms,
    Refused,
    ack_status,
    check_credit,
    flow_data,
    normalise_number,
    paris_time,
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
    """Accounts, the SMS received, campaigns and delivery reports; thread-safe. ``clock`` gives the aware
    current time; ``delivery`` maps a number to the report its SMS gets when it goes out (default pending)."""

    def __init__(self, accounts: Iterable[Account] | None, *, blacklist: Iterable[str], max_message_length: int,
                 content_type: str, on_receive: Callable[[ReceivedSms], None] | None,
                 clock: Callable[[], datetime], delivery: Mapping[str, int | str]) -> None:
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
        self.replies: list[Mo] = []
        self.clock = clock
        outcomes = {normalise_number(number) or number: ack_status(status) for number, status in delivery.items()}
        self.campaigns = Campaigns(lambda number: outcomes.get(number, TRANSMITTED))
        self.lock = threading.Lock()  # guards accounts, received and campaigns

    def now(self) -> datetime:
        """Paris wall-clock time, the API's clock."""
        return paris_time(self.clock())

    def forget(self) -> None:
        with self.lock:
            self.received.clear()
            self.campaigns.clear()
            self.replies.clear()

    def deliver(self, sms_id: str, status: int | str) -> dict[str, str]:
        """Set an SMS's delivery report; the report's callback fields."""
        with self.lock:
            self.campaigns.deliver(sms_id, status, self.now())
            return report_fields(self.campaigns.sms[sms_id], self.campaigns.acks[sms_id])

    def add_reply(self, phone_number: str, message: str, *, login: str, sms_id: str | None) -> Mo:
        """Record a reply from ``phone_number`` to ``login``'s account (to the SMS ``sms_id``, when given)."""
        with self.lock:
            if login not in self.accounts:
                raise KeyError(f"no account has the login {login!r}")
            answered = self.campaigns.sms.get(sms_id or "")
            if sms_id and answered is None:
                raise KeyError(f"no SMS has the id {sms_id!r}")
            mo = Mo(str(uuid.uuid4()), login, normalise_number(phone_number) or phone_number, message,
                    self.now().strftime(DATE_FORMAT), answered.campaign_id if answered else "",
                    sms_id or "")
            self.replies.append(mo)
        return mo

    def release_due(self) -> list[str]:
        with self.lock:
            return self.campaigns.release_due(self.now())

    def campaign(self, campaign_id: str) -> CampaignState:
        with self.lock:
            return self.campaigns.state(campaign_id)

    def answer(self, endpoint: str, params: Mapping[str, str]) -> Reply:
        """Process one API call and build its HTTP answer."""
        methods: dict[str, Callable[[Mapping[str, str]], dict[str, Any]]] = {
            "sendSms": self.send_sms,
            "simulateCampaign": self.simulate_campaign,
            "getInfo": self.get_info,
            "getAcks": self.get_acks,
            "deleteCampaign": self.delete_campaign,
            "getPulls": self.get_pulls,
            "getBlacklist": self.get_blacklist,
        }
        method = methods.get(endpoint)
        if method is None:
            return text_reply(HTTPStatus.NOT_FOUND)
        self.release_due()  # time passes between calls: scheduled campaigns whose DATE has come go out
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
        sent = [ReceivedSms(str(uuid.uuid4()), campaign_id, number, order.text_of(index), order.sender,
                            order.cli_msg_id, order.parts_of(index), account.login, order.campaign_name,
                            order.send_at)
                for index, number in enumerate(order.recipients)]
        with self.lock:
            # Check and debit under one lock, so that concurrent sends cannot overdraw the account. A scheduled
            # campaign is paid when accepted and refunded if cancelled.
            check_credit(account.credits, order.cost)
            account.credits -= order.cost
            credits_left = account.credits
            self.received.extend(sent)
            campaign = Campaign(account.login, order.cli_msg_id, [s.sms_id for s in sent], order.campaign_name,
                                order.send_at, "pending" if order.send_at else "sent", order.cost)
            self.campaigns.add(campaign_id, campaign, sent, self.now())
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
            return self.campaigns.acks_json(account.login, params.get("campId", ""))

    def get_pulls(self, params: Mapping[str, str]) -> dict[str, Any]:
        account = self.authenticate(params)
        with self.lock:
            return pulls_json(self.replies, account.login, params)

    def delete_campaign(self, params: Mapping[str, str]) -> dict[str, Any]:
        account = self.authenticate(params)
        with self.lock:
            refused, refund = self.campaigns.cancel(account.login, params.get("campId", ""))
            account.credits += refund
        return {"status": "KO", "statusText": refused} if refused else {"status": "OK"}

    def get_blacklist(self, params: Mapping[str, str]) -> dict[str, Any]:
        self.authenticate(params)
        return blacklist_json(self.blacklist)

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
        count = dynamic(data)
        entries = data["SMS"]
        recipients, invalid = self.sort_numbers([text_field(entry, "MOBILEPHONE") for entry in entries])
        if not recipients:
            raise Refused(114)
        texts: tuple[str, ...] = ()
        if count:  # one text per recipient, for the entries whose number is valid
            refused = set(invalid)
            texts = tuple(render(message, entry, count) for entry in entries
                          if text_field(entry, "MOBILEPHONE") not in refused)
            longest = max(len(text) for text in texts)
            if longest > self.max_message_length:
                raise Refused(111, f"Message longer than {self.max_message_length} characters")
        return Order(message=message, sender=text_field(data, "TPOA"),
                     cli_msg_id=text_field(data, "CLIMSGID") or None,
                     campaign_name=text_field(data, "CAMPAIGN_NAME") or None,
                     send_at=date_text if date is not None and date > self.now() else None,
                     recipients=recipients, invalid=invalid, parts=sms_parts(message), texts=texts,
                     parts_each=tuple(sms_parts(text) for text in texts))

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
