"""URLs as they may be shown: one redaction for every URL a deployment gives (AMQP, Redis, the platform API).

A password can hide in a URL in three forms, and each is removed before a URL reaches a log line, an error or an
event: the userinfo (``amqp://user:secret@host``), the query (``redis://host?password=secret``, redis-py's form
for unix sockets) and an unencoded password holding ``#``, ``/``, ``?`` or ``@`` that a URL parser reads as the
fragment or the path (``redis://:pa#ss@host``). The userinfo is everything between ``//`` and the *last* ``@``;
where it holds ``/``, ``?`` or ``#`` nobody can tell a password from a path or a query, so such a URL (like any
URL that cannot be read) is shown as a placeholder, never quoted.
``split_credentials`` reads a URL with yarl (aiormq's own URL library) to turn its userinfo into Basic auth.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

UNREADABLE = "(a URL that cannot be read; not shown)"
HIDDEN = "******"
# Query options that carry a secret: redis-py's password, and the usual names of tokens and keys.
_SECRET_OPTION = re.compile(r"pass|pwd|secret|token|key|auth|sig|credential", re.IGNORECASE)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*:)?//")


def redact(url: str) -> str:
    """``url`` without any password: fit for a log line or an error message.

    Textual, not parsed and re-rendered, so that every form stays as the operator wrote it (``unix:///path``,
    the several hosts of a Sentinel URL) and a URL no parser reads is still shown without its secrets."""
    if not isinstance(url, str):
        return UNREADABLE
    scheme = _SCHEME.match(url)
    if scheme is None or any(character.isspace() for character in url):
        return UNREADABLE
    rest = url[scheme.end():]
    user = ""
    if "@" in rest:
        userinfo, _, rest = rest.rpartition("@")
        if any(character in userinfo for character in "/?#"):
            return UNREADABLE
        name, colon, _ = userinfo.partition(":")
        user = f"{name}:{HIDDEN}@" if colon else f"{name}@"
    rest, hash_, _ = rest.partition("#")  # no service URL has a fragment: it can only be a secret's remains
    where, question, query = rest.partition("?")
    if question:
        options = []
        for option in query.split("&"):
            key, equals, _ = option.partition("=")
            # An option without "=" may be the rest of a password that held an unencoded "&".
            options.append(option if equals and not _SECRET_OPTION.search(key) else f"{key}={HIDDEN}" if equals
                           else HIDDEN)
        where += "?" + "&".join(options)
    return scheme.group(0) + user + where + (f"#{HIDDEN}" if hash_ else "")


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``http://user:p%40ss@host/x`` -> (``http://host/x``, ("user", "p@ss")): the userinfo becomes Basic auth.

    ValueError when the URL cannot be read (never quoting it)."""
    from yarl import URL  # here: its import (multidict, propcache) is not a plain send's to pay

    try:
        parsed = URL(url)
        host = parsed.host
    except (TypeError, ValueError, UnicodeError):
        raise ValueError(UNREADABLE) from None
    if not parsed.scheme or not host or parsed.fragment:
        raise ValueError(UNREADABLE)
    if parsed.user is None and parsed.password is None:
        return url, None
    return str(parsed.with_user(None)), (parsed.user or "", parsed.password or "")


def origin(url: str) -> str:
    """Scheme, host and port only: for a URL whose path may hold a token (a result URL), besides any password."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return UNREADABLE
    return f"{parts.scheme}://{parts.hostname or ''}" + (f":{port}" if port else "")
