"""Fixtures of the image test: a private podman, and the image built once per session from the repository's own
Dockerfile on a Debian base, from wheels only (tests/image/build.py)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .build import (
    BASE_TAG,
    CACHE,
    FIGURES,
    IMAGE_TAG,
    ROOT,
    TIMINGS,
    Timer,
    base_tarball,
    build_wheelhouse,
    component_version,
)
from .podman import Podman, available


@pytest.fixture(scope="session")
def podman(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Podman]:
    if not available():
        pytest.fail("podman and runc are not installed: run scripts/test-setup")
    engine = Podman(tmp_path_factory.mktemp("podman") / "state")
    try:
        yield engine
    finally:
        engine.close()


@pytest.fixture(scope="session")
def image(podman: Podman, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The image built from the repository's Dockerfile on the Debian base, from wheels only."""
    cached = any(CACHE.glob("debian-*-minbase.tar"))
    with Timer("base (cached)" if cached else "base (debootstrap)"):
        tarball = base_tarball()
    with Timer("base import"):
        base = podman.import_tarball(tarball, BASE_TAG)
    CACHE.mkdir(parents=True, exist_ok=True)
    wheelhouse = Path(tempfile.mkdtemp(dir=CACHE, prefix="wheelhouse-"))  # in the context: .dockerignore lets it in
    try:
        with Timer("wheels"):
            build_wheelhouse(wheelhouse)
        with Timer("build"):
            return podman.build(ROOT, IMAGE_TAG, {
                "BASE_IMAGE": base, "WHEELHOUSE": str(wheelhouse.relative_to(ROOT)), "VERSION": component_version(),
            }, tmp_path_factory.mktemp("build") / "build.log")
    finally:
        shutil.rmtree(wheelhouse, ignore_errors=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS or FIGURES:
        phases = ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in TIMINGS.items())
        figures = ", ".join(f"{name} {value}" for name, value in FIGURES.items())
        terminalreporter.write_line(f"image test: {phases}" + (f"; {figures}" if figures else ""))
