"""The simulator's thin HTTP client: it pushes a delivery report or a reply to the configured URL, as AllMySMS
pushes to the URL set in its customer area, and records what the receiver answered. No API rules."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

TIMEOUT = 10.0  # seconds for the receiver to answer
ANSWER_MAX = 1024  # bytes of the receiver's answer kept
# Never through a proxy from the environment: the receiver is a test's, usually on this machine.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class RecordedPush:
    """One push: what was sent and how the receiver answered (``status`` None: no answer, see ``error``)."""

    kind: str                  # "report" or "reply"
    fields: dict[str, str]
    status: int | None
    answer: str                # the receiver's body, e.g. OK (what AllMySMS expects)
    error: str | None = None


def push(url: str, method: str, kind: str, fields: dict[str, str]) -> RecordedPush:
    """``fields`` to ``url``: POSTed as a form, or (``method`` GET) added to its query."""
    data = None
    target = url
    if method == "GET":
        parts = urlsplit(url)
        query = "&".join(part for part in (parts.query, urlencode(fields)) if part)
        target = urlunsplit(parts._replace(query=query))
    else:
        data = urlencode(fields).encode()
    request = urllib.request.Request(target, data=data, method=method,  # noqa: S310 - a test URL, http(s)
                                     headers={"Content-Type": "application/x-www-form-urlencoded"} if data else {})
    try:
        with _OPENER.open(request, timeout=TIMEOUT) as answer:
            return RecordedPush(kind, fields, answer.status, answer.read(ANSWER_MAX).decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        return RecordedPush(kind, fields, exc.code, exc.read(ANSWER_MAX).decode("utf-8", "replace"))
    except (OSError, ValueError) as exc:
        return RecordedPush(kind, fields, None, "", f"{type(exc).__name__}: {exc}")
