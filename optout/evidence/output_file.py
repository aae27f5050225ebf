"""Files a person names with `--out` (a report, a bundle): only ever a regular file, written whole.

`--out` may name anything: a device, `/dev/stdout`, a symbolic link to a system file, a file the person
wants to keep. Renaming a new file over any of those would replace it (as root, a device node), and
writing through a link would change whatever it points to. So a link is refused, anything that is not a
regular file is refused even with `--force`, an existing file is replaced only with `--force`, and a
folder gets the default file name inside it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from optout.files import stage_file, write_atomically


class OutputRefused(Exception):
    """`--out` names something optout will not write over; one line, nothing was written."""


def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return path.lstat()
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None  # a parent is a file: the write says so, with the OS's words


def output_path(out: Path, default_name: str) -> Path:
    """`out`, or `default_name` inside it when it is a folder (a real one, not a link to one)."""
    found = _lstat(out)
    if found is not None and stat.S_ISDIR(found.st_mode):
        return out / default_name
    return out


def refuse_unsafe(path: Path, *, force: bool) -> None:
    """Raise OutputRefused unless writing `path` can only create a file or replace a regular one (with
    `force`). The final component is never followed: a link is refused whatever it points to."""
    found = _lstat(path)
    if found is None:
        return
    mode = found.st_mode
    if stat.S_ISLNK(mode):
        raise OutputRefused(
            f"{path} is a symbolic link: optout never writes through a link; give the path of a file "
            "(nothing was written)"
        )
    if stat.S_ISDIR(mode):
        raise OutputRefused(f"{path} is a folder; give the file's name (nothing was written)")
    if not stat.S_ISREG(mode):
        raise OutputRefused(
            f"{path} is {_kind(mode)}: optout writes only regular files, even with --force (nothing was written)"
        )
    if not force:
        raise OutputRefused(f"{path} already exists; pass --force to replace it")


def write_output(path: Path, data: bytes, *, force: bool) -> None:
    """`data` as the regular file `path`, whole or not at all. Raises OutputRefused, or OSError when the
    write fails. Checked again just before writing: the path may have changed since it was chosen."""
    refuse_unsafe(path, force=force)
    if force:
        write_atomically(path, data)
    else:
        create_new(path, data)


def create_new(path: Path, data: bytes) -> None:
    """`data` as a new file `path`, whole or not at all; OutputRefused when `path` exists, even when it
    appeared after it was checked (another program, a second optout writing the same report)."""
    staged = stage_file(path, data)
    try:
        # A hard link to the written file: made whole, in one step, and never over an existing name.
        os.link(staged, path)
    except FileExistsError:
        raise OutputRefused(f"{path} already exists; pass --force to replace it") from None
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
        _create_without_links(path, staged)
    finally:
        staged.unlink(missing_ok=True)


def _create_without_links(path: Path, staged: Path) -> None:
    """Where the file system has no hard links (FAT, some network shares): the name is taken with O_EXCL
    (an empty private file), then the written file renamed over it."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600))
    except FileExistsError:
        raise OutputRefused(f"{path} already exists; pass --force to replace it") from None
    os.replace(staged, path)


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NO_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK}
