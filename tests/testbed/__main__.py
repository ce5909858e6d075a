"""`python -m tests.testbed up docker`: start the shared test daemon and leave it running (developer machines)."""

from __future__ import annotations

import sys

from tests.testbed.docker import DockerDaemon


def main(argv: list[str]) -> int:
    if argv[:2] != ["up", "docker"]:
        print("usage: python -m tests.testbed up docker", file=sys.stderr)
        return 2
    daemon = DockerDaemon()
    daemon.start()
    daemon.proc = None  # detach: it keeps running after we exit
    print(f"DOCKER_HOST={daemon.host}  image {daemon.ensure_busybox()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
