"""What the command line reads and prints: JSON files, ``{{NAME}}`` placeholders in a configuration, the
credentials, and JSON documents any terminal can take."""

from __future__ import annotations

import getpass
import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from pysailor import Descriptor, json_text
from pysailor.urls import redact

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class UsageError(Exception):
    """A mistake on the command line, in a file or in the machine's set-up: one line, exit code 2."""


def read_json(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path} is not UTF-8 text: {exc.reason}") from None
    return _json(text, path)


def inline_body(text: str) -> dict[str, Any]:
    """``run --body``: a message body given on the command line, a JSON object."""
    body = _json(text, "--body")
    if not isinstance(body, dict):
        raise UsageError('--body must be a JSON object (the message body), e.g. \'{"campaignId": "ap_1"}\'')
    return body


def _json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{source} is not JSON: {exc}") from None
    except RecursionError:
        raise UsageError(f"{source} is not JSON this command can read: it is nested too deeply") from None


def substitute(value: Any) -> Any:
    """``{{NAME}}`` in the strings of a configuration replaced by the environment variable, so that secrets
    stay out of files. Only ever applied to a configuration: a message is data, sent as typed, and a text
    reading ``{{ALLMYSMS_API_KEY}}`` must never become the key in someone's SMS."""
    if isinstance(value, str):
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise UsageError(f"the configuration uses {{{{{name}}}}} but the environment variable {name} "
                                 f"is not set")
            return os.environ[name]
        return _PLACEHOLDER.sub(replace, value)
    if isinstance(value, dict):
        return {key: substitute(item) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item) for item in value]
    return value


CREDENTIAL_FIELDS = ("login", "apiKey")


def step_config(cfg: Any, *, sandbox: bool, settings: Mapping[str, str] | None = None,
                calls_api: bool = True) -> Any:
    """The configuration a run uses: ``cfg`` as given when it names a credential field (blank ones mean trial
    mode) or when the function never calls the API (``calls_api`` false: a webhook trigger), else the credentials
    of the sandbox, the environment or a prompt, joined by the settings in ``cfg`` (a fixture may carry settings
    only) and ``settings`` (from flags)."""
    if (isinstance(cfg, dict) and any(name in cfg for name in CREDENTIAL_FIELDS)) or not calls_api:
        return {**(cfg or {}), **(settings or {})}
    if cfg is not None and not isinstance(cfg, dict):
        return cfg  # the action refuses it, with its own words
    credentials = sandbox_cfg() if sandbox else credentials_from_env_or_prompt()
    return {**credentials, **(cfg or {}), **(settings or {})}


def unknown_settings(cfg: Any, action: str, descriptor: Descriptor) -> list[str]:
    """Keys of ``cfg`` that are neither credentials, settings of ``action``, nor the platform's own (``_x``):
    ignored by the action, so a misspelt "dryRun" would send for real. The command line warns about them."""
    if not isinstance(cfg, dict):
        return []
    known = set(descriptor.data.get("credentials", {}).get("fields", {})) | set(descriptor.setting_labels(action))
    return [key for key in cfg if key not in known and not str(key).startswith("_")]


def sandbox_cfg() -> dict[str, str]:
    """The simulator's own account, unless the environment names another (e.g. to try trial mode)."""
    from ..sandbox import SANDBOX_ACCOUNT

    login = os.environ.get("ALLMYSMS_LOGIN", SANDBOX_ACCOUNT.login)
    api_key = os.environ.get("ALLMYSMS_API_KEY", SANDBOX_ACCOUNT.api_key)
    return {"login": login, "apiKey": api_key}


def credentials_from_env_or_prompt() -> dict[str, str]:
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


def read_snapshot(path: str, default: Any) -> Any:
    """``run --snapshot``: the snapshot in the file, or ``default`` (the fixture's) when there is no file yet."""
    if not Path(path).exists():
        return default
    snapshot = read_json(path)
    if not isinstance(snapshot, dict):
        raise UsageError(f"{path} must hold the step's snapshot, a JSON object")
    return snapshot


def write_snapshot(path: str, snapshot: Any, execution: Any) -> None:
    """``run --snapshot``: the snapshot the run ends with, as the platform keeps it (``snapshot`` replaces,
    ``updateSnapshot`` merges), written to the file (replaced atomically)."""
    current = dict(snapshot) if isinstance(snapshot, dict) else {}
    for event in execution.events:
        if event.name == "snapshot":
            current = dict(event.payload) if isinstance(event.payload, dict) else {}
        elif event.name == "updateSnapshot" and isinstance(event.payload, dict):
            current.update(event.payload)
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    try:
        partial.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
        partial.replace(target)
    except OSError as exc:
        raise UsageError(f"cannot write the snapshot to {path}: {exc.strerror or exc}") from None


def hide_query(url: str) -> str:
    """A URL as the command line shows it: any password hidden (the runtime's one redaction), and its whole query
    too, where a shared secret goes under whatever name."""
    shown, question, _ = redact(url).partition("?")
    return shown + ("?..." if question else "")


def received_json(sms: Any) -> dict[str, Any]:
    return {"smsId": sms.sms_id, "campaignId": sms.campaign_id, "phoneNumber": sms.phone_number,
            "sender": sms.sender, "text": sms.text, "parts": sms.parts, "cliMsgId": sms.cli_msg_id,
            "campaignName": sms.campaign_name, "sendAt": sms.send_at}


def print_json(value: Any, indent: int | None = None, stream: TextIO | None = None) -> None:
    """One JSON document on stdout. Text stays readable; what the stream cannot encode (a lone surrogate from a
    fixture or from argv, anything on an ASCII terminal) is written as a JSON escape, never a crash: this runs
    after an SMS was sent, and a traceback then would read as a failure and invite a second send."""
    out = stream or sys.stdout
    try:
        out.write(json_text(value, indent=indent) + "\n")
    except UnicodeEncodeError:  # nothing of the document was written: encoding comes before writing
        out.write(json.dumps(value, indent=indent) + "\n")
    out.flush()
