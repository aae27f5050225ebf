"""One hash chain per home: when a run ends, its manifest takes the SHA-256 of the manifest sealed before
it (`previous`) and is signed; the history database records the order (`seq`).

A run killed before its end (SIGKILL, a power cut) never seals itself. Its lock file tells: a living run
holds an exclusive lock on it, which the system drops when the process dies. The next run to end seals
such a run first, as found and marked as stopped without finishing, so that what it recorded is in the
chain too. Sealing happens under the database's write lock, so two runs ending at once queue.

Whoever can write the home could plant a run folder and a history row for the next run to seal and sign.
So a run seals another only when that run really was one optout started and was killed: the random token
it made when it started is both in its lock file and in its history row (its lock also holds the token
signed with the home's key, when it had the key), its manifest does not say it finished or was sealed,
and every file the manifest lists is on disk with the hash the history recorded when it was written.
Anything else is left as found, named by the sealing run and by verify. The seal records which run made
it (`sealed_by`), and it is signed only when the run's start was signed with the sealing run's key.
Its results must be those the history recorded too, and no file the history recorded may be missing
from its list; a run writes its manifest before its history, so the one gap allowed is the run's last
result (killed before the history had it) and the row of a click its manifest already replaced.

A run that had the key when it started also signed its manifest each time it wrote it (progress.py): the
seal then takes only a manifest the run itself signed, so an edit made after it was killed, history and
all, is refused.

A seal changes files only once the database has committed it (staged.py): a seal rolled back (the
database full or locked) leaves every run exactly as it was, and one stopped after its commit is
finished by the next.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from optout.evidence.history import History, ResultRow
from optout.evidence.manifest import ChainLink, Manifest, manifest_bytes
from optout.evidence.progress import PROGRESS_NAME, vouched
from optout.evidence.signing import Signer, home_public_key, verify_signature
from optout.evidence.staged import StagedWrites, finish_pending
from optout.results import CLICK_UNVERIFIED, Result, utc_now

try:
    import fcntl
except ImportError:  # Windows: runs are never taken for abandoned (a killed run stays unsealed).
    fcntl = None  # type: ignore[assignment]

SIGNATURE_NAME = "manifest.sig"
KILLED = "stopped without finishing (the process was killed or the machine stopped)"


def _lock_path(history: History, run_id: str) -> Path:
    return history.path.parent / "locks" / f"{run_id}.lock"


def _journals(history: History) -> Path:
    return history.path.parent / "seals"


def _keys_dir(history: History) -> Path:
    # signing.keys_dir: the history and the keys share the home's data folder.
    return history.path.parent / "keys"


def start_statement(run_id: str, token: str) -> bytes:
    """What a run signs as it starts: only a process holding the home's key can make it for a run id."""
    return f"optout run started\n{run_id}\n{token}\n".encode()


class RunLock:
    """Held for a run's whole life: another process can tell a running run from an abandoned one. It holds
    the run's token (and the token signed, with a signer), which a run that seals it checks."""

    def __init__(self, history: History, run_id: str, token: str, signer: Signer | None = None) -> None:
        self.path = _lock_path(history, run_id)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._file: IO[bytes] | None = os.fdopen(fd, "wb")  # held until release()
        if fcntl is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        claim: dict[str, str] = {"run_id": run_id, "token": token}
        if signer is not None:
            claim["signing_key"] = signer.key_id
            claim["signature"] = base64.b64encode(signer.sign(start_statement(run_id, token))).decode("ascii")
        self._file.write(json.dumps(claim).encode("utf-8"))
        self._file.flush()
        # A power cut is one way a run is killed: its token must outlive it.
        os.fsync(self._file.fileno())

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


@dataclass(frozen=True)
class Examined:
    """Whether another run may seal an abandoned run: `problem` says why not; `started_with` is the key
    that signed its start (None: it started unsigned)."""

    problem: str | None
    started_with: str | None = None


def examine(
    history: History,
    run_id: str,
    token: str | None,
    folder: Path,
    found: Manifest,
    data: bytes,
    recorded: dict[str, str],
    results: list[ResultRow],
) -> Examined:
    """Check an abandoned run (its manifest `found`, read as `data` in `folder`; the token, file hashes and
    results its history holds) before another run seals it."""
    if token is None:
        return Examined("the history holds no run token for it (no optout started it, or an older one did)")
    claim = _claim(history, run_id)
    if claim is None or claim.get("token") != token or claim.get("run_id") != run_id:
        return Examined("its lock file does not hold the token the history recorded when it started")
    started_with: str | None = None
    if "signing_key" in claim or "signature" in claim:
        started_with = claim.get("signing_key")
        problem = _start_signature(history, run_id, token, started_with, claim.get("signature"))
        if problem:
            return Examined(problem)
        assert started_with is not None  # _start_signature checked it
        _, public = home_public_key(_keys_dir(history), started_with)
        problem = vouched(folder, run_id, data, started_with, public)
        if problem:
            return Examined(problem)
    if found.finished_at is not None or found.previous is not None or found.signing_key or found.sealed_by:
        return Examined("its manifest says it finished or was sealed, which only the run itself does")
    problem = _files_as_recorded(folder, found, recorded) or _results_as_recorded(found, results)
    return Examined(problem, started_with if problem is None else None)


