"""Poll replies (pollReplies): AllMySMS getPulls, each reply emitted once across polls, remembered in the step's
snapshot, which stays small; the first poll starts from now unless told to emit what is there."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import responses

import pysailor
from allmysms_component.errors import AuthenticationError, ConfigurationError, MalformedResponseError
from allmysms_component.triggers.poll_replies import MAX_SEEN, process

from .conftest import API_KEY, BASE, CFG, answer, form

PULLS = f"{BASE}/http/9.0/getPulls/"
TICK = {"id": "tick-1", "body": {}, "headers": {}}


class Poller:
    """The step across polls: each poll gets the snapshot the one before it left, as the platform keeps it."""

    def __init__(self, cfg: dict[str, Any] = CFG, snapshot: dict[str, Any] | None = None) -> None:
        self.cfg = cfg
        self.snapshot = snapshot

    def poll(self) -> list[dict[str, Any]]:
        execution = pysailor.execute(process, TICK, self.cfg, self.snapshot)
        error = execution.first("error")
        assert error is None, error.payload["message"]
        for event in execution.events:
            if event.name == "snapshot":
                self.snapshot = event.payload
        return [event.payload["body"] for event in execution.events if event.name == "data"]


@pytest.fixture
def poller() -> Poller:
    return Poller()


def test_get_pulls_is_asked_with_the_credentials_and_a_limit(api: responses.RequestsMock, poller: Poller) -> None:
    api.post(PULLS, json=answer("pulls_two_replies"))
    poller.poll()
    assert form(api) == {"login": "me", "apiKey": API_KEY, "returnformat": "json", "limit": "1000"}


def test_the_first_poll_records_what_is_there_and_emits_nothing(api: responses.RequestsMock,
                                                                 poller: Poller) -> None:
    api.post(PULLS, json=answer("pulls_two_replies"))
    assert poller.poll() == []
    assert poller.snapshot is not None
    assert set(poller.snapshot["seen"]) == {"mo-1", "mo-2"}


def test_a_reply_that_arrives_later_is_emitted_once(api: responses.RequestsMock, poller: Poller) -> None:
    api.post(PULLS, json=answer("pulls_two_replies"))
    poller.poll()
    api.replace(responses.POST, PULLS, json=answer("pulls_three_replies"))
    [reply] = poller.poll()
    assert reply == {"type": "reply", "smsId": None, "smsMoId": "mo-3", "campaignId": "ap_2", "cliMsgId": None,
                     "phoneNumber": "33611223344", "status": None, "meaning": None, "statusText": None,
                     "message": "Non", "receptionDate": "2026-11-26 10:04:00",
                     "receivedAt": "2026-11-26T10:04:00+01:00"}
    assert poller.poll() == []


def test_the_first_poll_may_emit_what_is_there_oldest_first(api: responses.RequestsMock) -> None:
    api.post(PULLS, json=answer("pulls_late_reply"))
    poller = Poller({**CFG, "firstPoll": "pending"})
    assert [reply["smsMoId"] for reply in poller.poll()] == ["mo-0", "mo-1", "mo-2"]
    assert poller.poll() == []


def test_a_reply_listed_late_with_an_earlier_date_is_still_emitted(api: responses.RequestsMock,
                                                                   poller: Poller) -> None:
    api.post(PULLS, json=answer("pulls_two_replies"))
    poller.poll()
    api.replace(responses.POST, PULLS, json=answer("pulls_late_reply"))
    assert [reply["smsMoId"] for reply in poller.poll()] == ["mo-0"]


def test_no_reply_is_no_event_and_no_snapshot_change(api: responses.RequestsMock) -> None:
    api.post(PULLS, json=answer("pulls_none"))
    poller = Poller(snapshot={"v": 1, "floor": None, "seen": {}})
    execution = pysailor.execute(process, TICK, CFG, poller.snapshot)
    assert [event.name for event in execution.events] == ["end"]


def test_a_no_data_status_is_no_reply(api: responses.RequestsMock, poller: Poller) -> None:
    api.post(PULLS, json=answer("pulls_no_data"))
    assert poller.poll() == []


def test_the_snapshot_stays_small_and_nothing_comes_back_however_many_replies(api: responses.RequestsMock,
                                                                              poller: Poller) -> None:
    many = {"mos": [{"phoneNumber": f"336{n:08d}", "id": f"mo-{n:06d}-{'x' * 40}", "message": "Oui",
                     "receptionDate": f"2026-11-26 {10 + n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}"}
                    for n in range(1000)]}
    api.post(PULLS, json={"mos": []})
    poller.poll()
    api.replace(responses.POST, PULLS, json=many)
    assert len(poller.poll()) == 1000
    assert len(poller.snapshot["seen"]) <= MAX_SEEN  # type: ignore[index]
    assert len(json.dumps(poller.snapshot)) < 5 * 1024  # the platform keeps 5 KB per step
    assert poller.poll() == []


def test_a_snapshot_this_trigger_did_not_write_is_a_first_poll(api: responses.RequestsMock,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    api.post(PULLS, json=answer("pulls_two_replies"))
    poller = Poller(snapshot={"something": "else"})
    assert poller.poll() == []
    assert "not one this trigger wrote" in caplog.text


def test_the_key_echoed_in_a_reply_is_redacted(api: responses.RequestsMock) -> None:
    api.post(PULLS, json=answer("pulls_echoing_the_key"))
    [reply] = Poller({**CFG, "firstPoll": "pending"}).poll()
    assert reply["message"] == "my key is ***"


def test_trial_mode_is_refused_before_any_request(api: responses.RequestsMock, trial_env: None) -> None:
    with pytest.raises(ConfigurationError, match="own AllMySMS credentials"):
        list(process(TICK, {"login": "", "apiKey": ""}))
    assert len(api.calls) == 0


def test_a_first_poll_setting_out_of_its_list_is_refused(api: responses.RequestsMock) -> None:
    with pytest.raises(ConfigurationError, match="On the first poll"):
        list(process(TICK, {**CFG, "firstPoll": "yesterday"}))


def test_refused_credentials_are_an_authentication_error(api: responses.RequestsMock) -> None:
    api.post(PULLS, json=answer("info_bad_credentials"))
    with pytest.raises(AuthenticationError):
        list(process(TICK, CFG))


def test_replies_that_are_not_a_list_are_a_malformed_answer(api: responses.RequestsMock) -> None:
    api.post(PULLS, json={"mos": "nope"})
    with pytest.raises(MalformedResponseError, match="sends no SMS"):
        list(process(TICK, CFG))


def test_logs_hold_neither_numbers_nor_texts(api: responses.RequestsMock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api.post(PULLS, json=answer("pulls_two_replies"))
    Poller({**CFG, "firstPoll": "pending"}).poll()
    assert "2 listed, 2 new" in caplog.text
    for secret in ("33612345678", "33698765432", "Oui merci", API_KEY):
        assert secret not in caplog.text


def test_a_reply_with_an_empty_text_is_still_a_reply(api: responses.RequestsMock) -> None:
    api.post(PULLS, json={"mos": [{"id": 42, "phoneNumber": "33612345678", "message": "",
                                   "receptionDate": "2026-11-26 10:00:00"}]})
    [reply] = Poller({**CFG, "firstPoll": "pending"}).poll()
    assert (reply["smsMoId"], reply["message"]) == ("42", None)
