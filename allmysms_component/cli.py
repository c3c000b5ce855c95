"""The command line: send one SMS, run the action on a fixture, verify credentials, validate component.json,
serve the local AllMySMS simulator. ``allmysms-component --help`` and each command's ``--help`` say more.

Events and results go to stdout as JSON; logs go to stderr as bunyan JSON lines (``LOG_LEVEL``), so stdout
stays machine-readable. User errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from . import context, runtime
from .cli_inputs import (
    UsageError,
    credentials_from_env_or_prompt,
    read_json,
    step_config,
    substitute,
    unknown_settings,
)
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
# --flag -> the Send SMS setting it ticks (component.json fields)
CHECKBOX_FLAGS = {"dry_run": "dryRun", "replace_lookalikes": "replaceLookalikes", "marketing": "marketingMessage"}


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
    optional = {"sendAt": args.send_at, "campaignName": args.campaign_name}
    body.update({key: value for key, value in optional.items() if value is not None})
    settings = {setting: "on" for flag, setting in CHECKBOX_FLAGS.items() if getattr(args, flag)}
    if args.max_parts is not None:
        settings["maxSmsParts"] = str(args.max_parts)
    msg = runtime.new_incoming(body)
    with _api(args.sandbox) as simulator:
        cfg = step_config(None, sandbox=simulator is not None, settings=settings)
        execution = runtime.execute(_load_process(ACTION), msg, cfg)
        _print_events(execution, indent=2)
        if simulator:
            received = [_received_json(sms) for sms in simulator.received]
            _print_json({"simulator": {"url": simulator.url, "received": received}}, indent=2)
    return _exit_code(execution)


def _run(args: argparse.Namespace) -> int:
    loaded = read_json(args.message) if args.message else {}  # no file: an empty body (e.g. checkCredits)
    snapshot = None
    if isinstance(loaded, dict) and "msg" in loaded:  # a {msg, cfg, snapshot} fixture, as cmp:process reads
        msg, cfg, snapshot = loaded["msg"], loaded.get("cfg"), loaded.get("snapshot")
    else:
        msg, cfg = loaded, None
    if args.config:
        cfg = read_json(args.config)
    msg, cfg = substitute(msg), substitute(cfg)
    if isinstance(msg, dict) and "body" not in msg:
        msg = runtime.new_incoming(msg)  # a bare body, as a mapper would produce it
    with _api(args.sandbox) as simulator:
        for key in unknown_settings(cfg, args.action):
            print(f"allmysms-component: warning: {key!r} in the configuration is not a credential or a setting "
                  f"of {args.action}: it is ignored", file=sys.stderr)
        cfg = step_config(cfg, sandbox=simulator is not None)
        execution = runtime.execute(_load_process(args.action), msg, cfg, snapshot)
        _print_events(execution)
    return _exit_code(execution)


def _verify(args: argparse.Namespace) -> int:
    from .verify_credentials import verify

    cfg = substitute(read_json(args.config)) if args.config else credentials_from_env_or_prompt()
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


def _received_json(sms: Any) -> dict[str, Any]:
    return {"smsId": sms.sms_id, "campaignId": sms.campaign_id, "phoneNumber": sms.phone_number,
            "sender": sms.sender, "text": sms.text, "parts": sms.parts, "cliMsgId": sms.cli_msg_id,
            "campaignName": sms.campaign_name, "sendAt": sms.send_at}


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
    send.add_argument("--text", required=True, help="message text (at most 160 characters are sent, unless "
                      "--max-parts allows more)")
    send.add_argument("--send-at", metavar="ISO8601", help="schedule it, e.g. 2026-12-01T09:30:00+01:00 (an offset "
                      "or Z is required)")
    send.add_argument("--campaign-name", metavar="NAME", help="name the send in the AllMySMS account")
    send.add_argument("--dry-run", action="store_true", help="send nothing: print what it would cost")
    send.add_argument("--max-parts", type=int, choices=range(1, 5), metavar="{1-4}",
                      help="SMS parts the text may fill (default 1: 160 characters, as before)")
    send.add_argument("--replace-lookalikes", action="store_true",
                      help="replace curly quotes, dashes, odd spaces... by their GSM-7 equivalent")
    send.add_argument("--marketing", action="store_true",
                      help="append ' STOP au 36180' unless the text has a STOP mention")
    send.add_argument("--sandbox", action="store_true",
                      help="send to a local AllMySMS simulator started for this run (offline, free)")
    send.set_defaults(run=_send)

    run = command("run", "run the action on a fixture", "Run an action on a message as the platform would and "
                  "print each event (data, error, rebound, end) as a JSON line. Strings like {{NAME}} in the "
                  "files are replaced by environment variables.")
    run.add_argument("message", nargs="?", help='a fixture {"msg": ..., "cfg": ...}, a message, or a bare body; '
                     "- for stdin; none: an empty body")
    run.add_argument("config", nargs="?", help="the step configuration (credentials and settings) when not in the "
                     "fixture; without credentials, they come from the environment, a prompt or --sandbox")
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

    serve = command("sandbox", "serve the AllMySMS simulator", "Serve the local AllMySMS API v9 simulator until "
                    "Ctrl-C, printing each SMS it receives.")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    serve.add_argument("--tls", action="store_true", help="serve HTTPS with a throw-away test CA")
    serve.set_defaults(run=_sandbox)
    return parser
