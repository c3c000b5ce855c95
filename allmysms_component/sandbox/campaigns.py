"""The simulated campaigns: sent at once or pending until their DATE, cancelled, and the delivery reports of
the SMS that went out. Not thread-safe on its own: the simulated API calls it under its lock."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from .rules import (
    DATE_FORMAT,
    Ack,
    Campaign,
    CampaignState,
    ReceivedSms,
    ack_status,
    parse_date,
)

# deleteCampaign's refusals; the real API's are undocumented (only {"status": "OK"} is known).
NOT_CANCELLABLE = {
    None: "Unknown campaign",
    "sent": "Campaign already sent",
    "cancelled": "Campaign already cancelled",
}


class Campaigns:
    """Campaigns by id, and one delivery report per SMS that went out."""

    def __init__(self, outcome: Callable[[str], int]) -> None:
        self.outcome = outcome  # phone number -> the report status it gets when its SMS goes out
        self.by_id: dict[str, Campaign] = {}
        self.pending: dict[str, datetime] = {}  # campaign id -> its DATE, so that a request scans only these
        self.sms: dict[str, ReceivedSms] = {}
        self.acks: dict[str, Ack] = {}

    def clear(self) -> None:
        self.by_id.clear()
        self.pending.clear()
        self.sms.clear()
        self.acks.clear()

    def add(self, campaign_id: str, campaign: Campaign, sent: Iterable[ReceivedSms], now: datetime) -> None:
        """Record an accepted campaign; one without a pending DATE goes out at once."""
        self.by_id[campaign_id] = campaign
        self.sms.update((sms.sms_id, sms) for sms in sent)
        send_at = parse_date(campaign.send_at or "")
        if campaign.state == "pending" and send_at is not None:
            self.pending[campaign_id] = send_at
        else:
            self._go_out(campaign, now)

    def release_due(self, now: datetime) -> list[str]:
        """Send the pending campaigns whose DATE has come (``now``: Paris wall-clock time); their ids."""
        if not self.pending:
            return []
        due = [campaign_id for campaign_id, send_at in self.pending.items() if send_at <= now]
        for campaign_id in due:
            del self.pending[campaign_id]
            campaign = self.by_id[campaign_id]
            campaign.state = "sent"
            self._go_out(campaign, now)
        return due

    def _go_out(self, campaign: Campaign, now: datetime) -> None:
        stamp = now.strftime(DATE_FORMAT)
        for sms_id in campaign.sms_ids:
            number = self.sms[sms_id].phone_number
            self.acks[sms_id] = Ack(number, self.outcome(number), stamp)

    def cancel(self, login: str, campaign_id: str) -> tuple[str | None, int]:
        """Cancel a pending campaign of ``login``: (None, credits to refund), or (why not, 0)."""
        campaign = self.by_id.get(campaign_id)
        if campaign is None or campaign.login != login:
            return NOT_CANCELLABLE[None], 0
        if campaign.state != "pending":
            return NOT_CANCELLABLE[campaign.state], 0
        campaign.state = "cancelled"
        del self.pending[campaign_id]
        return None, campaign.cost

    def acks_json(self, login: str, campaign_id: str) -> dict[str, Any]:
        """getAcks: the reports of the SMS that went out, or ``{"status": "0"}`` (no data) for no such campaign
        and for one none of whose SMS went out: still scheduled, or cancelled."""
        campaign = self.by_id.get(campaign_id)
        if campaign is None or campaign.login != login or campaign.state in ("pending", "cancelled"):
            return {"status": "0"}
        acks = [self.acks[sms_id].as_json() for sms_id in campaign.sms_ids if sms_id in self.acks]
        return {"acks": acks, "cliMsgId": campaign.cli_msg_id or ""}

    def deliver(self, sms_id: str, status: int | str, now: datetime) -> None:
        code = ack_status(status)
        ack = self.acks.get(sms_id)
        if ack is None:
            if sms_id in self.sms:
                raise KeyError(f"the SMS {sms_id!r} has not gone out yet: its campaign is "
                               f"{self.by_id[self.sms[sms_id].campaign_id].state}")
            raise KeyError(f"no SMS has the id {sms_id!r}")
        ack.status = code
        ack.reception_date = now.strftime(DATE_FORMAT)

    def state(self, campaign_id: str) -> CampaignState:
        campaign = self.by_id[campaign_id]
        return CampaignState(campaign_id, campaign.login, campaign.name, campaign.send_at, campaign.state,
                             tuple(campaign.sms_ids))
