"""Quiet hours: a send marked Marketing message is refused before any request when it would go out at night
(22:00-08:00 Paris time), on a Sunday or on a French public holiday, with the next allowed time; the clock is the
context's, so each case is a fixed Paris time."""

from __future__ import annotations

import pytest
import responses

from allmysms_component.actions.send_sms import process
from allmysms_component.errors import InvalidInputError
from allmysms_component.rules import quiet_hours

from .conftest import CFG, SEND, SetClock, answer, message, paris, sent_to_everyone, sms_data

MARKETING = {**CFG, "marketingMessage": "on"}


@pytest.mark.parametrize(("local", "why"), [
    ("2026-12-08T10:00:00", None),                          # a Tuesday morning
    ("2026-12-08T08:00:00", None),                          # the day opens at 08:00
    ("2026-12-08T21:59:59", None),
    ("2026-12-08T22:00:00", "at night, 22:00 to 08:00"),    # and closes at 22:00
    ("2026-12-08T07:59:59", "at night, 22:00 to 08:00"),
    ("2026-12-05T15:00:00", None),                          # Saturday afternoon
    ("2026-12-06T12:00:00", "on a Sunday"),
    ("2026-12-25T12:00:00", "on a French public holiday"),  # Christmas, a Friday
    ("2027-03-29T12:00:00", "on a French public holiday"),  # Easter Monday
    ("2027-07-14T12:00:00", "on a French public holiday"),  # Bastille Day, a Wednesday
])
def test_the_rule_table(local: str, why: str | None) -> None:
    assert quiet_hours.why_quiet(paris(local)) == why


@pytest.mark.parametrize(("local", "next_allowed"), [
    ("2026-12-05T22:30:00", "2026-12-07T08:00:00+01:00"),   # Saturday night: past Sunday to Monday
    ("2026-12-24T23:00:00", "2026-12-26T08:00:00+01:00"),   # Christmas Eve: past Christmas
    ("2026-12-08T06:00:00", "2026-12-08T08:00:00+01:00"),   # early morning: the same day
    ("2027-05-07T23:00:00", "2027-05-10T08:00:00+02:00"),   # Friday night before 8 May (Saturday), then Sunday
])
def test_the_next_allowed_time(local: str, next_allowed: str) -> None:
    assert quiet_hours.next_allowed(paris(local)).isoformat() == next_allowed


def test_a_marketing_send_at_on_a_sunday_is_refused_with_the_next_allowed_time(
        api: responses.RequestsMock, paris_clock: SetClock) -> None:
    paris_clock("2026-12-04T15:00:00")
    with pytest.raises(InvalidInputError) as caught:
        process(message(sendAt="2026-12-06T11:00:00+01:00"), MARKETING)
    assert caught.value.problems == [
        "Marketing SMS may not be sent at night (22:00 to 08:00 Paris time), on Sundays or on French public "
        "holidays, and Send at (sendAt) 2026-12-06T11:00:00+01:00 is on a Sunday; the next allowed time is "
        "2026-12-07T08:00:00+01:00: set Send at (sendAt) to it or later"]
    assert caught.value.field == "sendAt"
    assert len(api.calls) == 0


def test_a_holiday_is_named(api: responses.RequestsMock, paris_clock: SetClock) -> None:
    paris_clock("2026-12-04T15:00:00")
    with pytest.raises(InvalidInputError, match=r"is on a French public holiday \(Christmas Day\); the next "
                                                r"allowed time is 2026-12-26T08:00:00\+01:00"):
        process(message(sendAt="2026-12-25T10:00:00+01:00"), MARKETING)


def test_an_immediate_marketing_send_at_night_is_refused(api: responses.RequestsMock,
                                                         paris_clock: SetClock) -> None:
    paris_clock("2026-12-08T23:15:00")
    with pytest.raises(InvalidInputError, match=r"and now \(2026-12-08T23:15\+01:00\) is at night, 22:00 to "
                                                r"08:00; the next allowed time is 2026-12-09T08:00:00\+01:00"):
        process(message(), MARKETING)
    assert len(api.calls) == 0


def test_a_dry_run_is_told_the_same(api: responses.RequestsMock, paris_clock: SetClock) -> None:
    paris_clock("2026-12-06T12:00:00")
    with pytest.raises(InvalidInputError, match="on a Sunday"):
        process(message(), {**MARKETING, "dryRun": "on"})
    assert len(api.calls) == 0


def test_a_marketing_send_in_the_day_and_any_other_send_at_night_go_out(api: responses.RequestsMock,
                                                                        paris_clock: SetClock) -> None:
    api.add_callback(responses.POST, SEND, callback=sent_to_everyone)
    paris_clock("2026-12-08T10:00:00")
    process(message(sendAt="2026-12-09T09:00:00+01:00"), MARKETING)
    assert sms_data(api)["DATE"] == "2026-12-09 09:00:00"
    paris_clock("2026-12-06T23:30:00")
    process(message(sendAt="2026-12-13T03:00:00+01:00"), CFG)  # not marketing: a reminder may go at night
    process(message(), CFG)
    assert len(api.calls) == 3


def test_send_at_is_read_against_the_same_clock(api: responses.RequestsMock, paris_clock: SetClock) -> None:
    api.post(SEND, json=answer("send_scheduled"))
    paris_clock("2026-12-08T10:00:00")
    with pytest.raises(InvalidInputError, match=r"is not in the future \(now 2026-12-08T10:00:00\+01:00\)"):
        process(message(sendAt="2026-12-08T09:00:00+01:00"), CFG)
