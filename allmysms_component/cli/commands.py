"""The commands: send one SMS, run an action on a fixture, verify credentials, validate component.json, serve
the simulator. Each takes the parsed arguments and returns the exit code."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import pysailor
from pysailor.checks import validate_component

from .. import context
from ..errors import ConfigurationError
from ..settings import Settings, deployment_env
from .codes import EXIT_ERROR, EXIT_OK, EXIT_REBOUND
from .io import (
    UsageError,
    credentials_from_env_or_prompt,
    hide_query,
    inline_body,
    print_json,
    read_json,
    read_snapshot,
    received_json,
    sandbox_cfg,
    step_config,
    substitute,
    unknown_settings,
    write_snapshot,
)

ACTION = "sendSMS"
# --flag -> the Send SMS setting it ticks (component.json fields)
CHECKBOX_FLAGS = {"dry_run": "dryRun", "replace_lookalikes": "replaceLookalikes", "marketing": "marketingMessage"}


class MaybeSent(Exception):
    """Interrupted (Ctrl-C, SIGTERM) once the request may have reached AllMySMS."""


class Sending:
    """Around a command that sends: once :meth:`arm` is called (just before the action runs, input checks
    included, erring on the side of telling the user to check the account), an interrupt until the command
    ends, the simulator's shutdown included, means the SMS may have been sent."""

    def __init__(self) -> None:
        self.armed = False

    def arm(self) -> None:
        self.armed = True

    def __enter__(self) -> Sending:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self.armed and isinstance(exc, KeyboardInterrupt):
            raise MaybeSent from None


def send(args: argparse.Namespace) -> int:
    body = {"mobileNumbers": args.to, "senderName": args.sender, "messageText": args.text}
    optional = {"sendAt": args.send_at, "campaignName": args.campaign_name}
    body.update({key: value for key, value in optional.items() if value is not None})
    settings = {setting: "on" for flag, setting in CHECKBOX_FLAGS.items() if getattr(args, flag)}
    if args.max_parts is not None:
        settings["maxSmsParts"] = str(args.max_parts)
    msg = pysailor.new_incoming(body)
    with Sending() as sending, _deployment(args.sandbox) as (ctx, simulator):
        cfg = step_config(None, sandbox=simulator is not None, settings=settings)
        process = ctx.descriptor.function(ACTION).process
        sending.arm()
        execution = pysailor.execute(process, msg, cfg)
        _print_events(execution, indent=2)
        if simulator:
            received = [received_json(sms) for sms in simulator.received]
            print_json({"simulator": {"url": simulator.url, "received": received}}, indent=2)
    return _exit_code(execution)


def run(args: argparse.Namespace) -> int:
    config_file = args.config
    if args.body is not None:  # the body inline; the one file named, if any, is the configuration
        if args.config:
            raise UsageError("--body replaces the message file: give at most a CONFIG file with it")
        config_file = args.message
        loaded = inline_body(args.body)
    else:
        loaded = read_json(args.message) if args.message else {}  # no file: an empty body (e.g. checkCredits)
    snapshot = None
    if isinstance(loaded, dict) and "msg" in loaded:  # a {msg, cfg, snapshot} fixture, as cmp:process reads
        msg, cfg, snapshot = loaded["msg"], loaded.get("cfg"), loaded.get("snapshot")
    else:
        msg, cfg = loaded, None
    if args.snapshot:
        snapshot = read_snapshot(args.snapshot, snapshot)
    if config_file:
        cfg = read_json(config_file)
    cfg = substitute(cfg)  # the configuration only: the message is data, sent as typed
    if isinstance(msg, dict) and "body" not in msg:
        msg = pysailor.new_incoming(msg)  # a bare body, as a mapper would produce it
    with Sending() as sending, _deployment(args.sandbox, _numbers(args.opted_out)) as (ctx, simulator):
        for key in unknown_settings(cfg, args.action, ctx.descriptor):
            print(f"allmysms-component: warning: {key!r} in the configuration is not a credential or a setting "
                  f"of {args.action}: it is ignored", file=sys.stderr)
        # A webhook trigger reads the callback it is handed and calls no API: no credentials to ask for.
        webhook = (ctx.descriptor.data.get("triggers") or {}).get(args.action, {}).get("type") == "webhook"
        cfg = step_config(cfg, sandbox=simulator is not None, calls_api=not webhook)
        process = ctx.descriptor.function(args.action).process
        sending.arm()
        execution = pysailor.execute(process, msg, cfg, snapshot)
        _print_events(execution)
    if args.snapshot:
        write_snapshot(args.snapshot, snapshot, execution)
    return _exit_code(execution)


def verify(args: argparse.Namespace) -> int:
    from ..verify_credentials import verify as check

    if args.config:
        cfg = substitute(read_json(args.config))
    else:
        cfg = sandbox_cfg() if args.sandbox else credentials_from_env_or_prompt()
    if isinstance(cfg, dict) and "cfg" in cfg:
        cfg = cfg["cfg"]
    with _deployment(args.sandbox):
        result = pysailor.verify(check, cfg)
    print_json(result)
    return EXIT_OK if result.get("verified") else EXIT_ERROR


def validate(args: argparse.Namespace) -> int:
    path = Path(args.path) if args.path else pysailor.component_json_path(context.COMPONENT_JSON)
    if not path.is_file():
        raise UsageError(f"cannot read {path}: {'not a file' if path.exists() else 'no such file'}")
    report = validate_component(path)
    for problem in report.errors:
        print(f"error: {problem}")
    for problem in report.warnings:
        print(f"warning: {problem}")
    print(f"{path}: {'valid' if report.ok else 'invalid'} ({len(report.errors)} errors, "
          f"{len(report.warnings)} warnings)")
    return EXIT_OK if report.ok else EXIT_ERROR


