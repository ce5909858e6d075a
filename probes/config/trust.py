"""Whether a config file may make the dashboard run commands: not when someone else can change it.

A `command:` entry is code the dashboard runs as the operator. Whoever can write the file, replace it (a directory
they can write, without the sticky bit /tmp has) or owns it chooses that code. Such a file still loads (watching
is harmless); its commands are refused until the operator fixes the modes or says --allow-insecure-config.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from probes.config import FleetConfig

ALLOW_FLAG = "--allow-insecure-config"


def _why(target: Path, is_dir: bool) -> str | None:
    st = target.stat()
    mode = stat.S_IMODE(st.st_mode)
    what = f"its directory {target}" if is_dir else str(target)
    if st.st_uid not in (os.geteuid(), 0):
        return f"{what} is owned by uid {st.st_uid}, not by you or root"
    if mode & stat.S_IWOTH and not (is_dir and mode & stat.S_ISVTX):
        return f"{what} is writable by every user (mode {mode:04o})"
    return None


def others_can_change(path: Path) -> str | None:
    """Why users other than the operator and root could change what `path` says, or None (also when unsure)."""
    try:
        real = path.resolve(strict=True)
        places = [(real, False), (real.parent, True)]
        if path.absolute().parent != real.parent:  # a symlink: whoever can write where it lives can repoint it
            places.append((path.absolute().parent, True))
        for target, is_dir in places:
            why = _why(target, is_dir)
            if why is not None:
                return why
    except OSError:
        return None
    return None


def check_commands(cfg: FleetConfig, path: Path) -> tuple[FleetConfig, str | None]:
    """The config marked untrusted (its commands refused) when it has commands and others can change it, and the
    warning to print."""
    if not any(svc.command is not None for svc in cfg.services):
        return cfg, None
    why = others_can_change(path)
    if why is None:
        return cfg, None
    from dataclasses import replace

    warning = f"{why}: its commands will not run (fix the mode, or start with {ALLOW_FLAG} to run them anyway)"
    return replace(cfg, untrusted=why), warning
