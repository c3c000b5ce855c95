"""The README's "Try it" for a new user on a fresh machine: what it says they need is what the project needs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
TRY_IT = README[README.index("**Try it**"):README.index("**Test it:**")]


def test_the_python_it_asks_for_is_the_one_pyproject_requires() -> None:
    required = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    [asked] = re.findall(r"Python (3\.\d+)\+", TRY_IT)
    assert required == f">={asked}"


def test_it_does_not_promise_no_network_when_the_install_downloads_packages() -> None:
    assert "pip install" in TRY_IT
    assert "no network needed" not in TRY_IT
    assert "no network beyond the package index" in TRY_IT
    assert "no AllMySMS account" in TRY_IT
