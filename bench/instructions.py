"""Instructions counted by callgrind: one Send SMS against a bare ``requests`` post of the same form, and the
first SMS of a fresh process against ``import requests`` + one post, net of the interpreter's start.

valgrind's callgrind counts the instructions a process executes: the count repeats to a fraction of a percent
whatever else the machine runs, where wall time on a shared machine does not. Each figure is a whole process
run under callgrind; the simulator runs in a process of its own, outside valgrind.

- One send: a child warms up (``WARM_UP`` sends: the validator compiled, the connection open, the caches warm),
  then makes ``--sends`` more; the same child with no further send is the base. (count - base) / sends is the
  cost of one send. The bare child posts the same form (checked field for field first, outside valgrind) with
  a kept-alive ``requests.Session`` and reads the JSON answer. Logging as deployed: bunyan lines at ``info``
  into /dev/null.
- First SMS: fresh ``python -c`` children: the component (configure logging, import the action, one send),
  the bare one (``import requests``, one ``requests.post``), and ``pass``. Ratio = (component - pass) /
  (bare - pass). Bytecode: a private ``PYTHONPYCACHEPREFIX`` filled by a run outside valgrind puts the source
  checkout on the footing of an installed wheel (this machine sets ``PYTHONDONTWRITEBYTECODE``).

    .venv/bin/python bench/instructions.py            # about 2 minutes on 2 cores
    .venv/bin/python bench/instructions.py --sends 20 # quicker, a little less exact

Exit status 1 when a target is missed. Needs Debian's ``valgrind``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import CFG, SEND_PATH, TIMEOUT, bare_form, incoming

SEND_TARGET = 1.10   # issue 18: one send <= 1.10x the bare post's instructions
FIRST_TARGET = 1.2   # issue 18: first SMS <= 1.2x import requests + one post, net of the interpreter's start
WARM_UP = 20
ROOT = Path(__file__).resolve().parent.parent

SIMULATOR = """\
import sys
from allmysms_component.sandbox import SANDBOX_ACCOUNT, Account, AllMySmsSimulator
account = Account(SANDBOX_ACCOUNT.login, SANDBOX_ACCOUNT.api_key, credits=10**15)
with AllMySmsSimulator(accounts=[account]) as sim:
    print(sim.url, flush=True)
    sys.stdin.read()
"""
# Warm children: argv = [input file, warm-up sends, measured sends]. The input file holds msg and cfg
# (component) or url and form (bare).
COMPONENT_SENDS = """\
import json, os, sys
from pysailor import configure_logging
from allmysms_component.actions.send_sms import process
configure_logging(open(os.devnull, "w"), "info")
given = json.load(open(sys.argv[1]))
msg, cfg = given["msg"], given["cfg"]
for _ in range(int(sys.argv[2]) + int(sys.argv[3])):
    assert process(msg, cfg)["body"]["status"] == 100
"""
BARE_SENDS = """\
import json, sys
import requests
given = json.load(open(sys.argv[1]))
session = requests.Session()
for _ in range(int(sys.argv[2]) + int(sys.argv[3])):
    form = {**given["form"], "smsData": json.dumps(json.loads(given["form"]["smsData"]), ensure_ascii=False,
                                                   separators=(",", ":"))}
    response = session.post(given["url"], data=form, timeout=tuple(given["timeout"]), allow_redirects=False)
    assert json.loads(response.content)["status"] == 100
"""
# Fresh children: one message each.
COMPONENT_FIRST = """\
import json, os, sys
from pysailor import configure_logging
configure_logging(open(os.devnull, "w"), "info")
from allmysms_component.actions.send_sms import process
given = json.load(open(sys.argv[1]))
assert process(given["msg"], given["cfg"])["body"]["status"] == 100
"""
BARE_FIRST = """\
import json, sys
import requests
given = json.load(open(sys.argv[1]))
response = requests.post(given["url"], data=given["form"], timeout=tuple(given["timeout"]), allow_redirects=False)
assert json.loads(response.content)["status"] == 100
"""
# Outside valgrind: the form the component posts must be the bare one, field for field.
CHECK = """\
import json, sys
import requests
from allmysms_component.actions.send_sms import process
given = json.load(open(sys.argv[1]))
posted = []
original = requests.Session.post
def post(self, url, data=None, **kwargs):
    posted.append(dict(kv.split("=", 1) for kv in data.split("&")) if isinstance(data, str) else data)
    return original(self, url, data=data, **kwargs)
