"""Platform messages: their shape and their ids."""

from __future__ import annotations

import uuid

from pysailor.messages import new_id, new_message


def test_a_new_id_is_a_version_4_rfc_4122_uuid_in_canonical_text_form() -> None:
    for _ in range(1_000):
        text = new_id()
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed) == text


def test_new_ids_do_not_repeat_and_use_every_random_digit() -> None:
    ids = [new_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    # Every position that is not fixed by the format, the version or the variant takes all 16 hex digits.
    free = [i for i in range(36) if i not in (8, 13, 14, 18, 19, 23)]
    assert all(len({text[i] for text in ids}) == 16 for i in free)
    assert {text[19] for text in ids} == set("89ab")


def test_a_new_message_has_a_fresh_id_and_the_platform_fields() -> None:
    first, second = new_message({"a": 1}), new_message()
    assert first["id"] != second["id"]
    assert first == {"id": first["id"], "body": {"a": 1}, "attachments": {}, "headers": {}, "metadata": {}}
    assert second["body"] == {}


def test_a_new_message_keeps_a_given_id() -> None:
    assert new_message(message_id="m-1")["id"] == "m-1"