def _claim(history: History, run_id: str) -> dict[str, str] | None:
    """The lock file's contents, None when gone or not what a RunLock writes."""
    try:
        with open(_lock_path(history, run_id), "rb") as handle:
            data = json.loads(handle.read(4096))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        return None
    return data


def _start_signature(history: History, run_id: str, token: str, kid: str | None, signature: str | None) -> str | None:
    if kid is None or signature is None:
        return "its lock file names a start signature but not both the key and the signature"
    try:
        _, public = home_public_key(_keys_dir(history), kid)
        raw = base64.b64decode(signature, validate=True)
    except FileNotFoundError:
        return f"its start is signed with key {kid}, which is not in the home's keys"
    except (OSError, ValueError, binascii.Error):
        return f"its start is signed with key {kid!r}, which cannot be used"
    if not verify_signature(public, start_statement(run_id, token), raw):
        return "its start signature (in its lock file) does not match"
    return None


def _files_as_recorded(folder: Path, found: Manifest, recorded: dict[str, str]) -> str | None:
    """None when every file the manifest lists is on disk, inside the run folder, with the hash the history
    recorded for it as it was written; else the first that is not, as a reason."""
    root = folder.resolve()
    # A capture is listed in the manifest first, then recorded in the history: the last one may be missing.
    last = found.files[-1] if found.files else None
    for entry in found.files:
        name = Path(entry.path).as_posix()
        latest = last is not None and (entry.taken_at, entry.step) == (last.taken_at, last.step)
        if recorded.get(name) != entry.sha256 and not (latest and name not in recorded):
            return f"{entry.path}: the history did not record this file with this hash"
        path = folder / entry.path
        try:
            if not path.resolve().is_relative_to(root):
                return f"{entry.path}: outside the run folder"
            digest = _sha256(path.read_bytes())
        except (OSError, ValueError):
            return f"{entry.path}: missing or unreadable"
        if digest != entry.sha256:
            return f"{entry.path}: changed since it was recorded"
    listed = {Path(entry.path).as_posix() for entry in found.files}
    for name in sorted(set(recorded) - listed):
        return f"{name}: the history recorded this file, and its manifest no longer lists it"
    return None


_ResultKey = tuple[str, str, str, str, str, bool, str | None, str | None, datetime, datetime]


def _result_key(r: Result | ResultRow) -> _ResultKey:
    started, finished = r.started_at, r.finished_at
    return (
        r.platform,
        r.account,
        r.setting,
        r.state.value,
        r.outcome.value,
        r.verified,
        r.label,
        r.reason,
        started if isinstance(started, datetime) else datetime.fromisoformat(started),
        finished if isinstance(finished, datetime) else datetime.fromisoformat(finished),
    )


def _results_as_recorded(found: Manifest, recorded: list[ResultRow]) -> str | None:
    """None when the manifest's results are the history's, but for what a run killed between writing
    its manifest and its history leaves: its last result not in the history yet, and the row of a click
    (`click_unverified`) whose setting's own result the manifest already holds."""
    left = [_result_key(row) for row in recorded]
    for number, result in enumerate(found.results, start=1):
        key = _result_key(result)
        if key in left:
            left.remove(key)
        elif number < len(found.results):
            return f"{_named(key)}: its manifest holds a result the history did not record"
    replaced = {key[:3] for key in map(_result_key, found.results) if key[6] != CLICK_UNVERIFIED}
    for key in left:
        if key[6] != CLICK_UNVERIFIED or key[:3] not in replaced:
            return f"{_named(key)}: the history recorded a result its manifest no longer holds"
    return None


def _named(key: _ResultKey) -> str:
    return f"{key[0]} {key[1]} {key[2]}"


@dataclass
class _Head:
    seq: int
    run_id: str | None
    sha256: str | None


def seal(
    history: History,
    manifest: Manifest,
    directory: Path,
    signer: Signer | None,
    *,
    refused: list[str] | None = None,
) -> str:
    """Add the run to the chain (after any abandoned run it may seal), sign it, and return its manifest's
    SHA-256. An abandoned run that must not be sealed by another is left as found, and one line saying why
    is added to `refused`."""
    journals = _journals(history)
    staged = StagedWrites(journals)
    try:
        with history.transaction() as db:
            finish_pending(journals, lambda hashes: _committed(db, hashes), lambda r, k: _locate(history, db, r, k))
            sealed: dict[str, str] = {}
            digest = _seal(history, db, manifest, directory, signer, staged, refused, sealed)
            staged.journal(sealed)
    except BaseException:
        staged.discard()
        raise
    staged.apply()
    return digest


