"""Making the image test's ingredients: the Debian base standing in for python:3.11-slim, the wheels for its
interpreter, and the figures measured on the way (shown at the end of the run).

No registry can be reached here, so the base is made with debootstrap (minbase, the host's own Debian release
from the host's mirror) and imported. It is cached as a tarball in ``.cache/image-test/`` of the checkout (ignored
by git and by the build context), the only folder the test keeps between runs; delete it to make a fresh one.
The wheels are resolved for the base's interpreter, which is the host's Debian ``/usr/bin/python3`` (same
release), and installed in the build without an index (the Dockerfile's WHEELHOUSE): pip cannot verify HTTPS
certificates inside a build on these machines.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "image-test"
BASE_TAG = "localhost/allmysms-test-base:minbase"
IMAGE_TAG = "localhost/allmysms-component:image-test"
DEBIAN_PYTHON = Path("/usr/bin/python3")  # the host's Debian interpreter: the base's, same release
FALLBACK_MIRROR = "http://deb.debian.org/debian"
TIMINGS: dict[str, float] = {}  # phase -> seconds, shown at the end of the run
FIGURES: dict[str, str] = {}


def debian_release() -> str:
    found = re.search(r"^VERSION_CODENAME=(\w+)", Path("/etc/os-release").read_text(encoding="utf-8"), re.M)
    if not found:
        raise AssertionError("the image test makes its base with debootstrap and needs a Debian host")
    return found.group(1)


def debian_mirror() -> str:
    """The first Debian archive in the host's apt sources (deb822 or one-line form)."""
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for source in sources:
        text = source.read_text(encoding="utf-8", errors="replace") if source.is_file() else ""
        for url in re.findall(r"^(?:URIs:|deb)\s+(\S+)", text, re.M):
            if url.rstrip("/").endswith("/debian"):
                return str(url)
    return FALLBACK_MIRROR


def base_tarball() -> Path:
    """The cached minbase tarball of the host's Debian release; made (debootstrap, about a minute) when missing."""
    release = debian_release()
    tarball = CACHE / f"debian-{release}-minbase.tar"
    if tarball.is_file():
        return tarball
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=CACHE, prefix="debootstrap-"))
    try:
        rootfs = work / "rootfs"
        log = work / "debootstrap.log"
        with log.open("wb") as out:
            done = subprocess.run(["debootstrap", "--variant=minbase", release, str(rootfs), debian_mirror()],
                                  stdout=out, stderr=subprocess.STDOUT, timeout=1200, check=False)
        if done.returncode != 0:
            raise AssertionError(f"debootstrap failed:\n{log.read_text(errors='replace')[-4000:]}")
        # Without apt's lists and downloaded packages, as slim images are.
        subprocess.run(["tar", "--numeric-owner", "--exclude=./var/lib/apt/lists/*",
                        "--exclude=./var/cache/apt/archives/*.deb", "-C", str(rootfs), "-cf", str(work / "base.tar"),
                        "."], check=True, timeout=600)
        (work / "base.tar").replace(tarball)  # whole or absent, should two runs race
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tarball


def build_wheelhouse(folder: Path) -> None:
    """The project's wheel built from the checkout, and its dependencies' wheels for the base's interpreter."""
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "wheel", "--quiet", "--no-deps", "--wheel-dir", str(folder), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    [wheel] = folder.glob("allmysms_component-*.whl")
    # --python runs pip's resolver under that interpreter: markers such as redis's python_full_version hold there.
    subprocess.run([*pip, "--python", str(DEBIAN_PYTHON), "download", "--quiet", "--only-binary=:all:", "--dest",
                    str(folder), str(wheel)], check=True, capture_output=True, timeout=600)


def component_version() -> str:
    version: str = json.loads((ROOT / "component.json").read_text(encoding="utf-8"))["version"]
    return version


class Timer:
    def __init__(self, phase: str) -> None:
        self.phase = phase

    def __enter__(self) -> Timer:
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        TIMINGS[self.phase] = time.monotonic() - self.start
