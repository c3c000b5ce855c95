"""The Poll replies trigger (polling): AllMySMS getPulls -> one event per reply not emitted before.

Each poll lists the replies AllMySMS holds and emits those the step's snapshot has not seen, then saves the new
snapshot (after the events: a poll whose events could not all be published emits them again next time, never
loses one). The snapshot stays small whatever the traffic (the platform keeps 5 KB per step): a ``floor`` (a
reply dated before it is old) and the keys of the replies seen since, at most ``MAX_SEEN``. The floor follows
AllMySMS's own dates, never this machine's clock, ``GRACE`` behind the newest reply seen, so that a reply
AllMySMS lists late, dated a little earlier than one already seen, is still emitted. First poll (no snapshot):
by default it emits nothing and only records what is there (a flow starts with the replies that arrive after
it); the "On the first poll" setting can make it emit what AllMySMS holds instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from pysailor import Event, Message, new_message

from .. import context
from ..errors import ConfigurationError
from ..rules.account import resolve
from ..rules.callbacks import REPLY, event, fingerprint, iso_paris, parse_iso

TRIGGER = "pollReplies"
FIRST_POLL = "firstPoll"      # the setting: "now" (default) or "pending"
GRACE = 600                   # seconds behind the newest reply seen that the floor stays
MAX_SEEN = 30                 # reply keys the snapshot keeps (about 2 KB of JSON at most)
KEY_MAX = 48                  # characters of an id kept as is; a longer one is kept digested
VERSION = 1

log = logging.getLogger(__name__)


def process(msg: object, cfg: object, snapshot: object = None) -> Iterator[Message | Event]:
    """The replies not emitted before, each as one message; then the updated snapshot."""
    ctx = context.current()
    emit_pending = _first_poll(cfg)
    account = resolve(cfg, ctx.settings)
    if account.trial:
        raise ConfigurationError("Poll replies needs the step's own AllMySMS credentials: the login or the API key "
                                 "is blank (trial mode), and the replies of the deployment's shared demo account "
                                 "are not anyone's to read")
    state = State.read(snapshot)
    now = int(ctx.clock().timestamp())
    listed = [(fields, _key(fields), _when(fields, now)) for fields in ctx.client.get_pulls(account.credentials)]
    fresh = [(fields, when) for fields, key, when in listed
             if (state.started or emit_pending) and state.is_new(key, when)]
    fresh.sort(key=lambda item: item[1])
    for fields, _ in fresh:
        yield new_message(event(fields, REPLY))
    log.info("Polled AllMySMS replies: %d listed, %d new%s", len(listed), len(fresh),
             "" if state.started else " (first poll: " + ("emitted what is there)" if emit_pending else
                                                          "only recorded what is there)"))
    updated = state.after({key: when for _, key, when in listed if state.in_window(when)})
    if updated.as_json() != (snapshot if isinstance(snapshot, Mapping) else None):
        yield Event("snapshot", updated.as_json())


class State:
    """What the snapshot remembers: the floor (epoch seconds; None: none yet) and the keys seen since it."""

    def __init__(self, started: bool, floor: int | None, seen: dict[str, int]) -> None:
        self.started = started
        self.floor = floor
        self.seen = seen

    @classmethod
    def read(cls, snapshot: object) -> State:
        if not isinstance(snapshot, Mapping) or snapshot.get("v") != VERSION:
            if isinstance(snapshot, Mapping) and snapshot:
                log.warning("The step's snapshot is not one this trigger wrote: treated as a first poll")
            return cls(False, None, {})
        floor = snapshot.get("floor")
        seen = snapshot.get("seen")
        return cls(True, floor if _is_int(floor) else None,
                   {str(k): v for k, v in seen.items() if _is_int(v)} if isinstance(seen, Mapping) else {})

    def in_window(self, when: int) -> bool:
        return self.floor is None or when >= self.floor

    def is_new(self, key: str, when: int) -> bool:
        return self.in_window(when) and key not in self.seen

    def after(self, listed: Mapping[str, int]) -> State:
        """The state once ``listed`` (the replies in the window) are emitted or recorded."""
        known = {**{k: v for k, v in self.seen.items() if self.in_window(v)}, **listed}
        floor = self.floor
        if known:
            newest = max(known.values())
            floor = max(floor, newest - GRACE) if floor is not None else newest - GRACE
        known = {k: v for k, v in known.items() if floor is None or v >= floor}
        if len(known) > MAX_SEEN:
            cut = sorted(known.values(), reverse=True)[MAX_SEEN - 1]
            floor = cut + 1  # strictly after every key dropped: a dropped key is below the floor, so old
            known = {k: v for k, v in known.items() if v >= floor}
        return State(True, floor, known)

    def as_json(self) -> dict[str, Any]:
        return {"v": VERSION, "floor": self.floor, "seen": dict(sorted(self.seen.items(), key=lambda kv: kv[1]))}


def _first_poll(cfg: object) -> bool:
    value = cfg.get(FIRST_POLL) if isinstance(cfg, Mapping) else None
    if value in (None, "", "now"):
        return False
    if value == "pending":
        return True
    raise ConfigurationError(f"On the first poll ({FIRST_POLL}) must be 'now' or 'pending', not {str(value)[:20]!r}")


def _key(fields: Mapping[str, Any]) -> str:
    reply_id = fields.get("id", fields.get("smsMoId"))
    if isinstance(reply_id, (str, int)) and not isinstance(reply_id, bool) and str(reply_id).strip():
        text = str(reply_id).strip()
        return text if len(text) <= KEY_MAX else fingerprint([text])
    return fingerprint([str(fields.get(name, "")) for name in ("phoneNumber", "receptionDate", "message")])


def _when(fields: Mapping[str, Any], now: int) -> int:
    """When AllMySMS received the reply, in epoch seconds; ``now`` when its date cannot be read."""
    date = fields.get("receptionDate")
    iso = iso_paris(date) if isinstance(date, str) else None
    moment = parse_iso(iso) if iso else None
    return int(moment.timestamp()) if moment is not None else now


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