def _committed(db: Any, hashes: dict[str, str]) -> bool:
    for run_id, digest in hashes.items():
        row = db.execute("SELECT manifest_sha256 FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None or row[0] != digest:
            return False
    return True


# The run ids RunEvidence makes: nothing in one can reach outside the folder a path is built in.
_RUN_ID = re.compile(r"run-\d{8}T\d{6}-\d{6}Z-[a-z][a-z-]*")


def _locate(history: History, db: Any, run_id: str, kind: str) -> Path | None:
    """For a journal left behind: that file of that run, when the history knows the run and its folder
    holds its own manifest; else None (the journal is then left untouched)."""
    if not _RUN_ID.fullmatch(run_id):
        return None
    if kind == "lock":
        return _lock_path(history, run_id)
    row = db.execute("SELECT directory FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    if row is None:
        return None
    folder = Path(row[0])
    try:
        named = json.loads((folder / "manifest.json").read_bytes()).get("run_id")
    except (OSError, ValueError, AttributeError):
        return None
    if named != run_id or folder.is_symlink():
        return None
    return folder / {"manifest": "manifest.json", "signature": SIGNATURE_NAME, "progress": PROGRESS_NAME}[kind]


def _seal(
    history: History,
    db: Any,
    manifest: Manifest,
    directory: Path,
    signer: Signer | None,
    staged: StagedWrites,
    refused: list[str] | None,
    sealed: dict[str, str],
) -> str:
    last = db.execute("SELECT seq, run_id, manifest_sha256 FROM runs WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1")
    row = last.fetchone()
    head = _Head(row[0], row[1], row[2]) if row else _Head(0, None, None)
    unsealed = db.execute(
        "SELECT run_id, directory, token FROM runs WHERE seq IS NULL AND run_id != ? ORDER BY started_at",
        (manifest.run_id,),
    )
    for run_id, folder, token in unsealed.fetchall():
        if not abandoned(history, run_id):
            continue
        loaded = _load(Path(folder))
        # Gone, unreadable, or another run's manifest (copied in): verify names it, unsealed. Sealing
        # it would move the other run's row to the end of the chain.
        if loaded is None or loaded[0].run_id != run_id:
            continue
        found, data = loaded
        recorded = history.file_hashes(run_id)
        results = history.results(run_id=run_id)
        examined = examine(history, run_id, token, Path(folder), found, data, recorded, results)
        if examined.problem is not None:
            if refused is not None:
                refused.append(
                    f"run {run_id} was not sealed: {examined.problem}; it is left as found (optout verify names it)"
                )
            continue
        if found.interrupted is None:
            found.interrupted = KILLED
        found.sealed_by = manifest.run_id
        # Signed only when its start was signed with this very key: a token alone proves no more than
        # that someone wrote both the lock and the history.
        proven = signer if signer is not None and examined.started_with == signer.key_id else None
        try:
            head = _link(db, found, Path(folder), head, proven, staged)
            sealed[run_id] = head.sha256 or ""
        except OSError:
            # Its folder cannot be written (read-only, moved half-way): it stays unsealed, and verify
            # names it; this run and every later one must still be sealed.
            continue
        staged.remove(run_id, "lock", _lock_path(history, run_id))
    head = _link(db, manifest, directory, head, signer, staged)
    sealed[manifest.run_id] = head.sha256 or ""
    return head.sha256 or ""


def _load(folder: Path) -> tuple[Manifest, bytes] | None:
    try:
        data = (folder / "manifest.json").read_bytes()
        return Manifest.model_validate_json(data), data
    except (OSError, ValidationError, ValueError):
        return None


def _link(db: Any, manifest: Manifest, folder: Path, head: _Head, signer: Signer | None, staged: StagedWrites) -> _Head:
    previous = ChainLink(run_id=head.run_id, sha256=head.sha256) if head.run_id and head.sha256 else None
    sealed = manifest.model_copy(update={"previous": previous, "signing_key": signer.key_id if signer else None})
    data = manifest_bytes(sealed)
    # The signature before the manifest: a folder that cannot take it keeps its manifest as found, since a
    # manifest that says it was sealed is never sealed by another run.
    signature = folder / SIGNATURE_NAME
    mark = len(staged)
    try:
        if signer:
            staged.write(manifest.run_id, "signature", signature, signer.sign(data))
        else:
            staged.remove(manifest.run_id, "signature", signature)
        staged.write(manifest.run_id, "manifest", folder / "manifest.json", data)
        # Sealed, the manifest is vouched for by its own signature and the chain.
        staged.remove(manifest.run_id, "progress", folder / PROGRESS_NAME)
    except OSError:
        staged.undo_since(mark)
        raise
    manifest.previous, manifest.signing_key = sealed.previous, sealed.signing_key
    digest = _sha256(data)
    db.execute(
        "UPDATE runs SET seq = ?, manifest_sha256 = ?, previous_run_id = ?, signed = ?, sealed_at = ?,"
        " finished_at = ?, interrupted = ?, sealed_by = ? WHERE run_id = ?",
        (
            head.seq + 1,
            digest,
            head.run_id,
            int(signer is not None),
            utc_now().isoformat(),
            manifest.finished_at.isoformat() if manifest.finished_at else None,
            manifest.interrupted,
            manifest.sealed_by,
            manifest.run_id,
        ),
    )
    return _Head(head.seq + 1, manifest.run_id, digest)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
