"""A thin, honest client of the AllMySMS HTTPS API v9: one method per endpoint, typed answers, typed errors.

One client holds one connection pool; it is safe to share between threads (the process shares one through
``allmysms_component.context``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import requests

from ..rules.account import Credentials
from ..settings import DEFAULT_API_URL, DEFAULT_MAX_CONNECTIONS, Timeouts
from .transport import RetryPolicy, Transport
from .wire import (
    AccountInfo,
    SendResult,
    SimulationResult,
    SmsRequest,
    form,
    path,
    read_info,
    read_send,
    read_simulation,
)

if TYPE_CHECKING:  # the campaign and opt-out calls' modules are loaded by those calls: a plain send needs neither
    from .campaigns import Cancellation, DeliveryReports
    from .optout import OptOutList

DEFAULT_USER_AGENT = f"allmysms-component python-requests/{requests.__version__}"
DEFAULT_TIMEOUTS = Timeouts()
DEFAULT_RETRY = RetryPolicy()


class AllMySmsClient:
    """The AllMySMS API v9 over one kept-alive connection pool."""

    def __init__(self, base_url: str = DEFAULT_API_URL, *, user_agent: str = DEFAULT_USER_AGENT,
                 timeouts: Timeouts = DEFAULT_TIMEOUTS, verify: bool | str = True,
                 retry: RetryPolicy = DEFAULT_RETRY, pool_size: int = DEFAULT_MAX_CONNECTIONS,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        self.transport = Transport(base_url, user_agent=user_agent, timeouts=timeouts, verify=verify, retry=retry,
                                   pool_size=pool_size, sleep=sleep, clock=clock)

    @property
    def base_url(self) -> str:
        return self.transport.base_url

    @property
    def timeouts(self) -> Timeouts:
        return self.transport.timeouts

    @property
    def retry(self) -> RetryPolicy:
        return self.transport.retry

    def __repr__(self) -> str:
        return f"AllMySmsClient({self.base_url!r})"

    def close(self) -> None:
        self.transport.close()

    def send_sms(self, credentials: Credentials, request: SmsRequest) -> SendResult:
        """Send one text to every recipient. Raises unless AllMySMS accepted at least one number."""
        body = self.transport.post(path("sendSms"), form(credentials, smsData=request.sms_data()), sends=True,
                                   secret=credentials.api_key)
        return read_send(body, credentials, request.recipients)

    def simulate_campaign(self, credentials: Credentials, request: SmsRequest) -> SimulationResult:
        """What sendSms would do and cost, without sending anything."""
        body = self.transport.post(path("simulateCampaign"), form(credentials, smsData=request.sms_data()), sends=False,
                                   secret=credentials.api_key)
        return read_simulation(body, credentials)

    def get_info(self, credentials: Credentials) -> AccountInfo:
        """The account's state and credits: the cheap call that proves credentials work."""
        body = self.transport.post(path("getInfo"), form(credentials), sends=False, secret=credentials.api_key)
        return read_info(body, credentials)

    def get_pulls(self, credentials: Credentials) -> list[dict[str, Any]]:
        """The replies AllMySMS holds (getPulls, at most ``MAX_REPLIES``), as it wrote them."""
        from .replies import MAX_REPLIES, read_pulls

        body = self.transport.post(path("getPulls"), form(credentials, limit=str(MAX_REPLIES)), sends=False,
                                   secret=credentials.api_key)
        return read_pulls(body, credentials)

    def get_blacklist(self, credentials: Credentials) -> OptOutList:
        """The account's opt-out list (getBlacklist, which sends nothing)."""
        from .optout import read_blacklist

        body = self.transport.post(path("getBlacklist"), form(credentials), sends=False, secret=credentials.api_key)
        return read_blacklist(body, credentials)

    def raw_request(self, credentials: Credentials, method: str, fields: Mapping[str, str], *,
                    sends: bool) -> dict[str, Any]:
        """Any v9 ``method`` with ``fields`` (checked by the caller: no credential among them), its JSON answer
        with the key redacted. ``sends``: whether the method may send, which errors then say; never retried
        once it may have reached AllMySMS."""
        from .replies import read_raw

        encoded = form(credentials) + ("&" + urlencode(fields) if fields else "")
        body = self.transport.post(path(method), encoded, sends=sends, secret=credentials.api_key)
        return read_raw(body, credentials, sends=sends)

    def get_acks(self, credentials: Credentials, campaign_id: str) -> DeliveryReports:
        """The delivery reports of a campaign (none when AllMySMS has no data for it)."""
        from .campaigns import read_acks

        body = self.transport.post(path("getAcks"), form(credentials, campId=campaign_id), sends=False,
                                   secret=credentials.api_key)
        return read_acks(body, credentials, campaign_id)

    def delete_campaign(self, credentials: Credentials, campaign_id: str) -> Cancellation:
        """Cancel a scheduled campaign (or learn it was already); CampaignNotPendingError when AllMySMS has no
        pending one with this id."""
        from .campaigns import read_delete

        body = self.transport.post(path("deleteCampaign"), form(credentials, campId=campaign_id), sends=False,
                                   secret=credentials.api_key)
        return read_delete(body, credentials, campaign_id)
