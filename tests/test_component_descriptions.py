"""component.json describes each action, input, output and setting for the platform's UI; its version is the
CHANGELOG's."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from allmysms_component.rules.options import SETTINGS, WINDOW_CHOICES
from pysailor import module_name
from pysailor.checks import validate_component

ROOT = Path(__file__).resolve().parent.parent
DATA = json.loads((ROOT / "component.json").read_text(encoding="utf-8"))
ACTIONS = ("sendSMS", "getDeliveryReports", "checkCredits", "cancelScheduledSend")


def described(schema: dict[str, Any], where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property of a schema, nested ones included, with where it is."""
    for key, prop in schema.get("properties", {}).items():
        yield f"{where}.{key}", prop
        yield from described(prop, f"{where}.{key}")
        if isinstance(prop.get("items"), dict):
            yield from described(prop["items"], f"{where}.{key}[]")


def test_the_version_is_the_changelogs_newest() -> None:
    newest = next(line for line in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()
                  if line.startswith("## "))
    assert newest.split()[1] == DATA["version"]


def test_component_json_is_valid_without_a_warning() -> None:
    report = validate_component(ROOT / "component.json")
    assert (report.errors, report.warnings) == ([], [])


@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_has_a_title_description_help_and_a_module_with_process(action: str) -> None:
    spec = DATA["actions"][action]
    assert spec["title"].strip()
    assert spec["description"].strip()
    assert spec["help"]["description"].strip()
    assert spec["help"]["link"].startswith("/components/allmysms/index.html#")
    assert callable(importlib.import_module(module_name(spec["main"])).process)


@pytest.mark.parametrize("action", ACTIONS)
def test_every_output_key_has_a_title_and_a_description(action: str) -> None:
    properties = list(described(DATA["actions"][action]["metadata"]["out"], action))
    assert properties
    for where, prop in properties:
        assert prop.get("title", "").strip(), where
        assert prop.get("description", "").strip(), where


def test_send_sms_settings_are_optional_fields_with_labels_and_notes() -> None:
    fields = DATA["actions"]["sendSMS"]["fields"]
    assert tuple(fields) == SETTINGS
    assert {key: field["viewClass"] for key, field in fields.items()} == {
        "dryRun": "CheckBoxView", "maxSmsParts": "SelectView", "replaceLookalikes": "CheckBoxView",
        "marketingMessage": "CheckBoxView", "duplicateWindow": "SelectView"}
    assert all(field["required"] is False and field["label"] and field["note"] for field in fields.values())
    assert list(fields["maxSmsParts"]["model"]) == ["1", "2", "3", "4"]
    assert list(fields["duplicateWindow"]["model"]) == WINDOW_CHOICES  # minutes, "0" (off) first


@pytest.mark.parametrize("key", ["sendAt", "campaignName"])
def test_the_new_send_sms_inputs_are_optional_and_may_be_null(key: str) -> None:
    prop = DATA["actions"]["sendSMS"]["metadata"]["in"]["properties"][key]
    assert prop["required"] is False
    assert prop["type"] == ["string", "null"]
    assert prop["title"]
    assert prop["description"]


@pytest.mark.parametrize("action", ["getDeliveryReports", "cancelScheduledSend"])
def test_actions_on_a_campaign_take_its_id(action: str) -> None:
    properties = DATA["actions"][action]["metadata"]["in"]["properties"]
    assert list(properties) == ["campaignId"]
    assert (properties["campaignId"]["type"], properties["campaignId"]["required"]) == ("string", True)


def test_check_credits_takes_no_input() -> None:
    assert "in" not in DATA["actions"]["checkCredits"]["metadata"]


def test_the_validator_still_warns_about_a_missing_output(tmp_path: Path) -> None:
    data = json.loads(json.dumps(DATA))
    del data["actions"]["checkCredits"]["metadata"]["out"]
    (tmp_path / "component.json").write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "allmysms_component").symlink_to(ROOT / "allmysms_component")
    report = validate_component(tmp_path / "component.json")
    assert report.warnings == ["action 'checkCredits' metadata.out is missing"]
