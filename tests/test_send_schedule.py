"""Send SMS's optional inputs Send at (sendAt, AllMySMS's DATE in Paris time) and Campaign name
(campaignName, CAMPAIGN_NAME): the pure rule, then the action against a mocked API."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

import pytest
import requests
import responses

from allmysms_component.actions.send_sms import process
from allmysms_component.errors import InvalidInputError, OutcomeUnknownError
from allmysms_component.journal import JournalGate, JournalSettings, SendInDoubtError, SendKey, open_journal
from allmysms_component.rules.schedule import paris_iso, parse_send_at
from pysailor import sending

from .conftest import CFG, INFO, SEND, SIMULATE, answer, future, message, sms_data

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


# -- the rule: ISO 8601 with an offset -> Paris DATE ------------------------------------------------------

@pytest.mark.parametrize(("raw", "date", "iso"), [
    pytest.param("2026-12-01T09:30:00+01:00", "2026-12-01 09:30:00", "2026-12-01T09:30:00+01:00", id="winter"),
    pytest.param("2026-07-01T09:30:00+02:00", "2026-07-01 09:30:00", "2026-07-01T09:30:00+02:00", id="summer"),
    pytest.param("2026-12-01T08:30:00Z", "2026-12-01 09:30:00", "2026-12-01T09:30:00+01:00", id="utc-in-winter"),
    pytest.param("2026-07-01T07:30:00Z", "2026-07-01 09:30:00", "2026-07-01T09:30:00+02:00", id="utc-in-summer"),
    pytest.param("2026-07-01T09:30:00-04:00", "2026-07-01 15:30:00", "2026-07-01T15:30:00+02:00", id="new-york"),
    pytest.param("2026-10-25T01:59:59+02:00", "2026-10-25 01:59:59", "2026-10-25T01:59:59+02:00", id="before-repeat"),
    pytest.param("2026-10-25T03:00:00+01:00", "2026-10-25 03:00:00", "2026-10-25T03:00:00+01:00", id="after-repeat"),
    pytest.param("2026-12-01T09:30+01", "2026-12-01 09:30:00", "2026-12-01T09:30:00+01:00", id="hour-only-offset"),
    pytest.param("2026-12-01T22:30:00+14:00", "2026-12-01 09:30:00", "2026-12-01T09:30:00+01:00", id="kiribati"),
    pytest.param("2026-12-01T00:30:00-12:00", "2026-12-01 13:30:00", "2026-12-01T13:30:00+01:00", id="baker-island"),
    pytest.param("2027-01-02T12:00:00Z", "2027-01-02 13:00:00", "2027-01-02T13:00:00+01:00", id="a-year-ahead"),
    pytest.param("2026-03-29T01:30:00Z", "2026-03-29 03:30:00", "2026-03-29T03:30:00+02:00", id="spring-forward"),
    pytest.param("2026-12-01 09:30+0100", "2026-12-01 09:30:00", "2026-12-01T09:30:00+01:00", id="space-no-secs"),
    pytest.param(" 2026-12-01T09:30:59.999Z ", "2026-12-01 10:30:59", "2026-12-01T10:30:59+01:00", id="fraction"),
])
def test_a_send_time_becomes_paris_local_time(raw: str, date: str, iso: str) -> None:
    schedule = parse_send_at(raw, now=NOW)
    assert (schedule.api_date, schedule.iso) == (date, iso)


@pytest.mark.parametrize(("raw", "says"), [
    pytest.param("2026-12-01T09:30:00", "has no offset", id="no-offset"),
    pytest.param("2026-12-01", "not a date-time in ISO 8601", id="date-only"),
    pytest.param("tomorrow at nine", "not a date-time in ISO 8601", id="words"),
    pytest.param("01/12/2026 09:30+01:00", "not a date-time in ISO 8601", id="french-order"),
    pytest.param("2026-02-30T09:30:00Z", "not a possible date-time", id="february-30"),
    pytest.param("2026-12-01T25:00:00Z", "not a possible date-time", id="hour-25"),
    pytest.param("2026-12-01T09:30:00+24:00", "offset \\+24:00 is not one a place uses", id="offset-24h"),
    pytest.param("2026-12-01T09:30:00-23:59", "offset -23:59 is not one a place uses", id="offset-23h59"),
    pytest.param("2026-12-01T09:30:00+14:01", "between -14:00 and \\+14:00", id="offset-past-kiribati"),
    pytest.param("2026-12-01T09:30:00+01:60", "offset \\+01:60 is not one a place uses", id="offset-60-minutes"),
    pytest.param("2026-10-25T02:30:00+02:00", "Paris repeats", id="fall-back-first-pass"),
    pytest.param("2026-10-25T02:30:00+01:00", "Paris repeats", id="fall-back-second-pass"),
    pytest.param("2026-10-25T00:00:00Z", "Paris repeats", id="fall-back-in-utc"),
    pytest.param("2027-01-02T12:00:01Z", "more than a year ahead", id="a-year-and-a-second"),
    pytest.param("2062-12-01T09:30:00+01:00", "more than a year ahead", id="a-typo-for-2026"),
    pytest.param("9999-12-31T22:00:00Z", "more than a year ahead", id="the-end-of-time"),
    pytest.param("2025-12-31T12:00:00Z", "not in the future", id="past"),
    pytest.param("2026-01-01T13:00:00+01:00", "not in the future", id="now"),
])
def test_a_send_time_that_cannot_be_trusted_is_refused_with_the_field_named(raw: str, says: str) -> None:
    with pytest.raises(InvalidInputError, match=says) as caught:
        parse_send_at(raw, now=NOW, label="Send at (sendAt)")
    assert caught.value.field == "sendAt"
    assert caught.value.message.startswith("Invalid input, nothing was sent: Send at (sendAt)")


def test_report_dates_are_read_as_paris_time() -> None:
    assert paris_iso("2026-07-01 09:30:05") == "2026-07-01T09:30:05+02:00"
    assert paris_iso("2026-12-01 09:30:05") == "2026-12-01T09:30:05+01:00"
    assert paris_iso("2026-02-30 09:30:05") is None
    assert paris_iso("soon") is None


# -- the action -------------------------------------------------------------------------------------------

def test_a_scheduled_send_carries_date_and_answers_101_as_a_success(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_scheduled_one"))
    at = future(days=10)
    body = process(message(sendAt=at.isoformat()), CFG)["body"]
    expected = parse_send_at(at.isoformat(), now=NOW)
    assert sms_data(api)["DATE"] == expected.api_date
    assert (body["status"], body["scheduled"], body["scheduledAt"]) == (101, True, expected.iso)
    assert body["campaignId"] == "ap_2"


@pytest.mark.parametrize(("send_at", "says"), [
    ("2026-12-01T09:30:00", "has no offset"),
    ("2001-01-01T00:00:00Z", "not in the future"),
    ("9999-12-31T22:00:00Z", "more than a year ahead"),
    ("next monday", "not a date-time"),
])
def test_a_bad_send_time_sends_nothing(api: responses.RequestsMock, send_at: str, says: str) -> None:
    with pytest.raises(InvalidInputError, match=f"Send at \\(sendAt\\) .*{says}"):
        process(message(sendAt=send_at), CFG)
    assert len(api.calls) == 0


def test_a_send_time_that_is_not_text_is_refused_by_the_schema(api: responses.RequestsMock) -> None:
    with pytest.raises(InvalidInputError, match=r"Send at \(sendAt\) must be text, not a number"):
        process(message(sendAt=1764577800), CFG)
    assert len(api.calls) == 0


def test_the_campaign_name_is_sent_trimmed_and_echoed(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent_one"))
    body = process(message(campaignName="  Soldes d'hiver  "), CFG)["body"]
    assert sms_data(api)["CAMPAIGN_NAME"] == body["campaignName"] == "Soldes d'hiver"
    assert list(sms_data(api)) == ["MESSAGE", "TPOA", "SMS", "CLIMSGID", "CAMPAIGN_NAME"]


def test_the_campaign_name_is_measured_after_trimming(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent_one"))
    body = process(message(campaignName="    " + "x" * 50 + "    "), CFG)["body"]
    assert sms_data(api)["CAMPAIGN_NAME"] == body["campaignName"] == "x" * 50


@pytest.mark.parametrize(("name", "says"), [
    ("x" * 51, "too long: 51 characters, at most 50"),
    ("  " + "x" * 51 + "  ", "too long: 51 characters, at most 50"),
    ("two\nlines", "is not allowed"),
    ("tab\there", "is not allowed"),
    ("next\u0085line", "is not allowed"),
    ("line\u2028separator", "is not allowed"),
    ("paragraph\u2029separator", "is not allowed"),
    ("c1\u009bcontrol", "is not allowed"),
    ("lone \ud800 surrogate", "U\\+D800, which is not a character"),
])
def test_a_campaign_name_out_of_bounds_sends_nothing(api: responses.RequestsMock, name: str, says: str) -> None:
    with pytest.raises(InvalidInputError, match=f"Campaign name \\(campaignName\\) .*{says}") as caught:
        process(message(campaignName=name), CFG)
    assert caught.value.field == "campaignName"
    assert len(api.calls) == 0


def test_schedule_and_name_together(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_scheduled_one"))
    process(message(sendAt=future(hours=2).isoformat(), campaignName="Rappel"), CFG)
    assert list(sms_data(api)) == ["MESSAGE", "TPOA", "SMS", "CLIMSGID", "DATE", "CAMPAIGN_NAME"]


# -- a scheduled message redelivered after its time: the send journal answers first ----------------------

def test_a_scheduled_message_redelivered_after_its_time_replays_or_says_it_may_have_been_sent(
        api: responses.RequestsMock) -> None:
    journal = open_journal(JournalSettings())  # the worker's journal, in memory

    def deliver(message_id: str, send_at: str, *, redelivered: bool) -> dict[str, Any]:
        key = SendKey.for_delivery(step="flow/step_1", message_id=message_id, content=message_id.encode())
        with sending.use(JournalGate(journal, key, redelivered=redelivered)):
            return process({**message(sendAt=send_at), "id": message_id}, CFG)

    at = future(seconds=2).isoformat()
    api.post(SEND, json=answer("send_scheduled_one"))
    accepted = deliver("msg-sent", at, redelivered=False)
    api.post(SEND, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(OutcomeUnknownError):
        deliver("msg-interrupted", at, redelivered=False)
    while datetime.now(timezone.utc) <= datetime.fromisoformat(at):  # the worker died; its time went by
        time.sleep(0.05)

    assert deliver("msg-sent", at, redelivered=True) == accepted
    with pytest.raises(SendInDoubtError) as caught:
        deliver("msg-interrupted", at, redelivered=True)
    assert caught.value.may_have_been_sent
    with pytest.raises(InvalidInputError, match="not in the future"):  # a first delivery late: the time is the problem
        deliver("msg-late", at, redelivered=False)
    assert len(api.calls) == 2


def test_a_dry_run_with_a_send_time_is_not_scheduled(api: responses.RequestsMock) -> None:
    api.post(SIMULATE, json={**answer("simulate_priced"), "status": 101,
                             "statusText": "Your messages have been scheduled for deferred sending"})
    api.post(INFO, json=answer("info_active"))
    at = future(days=3)
    body = process(message(sendAt=at.isoformat()), {**CFG, "dryRun": "on"})["body"]
    assert (body["simulated"], body["scheduled"]) == (True, False)  # nothing waits for Send at
    assert body["scheduledAt"] == parse_send_at(at.isoformat(), now=NOW).iso  # when it would go out
    assert body["statusText"] == "Dry run, nothing sent: Your messages have been scheduled for deferred sending"
    assert sms_data(api)["DATE"]  # priced with the very payload a send would carry
