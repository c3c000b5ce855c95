"""What AllMySMS answers about a campaign after the send: its delivery reports (``getAcks``) and its
cancellation (``deleteCampaign``), read into typed results.

Both calls send no SMS. The reference's sources disagree on the name of a report's status (``status`` in
production code, ``statut`` in an SDK's docblock): both are read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import CampaignNotPendingError, MalformedResponseError, consequence
from ..rules.account import Credentials
from .answer import quoted
from .wire import as_int, rejection, text_of

log = logging.getLogger(__name__)

NO_DATA = 0  # getAcks's {"status": "0"}: no report for this id (unknown, or nothing reported yet)


@dataclass(frozen=True)
class Ack:
    """One delivery report, as AllMySMS wrote it."""

    phone_number: str
    status: int | None      # 1 delivered ... 5 SMS rejected; None when not a number
    comment: str
    reception_date: str     # ``YYYY-MM-DD HH:MM:SS``, AllMySMS's clock


@dataclass(frozen=True)
class DeliveryReports:
    campaign_id: str
    acks: list[Ack]
    cli_msg_id: str | None
    available: bool         # False when AllMySMS said it has no data for this campaign id


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
    entries = [_ack(entry) for entry in acks if isinstance(entry, Mapping)]
    if len(entries) < len(acks):
        log.warning("AllMySMS answered %d delivery report(s) that are not objects; left out",
                    len(acks) - len(entries))
    return DeliveryReports(campaign_id, entries, text_of(body.get("cliMsgId")) or None, available=True)


def _ack(entry: Mapping[str, Any]) -> Ack:
    status = entry.get("status")
    if status is None:
        status = entry.get("statut")
    return Ack(phone_number=text_of(entry.get("phoneNumber")), status=as_int(status),
               comment=text_of(entry.get("comment")), reception_date=text_of(entry.get("receptionDate")))


def read_delete(body: Mapping[str, Any], credentials: Credentials, campaign_id: str) -> None:
    """A deleteCampaign answer: ``{"status": "OK"}`` means cancelled; 102 is the credentials; any other answer
    means AllMySMS had no pending campaign with this id."""
    status = body.get("status")
    if isinstance(status, str) and status.strip().upper() == "OK":
        return
    if status is None:
        raise MalformedResponseError("AllMySMS answered deleteCampaign without a status")
    if as_int(status) == 102:
        raise rejection(102, body, credentials, sends=False)
    status_text = quoted(text_of(body.get("statusText")), credentials.api_key)
    said = quoted(text_of(status), credentials.api_key) + (f": {status_text}" if status_text else "")
    raise CampaignNotPendingError(
        f"AllMySMS did not cancel campaign {campaign_id} (status {said}): it has no pending campaign with this "
        f"id, which is unknown, already sent or already cancelled; its SMS may have been sent",
        campaign_id=campaign_id, status=as_int(status), status_text=status_text)
