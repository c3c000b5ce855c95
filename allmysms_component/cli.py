"""The command line: send one SMS, run the action on a fixture, verify credentials, validate component.json,
serve the local AllMySMS simulator. ``allmysms-component --help`` and each command's ``--help`` say more.

Events and results go to stdout as JSON; logs go to stderr as bunyan JSON lines (``LOG_LEVEL``), so stdout
stays machine-readable. User errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import getpass
import json
import os
import re
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from . import context, runtime
from .runtime.checks import validate_component
from .settings import Settings

EXIT_OK = 0
EXIT_ERROR = 1      # the action emitted an error, the credentials were refused, component.json is invalid
EXIT_USAGE = 2      # bad command line, unreadable file, missing credentials
EXIT_REBOUND = 3    # nothing was sent; the platform would try the message again later

EXIT_CODES = """exit codes:
  0  done: the SMS was accepted / the credentials verified / component.json is valid
  1  the action emitted an error, the credentials were refused, or component.json has errors
  2  usage error: bad arguments, unreadable file, missing credentials
  3  rebound: nothing was sent, AllMySMS asked to try again later"""

ACTION = "sendSMS"
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class UsageError(Exception):
    """A mistake on the command line or in a file: reported as one line, exit code 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    runtime.configure_logging(sys.stderr)
    try:
        code: int = args.run(args)
    except UsageError as exc:
        print(f"allmysms-component: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return code


# -- commands ---------------------------------------------------------------------------------------------

def _send(args: argparse.Namespace) -> int:
    body = {"mobileNumbers": args.to, "senderName": args.sender, "messageText": args.text}
    msg = runtime.new_incoming(body)
    with _api(args.sandbox) as simulator:
        cfg = _sandbox_cfg() if simulator else _credentials_from_env_or_prompt()
        execution = runtime.execute(_load_process(ACTION), msg, cfg)
        _print_events(execution, indent=2)
        if simulator:
            received = [_received_json(sms) for sms in simulator.received]
            _print_json({"simulator": {"url": simulator.url, "received": received}}, indent=2)
    return _exit_code(execution)


def _run(args: argparse.Namespace) -> int:
    loaded = _read_json(args.message)
    snapshot = None
    if isinstance(loaded, dict) and "msg" in loaded:  # a {msg, cfg, snapshot} fixture, as cmp:process reads
        msg, cfg, snapshot = loaded["msg"], loaded.get("cfg"), loaded.get("snapshot")
    else:
        msg, cfg = loaded, None
    if args.config:
        cfg = _read_json(args.config)
    msg, cfg = _substitute(msg), _substitute(cfg)
    if isinstance(msg, dict) and "body" not in msg:
        msg = runtime.new_incoming(msg)  # a bare body, as a mapper would produce it
    with _api(args.sandbox) as simulator:
        if cfg is None:
            cfg = _sandbox_cfg() if simulator else _credentials_from_env_or_prompt()
        execution = runtime.execute(_load_process(args.action), msg, cfg, snapshot)
        _print_events(execution)
    return _exit_code(execution)


def _verify(args: argparse.Namespace) -> int:
    from .verify_credentials import verify

    cfg = _substitute(_read_json(args.config)) if args.config else _credentials_from_env_or_prompt()
    if isinstance(cfg, dict) and "cfg" in cfg:
        cfg = cfg["cfg"]
    with _api(args.sandbox):
        result = runtime.verify(verify, cfg)
    _print_json(result)
    return EXIT_OK if result.get("verified") else EXIT_ERROR


def _validate(args: argparse.Namespace) -> int:
    path = Path(args.path) if args.path else runtime.component_json_path()
    report = validate_component(path)
    for problem in report.errors:
        print(f"error: {problem}")
    for problem in report.warnings:
        print(f"warning: {problem}")
    print(f"{path}: {'valid' if report.ok else 'invalid'} ({len(report.errors)} errors, "
          f"{len(report.warnings)} warnings)")
    return EXIT_OK if report.ok else EXIT_ERROR


def _sandbox(args: argparse.Namespace) -> int:
    from .sandbox import SANDBOX_ACCOUNT, TRIAL_ACCOUNT, AllMySmsSimulator, ReceivedSms

    def show(sms: ReceivedSms) -> None:
        _print_json({"received": _received_json(sms)})

    # A SIGTERM (kill, docker stop) stops it like Ctrl-C, at any point: connections closed, the throw-away CA
    # file removed.
    signal.signal(signal.SIGTERM, _interrupt)
    simulator = AllMySmsSimulator(host=args.host, port=args.port, tls=args.tls, on_receive=show)
    try:
        simulator.start()
        print(f"AllMySMS simulator at {simulator.url}", flush=True)
        print(f"  accounts: login {SANDBOX_ACCOUNT.login!r} (API key {SANDBOX_ACCOUNT.api_key!r}), "
              f"trial login {TRIAL_ACCOUNT.login!r}", flush=True)
        print(f"  try: ALLMYSMS_API_URL={simulator.url} ALLMYSMS_LOGIN={SANDBOX_ACCOUNT.login} "
              f"ALLMYSMS_API_KEY={SANDBOX_ACCOUNT.api_key} allmysms-component send ...", flush=True)
        if simulator.ca_bundle:
            print(f"  test CA: {simulator.ca_bundle} (REQUESTS_CA_BUNDLE={simulator.ca_bundle})", flush=True)
        print("Ctrl-C stops it.", flush=True)
        simulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
    return EXIT_OK


def _worker(args: argparse.Namespace) -> int:
    from .worker.main import run_worker

    runtime.configure_logging(sys.stdout)  # the platform reads a step's logs on stdout, as the sailor writes them
    return run_worker()


def _service(args: argparse.Namespace) -> int:
    from .worker.main import run_service

    runtime.configure_logging(sys.stdout)
    return run_service(args.method)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


# -- helpers ----------------------------------------------------------------------------------------------

def _load_process(action: str) -> runtime.Process:
    return runtime.load_process(context.current().descriptor, action)


@contextlib.contextmanager
def _api(sandbox: bool) -> Iterator[Any]:
    """With --sandbox: a simulator in this process, and the component's context pointed at it while the block
    runs (the deployment's other settings, such as timeouts, still come from the environment)."""
    if not sandbox:
        yield None
        return
    from .sandbox import TRIAL_ACCOUNT, AllMySmsSimulator

    with AllMySmsSimulator() as simulator:
        settings = dataclasses.replace(Settings.from_env(), api_url=simulator.url, trial_login=TRIAL_ACCOUNT.login,
                                       trial_api_key=TRIAL_ACCOUNT.api_key)
        sandboxed = context.Context(settings)
        try:
            with context.using(sandboxed):
                yield simulator
        finally:
            sandboxed.close()


def _sandbox_cfg() -> dict[str, str]:
    """The simulator's own account, unless the environment names another (e.g. to try trial mode)."""
    from .sandbox import SANDBOX_ACCOUNT

    login = os.environ.get("ALLMYSMS_LOGIN", SANDBOX_ACCOUNT.login)
    api_key = os.environ.get("ALLMYSMS_API_KEY", SANDBOX_ACCOUNT.api_key)
    return {"login": login, "apiKey": api_key}


def _credentials_from_env_or_prompt() -> dict[str, str]:
    """Credentials never come from a flag: a flag would show in the process list and the shell history."""
    login = os.environ.get("ALLMYSMS_LOGIN")
    api_key = os.environ.get("ALLMYSMS_API_KEY")
    if login is None and api_key is None and sys.stdin.isatty():
        login = input("AllMySMS login (blank for trial mode): ")
        api_key = getpass.getpass("AllMySMS API key (hidden): ") if login.strip() else ""
    if login is None and api_key is None:
        raise UsageError("no credentials: set ALLMYSMS_LOGIN and ALLMYSMS_API_KEY (blank for trial mode), or "
                         "run from a terminal to be asked, or use --sandbox")
    return {"login": login or "", "apiKey": api_key or ""}


def _read_json(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{path} is not JSON: {exc}") from None


def _substitute(value: Any) -> Any:
    """``{{NAME}}`` in fixture strings replaced by the environment variable, so secrets stay out of files."""
    if isinstance(value, str):
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise UsageError(f"the fixture uses {{{{{name}}}}} but the environment variable {name} is not set")
            return os.environ[name]
        return _PLACEHOLDER.sub(replace, value)
    if isinstance(value, dict):
        return {key: _substitute(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item) for item in value]
    return value


def _received_json(sms: Any) -> dict[str, Any]:
    return {"smsId": sms.sms_id, "campaignId": sms.campaign_id, "phoneNumber": sms.phone_number,
            "sender": sms.sender, "text": sms.text, "parts": sms.parts, "cliMsgId": sms.cli_msg_id}


def _print_events(execution: runtime.Execution, indent: int | None = None) -> None:
    for event in execution.events:
        line = event.to_json()
        if event.name == "end":
            line["outcome"] = execution.outcome
        _print_json(line, indent)


def _print_json(value: Any, indent: int | None = None) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=indent), flush=True)


