"""Input validation on the send path: fastjsonschema, compiled once from component.json's draft 3 schema, finds
what jsonschema's draft 3 validator finds and names every problem by its label; a plain send never loads
jsonschema."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft3Validator

import pysailor.errors
from allmysms_component import context
from allmysms_component.errors import InvalidInputError
from pysailor.schema import ActionSchema, draft4

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "component.json").read_text(encoding="utf-8"))["actions"]["sendSMS"]["metadata"]["in"]
KEYS = list(SCHEMA["properties"])
# Values a mapper may hand over. None ends in "\n": there, ECMA's "$" (the schema's dialect, which the component
# follows) and Python's (what jsonschema uses) disagree on purpose.
VALUES = st.one_of(st.sampled_from(["", "MyShop", "1shop", "Ab", "33612345678", "x" * 60, "two\nlines", "Café"]),
                   st.text(max_size=30).filter(lambda text: not text.endswith("\n")),
                   st.integers(), st.floats(allow_nan=False), st.booleans(), st.none(),
                   st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
BODIES = st.dictionaries(st.sampled_from(KEYS), VALUES)


def jsonschema_findings(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, keyword) of each error jsonschema's draft 3 validator reports."""
    found = []
    for error in Draft3Validator(SCHEMA).iter_errors(body):
        field = str(error.path[0]) if error.path else error.message.split("'")[1]  # "'x' is a required property"
        found.append((field, str(error.validator)))
    return sorted(found)


def findings(body: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        context.current().descriptor.action("sendSMS").validate(body)
    except InvalidInputError as error:
        return sorted(_finding(problem) for problem in error.problems)
    return []


def _finding(problem: str) -> tuple[str, str]:
    field = problem.split("(", 1)[1].split(")", 1)[0]
    for keyword, said in (("required", "is required"), ("type", "must be text"), ("type", "must be a list"),
                          ("minLength", "is empty"), ("maxLength", "is too long"), ("pattern", "is not allowed")):
        if said in problem:
            return field, keyword
    raise AssertionError(f"an unexpected problem: {problem}")


@settings(max_examples=300, deadline=None)
@given(BODIES)
def test_the_validator_finds_what_jsonschema_draft_3_finds(body: dict[str, Any]) -> None:
    assert findings(body) == jsonschema_findings(body)


def test_every_problem_is_listed_by_field_then_keyword() -> None:
    with pytest.raises(InvalidInputError) as caught:
        context.current().descriptor.action("sendSMS").validate(
            {"mobileNumbers": 42, "senderName": "", "messageText": "Hi"})
    assert caught.value.field == "mobileNumbers"
    assert caught.value.problems == [
        "Mobile numbers (mobileNumbers) must be text, not a number",
        "Sender Name (senderName) is empty",
        f"Sender Name (senderName) '' is not allowed; allowed: {SCHEMA['properties']['senderName']['description']}",
    ]


def test_draft_3_required_booleans_become_the_parents_list() -> None:
    schema = {"type": "object", "properties": {
        "a": {"type": "string", "required": True},
        "b": {"type": "any", "required": False},
        "c": {"type": "object", "required": True, "properties": {"d": {"type": "string", "required": True}}},
        "e": {"type": "array", "items": {"type": "object", "properties": {"f": {"required": True}}}},
    }}
    original = copy.deepcopy(schema)
    assert draft4(schema) == {"type": "object", "required": ["a", "c"], "properties": {
        "a": {"type": "string"},
        "b": {},
        "c": {"type": "object", "required": ["d"], "properties": {"d": {"type": "string"}}},
        "e": {"type": "array", "items": {"type": "object", "required": ["f"], "properties": {"f": {}}}},
    }}
    assert schema == original


def test_a_nested_problem_names_its_top_field() -> None:
    action = ActionSchema("nested", {"type": "object", "properties": {
        "who": {"title": "Who", "type": "object", "required": True,
                "properties": {"name": {"type": "string", "required": True}}}}})
    with pytest.raises(pysailor.errors.InvalidInputError) as caught:
        action.validate({"who": {}})
    assert caught.value.field == "who"
    assert caught.value.problems[0].startswith("Who (who): ")


def test_validation_never_changes_the_body() -> None:
    action = ActionSchema("defaults", {"type": "object", "properties": {
        "mode": {"type": "string", "default": "fast"}, "n": {"type": "integer", "format": "email"}}})
    body: dict[str, Any] = {"n": 3}
    action.validate(body)
    assert body == {"n": 3}


def test_a_plain_send_loads_neither_jsonschema_nor_the_campaign_calls() -> None:
    code = """
import sys, responses
from allmysms_component.actions.send_sms import process
with responses.RequestsMock() as api:
    api.post("https://api.allmysms.com/http/9.0/sendSms/", json={"status": 100, "statusText": "OK",
             "invalidNumbers": "", "smsIds": [{"phoneNumber": "33612345678", "smsId": "s1"}]})
    process({"id": "m", "body": {"mobileNumbers": "33612345678", "senderName": "MyShop", "messageText": "Hi"}},
            {"login": "me", "apiKey": "key"})
print(sorted(name for name in sys.modules if name.startswith(("jsonschema", "allmysms_component.api.campaigns"))))
"""
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60,
                            env={"PATH": "", "PYTHONPATH": str(ROOT)})
    assert loaded.stdout.strip() == "[]"
