"""The files a seal writes, changed only once the history has committed it.

Inside the transaction each file is written beside its final name (a full disk or a folder that cannot
be written shows then, and the run concerned is left out), and a journal names every step and the
manifest hash each run gets. After the commit the files are renamed into place and the journal removed.
A seal that stops in between (killed, a power cut, a rename that fails) is finished by the next seal,
which finds the journal: when the history has the hashes it names, the steps left are done; when it does
not (the transaction never committed), the files written beside are removed. Renames are idempotent, so
two seals finishing the same journal do no harm.

A journal names no path: only run ids, which file of the run (its manifest, signature, progress file or
lock) and the name of the file written beside it. The next seal works the paths out itself, from the
history, for runs whose folder holds their own manifest: a journal planted in the home can make a seal
touch nothing but those four files of a real run.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from optout.files import stage_file, write_atomically

JOURNAL_SUFFIX = ".journal"

Kind = Literal["manifest", "signature", "progress", "lock"]
# What a seal may do to each file of a run: write (rename over) or remove.
WRITTEN: frozenset[str] = frozenset({"manifest", "signature"})
REMOVED: frozenset[str] = frozenset({"signature", "progress", "lock"})
_STAGED_NAME = re.compile(r"\.(?:manifest\.json|manifest\.sig)\.[0-9a-f]{8}\.tmp")


@dataclass(frozen=True)
class _Step:
    run_id: str
    kind: str
    path: Path
    written: Path | None  # the file written beside `path`; None: `path` is removed


class StagedWrites:
    """What one seal writes and removes, in order (a run's signature before its manifest, its lock last)."""

    def __init__(self, journals: Path) -> None:
        self._journal = journals / f"seal-{secrets.token_hex(8)}{JOURNAL_SUFFIX}"
        self._steps: list[_Step] = []

    def write(self, run_id: str, kind: Kind, path: Path, data: bytes) -> None:
        _not_a_folder(path)
        self._steps.append(_Step(run_id, kind, path, stage_file(path, data)))

    def remove(self, run_id: str, kind: Kind, path: Path) -> None:
        _not_a_folder(path)
        self._steps.append(_Step(run_id, kind, path, None))

    def __len__(self) -> int:
        return len(self._steps)

    def undo_since(self, count: int) -> None:
        for step in self._steps[count:]:
            if step.written is not None:
                step.written.unlink(missing_ok=True)
        del self._steps[count:]

    def journal(self, hashes: dict[str, str]) -> None:
        """Last thing inside the transaction: the steps and the hashes that tell whether it committed,
        on disk (with the files written beside) before the commit can be."""
        for folder in {s.written.parent for s in self._steps if s.written is not None}:
            _sync_folder(folder)
        self._journal.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        steps = [[s.run_id, s.kind, s.written.name if s.written else None] for s in self._steps]
        write_atomically(self._journal, json.dumps({"hashes": hashes, "steps": steps}).encode("utf-8"))
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


# (hashes) -> whether the history holds them all; (run id, kind) -> that file of that run, or None when
# the run is not one whose files a seal may touch.
Committed = Callable[[dict[str, str]], bool]
Locate = Callable[[str, str], "Path | None"]


def finish_pending(journals: Path, committed: Committed, locate: Locate) -> None:
    """Finish or undo every seal that stopped after writing its journal. A journal that names anything
    but the files a seal writes or removes, of runs `locate` knows, is left as it is, untouched."""
    for journal in sorted(journals.glob(f"*{JOURNAL_SUFFIX}")):
        try:
            body = json.loads(journal.read_bytes())
            hashes = {str(k): str(v) for k, v in body["hashes"].items()}
            steps = [_read_step(run_id, kind, written, locate) for run_id, kind, written in body["steps"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue  # not one a seal wrote: left for a person to look at
        if any(step is None or step.run_id not in hashes for step in steps):
            continue
        ready = [step for step in steps if step is not None]
        if committed(hashes):
            if _apply(ready) is not None:
                continue
        else:
            for step in ready:
                if step.written is not None:
                    step.written.unlink(missing_ok=True)
        journal.unlink(missing_ok=True)


def _read_step(run_id: object, kind: object, written: object, locate: Locate) -> _Step | None:
    if not isinstance(run_id, str) or kind not in (WRITTEN if written is not None else REMOVED):
        return None
    path = locate(run_id, str(kind))
    if path is None:
        return None
    if written is None:
        return _Step(run_id, str(kind), path, None)
    if not isinstance(written, str) or not _STAGED_NAME.fullmatch(written) or path.name not in written:
        return None
    return _Step(run_id, str(kind), path, path.parent / written)


def _apply(steps: list[_Step]) -> OSError | None:
    first: OSError | None = None
    for step in steps:
        try:
            if step.written is None:
                step.path.unlink(missing_ok=True)
            else:
                os.replace(step.written, step.path)
        except FileNotFoundError:
            pass  # done already, by another seal finishing the same journal
        except OSError as exc:
            first = first or exc
    for folder in {step.path.parent for step in steps}:
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
