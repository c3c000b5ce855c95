"""What the command line reads: JSON files and fixtures with ``{{NAME}}`` placeholders, credentials from the
environment or a prompt (never a flag), and the step configuration (credentials and settings) of a run."""

from __future__ import annotations

import getpass
import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import context

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
CREDENTIAL_FIELDS = ("login", "apiKey")


class UsageError(Exception):
    """A mistake on the command line or in a file: reported as one line, exit code 2."""


def step_config(cfg: Any, *, sandbox: bool, settings: Mapping[str, str] | None = None) -> Any:
    """The configuration a run uses: ``cfg`` as given when it names a credential field (blank ones mean trial
    mode), else the credentials of the sandbox, the environment or a prompt, joined by the settings in ``cfg``
    (a fixture may carry settings only) and ``settings`` (from flags)."""
    if isinstance(cfg, dict) and any(name in cfg for name in CREDENTIAL_FIELDS):
        return {**cfg, **(settings or {})}
    if cfg is not None and not isinstance(cfg, dict):
        return cfg  # the action refuses it, with its own words
    credentials = sandbox_cfg() if sandbox else credentials_from_env_or_prompt()
    return {**credentials, **(cfg or {}), **(settings or {})}


def unknown_settings(cfg: Any, action: str) -> list[str]:
    """Keys of ``cfg`` that are neither credentials, settings of ``action``, nor the platform's own (``_x``):
    ignored by the action, so a misspelt "dryRun" would send for real. The command line warns about them."""
    if not isinstance(cfg, dict):
        return []
    descriptor = context.current().descriptor
    known = set(descriptor.data.get("credentials", {}).get("fields", {})) | set(descriptor.setting_labels(action))
    return [key for key in cfg if key not in known and not str(key).startswith("_")]


def sandbox_cfg() -> dict[str, str]:
    """The simulator's own account, unless the environment names another (e.g. to try trial mode)."""
    from .sandbox import SANDBOX_ACCOUNT

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


def read_json(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{path} is not JSON: {exc}") from None


def substitute(value: Any) -> Any:
    """``{{NAME}}`` in fixture strings replaced by the environment variable, so secrets stay out of files."""
    if isinstance(value, str):
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise UsageError(f"the fixture uses {{{{{name}}}}} but the environment variable {name} is not set")
            return os.environ[name]
        return _PLACEHOLDER.sub(replace, value)
    if isinstance(value, dict):
        return {key: substitute(item) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item) for item in value]
    return value
