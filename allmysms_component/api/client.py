"""A thin, honest client of the AllMySMS HTTPS API v9: one method per endpoint, typed answers, typed errors.

One client holds one connection pool; it is safe to share between threads (the process shares one through
``allmysms_component.context``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

import requests

from ..errors import ConfigurationError
from ..rules.account import Credentials
from ..settings import DEFAULT_API_URL, DEFAULT_MAX_CONNECTIONS, Timeouts
from .campaigns import Cancellation, DeliveryReports, read_acks, read_delete
from .transport import RetryPolicy, Transport
from .wire import AccountInfo, SendResult, SimulationResult, SmsRequest, read_info, read_send, read_simulation

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
        body = self.transport.post("sendSms", _form(credentials, smsData=request.sms_data()), sends=True,
                                   secret=credentials.api_key)
        return read_send(body, credentials, request.recipients)

    def simulate_campaign(self, credentials: Credentials, request: SmsRequest) -> SimulationResult:
        """What sendSms would do and cost, without sending anything."""
        body = self.transport.post("simulateCampaign", _form(credentials, smsData=request.sms_data()), sends=False,
                                   secret=credentials.api_key)
        return read_simulation(body, credentials)

    def get_info(self, credentials: Credentials) -> AccountInfo:
        """The account's state and credits: the cheap call that proves credentials work."""
        body = self.transport.post("getInfo", _form(credentials), sends=False, secret=credentials.api_key)
        return read_info(body, credentials)

    def get_acks(self, credentials: Credentials, campaign_id: str) -> DeliveryReports:
        """The delivery reports of a campaign (none when AllMySMS has no data for it)."""
        body = self.transport.post("getAcks", _form(credentials, campId=campaign_id), sends=False,
                                   secret=credentials.api_key)
        return read_acks(body, credentials, campaign_id)

    def delete_campaign(self, credentials: Credentials, campaign_id: str) -> Cancellation:
        """Cancel a scheduled campaign (or learn it was already); CampaignNotPendingError when AllMySMS has no
        pending one with this id."""
        body = self.transport.post("deleteCampaign", _form(credentials, campId=campaign_id), sends=False,
                                   secret=credentials.api_key)
        return read_delete(body, credentials, campaign_id)


# The credential fields by their labels in component.json, for an error that names them.
LABELS = {"login": "login", "apiKey": "API key"}


def _form(credentials: Credentials, **fields: str) -> str:
    """The url-encoded form. A value UTF-8 cannot carry (a lone surrogate, e.g. from an undecodable environment
    variable) is refused here, naming its field, rather than failing inside the HTTP library."""
    form = {"login": credentials.login, "apiKey": credentials.api_key, "returnformat": "json", **fields}
    try:
        return urlencode(form)
    except UnicodeEncodeError:
        pass
    name = next(name for name, value in form.items() if not _encodable(value))
    what = f"The {LABELS[name]} of the step's credentials" if name in LABELS else f"The request's {name}"
    raise ConfigurationError(f"{what} contains a character that cannot be sent (a lone surrogate, which is not "
                             f"text); nothing was sent")


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
