"""What a replica loads before its first SMS: the modules a plain send does not use stay out of a fresh process
(their import is most of the first message's cost, bench/README.md)."""

from __future__ import annotations

import subprocess
import sys

# jsonschema checks a schema (`allmysms-component validate`); yarl reads the worker's URLs; the runtime's execution
# runs steps for the worker and the CLI; phonenumbers and holidays serve settings a plain send leaves off;
# dataclasses costs ~21 M instructions to import, and each class ~4 M to create, on a fresh process's first SMS.
NOT_ON_THE_SEND_PATH = ("jsonschema", "yarl", "pysailor.execution", "phonenumbers", "holidays", "dataclasses")


def test_importing_the_send_action_loads_none_of_what_a_plain_send_does_not_use() -> None:
    code = ("import sys\nfrom allmysms_component.actions.send_sms import process\n"
            f"print(sorted(name for name in {NOT_ON_THE_SEND_PATH!r} if name in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_runtime_still_offers_execute_at_its_import_path() -> None:
    from pysailor import Execution, execute

    assert execute.__module__ == "pysailor.execution"
    assert Execution.__module__ == "pysailor.execution"