def _exit_code(execution: runtime.Execution) -> int:
    if execution.first("error"):
        return EXIT_ERROR
    if execution.first("rebound"):
        return EXIT_REBOUND
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="allmysms-component", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Send SMS through AllMySMS the way the integration platform runs the All My SMS step.",
        epilog=EXIT_CODES)
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, description: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help_text, description=description, epilog=EXIT_CODES,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)

    send = command("send", "send one SMS", "Send one SMS through the Send SMS action. Credentials come from "
                   "ALLMYSMS_LOGIN and ALLMYSMS_API_KEY, or a prompt; never from a flag.")
    send.add_argument("--to", required=True, help="mobile numbers, comma-separated (e.g. 33612345678)")
    send.add_argument("--sender", required=True, help="sender name: 3 to 11 letters and digits")
    send.add_argument("--text", required=True, help="message text (at most 160 characters are sent)")
    send.add_argument("--sandbox", action="store_true",
                      help="send to a local AllMySMS simulator started for this run (offline, free)")
    send.set_defaults(run=_send)

    run = command("run", "run the action on a fixture", "Run an action on a message as the platform would and "
                  "print each event (data, error, rebound, end) as a JSON line. Strings like {{NAME}} in the "
                  "files are replaced by environment variables.")
    run.add_argument("message", help='a fixture {"msg": ..., "cfg": ...}, a message, or a bare body; - for stdin')
    run.add_argument("config", nargs="?", help="the step configuration (credentials) when not in the fixture")
    run.add_argument("--action", default=ACTION, help=f"action id in component.json (default {ACTION})")
    run.add_argument("--sandbox", action="store_true", help="send to a local AllMySMS simulator")
    run.set_defaults(run=_run)

    check = command("verify", "check credentials", "Run the credentials check and print its result.")
    check.add_argument("config", nargs="?", help="JSON file with login and apiKey (default: the environment)")
    check.add_argument("--sandbox", action="store_true", help="check against a local AllMySMS simulator")
    check.set_defaults(run=_verify)

    validate = command("validate", "check component.json", "Check component.json the way the platform's "
                       "validator does, plus that each main has a process function and the schemas are valid.")
    validate.add_argument("path", nargs="?", help="component.json to check (default: this component's)")
    validate.set_defaults(run=_validate)

    worker = command("worker", "run as a platform step", "Run as a step of a flow on the platform: consume the "
                     "step's RabbitMQ queue and publish to the flow's exchange, speaking the Node sailor's protocol. "
                     "Configured by the ELASTICIO_* environment variables (docs/worker.md); SIGTERM stops it "
                     "cleanly. Logs go to stdout as bunyan JSON lines.")
    worker.set_defaults(run=_worker)

    run_service = command("service", "run a one-shot platform service", "Run a platform service once and POST "
                          "its result to ELASTICIO_POST_RESULT_URL: verifyCredentials checks ELASTICIO_CFG.")
    run_service.add_argument("method", help="the service: verifyCredentials")
    run_service.set_defaults(run=_service)

    serve = command("sandbox", "serve the AllMySMS simulator", "Serve the local AllMySMS API v9 simulator until "
                    "Ctrl-C, printing each SMS it receives.")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    serve.add_argument("--tls", action="store_true", help="serve HTTPS with a throw-away test CA")
    serve.set_defaults(run=_sandbox)
    return parser
