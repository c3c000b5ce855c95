"""The bench's baseline does the component's work, so its ratios mean something: the bare client posts, byte
for byte, the body Send SMS posts, encoded before the post and read after it (bench/README.md, "Like with
like"). When the send path changes how it posts, this fails here instead of voiding the bench."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import harness


def test_the_bare_client_posts_what_send_sms_posts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "")  # the harness adds loopback to it; restored after the test
    with harness.simulator() as sim:
        component, bare = harness.Component(), harness.BareClient(sim.url)
        msg = harness.incoming(3)
        component.send(msg, 3)
        component.check_like_with_like(msg)
        bare.send(msg, 3)
        bare.close()
        assert [sms.phone_number for sms in sim.received] == harness.numbers(3) * 2  # both sides sent


def test_a_different_body_voids_the_comparison(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "")
    with harness.simulator():
        component = harness.Component()
        component.send(harness.incoming(2), 2)
        with pytest.raises(RuntimeError, match="the comparison is void"):
            component.check_like_with_like(harness.incoming(1))
