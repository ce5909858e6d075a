"""A real Docker Engine for the tests: a private dockerd (own socket, data and exec roots) and a local busybox image.

There is no registry here, so images come from local files with `docker import`. There is no bridge either:
containers use `--network host`. `DockerDaemon(name)` gives independent daemons, so a test may kill and restart its
own daemon without disturbing the shared one.
"""

from __future__ import annotations

import fcntl
import io
import os
import socket
import subprocess
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.testbed import binary, spawn, stop, wait_for

ROOT = Path(os.environ.get("AGENTOPS_TESTBED_DIR", "/tmp/agentops-testbed"))
BUSYBOX_IMAGE = "agentops/busybox:test"
BUSYBOX_LINKS = ("sh", "sleep", "httpd", "wget", "cat", "echo", "kill", "ls", "true", "false", "yes", "dd", "head")


class DockerDaemon:
    """One dockerd under ROOT/NAME; `host` is the DOCKER_HOST value that reaches it."""

    def __init__(self, name: str = "shared") -> None:
        self.name = name
        self.dir = ROOT / name
        self.sock = Path("/run/agentops-testbed") / f"{name}.sock"
        self.host = f"unix://{self.sock}"
        self.proc: subprocess.Popen[bytes] | None = None

    def ping(self) -> bool:
        """True when the daemon answers `GET /_ping`."""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(1.0)
                s.connect(str(self.sock))
                s.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
                return b" 200 " in s.recv(256)
        except OSError:
            return False

    def start(self, timeout: float = 30.0) -> None:
        """Start this daemon (we own it and stop it) unless one already answers on the socket."""
        dockerd = binary("dockerd")
        if os.geteuid() != 0:
            from tests.testbed import missing

            missing("dockerd needs root")
        self.sock.parent.mkdir(parents=True, exist_ok=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        with _lock(self.dir / ".lock"):
            if self.ping():
                return
            self.sock.unlink(missing_ok=True)
            argv = [
                dockerd, "--iptables=false", "--ip6tables=false", "--bridge=none", "--storage-driver=vfs",
                "-H", self.host, "--data-root", str(self.dir / "data"), "--exec-root", str(self.dir / "exec"),
                "--pidfile", str(self.dir / "dockerd.pid"),
            ]  # fmt: skip
            self.proc = spawn(argv, self.dir / "dockerd.log")
            wait_for(self.ping, timeout, f"dockerd ({self.dir / 'dockerd.log'})", self.proc)

    def stop(self) -> None:
        """Stop the daemon if this object started it."""
        if self.proc is not None:
            stop(self.proc, grace=15.0)
            self.proc = None

    def kill(self) -> None:
        """Kill the daemon outright (SIGKILL), as a crash would."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None

    def docker(self, *args: str, check: bool = True, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        """Run the docker CLI against this daemon."""
        return subprocess.run(
            [binary("docker"), "-H", self.host, *args], capture_output=True, text=True, check=check, timeout=timeout
        )

    def ensure_busybox(self) -> str:
        """Import the busybox image from /usr/bin/busybox if the daemon does not have it yet."""
        if self.docker("image", "inspect", BUSYBOX_IMAGE, check=False).returncode == 0:
            return BUSYBOX_IMAGE
        bb = Path(binary("busybox")).read_bytes()
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            for d in ("bin", "tmp", "www", "etc"):
                info = tarfile.TarInfo(d)
                info.type, info.mode = tarfile.DIRTYPE, 0o1777 if d == "tmp" else 0o755
                tar.addfile(info)
            info = tarfile.TarInfo("bin/busybox")
            info.size, info.mode = len(bb), 0o755
            tar.addfile(info, io.BytesIO(bb))
            for name in BUSYBOX_LINKS:
                info = tarfile.TarInfo(f"bin/{name}")
                info.type, info.linkname = tarfile.SYMTYPE, "busybox"
                tar.addfile(info)
        subprocess.run(
            [binary("docker"), "-H", self.host, "import", "--change", 'ENV PATH="/bin"', "-", BUSYBOX_IMAGE],
            input=buf.getvalue(), capture_output=True, check=True, timeout=120,
        )  # fmt: skip
        return BUSYBOX_IMAGE


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    """An exclusive file lock, so two test sessions never start the same daemon at once."""
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
