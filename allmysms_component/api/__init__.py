"""AllMySMS over HTTPS: the transport with its retry rules, the v9 wire format, typed answers."""

from .campaigns import Ack, DeliveryReports
from .client import DEFAULT_RETRY, DEFAULT_TIMEOUTS, AllMySmsClient
from .transport import RetryPolicy, Transport
from .wire import AccountInfo, SendResult, SimulationResult, SmsId, SmsRequest

__all__ = [
    "DEFAULT_RETRY", "DEFAULT_TIMEOUTS", "AccountInfo", "Ack", "AllMySmsClient", "DeliveryReports", "RetryPolicy",
    "SendResult", "SimulationResult", "SmsId", "SmsRequest", "Transport",
]
