"""A real systemd (PID 1 in a container on the shared dockerd), reached from the host over its D-Bus system socket.

The rootfs is built once per machine with debootstrap and cached as a tarball under ROOT; the image is imported
into the daemon from it. The container's /run/dbus is a host directory, so the host talks to systemd at
`unix:path=HOSTDIR/system_bus_socket`. Units are written with `docker exec` and loaded with `daemon-reload`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.testbed import binary, missing
from tests.testbed.docker import ROOT, DockerDaemon, _lock
from tests.waiting import Deadline

IMAGE = "agentops/systemd:test"
ROOTFS_TAR = ROOT / "systemd-rootfs.tar"
MIRROR = os.environ.get("AGENTOPS_DEBIAN_MIRROR", "http://deb.debian.org/debian")


def build_rootfs(log: Path | None = None) -> Path:
    """debootstrap a minimal bookworm with systemd and dbus into ROOTFS_TAR (once per machine; ~40 s)."""
    ROOT.mkdir(parents=True, exist_ok=True)
    with _lock(ROOT / ".systemd-rootfs.lock"):
        if ROOTFS_TAR.exists():
            return ROOTFS_TAR
        debootstrap = binary("debootstrap")
        if os.geteuid() != 0:
            missing("debootstrap needs root to build the systemd image")
        work = Path(tempfile.mkdtemp(prefix="systemd-rootfs-", dir=ROOT))
        try:
            rootfs = work / "rootfs"
            argv = [debootstrap, "--variant=minbase", "--include=systemd,systemd-sysv,dbus", "bookworm",
                    str(rootfs), MIRROR]  # fmt: skip
            out = (log or ROOT / "systemd-rootfs.log").open("ab")
            with out:
                res = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, timeout=900, check=False)
            if res.returncode != 0:
                raise RuntimeError(f"debootstrap failed with {res.returncode} (see {out.name})")
            partial = work / "rootfs.tar"
            subprocess.run(["tar", "-C", str(rootfs), "-cf", str(partial), "."], check=True, timeout=300)
            partial.rename(ROOTFS_TAR)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return ROOTFS_TAR


def ensure_image(daemon: DockerDaemon) -> str:
    """Import the systemd image into `daemon` from the cached rootfs (built first if needed)."""
    if daemon.docker("image", "inspect", IMAGE, check=False).returncode == 0:
        return IMAGE
    tar = build_rootfs()
    with tar.open("rb") as fh:
        subprocess.run(
            [binary("docker"), "-H", daemon.host, "import", "--change", 'CMD ["/lib/systemd/systemd"]', "-", IMAGE],
            stdin=fh, capture_output=True, check=True, timeout=300,
        )  # fmt: skip
    return IMAGE


class SystemdContainer:
    """One systemd container; `address` is the D-Bus address of its system bus as seen from the host."""

    def __init__(self, daemon: DockerDaemon, name: str, busybox: str | None = None) -> None:
        self.daemon = daemon
        self.name = name
        self.bus_dir = ROOT / f"{name}-dbus"
        self.address = f"unix:path={self.bus_dir}/system_bus_socket"
        self.busybox = busybox or shutil.which("busybox") or "/bin/busybox"
        self.extra: list[str] = []  # more `docker run` options (volumes) for a container with a special purpose

    def start(self, timeout: float = 60.0) -> None:
        """Run the container (replacing a leftover one of the same name) and wait for systemd and the bus."""
        image = ensure_image(self.daemon)
        self.daemon.docker("rm", "-f", self.name, check=False)
        shutil.rmtree(self.bus_dir, ignore_errors=True)
        self.bus_dir.mkdir(parents=True)
        self.daemon.docker(
            "run", "-d", "--name", self.name, "--network", "host", "--cgroupns=host", "--cap-add", "SYS_ADMIN",
            "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
            "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/run/lock", "--tmpfs", "/tmp",
            "-v", f"{self.bus_dir}:/run/dbus", "-v", f"{self.busybox}:/usr/local/bin/busybox:ro", *self.extra, image,
        )  # fmt: skip
        self.wait_running(timeout)

    def wait_running(self, timeout: float = 60.0) -> None:
        """Wait until `systemctl is-system-running` says running (or degraded) and the bus socket exists."""
        deadline = Deadline(timeout)
        state = ""
        while deadline:
            res = self.exec("systemctl", "is-system-running", check=False)
            state = res.stdout.strip()
            if state in ("running", "degraded") and (self.bus_dir / "system_bus_socket").exists():
                return
            time.sleep(0.3)
        raise RuntimeError(f"systemd in {self.name} not running within {timeout:.0f} s (state {state!r})")

    def exec(self, *argv: str, check: bool = True, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        """Run a command inside the container."""
        return self.daemon.docker("exec", self.name, *argv, check=check, timeout=timeout)

    def write_unit(self, name: str, body: str) -> None:
        """Write /etc/systemd/system/NAME (no reload: call `reload()` after a batch)."""
        self.exec("sh", "-c", f"cat > /etc/systemd/system/{name} <<'UNIT'\n{body}\nUNIT")

    def reload(self) -> None:
        self.exec("systemctl", "daemon-reload")

    def systemctl(self, *args: str, check: bool = True) -> str:
        return self.exec("systemctl", *args, check=check).stdout

    def stop_container(self) -> None:
        self.daemon.docker("stop", "-t", "5", self.name, check=False)

    def start_container(self, timeout: float = 60.0) -> None:
        self.daemon.docker("start", self.name)
        self.wait_running(timeout)

    def remove(self) -> None:
        self.daemon.docker("rm", "-f", self.name, check=False)
        shutil.rmtree(self.bus_dir, ignore_errors=True)
