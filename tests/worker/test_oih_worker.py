"""The worker on the Open Integration Hub: started with OIH's environment, it speaks Ferryman 2.4.7's protocol.

A fake orchestrator (tests/worker/orchestrator.py) declares OIH's topology on a real broker, signs the tokens
and serves the secret and snapshots services; what the worker publishes is read back from OIH's queues.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from .orchestrator import API_KEY, CREDENTIALS, SECRET_ID, OihFlow, Services, verify
from .platform import WorkerProcess

StartStep = Callable[..., WorkerProcess]


def test_a_message_gives_data_then_function_complete_and_is_acked(oih: OihFlow, oih_services: Services,
                                                                  start_oih_step: StartStep) -> None:
    start_oih_step("step_2")
    token = oih.publish("step_2", {"to": "33612345678"})
    data = oih.outputs("input")
    assert data.json() == {"data": {"received": {"to": "33612345678"},
                                    "cfg": {"mode": "step_2", "nodeSettings": {}, **CREDENTIALS}, "snapshot": {}},
                           "metadata": {"source": "rig"}, "headers": {}}
    assert data.headers["orchestratorToken"] == token
    verify(data.headers["orchestratorToken"])
    state = oih.outputs("step_state")
    assert state.body == b'"function complete"'
    assert oih.count("step_2:messages") == 0
    assert oih.count("step_2:deadletter") == 0
    assert oih_services.paths() == [f"/secrets/{SECRET_ID}", f"/snapshots/flows/{oih.flow_id}/steps/step_2"]
    assert {headers["authorization"] for _, headers in oih_services.requests} == {f"Bearer {API_KEY}"}
    print(json.dumps({k: str(v) for k, v in data.headers.items()}))