def sandbox(args: argparse.Namespace) -> int:
    from ..sandbox import SANDBOX_ACCOUNT, TRIAL_ACCOUNT, AllMySmsSimulator, ReceivedSms

    def show(sms: ReceivedSms) -> None:
        print_json({"received": received_json(sms)})

    simulator = AllMySmsSimulator(host=args.host, port=args.port, tls=args.tls, on_receive=show,
                                  push_url=args.push_url, push_method=args.push_method,
                                  blacklist=_numbers(args.opted_out))
    try:
        try:
            simulator.start()
        except ImportError as exc:  # --tls without the test extra
            raise UsageError(str(exc)) from None
        except OSError as exc:  # the port is taken, the address is not this machine's
            raise UsageError(f"the simulator cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") \
                from None
        print(f"AllMySMS simulator at {simulator.url}", flush=True)
        if _every_interface(args.host):
            print(f"  listening on every interface ({args.host}): anyone who can reach this machine can use its "
                  f"accounts", flush=True)
        print(f"  accounts: login {SANDBOX_ACCOUNT.login!r} (API key {SANDBOX_ACCOUNT.api_key!r}), "
              f"trial login {TRIAL_ACCOUNT.login!r}", flush=True)
        print(f"  try: ALLMYSMS_API_URL={simulator.url} ALLMYSMS_LOGIN={SANDBOX_ACCOUNT.login} "
              f"ALLMYSMS_API_KEY={SANDBOX_ACCOUNT.api_key} allmysms-component send ...", flush=True)
        if simulator.ca_bundle:
            print(f"  test CA: {simulator.ca_bundle} (REQUESTS_CA_BUNDLE={simulator.ca_bundle})", flush=True)
        if args.push_url:
            print(f"  pushes delivery reports and replies to {hide_query(args.push_url)} ({args.push_method}); "
                  f"inject them: curl -d phoneNumber=33612345678 -d message=Yes {simulator.url}/sandbox/reply, "
                  f"curl -d smsId=<id> -d status=1 {simulator.url}/sandbox/deliver", flush=True)
        print("Ctrl-C stops it.", flush=True)
        # A SIGTERM (kill, docker stop) stops it like Ctrl-C, at any point: connections closed, the throw-away
        # CA file removed (main turns SIGTERM into KeyboardInterrupt).
        simulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
    return EXIT_OK


# -- helpers ----------------------------------------------------------------------------------------------

def _numbers(listed: str) -> list[str]:
    """A --opted-out list: comma-separated numbers."""
    return [number.strip() for number in listed.split(",") if number.strip()]


def _every_interface(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False


def worker(args: argparse.Namespace) -> int:
    """The platform runtime's worker, handed this component's send journal (opened once, closed by the worker)."""
    from pysailor.env import js_number
    from pysailor.worker import run_worker

    from ..journal.delivery import JournalGatekeeper, open_from_env

    pysailor.configure_logging(sys.stdout)  # the platform reads a step's logs on stdout, as the sailor writes them

    def open_gatekeeper(env: Mapping[str, str]) -> JournalGatekeeper:
        # The API client's pool holds every send the prefetch lets run at once (ALLMYSMS_MAX_CONNECTIONS wins).
        prefetch = js_number(env, "ELASTICIO_RABBITMQ_PREFETCH_SAILOR", 1, high=65535)
        with contextlib.suppress(ConfigurationError):  # a refused setting fails each message, naming it
            context.use(context.from_env(env, concurrency=prefetch))
        return JournalGatekeeper(open_from_env(env))

    # ALLMYSMS_* settings also under OIH's prefix, the worker's own ALLMYSMS_WORKER_* included
    return run_worker(deployment_env(os.environ), open_gatekeeper, args.stopped)


def service(args: argparse.Namespace) -> int:
    from pysailor.worker import run_service

    from ..verify_credentials import verify

    pysailor.configure_logging(sys.stdout)
    return run_service(args.method, verify)


@contextlib.contextmanager
def _deployment(sandbox: bool, opted_out: Sequence[str] = ()) -> Iterator[tuple[context.Context, Any]]:
    """The component's context for this command, built once from the environment's ALLMYSMS_* settings and handed
    in while the block runs (os.environ is never written). With --sandbox, a simulator in this process too, and
    the context pointed at it (its own trial account; the other settings, such as timeouts, still the
    environment's; ``opted_out``: the simulator's opt-out list)."""
    settings = Settings.from_env(os.environ)
    with contextlib.ExitStack() as stack:
        simulator = None
        if sandbox:
            from ..sandbox import TRIAL_ACCOUNT, AllMySmsSimulator

            simulator = stack.enter_context(AllMySmsSimulator(blacklist=opted_out))
            settings = settings.replace(api_url=simulator.url, trial_login=TRIAL_ACCOUNT.login,
                                        trial_api_key=TRIAL_ACCOUNT.api_key)
        ctx = context.Context(settings)
        stack.callback(ctx.close)
        yield stack.enter_context(context.using(ctx)), simulator


def _print_events(execution: pysailor.Execution, indent: int | None = None) -> None:
    for event in execution.events:
        line = event.to_json()
        if event.name == "end":
            line["outcome"] = execution.outcome
        print_json(line, indent)


def _exit_code(execution: pysailor.Execution) -> int:
    if execution.first("error"):
        return EXIT_ERROR
    if execution.first("rebound"):
        return EXIT_REBOUND
    return EXIT_OK
