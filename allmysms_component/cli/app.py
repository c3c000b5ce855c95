"""The command line: send one SMS, run the action on a fixture, verify credentials, validate component.json,
serve the local AllMySMS simulator. ``allmysms-component --help`` and each command's ``--help`` say more.

Events and results go to stdout as JSON; logs go to stderr as bunyan JSON lines (``LOG_LEVEL``), so stdout
stays machine-readable. User errors and interrupts are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import pysailor

from .. import context
from . import commands
from .codes import EXIT_CODES, EXIT_INTERRUPTED, EXIT_MAYBE_SENT, EXIT_USAGE
from .io import UsageError

__all__ = ["run"]


def run(argv: Sequence[str] | None, stopped: threading.Event) -> int:
    """The command in ``argv``; ``stopped`` is set when a SIGTERM came before this (``cli.main``)."""
    parser = _parser()
    args = parser.parse_args(argv)
    args.stopped = stopped
    pysailor.configure_logging(sys.stderr)
    try:
        # The worker handles SIGTERM itself: it finishes what is in flight and exits 0.
        with contextlib.nullcontext() if args.run is commands.worker else _sigterm_interrupts(stopped):
            code: int = args.run(args)
    except (UsageError, pysailor.errors.ConfigurationError) as exc:
        _say(f"error: {exc}")
        return EXIT_USAGE
    except commands.MaybeSent:
        _say("interrupted: the SMS may have been sent; check the AllMySMS account before sending it again")
        return EXIT_MAYBE_SENT
    except KeyboardInterrupt:
        _say("interrupted; nothing was sent")
        return EXIT_INTERRUPTED
    return code


def _say(line: str) -> None:
    print(f"allmysms-component: {line}", file=sys.stderr, flush=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _sigterm_interrupts(stopped: threading.Event) -> Iterator[None]:
    """SIGTERM (kill, docker stop) interrupts like Ctrl-C, so that it too ends with one line saying what may
    have happened, instead of a silent death in the middle of a send; one that came earlier interrupts now."""
    if stopped.is_set():
        raise KeyboardInterrupt
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Version(argparse.Action):
    """``--version``: the version in component.json, read only when asked (a broken component.json must not
    stop ``validate`` from reporting it)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="print the component's version and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        print(f"{parser.prog} {context.load_descriptor().version}")
        parser.exit()


def _port(value: str) -> int:
    """A TCP port to listen on, 0 for any free one."""
    number = value.strip().removeprefix("-")
    if not (number.isascii() and number.isdigit()):
        raise argparse.ArgumentTypeError(f"{value!r} is not a port: give 0 to 65535 (0 picks a free one)")
    if value.strip().startswith("-") or int(number) > 65535:
        raise argparse.ArgumentTypeError(f"{value.strip()} is not a port: give 0 to 65535 (0 picks a free one)")
    return int(number)


def _host(value: str) -> str:
    """An address to listen on; an empty one would silently mean every interface."""
    if not value.strip():
        raise argparse.ArgumentTypeError("empty: give 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)")
    return value.strip()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="allmysms-component", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Send SMS through AllMySMS the way the integration platform runs the All My SMS step.",
        epilog=EXIT_CODES)
    parser.add_argument("--version", action=_Version)
    subcommands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, description: str) -> argparse.ArgumentParser:
        return subcommands.add_parser(name, help=help_text, description=description, epilog=EXIT_CODES,
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
    send.set_defaults(run=commands.send)

    run = command("run", "run the action on a fixture", "Run an action on a message as the platform would and "
                  "print each event (data, error, rebound, end) as a JSON line. Strings like {{NAME}} in the "
                  "configuration (the fixture's cfg, or the CONFIG file) are replaced by environment variables; "
                  "the message is sent as typed. Example: examples/send_sms.json.")
    run.add_argument("message", nargs="?", help='a fixture {"msg": ..., "cfg": ...}, a message, or a bare body; '
                     "- for stdin; none: an empty body")
    run.add_argument("config", nargs="?", help="the step configuration (credentials and settings) when not in the "
                     "fixture; without credentials, they come from the environment, a prompt or --sandbox")
    run.add_argument("--body", metavar="JSON", help='the message body inline, e.g. \'{"campaignId": "ap_1"}\', '
                     "instead of a message file (a CONFIG file may follow)")
    run.add_argument("--action", default=commands.ACTION, help=f"action id in component.json (default "
                     f"{commands.ACTION})")
    run.add_argument("--sandbox", action="store_true", help="send to a local AllMySMS simulator")
    run.add_argument("--snapshot", metavar="FILE", help="the step's snapshot (a polling trigger's memory): read "
                     "from FILE when it exists (it wins over a fixture's), and the snapshot the run ends with "
                     "written back to it")
    run.add_argument("--opted-out", metavar="NUMBERS", default="",
                     help="with --sandbox: comma-separated numbers on the simulator's opt-out list (getBlacklist "
                          "lists them, sendSms refuses them)")
    run.set_defaults(run=commands.run)

    check = command("verify", "check credentials", "Run the credentials check and print its result.")
    check.add_argument("config", nargs="?", help="JSON file with login and apiKey (default: the environment; "
                       "with --sandbox, the simulator's account)")
    check.add_argument("--sandbox", action="store_true", help="check against a local AllMySMS simulator")
    check.set_defaults(run=commands.verify)

    validate = command("validate", "check component.json", "Check component.json the way the platform's "
                       "validator does, plus that each main has a process function and the schemas are valid.")
    validate.add_argument("path", nargs="?", help="component.json to check (default: this component's)")
    validate.set_defaults(run=commands.validate)

    worker = command("worker", "run as a platform step", "Run as a step of a flow on the platform: consume the "
                     "step's RabbitMQ queue and publish to the flow's exchange, speaking the Node sailor's protocol. "
                     "Configured by the ELASTICIO_* environment variables (README: Running on the platform); "
                     "SIGTERM stops it cleanly. Logs go to stdout as bunyan JSON lines.")
    worker.set_defaults(run=commands.worker)

    service = command("service", "run a one-shot platform service", "Run a platform service once and POST its "
                      "result to ELASTICIO_POST_RESULT_URL: verifyCredentials checks ELASTICIO_CFG.")
    service.add_argument("method", help="the service: verifyCredentials")
    service.set_defaults(run=commands.service)

    serve = command("sandbox", "serve the AllMySMS simulator", "Serve the local AllMySMS API v9 simulator until "
                    "Ctrl-C or SIGTERM, printing each SMS it receives.")
    serve.add_argument("--host", type=_host, default="127.0.0.1", help="address to listen on (default 127.0.0.1: "
                       "this machine only; 0.0.0.0: every interface)")
    serve.add_argument("--port", type=_port, default=8080, help="port (default 8080; 0 picks a free one)")
    serve.add_argument("--tls", action="store_true", help="serve HTTPS with a throw-away test CA (needs trustme, "
                       "from the test extra)")
    serve.add_argument("--push-url", metavar="URL", help="push delivery reports and replies to this URL, as "
                       "AllMySMS pushes to the URL set in its customer area (inject them with POST "
                       "/sandbox/deliver and /sandbox/reply)")
    serve.add_argument("--push-method", choices=("POST", "GET"), default="POST",
                       help="POST the fields as a form (default) or add them to the URL's query (GET)")
    serve.add_argument("--opted-out", metavar="NUMBERS", default="", help="comma-separated numbers on the "
                       "simulator's opt-out list (getBlacklist lists them, sendSms refuses them)")
    serve.set_defaults(run=commands.sandbox)
    return parser
