"""AllMySMS over HTTPS: the transport with its retry rules, the v9 wire format, typed answers."""

from typing import TYPE_CHECKING, Any

from .client import DEFAULT_RETRY, DEFAULT_TIMEOUTS, AllMySmsClient
from .transport import RetryPolicy, Transport
from .wire import AccountInfo, SendResult, SimulationResult, SmsId, SmsRequest

if TYPE_CHECKING:
    from .campaigns import Ack, DeliveryReports


def __getattr__(name: str) -> Any:
    """The campaign calls' answers, loaded when first asked for: a plain send does not need them."""
    if name in ("Ack", "DeliveryReports"):
        from . import campaigns

        return getattr(campaigns, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_RETRY", "DEFAULT_TIMEOUTS", "AccountInfo", "Ack", "AllMySmsClient", "DeliveryReports", "RetryPolicy",
    "SendResult", "SimulationResult", "SmsId", "SmsRequest", "Transport",
]