requests.Session.post = post
process(given["msg"], given["cfg"])
print(json.dumps(posted))
"""


def callgrind(code: str, args: list[str], env: dict[str, str], workdir: str) -> int:
    """Instructions executed by ``python -c code args`` under callgrind."""
    out = os.path.join(workdir, "callgrind.out")
    subprocess.run([shutil.which("valgrind") or "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                    "--dump-line=no", sys.executable, "-c", code, *args], check=True, env=env, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for line in Path(out).read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError("callgrind wrote no totals")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sends", type=int, default=100, help="measured sends per warm child (default 100)")
    options = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind is needed: apt-get install valgrind", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as workdir:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("ALLMYSMS_", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "LOG_LEVEL"))}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(PYTHONHASHSEED="0", PYTHONPYCACHEPREFIX=os.path.join(workdir, "pycache"),
                   NO_PROXY="127.0.0.1,localhost", PYTHONPATH=str(ROOT))
        simulator = subprocess.Popen([sys.executable, "-c", SIMULATOR], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        try:
            assert simulator.stdout is not None
            url = simulator.stdout.readline().strip()
            env["ALLMYSMS_API_URL"] = url
            return measure(url, env, workdir, options.sends)
        finally:
            simulator.terminate()
            simulator.wait(timeout=10)


def measure(url: str, env: dict[str, str], workdir: str, sends: int) -> int:
    msg = incoming(1)
    form = bare_form(msg["body"]["mobileNumbers"])
    given = os.path.join(workdir, "given.json")
    Path(given).write_text(json.dumps({"msg": msg, "cfg": CFG, "url": url + SEND_PATH, "form": form,
                                       "timeout": list(TIMEOUT)}))
    checked = subprocess.run([sys.executable, "-c", CHECK, given], env=env, cwd=ROOT, check=True,
                             capture_output=True, text=True)
    posted = [{key: _unquote(value) for key, value in fields.items()} for fields in json.loads(checked.stdout)]
    if posted != [form]:
        print(f"the bare post does not send what the component sends: the comparison is void\n{posted}",
              file=sys.stderr)
        return 1
    for code in (COMPONENT_FIRST, BARE_FIRST, "pass"):  # fills the bytecode cache
        subprocess.run([sys.executable, "-c", code, given], env=env, cwd=ROOT, check=True)

    def per_send(code: str) -> float:
        base = callgrind(code, [given, str(WARM_UP), "0"], env, workdir)
        return (callgrind(code, [given, str(WARM_UP), str(sends)], env, workdir) - base) / sends

    component, bare = per_send(COMPONENT_SENDS), per_send(BARE_SENDS)
    first = {name: callgrind(code, [given], env, workdir)
             for name, code in (("component", COMPONENT_FIRST), ("bare", BARE_FIRST), ("pass", "pass"))}
    first_ratio = (first["component"] - first["pass"]) / (first["bare"] - first["pass"])
    send_ratio = component / bare
    print(f"Instructions (callgrind), Python {sys.version.split()[0]}, {sends} sends after {WARM_UP} warm-up\n")
    print("| What | Component | Baseline (same run) | Ratio | Target | Met |")
    print("|---|---:|---:|---:|---:|---|")
    print(f"| One send, 1 recipient | {component:,.0f} | {bare:,.0f} (bare requests post) | {send_ratio:.3f}x "
          f"| <= {SEND_TARGET}x | {_met(send_ratio <= SEND_TARGET)} |")
    print(f"| First SMS of a fresh process, net of `python -c pass` ({first['pass']:,}) "
          f"| {first['component'] - first['pass']:,} | {first['bare'] - first['pass']:,} (import requests + "
          f"post) | {first_ratio:.3f}x | <= {FIRST_TARGET}x | {_met(first_ratio <= FIRST_TARGET)} |")
    return 0 if send_ratio <= SEND_TARGET and first_ratio <= FIRST_TARGET else 1


def _unquote(value: str) -> str:
    from urllib.parse import unquote_plus

    return unquote_plus(value)


def _met(ok: bool) -> str:
    return "yes" if ok else "**NO**"


if __name__ == "__main__":
    sys.exit(main())
