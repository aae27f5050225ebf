"""The files a seal writes, changed only once the history has committed it.

Inside the transaction each file is written beside its final name (a full disk or a folder that cannot
be written shows then, and the run concerned is left out), and a journal names every step and the
manifest hash each run gets. After the commit the files are renamed into place and the journal removed.
A seal that stops in between (killed, a power cut, a rename that fails) is finished by the next seal,
which finds the journal: when the history has the hashes it names, the steps left are done; when it does
not (the transaction never committed), the files written beside are removed. Renames are idempotent, so
two seals finishing the same journal do no harm.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

from optout.files import stage_file, write_atomically

JOURNAL_SUFFIX = ".journal"


class StagedWrites:
    """What one seal writes and removes, in order (a run's signature before its manifest, its lock last)."""

    def __init__(self, journals: Path) -> None:
        self._journal = journals / f"seal-{secrets.token_hex(8)}{JOURNAL_SUFFIX}"
        self._steps: list[tuple[Path | None, Path]] = []  # (written beside it, final name); None: remove

    def write(self, path: Path, data: bytes) -> None:
        _not_a_folder(path)
        self._steps.append((stage_file(path, data), path))

    def remove(self, path: Path) -> None:
        _not_a_folder(path)
        self._steps.append((None, path))

    def __len__(self) -> int:
        return len(self._steps)

    def undo_since(self, count: int) -> None:
        for written, _ in self._steps[count:]:
            if written is not None:
                written.unlink(missing_ok=True)
        del self._steps[count:]

    def journal(self, hashes: dict[str, str]) -> None:
        """Last thing inside the transaction: the steps and the hashes that tell whether it committed,
        on disk (with the files written beside) before the commit can be."""
        for folder in {written.parent for written, _ in self._steps if written is not None}:
            _sync_folder(folder)
        self._journal.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        body = {"hashes": hashes, "steps": [[str(w) if w else None, str(p)] for w, p in self._steps]}
        write_atomically(self._journal, json.dumps(body).encode("utf-8"))
        _sync_folder(self._journal.parent)

    def discard(self) -> None:
        self.undo_since(0)
        self._journal.unlink(missing_ok=True)

    def apply(self) -> None:
        """Every step, each tried even when one before failed (the first failure is raised at the end;
        the journal stays then, for the next seal to finish)."""
        failed = _apply(self._steps)
        self._steps = []
        if failed is not None:
            raise failed
        self._journal.unlink(missing_ok=True)


def finish_pending(journals: Path, judge: Callable[[dict[str, str]], tuple[bool, set[Path]]]) -> None:
    """Finish or undo every seal that stopped after writing its journal. `judge(hashes)` tells whether
    the history holds those manifest hashes (run id -> SHA-256), and which files a seal of those runs
    may touch: a journal naming any other file (planted in the home) is left as it is, untouched."""
    for journal in sorted(journals.glob(f"*{JOURNAL_SUFFIX}")):
        try:
            body = json.loads(journal.read_bytes())
            hashes = {str(k): str(v) for k, v in body["hashes"].items()}
            steps = [(Path(w) if w else None, Path(p)) for w, p in body["steps"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue  # not one a seal wrote: left for a person to look at
        committed, allowed = judge(hashes)
        if not all(path in allowed and (written is None or _beside(written, path)) for written, path in steps):
            continue
        if committed:
            if _apply(steps) is not None:
                continue
        else:
            for written, _ in steps:
                if written is not None:
                    written.unlink(missing_ok=True)
        journal.unlink(missing_ok=True)


def _beside(written: Path, path: Path) -> bool:
    """`written` is what stage_file writes for `path`: beside it, under the leftover name it uses."""
    return (
        written.parent == path.parent
        and re.fullmatch(rf"\.{re.escape(path.name)}\.[0-9a-f]{{8}}\.tmp", written.name) is not None
    )


def _apply(steps: list[tuple[Path | None, Path]]) -> OSError | None:
    first: OSError | None = None
    for written, path in steps:
        try:
            if written is None:
                path.unlink(missing_ok=True)
            else:
                os.replace(written, path)
        except FileNotFoundError:
            pass  # done already, by another seal finishing the same journal
        except OSError as exc:
            first = first or exc
    for folder in {path.parent for _, path in steps}:
        with contextlib.suppress(OSError):
            _sync_folder(folder)
    return first


def _not_a_folder(path: Path) -> None:
    """Renaming over a file, or removing one, fails only when a folder is there instead (the folder it is
    in was writable to stage the file): that must show while the seal can still leave the run out, not
    once the history says it is sealed."""
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISDIR(path.lstat().st_mode):
            raise IsADirectoryError(errno.EISDIR, "a folder is where a file goes", str(path))


def _sync_folder(folder: Path) -> None:
    """A new name in a folder survives a power cut only once the folder itself is flushed."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # Windows cannot open a folder: its renames are flushed with the file
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
