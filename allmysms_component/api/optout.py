"""The v9 ``getBlacklist`` answer: the numbers that opted out of the account's SMS (answered STOP,
refused, unsubscribed by hand), read into a typed list.

The answer documented is ``{"blacklist": [{"phoneNumber", "comment", "receptionDate"}]}``; an account without
any is assumed to answer an empty list or, as getAcks does without data, ``{"status": "0"}``. A numeric status of
the 102 family is a refusal. Anything else cannot be read: it is an error, never an empty list, because a send
that skips opted-out numbers must not believe there are none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import MalformedResponseError
from ..rules.account import Credentials
from ..rules.recipients import normalize
from ..rules.values import as_int
from .answer import redact, text_of
from .wire import rejection

NO_DATA = 0  # the status AllMySMS answers for "nothing to list" (assumed, as for getAcks)
TEXT_MAX = 64  # characters of a comment, a date or a number kept from the answer


@dataclass(frozen=True)
class OptOut:
    phone_number: str    # as AllMySMS wrote it (``33612345678``)
    comment: str         # stop, Refused, manual unsubscribe...
    reception_date: str  # YYYY-MM-DD HH:MM:SS, Paris time (assumed), as answered


@dataclass(frozen=True)
class OptOutList:
    entries: tuple[OptOut, ...]

    @property
    def numbers(self) -> frozenset[str]:
        """Every listed number in the form the component sends (``33612345678``)."""
        return frozenset(normalize(entry.phone_number) or entry.phone_number for entry in self.entries)


def read_blacklist(body: Mapping[str, Any], credentials: Credentials) -> OptOutList:
    """A getBlacklist answer read into the opt-out list; an error when it cannot be read, never an empty list."""
    listed = body.get("blacklist")
    if listed is None:
        status = as_int(body.get("status"))
        if status == NO_DATA:
            return OptOutList(())
        if status is not None:
            raise rejection(status, body, credentials, sends=False)
        raise MalformedResponseError("AllMySMS answered getBlacklist without a blacklist nor a status; the "
                                     "opt-out list could not be read; this call sends no SMS")
    if not isinstance(listed, list) or not all(isinstance(entry, Mapping) for entry in listed):
        raise MalformedResponseError("AllMySMS answered getBlacklist with a blacklist that is not a list of "
                                     "entries; the opt-out list could not be read; this call sends no SMS")
    key = credentials.api_key
    entries = []
    for entry in listed:
        number = text_of(entry.get("phoneNumber")).strip()
        if not number:
            raise MalformedResponseError("AllMySMS answered getBlacklist with an entry without a phone number; "
                                         "the opt-out list could not be read; this call sends no SMS")
        entries.append(OptOut(redact(number, key)[:TEXT_MAX], redact(text_of(entry.get("comment")), key)[:TEXT_MAX],
                              redact(text_of(entry.get("receptionDate")), key)[:TEXT_MAX]))
    return OptOutList(tuple(entries))
