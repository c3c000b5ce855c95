"""Podman with a private configuration and storage in one folder of the test, and what the test needs of it.

The machine's own podman state is never read nor changed: ``CONTAINERS_CONF`` and ``CONTAINERS_STORAGE_CONF``
point at files in the folder, graphroot and runroot live there too. The settings are those that work on a
Debian machine without systemd or a Docker engine: runc (crun fails on hybrid cgroups), the cgroupfs manager,
rlimits no higher than the host's hard limits (root may lack CAP_SYS_RESOURCE), and the host's network for
builds and runs (the default network would add a bridge and iptables chains to the host).
``close()`` removes what this instance created, containers and images by id, then the folder.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

NPROC_CAP = 32768  # podman itself runs with this nproc limit; a container may not ask for more


def _limit(kind: int, cap: int | None = None) -> int:
    _, hard = resource.getrlimit(kind)
    limit = 1 << 20 if hard == resource.RLIM_INFINITY else hard
    return min(limit, cap) if cap else limit


def available() -> bool:
    return all(shutil.which(tool) for tool in ("podman", "runc"))


class Podman:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True)
        nofile, nproc = _limit(resource.RLIMIT_NOFILE), _limit(resource.RLIMIT_NPROC, NPROC_CAP)
        (folder / "containers.conf").write_text(
            "[containers]\n"
            f'default_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]\n'
            'log_driver = "k8s-file"\n'
            "[engine]\n"
            'runtime = "runc"\n'
            'cgroup_manager = "cgroupfs"\n'
            'events_logger = "file"\n', encoding="utf-8")
        (folder / "storage.conf").write_text(
            "[storage]\n"
            'driver = "overlay"\n'
            f'graphroot = "{folder / "graph"}"\n'
            f'runroot = "{folder / "run"}"\n', encoding="utf-8")
        self.env = {**os.environ, "CONTAINERS_CONF": str(folder / "containers.conf"),
                    "CONTAINERS_STORAGE_CONF": str(folder / "storage.conf"), "TMPDIR": str(folder)}
        self._containers: list[str] = []
        self._images: list[str] = []

    def __call__(self, *args: str, timeout: float = 600, check: bool = True,
                 stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(["podman", *args], env=self.env, input=stdin.decode() if stdin else None,
                              capture_output=True, text=True, timeout=timeout, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"podman {' '.join(args[:2])} exited {done.returncode}:\n{done.stderr[-4000:]}")
        return done

    def import_tarball(self, tarball: Path, tag: str) -> str:
        image = self("import", "--quiet", str(tarball), tag, timeout=300).stdout.strip()
        self._images.append(image)
        return tag

    def build(self, context: Path, tag: str, build_args: Mapping[str, str], log: Path) -> str:
        """Build ``context``'s Dockerfile; the build's output goes to ``log``, its tail into a failure."""
        args = [f"--build-arg={key}={value}" for key, value in build_args.items()]
        done = self("build", "--network=host", "--pull=never", "--layers=false", *args, "--iidfile",
                    str(self.folder / "iid"), "-t", tag, str(context), check=False, timeout=1200)
        log.write_text(done.stdout + done.stderr, encoding="utf-8")
        if done.returncode != 0:
            raise AssertionError(f"the image build failed ({log}):\n{(done.stdout + done.stderr)[-4000:]}")
        self._images.append((self.folder / "iid").read_text(encoding="utf-8").strip())
        return tag

    def run(self, image: str, command: Sequence[str] = (), env: Mapping[str, str] | None = None,
            options: Sequence[str] = (), timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run a container to its end and remove it."""
        return self("run", "--rm", "--network=host", *_env_options(env), *options, image, *command,
                    timeout=timeout, check=False)

    def start(self, image: str, command: Sequence[str] = (), env: Mapping[str, str] | None = None,
              options: Sequence[str] = ()) -> Container:
        """Start a container in the background, as a platform does."""
        container_id = self("run", "--detach", "--network=host", *_env_options(env), *options, image,
                            *command, timeout=300).stdout.strip()
        self._containers.append(container_id)
        return Container(self, container_id)

    def close(self) -> None:
        """Remove the containers and images this instance made, then its folder (overlay mounts released)."""
        for container_id in reversed(self._containers):
            self("rm", "--force", "--time=0", container_id, check=False, timeout=120)
        for image in reversed(self._images):
            self("rmi", "--force", image, check=False, timeout=120)
        shutil.rmtree(self.folder, ignore_errors=True)


class Container:
    def __init__(self, podman: Podman, container_id: str) -> None:
        self.podman = podman
        self.id = container_id

    def logs(self) -> str:
        done = self.podman("logs", self.id, check=False, timeout=60)
        return done.stdout + done.stderr

    def state(self) -> str:
        return self.podman("inspect", "--format={{.State.Status}}", self.id, timeout=60).stdout.strip()

    def wait_for_log(self, fragment: str, timeout: float) -> None:
        """Poll the container's output for ``fragment``; fail early when the container has ended."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if fragment in self.logs():
                return
            if self.state() not in ("created", "running"):
                break
            time.sleep(0.5)
        raise AssertionError(f"the container did not log {fragment!r} ({self.state()}):\n{self.logs()[-4000:]}")

    def stop(self, timeout: float) -> int:
        """``podman stop`` (SIGTERM, SIGKILL after ``timeout`` seconds); the container's exit code."""
        self.podman("stop", f"--time={int(timeout)}", self.id, timeout=timeout + 60)
        return int(self.podman("inspect", "--format={{.State.ExitCode}}", self.id, timeout=60).stdout.strip())

    def memory_peak(self) -> int | None:
        """The container's peak memory use in bytes, where the cgroup reports it (cgroup v2's memory.peak)."""
        pid = self.podman("inspect", "--format={{.State.Pid}}", self.id, timeout=60).stdout.strip()
        try:
            cgroup = Path(f"/proc/{pid}/cgroup").read_text(encoding="utf-8").splitlines()
        except OSError:
            return None
        for line in cgroup:
            _, controllers, path = line.split(":", 2)
            if controllers == "":  # cgroup v2
                peak = Path("/sys/fs/cgroup" + path) / "memory.peak"
            elif "memory" in controllers.split(","):  # cgroup v1
                peak = Path("/sys/fs/cgroup/memory" + path) / "memory.max_usage_in_bytes"
            else:
                continue
            if peak.is_file():
                return int(peak.read_text(encoding="utf-8"))
        return None


def _env_options(env: Mapping[str, str] | None) -> list[str]:
    return [f"--env={key}={value}" for key, value in (env or {}).items()]
