"""Files optout writes: whole or not at all (a temporary file renamed into place), and private to the
person (0600 files in 0700 folders). Shared by the evidence, the accounts' saved sessions and the CLI."""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

# Out of space, over quota, over the file size limit: the disk, not the run, is the problem.
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def make_private_dirs(folder: Path) -> None:
    """`mkdir -p`, each folder it makes readable by the person only (0700), like the config and history.
    Folders that exist already are left as they are: the person chose them."""
    missing: list[Path] = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for each in reversed(missing):
        each.mkdir(mode=0o700, exist_ok=True)


def write_atomically(path: Path, data: bytes) -> None:
    """`path` holds `data` in full, or is left as it was: a temporary file, flushed, then renamed. The
    file is the person's only (0600): evidence shows their accounts, as the config and history do."""
    tmp = stage_file(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def stage_file(path: Path, data: bytes) -> Path:
    """`data` written and flushed beside `path` (private, 0600), under a name verify knows as a leftover;
    returns that file, for the caller to rename over `path` (which cannot fail for want of space)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def describe_write_error(exc: OSError, where: Path) -> str:
    """One line for a failed evidence write."""
    why = exc.strerror or str(exc)
    if exc.errno in NO_SPACE:
        return f"the disk is full: cannot write evidence under {where} ({why})"
    return f"cannot write evidence under {where} ({why})"
