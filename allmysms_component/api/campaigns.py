"""What AllMySMS answers about a campaign after the send: its delivery reports (``getAcks``) and its
cancellation (``deleteCampaign``), read into typed results.

Both calls send no SMS. The reference's sources disagree on the name of a report's status (``status`` in
production code, ``statut`` in an SDK's docblock): both are read. Every text is freed of the API key (an API that
echoes its request would echo it), and at most ``MAX_REPORTS`` reports are read into objects; the rest are only
counted, so that no answer the transport accepts can make a reader spend seconds and hundreds of MB.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import CampaignNotPendingError, MalformedResponseError, consequence
from ..rules.account import Credentials
from ..rules.reports import totals
from ..rules.values import as_int
from .answer import quoted, redact, redact_all, text_of
from .wire import rejection

log = logging.getLogger(__name__)

NO_DATA = 0  # getAcks's {"status": "0"}: no report for this id (unknown, or nothing reported yet)
MAX_REPORTS = 10_000  # reports read one by one: as many as a Send SMS message has recipients
# deleteCampaign's refusals are undocumented; one that says the campaign is already cancelled (the simulator's
# "Campaign already cancelled", or French) means what the caller wanted is done: never "may have been sent".
ALREADY_CANCELLED = re.compile(r"\balready\s+cancel+ed\b|\bd[ée]j[àa]\s+annul[ée]e?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Ack:
    """One delivery report, as AllMySMS wrote it."""

    phone_number: str
    status: int | None      # 1 delivered ... 5 SMS rejected; None when not a number
    comment: str
    reception_date: str     # ``YYYY-MM-DD HH:MM:SS``, AllMySMS's clock


@dataclass(frozen=True)
class Cancellation:
    already: bool           # AllMySMS said the campaign was cancelled before this request


@dataclass(frozen=True)
class DeliveryReports:
    campaign_id: str
    acks: list[Ack]         # the first MAX_REPORTS reports, in AllMySMS's order
    cli_msg_id: str | None
    available: bool         # False when AllMySMS said it has no data for this campaign id
    total: int = 0          # every report AllMySMS answered, those past MAX_REPORTS included
    totals: dict[str, int] = field(default_factory=lambda: totals(()))  # ``total`` by meaning (rules.reports)


def read_acks(body: Mapping[str, Any], credentials: Credentials, campaign_id: str) -> DeliveryReports:
    """A getAcks answer: the reports, or none when AllMySMS has no data for the id."""
    acks = body.get("acks")
    if acks is None:
        status = as_int(body.get("status"))
        if status == NO_DATA:
            return DeliveryReports(campaign_id, [], None, available=False)
        if status is not None:
            raise rejection(status, body, credentials, sends=False)
        raise MalformedResponseError(f"AllMySMS answered getAcks without reports nor a status; "
                                     f"{consequence(False)}")
    if not isinstance(acks, list):
        raise MalformedResponseError(f"AllMySMS answered getAcks with reports that are not a list; "
                                     f"{consequence(False)}")
    entries = [entry for entry in acks if isinstance(entry, Mapping)]
    if len(entries) < len(acks):
        log.warning("AllMySMS answered %d delivery report(s) that are not objects; left out",
                    len(acks) - len(entries))
    key = credentials.api_key
    return DeliveryReports(campaign_id, _acks(entries[:MAX_REPORTS], key),
                           redact(text_of(body.get("cliMsgId")), key) or None, available=True,
                           total=len(entries), totals=totals(_status(entry) for entry in entries))


def _acks(entries: list[Mapping[str, Any]], key: str) -> list[Ack]:
    fields = ("phoneNumber", "comment", "receptionDate")
    texts = redact_all([text_of(entry.get(name)) for entry in entries for name in fields], key)
    return [Ack(phone_number=texts[3 * i], status=_status(entry), comment=texts[3 * i + 1],
                reception_date=texts[3 * i + 2]) for i, entry in enumerate(entries)]


def _status(entry: Mapping[str, Any]) -> int | None:
    status = entry.get("status")
    return as_int(entry.get("statut") if status is None else status)


def read_delete(body: Mapping[str, Any], credentials: Credentials, campaign_id: str) -> Cancellation:
    """A deleteCampaign answer: ``{"status": "OK"}`` means cancelled, a refusal whose statusText says the campaign
    is already cancelled means that too; 102 is the credentials; any other answer means AllMySMS had no pending
    campaign with this id."""
    status = body.get("status")
    if isinstance(status, str) and status.strip().upper() == "OK":
        return Cancellation(already=False)
    if status is None:
        raise MalformedResponseError("AllMySMS answered deleteCampaign without a status")
    if as_int(status) == 102:
        raise rejection(102, body, credentials, sends=False)
    status_text = quoted(text_of(body.get("statusText")), credentials.api_key)
    if ALREADY_CANCELLED.search(status_text):
        log.info("AllMySMS says campaign %s was already cancelled", campaign_id)
        return Cancellation(already=True)
    said = quoted(text_of(status), credentials.api_key) + (f": {status_text}" if status_text else "")
    raise CampaignNotPendingError(
        f"AllMySMS did not cancel campaign {campaign_id} (status {said}): it has no pending campaign with this "
        f"id, which is unknown or already sent; its SMS may have been sent",
        campaign_id=campaign_id, status=as_int(status), status_text=status_text)
