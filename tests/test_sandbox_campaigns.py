"""The simulator's campaigns, over real sockets: DATE keeps a campaign pending until the simulator's clock reaches
it, CAMPAIGN_NAME is recorded, simulateCampaign validates and prices without side effects, getAcks answers
deterministic reports that tests set, deleteCampaign cancels pending campaigns only, getInfo tells the credits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
import requests

from allmysms_component.sandbox import Account, AllMySmsSimulator, CampaignState

from .conftest import Clock

LOGIN = {"login": "sandbox", "apiKey": "sandbox-api-key", "returnformat": "json"}
TIMEOUT = 10
WINTER = datetime(2030, 1, 15, 8, 0, tzinfo=timezone.utc)   # 09:00 in Paris
SUMMER = datetime(2030, 7, 15, 7, 0, tzinfo=timezone.utc)   # 09:00 in Paris


def flow(message: str = "Hello", numbers: tuple[str, ...] = ("33611111111",), **fields: Any) -> str:
    return json.dumps({"DATA": {"MESSAGE": message, "TPOA": "MyShop",
                                "SMS": [{"MOBILEPHONE": number} for number in numbers], **fields}})


@pytest.fixture
def clock() -> Clock:
    clock = Clock()
    clock.now = WINTER
    return clock


@pytest.fixture
def sim(clock: Clock) -> Iterator[AllMySmsSimulator]:
    with AllMySmsSimulator(accounts=[Account("sandbox", "sandbox-api-key", credits=1000),
                                     Account("other", "other-key")], clock=clock,
                           delivery={"0611111111": "delivered", "33622222222": 2, "33633333333": "rejected"}) as sim:
        yield sim


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False
        yield session


def call(http: requests.Session, sim: AllMySmsSimulator, endpoint: str = "sendSms", **fields: str) -> Any:
    response = http.post(f"{sim.url}/http/9.0/{endpoint}/", data={**LOGIN, **fields}, timeout=TIMEOUT)
    assert response.status_code == 200
    return response.json()


def acks(http: requests.Session, sim: AllMySmsSimulator, campaign_id: str) -> list[tuple[str, str]]:
    return [(ack["phoneNumber"], ack["status"]) for ack in call(http, sim, "getAcks", campId=campaign_id)["acks"]]


# -- DATE: pending until due, then sent -------------------------------------------------------------------

def test_a_future_date_answers_101_and_keeps_the_campaign_pending(sim: AllMySmsSimulator, http: requests.Session,
                                                                  clock: Clock) -> None:
    sent = call(http, sim, smsData=flow(DATE="2030-01-15 09:30:00", CAMPAIGN_NAME="Rappel"))
    assert (sent["status"], sent["creditsUsed"], sent["credits"]) == (101, "15", "985")  # paid when accepted
    state = sim.campaign(sent["campaignId"])
    assert state == CampaignState(sent["campaignId"], "sandbox", "Rappel", "2030-01-15 09:30:00", "pending",
                                  (sent["smsIds"][0]["smsId"],))
    assert (sim.received[0].send_at, sim.received[0].campaign_name) == ("2030-01-15 09:30:00", "Rappel")
    assert call(http, sim, "getAcks", campId=sent["campaignId"]) == {"status": "0"}  # no data: nothing went out

    clock.advance(minutes=29)
    assert sim.release_due() == []
    clock.advance(minutes=1)
    assert acks(http, sim, sent["campaignId"]) == [("33611111111", "1")]  # any request releases what is due
    assert sim.campaign(sent["campaignId"]).state == "sent"


def test_the_date_is_paris_time_in_summer_too(sim: AllMySmsSimulator, http: requests.Session, clock: Clock) -> None:
    clock.now = SUMMER  # 09:00 in Paris, 07:00 UTC
    assert call(http, sim, smsData=flow(DATE="2030-07-15 08:59:59"))["status"] == 100
    assert call(http, sim, smsData=flow(DATE="2030-07-15 09:00:01"))["status"] == 101


def test_the_reception_date_of_a_report_is_paris_time(sim: AllMySmsSimulator, http: requests.Session,
                                                      clock: Clock) -> None:
    sent = call(http, sim, smsData=flow())
    reply = call(http, sim, "getAcks", campId=sent["campaignId"])
    assert reply["acks"][0]["receptionDate"] == "2030-01-15 09:00:00"


def test_a_report_cannot_be_set_before_its_sms_goes_out(sim: AllMySmsSimulator, http: requests.Session) -> None:
    sent = call(http, sim, smsData=flow(DATE="2031-01-01 00:00:00"))
    with pytest.raises(KeyError, match="has not gone out yet: its campaign is pending"):
        sim.deliver(sent["smsIds"][0]["smsId"])


# -- delivery reports: deterministic, settable ------------------------------------------------------------

def test_reports_follow_the_delivery_table_then_deliver(sim: AllMySmsSimulator, http: requests.Session) -> None:
    numbers = ("0611111111", "0622222222", "0633333333", "0644444444")
    sent = call(http, sim, smsData=flow(numbers=numbers))
    assert acks(http, sim, sent["campaignId"]) == [
        ("33611111111", "1"), ("33622222222", "2"), ("33633333333", "5"), ("33644444444", "3")]
    sim.deliver(sent["smsIds"][3]["smsId"], "failed")
    assert acks(http, sim, sent["campaignId"])[3] == ("33644444444", "2")


def test_an_unknown_delivery_outcome_is_refused_up_front() -> None:
    with pytest.raises(ValueError, match="'lost'"):
        AllMySmsSimulator(delivery={"33611111111": "lost"})


# -- simulateCampaign -------------------------------------------------------------------------------------

def test_simulate_validates_and_prices_a_scheduled_campaign_without_side_effects(
        sim: AllMySmsSimulator, http: requests.Session) -> None:
    reply = call(http, sim, "simulateCampaign", smsData=flow("x" * 200, ("0611111111", "oops"),
                                                             DATE="2030-02-01 10:00:00", CAMPAIGN_NAME="Test"))
    assert reply == {"status": 101, "statusText": "Your messages have been scheduled for deferred sending",
                     "invalidNumbers": "oops", "nbCredits": 30, "nbContacts": 1, "nbSms": 2}
    assert (sim.received, sim.account("sandbox").credits) == ([], 1000)
    assert call(http, sim, "simulateCampaign", smsData=flow(DATE="2030-02-30 10:00:00"))["status"] == 115
    assert call(http, sim, "simulateCampaign", smsData=flow("x" * 641))["status"] == 111


# -- deleteCampaign ---------------------------------------------------------------------------------------

def test_delete_cancels_a_pending_campaign_and_refunds_it(sim: AllMySmsSimulator, http: requests.Session,
                                                          clock: Clock) -> None:
    sent = call(http, sim, smsData=flow(numbers=("0611111111", "0622222222"), DATE="2030-01-16 09:00:00"))
    assert sim.account("sandbox").credits == 970
    assert call(http, sim, "deleteCampaign", campId=sent["campaignId"]) == {"status": "OK"}
    assert (sim.account("sandbox").credits, sim.campaign(sent["campaignId"]).state) == (1000, "cancelled")
    clock.advance(days=2)
    assert call(http, sim, "getAcks", campId=sent["campaignId"]) == {"status": "0"}  # no data: nothing went out


@pytest.mark.parametrize(("scenario", "text"), [
    ("sent", "Campaign already sent"),
    ("cancelled", "Campaign already cancelled"),
    ("unknown", "Unknown campaign"),
    ("another account's", "Unknown campaign"),
])
def test_delete_refuses_what_is_not_pending(sim: AllMySmsSimulator, http: requests.Session, scenario: str,
                                            text: str) -> None:
    date = "2030-01-16 09:00:00" if scenario in ("cancelled", "another account's") else ""
    campaign_id = call(http, sim, smsData=flow(DATE=date))["campaignId"]
    if scenario == "cancelled":
        call(http, sim, "deleteCampaign", campId=campaign_id)
    login = {"login": "other", "apiKey": "other-key"} if scenario == "another account's" else {}
    reply = call(http, sim, "deleteCampaign", campId="sb_nothing" if scenario == "unknown" else campaign_id,
                 **login)
    assert reply == {"status": "KO", "statusText": text}


def test_delete_with_bad_credentials_answers_102(sim: AllMySmsSimulator, http: requests.Session) -> None:
    assert call(http, sim, "deleteCampaign", apiKey="wrong", campId="x")["status"] == 102


def test_forget_drops_pending_campaigns_too(sim: AllMySmsSimulator, http: requests.Session, clock: Clock) -> None:
    sent = call(http, sim, smsData=flow(DATE="2030-01-16 09:00:00"))
    sim.forget()
    clock.advance(days=2)
    assert sim.release_due() == []
    assert call(http, sim, "deleteCampaign", campId=sent["campaignId"])["statusText"] == "Unknown campaign"


# -- getInfo ----------------------------------------------------------------------------------------------

def test_get_info_tells_the_credits_left(sim: AllMySmsSimulator, http: requests.Session) -> None:
    call(http, sim, smsData=flow())
    reply = call(http, sim, "getInfo")
    assert (reply["status"], reply["credits"]) == ("Active Account", "985")
    assert "apiKey" not in reply
