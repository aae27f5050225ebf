"""One hash chain per home: when a run ends, its manifest takes the SHA-256 of the manifest sealed before
it (`previous`) and is signed; the history database records the order (`seq`).

A run killed before its end (SIGKILL, a power cut) never seals itself. Its lock file tells: a living run
holds an exclusive lock on it, which the system drops when the process dies. The next run to end seals
such a run first, as found and marked as stopped without finishing, so that what it recorded is in the
chain too. Sealing happens under the database's write lock, so two runs ending at once queue.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from optout.evidence import ChainLink, Manifest, manifest_bytes, write_atomically
from optout.history import History
from optout.results import utc_now
from optout.signing import Signer

try:
    import fcntl
except ImportError:  # Windows: runs are never taken for abandoned (a killed run stays unsealed).
    fcntl = None  # type: ignore[assignment]

SIGNATURE_NAME = "manifest.sig"
KILLED = "stopped without finishing (the process was killed or the machine stopped)"


def _lock_path(history: History, run_id: str) -> Path:
    return history.path.parent / "locks" / f"{run_id}.lock"


class RunLock:
    """Held for a run's whole life: another process can tell a running run from an abandoned one."""

    def __init__(self, history: History, run_id: str) -> None:
        self.path = _lock_path(history, run_id)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._file: IO[bytes] | None = os.fdopen(fd, "wb")  # held until release()
        if fcntl is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def release(self) -> None:
        if self._file is not None:
            self.path.unlink(missing_ok=True)
            self._file.close()
            self._file = None


def abandoned(history: History, run_id: str) -> bool:
    """True when no living process holds the run's lock."""
    if fcntl is None:
        return False
    path = _lock_path(history, run_id)
    try:
        handle = open(path, "rb")  # noqa: SIM115
    except FileNotFoundError:
        return True
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


@dataclass
class _Head:
    seq: int
    run_id: str | None
    sha256: str | None


def seal(history: History, manifest: Manifest, directory: Path, signer: Signer | None) -> str:
    """Add the run to the chain (after any abandoned run), sign it, and return its manifest's SHA-256."""
    with history.transaction() as db:
        last = db.execute(
            "SELECT seq, run_id, manifest_sha256 FROM runs WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
        )
        row = last.fetchone()
        head = _Head(row[0], row[1], row[2]) if row else _Head(0, None, None)
        unsealed = db.execute(
            "SELECT run_id, directory FROM runs WHERE seq IS NULL AND run_id != ? ORDER BY started_at",
            (manifest.run_id,),
        )
        for run_id, folder in unsealed.fetchall():
            if not abandoned(history, run_id):
                continue
            found = _load(Path(folder))
            # Gone, unreadable, or another run's manifest (copied in): verify names it, unsealed. Sealing
            # it would move the other run's row to the end of the chain.
            if found is None or found.run_id != run_id:
                continue
            if found.finished_at is None and found.interrupted is None:
                found.interrupted = KILLED
            try:
                head = _link(db, found, Path(folder), head, signer)
            except OSError:
                # Its folder cannot be written (read-only, moved half-way): it stays unsealed, and verify
                # names it; this run and every later one must still be sealed.
                continue
            _lock_path(history, run_id).unlink(missing_ok=True)
        return _link(db, manifest, directory, head, signer).sha256 or ""


def _load(folder: Path) -> Manifest | None:
    try:
        return Manifest.model_validate_json((folder / "manifest.json").read_bytes())
    except (OSError, ValidationError, ValueError):
        return None


def _link(db: Any, manifest: Manifest, folder: Path, head: _Head, signer: Signer | None) -> _Head:
    manifest.previous = ChainLink(run_id=head.run_id, sha256=head.sha256) if head.run_id and head.sha256 else None
    manifest.signing_key = signer.key_id if signer else None
    data = manifest_bytes(manifest)
    write_atomically(folder / "manifest.json", data)
    signature = folder / SIGNATURE_NAME
    if signer:
        write_atomically(signature, signer.sign(data))
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(signature)
    digest = _sha256(data)
    db.execute(
        "UPDATE runs SET seq = ?, manifest_sha256 = ?, previous_run_id = ?, signed = ?, sealed_at = ?,"
        " finished_at = ?, interrupted = ? WHERE run_id = ?",
        (
            head.seq + 1,
            digest,
            head.run_id,
            int(signer is not None),
            utc_now().isoformat(),
            manifest.finished_at.isoformat() if manifest.finished_at else None,
            manifest.interrupted,
            manifest.run_id,
        ),
    )
    return _Head(head.seq + 1, manifest.run_id, digest)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
