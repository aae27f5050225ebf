"""`optout verify`: check a home's evidence against itself, as data (a list of findings per run).

What is trusted, in order: the bytes on disk (every file's SHA-256 as its manifest lists it), the chain
(each sealed manifest holds the run id and SHA-256 of the manifest sealed just before it, so changing,
removing or inserting a sealed manifest breaks the next one's link), the signatures (Ed25519 over the
manifest's exact bytes, checked with the public key files in the home, never the keyring), and the
history database as a second witness (the hash and signed flag it recorded when each run was sealed,
and each file's hash as it was written).

The chain's head (the last sealed run and its manifest's SHA-256) is given so that a person can keep it
elsewhere: the newest runs removed, folder and history row, leave a chain that checks, and only a head
kept outside the home (`--expect-head`) tells.

A finding is a mismatch (something does not match: exit 1) unless its kind is in WARNINGS: those say
what cannot be checked (an unsigned run, a run not sealed yet), not that something was changed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from optout.evidence import chain
from optout.evidence.history import History, RunRow
from optout.evidence.manifest import Manifest
from optout.evidence.progress import PROGRESS_NAME
from optout.evidence.signing import home_public_key, verify_signature

# Files a run folder may hold beyond those its manifest lists: the manifest itself, its signature, and
# the HTML report `optout report` may write beside them.
UNLISTED_OK = frozenset({"manifest.json", chain.SIGNATURE_NAME, PROGRESS_NAME, "report.html"})

# What write_atomically leaves behind when the process is killed between writing and renaming.
_LEFTOVER = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")


class Kind(str, Enum):
    CHANGED = "changed"
    MISSING = "missing"
    INSERTED = "inserted"
    OUTSIDE = "outside"
    MANIFEST_CHANGED = "manifest_changed"
    MANIFEST_MISSING = "manifest_missing"
    MANIFEST_UNREADABLE = "manifest_unreadable"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_KEY = "unknown_key"
    KEY_CHANGED = "key_changed"
    CHAIN_BROKEN = "chain_broken"
    RUN_REMOVED = "run_removed"
    UNSIGNED = "unsigned"
    NOT_SEALED = "not_sealed"
    LEFTOVER = "leftover"
    NOT_SEALABLE = "not_sealable"  # unsealed, and no other run may seal it: planted, or changed after it stopped
    SEALED_BY_OTHER = "sealed_by_other"  # killed, and sealed by the run named


WARNINGS = frozenset({Kind.UNSIGNED, Kind.NOT_SEALED, Kind.LEFTOVER, Kind.SEALED_BY_OTHER})

# --expect-head: a manifest's SHA-256, or RUN_ID:SHA-256.
_EXPECTED_HEAD = re.compile(r"(?:(?P<run>[^:\s]+):)?(?P<sha>[0-9a-fA-F]{64})")


@dataclass(frozen=True)
class Finding:
    kind: Kind
    text: str  # one line naming the file or run

    @property
    def warning(self) -> bool:
        return self.kind in WARNINGS

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "warning": self.warning, "text": self.text}


@dataclass
class RunCheck:
    run_id: str
    directory: Path
    seq: int | None
    interrupted: str | None
    files_checked: int = 0
    signed: bool = False
    sealed_by: str | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing that does not match (warnings allowed)."""
        return not any(not f.warning for f in self.findings)

    @property
    def status(self) -> str:
        if not self.ok:
            return "MISMATCH"
        return "ok, with warnings" if self.findings else "ok"

    def add(self, kind: Kind, text: str) -> None:
        self.findings.append(Finding(kind, text))

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "directory": str(self.directory),
            "seq": self.seq,
            "sealed": self.seq is not None,
            "interrupted": self.interrupted,
            "signed": self.signed,
            "sealed_by": self.sealed_by,
            "files_checked": self.files_checked,
            "ok": self.ok,
            "findings": [f.as_json() for f in self.findings],
        }


@dataclass(frozen=True)
class Head:
    """The last sealed run: its id, place in the chain and manifest SHA-256 as the history recorded it."""

    run_id: str
    seq: int
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "seq": self.seq, "sha256": self.sha256}


@dataclass(frozen=True)
class HeadCheck:
    """`--expect-head`: the value given, and what was found."""

    expected: str
    ok: bool
    text: str

    def as_json(self) -> dict[str, Any]:
        return {"expected": self.expected, "ok": self.ok, "text": self.text}


@dataclass
class Verification:
    runs: list[RunCheck]
    head: Head | None = None
    head_check: HeadCheck | None = None

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.runs) and (self.head_check is None or self.head_check.ok)

    @property
    def mismatches(self) -> int:
        head = int(self.head_check is not None and not self.head_check.ok)
        return head + sum(1 for r in self.runs for f in r.findings if not f.warning)

    @property
    def warnings(self) -> int:
        return sum(1 for r in self.runs for f in r.findings if f.warning)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "mismatches": self.mismatches,
            "warnings": self.warnings,
            "head": self.head.as_json() if self.head else None,
            "expected_head": self.head_check.as_json() if self.head_check else None,
            "runs": [r.as_json() for r in self.runs],
        }


def parse_expected_head(text: str) -> tuple[str | None, str]:
    """(run id or None, SHA-256 in lower case) from `SHA256` or `RUN_ID:SHA256`. Raises ValueError."""
    found = _EXPECTED_HEAD.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"--expect-head takes a manifest's SHA-256 (64 hex digits) or RUN_ID:SHA-256, not {text!r}")
    return found["run"], found["sha"].lower()


@dataclass
class _Loaded:
    """A run's manifest as found on disk: its bytes (None when gone) and, when they parse, the model."""

    row: RunRow
    data: bytes | None
    manifest: Manifest | None
    problem: str | None = None  # why data or manifest is None

    @property
    def sha256(self) -> str | None:
        return hashlib.sha256(self.data).hexdigest() if self.data is not None else None


def _load(row: RunRow) -> _Loaded:
    try:
        data = row.manifest_path.read_bytes()
    except FileNotFoundError:
        where = "its folder is gone" if not row.directory.exists() else "manifest.json is gone"
        return _Loaded(row, None, None, f"{where} ({row.directory})")
    except OSError as exc:
        return _Loaded(row, None, None, f"manifest.json cannot be read ({exc.strerror or exc})")
    try:
        return _Loaded(row, data, Manifest.model_validate_json(data))
    except (ValidationError, ValueError):
        return _Loaded(row, data, None, "manifest.json is not a valid optout manifest")


def verify(
    history: History, keys_dir: Path, run_ids: Iterable[str] | None = None, *, expect_head: str | None = None
) -> Verification:
    """Check the runs named (every run when None) in the chain of `history`'s home. Chain links are
    checked against the neighbouring runs whether or not those are named; files only for the runs named.
    `expect_head` (see parse_expected_head) must name the chain's head or a run sealed before it."""
    rows = history.runs()
    wanted = None if run_ids is None else set(run_ids)
    loaded = {row.run_id: _load(row) for row in rows}
    sealed = [loaded[r.run_id] for r in rows if r.sealed]
    checks: dict[str, RunCheck] = {}
    for row in rows:
        if wanted is not None and row.run_id not in wanted:
            continue
        check = RunCheck(row.run_id, row.directory, row.seq, row.interrupted)
        checks[row.run_id] = check
        run = loaded[row.run_id]
        if run.data is None:
            check.add(Kind.MANIFEST_MISSING, f"run {row.run_id}: {run.problem}")
        elif run.manifest is None:
            check.add(Kind.MANIFEST_UNREADABLE, f"run {row.run_id}: {run.problem}")
        elif run.manifest.run_id != row.run_id:
            # Another run's manifest (and files) copied over this one's: its own signature still holds.
            check.add(
                Kind.MANIFEST_CHANGED,
                f"run {row.run_id}: manifest.json is the manifest of run {run.manifest.run_id}, not of this run",
            )
        if not row.sealed:
            _unsealed(history, run, check)
            continue
        _signature(run, keys_dir, check)
        _sealed_by(run, check)
        if run.manifest is not None:
            check.interrupted = run.manifest.interrupted or row.interrupted
            _files(run, history.file_hashes(row.run_id), check)
    # A home signs with one key all its life (signing.signer never makes a second one): a run signed
    # with another key than the runs before it was signed by someone else, whatever key file came with it.
    first_key: tuple[str, str] | None = None
    for run in sealed:
        kid = run.manifest.signing_key if run.manifest is not None else None
        if kid is None:
            continue
        if first_key is None:
            first_key = (kid, run.row.run_id)
        elif kid != first_key[0] and run.row.run_id in checks:
            checks[run.row.run_id].add(
                Kind.KEY_CHANGED,
                f"run {run.row.run_id} is signed with key {kid}, the home's earlier runs with {first_key[0]} "
                f"(since {first_key[1]}): a home keeps one key",
            )
    known = {row.run_id: row for row in rows}
    for index, run in enumerate(sealed):
        before = sealed[index - 1] if index else None
        after = sealed[index + 1] if index + 1 < len(sealed) else None
        if run.row.run_id in checks:
            _chain(run, before, after, known, checks[run.row.run_id])
    last = next((run.row for run in reversed(sealed) if run.row.manifest_sha256), None)
    head = Head(last.run_id, last.seq or 0, last.manifest_sha256 or "") if last else None
    return Verification(
        [checks[row.run_id] for row in rows if row.run_id in checks],
        head=head,
        head_check=None if expect_head is None else _check_head(sealed, head, expect_head),
    )


def _check_head(sealed: Sequence[_Loaded], head: Head | None, expected: str) -> HeadCheck:
    """The head kept elsewhere must still be in the chain, as it was: the head itself, or a run sealed before
    runs that came since. Gone (the newest runs removed, folder and row) or changed is a mismatch."""
    run_id, sha = parse_expected_head(expected)
    now = f"the chain now ends at run {head.run_id} (seq {head.seq})" if head else "this home has no sealed run"
    named = f"{run_id} (SHA-256 {sha})" if run_id else f"SHA-256 {sha}"
    by_id = [run for run in sealed if run_id is not None and run.row.run_id == run_id]
    by_hash = [run for run in sealed if sha in (run.sha256, run.row.manifest_sha256)]
    if run_id is not None and not by_id and by_hash:
        found = by_hash[0].row.run_id
        return HeadCheck(expected, False, f"the expected chain head {named} is the manifest of run {found}")
    match = by_id[0] if by_id else (by_hash[0] if by_hash else None)
    if match is None:
        return HeadCheck(
            expected,
            False,
            f"the expected chain head {named} is no longer in the chain (the newest runs were removed); {now}",
        )
    if match.sha256 != sha or match.row.manifest_sha256 != sha:
        return HeadCheck(
            expected,
            False,
            f"the expected chain head {named}: run {match.row.run_id}'s manifest no longer has that SHA-256 on "
            "disk or in the history (changed since)",
        )
    since = sum(1 for run in sealed if (run.row.seq or 0) > (match.row.seq or 0))
    if since == 0:
        return HeadCheck(expected, True, f"Chain head as expected: run {match.row.run_id}.")
    return HeadCheck(
        expected, True, f"Expected head found: run {match.row.run_id}, with {since} run(s) sealed after it."
    )


def _sealed_by(run: _Loaded, check: RunCheck) -> None:
    """A run sealed by another is named: it stopped without finishing, and the other run vouched for it."""
    sealer = (run.manifest.sealed_by if run.manifest is not None else None) or run.row.sealed_by
    if sealer is None:
        return
    check.sealed_by = sealer
    check.add(
        Kind.SEALED_BY_OTHER,
        f"run {run.row.run_id} was sealed by run {sealer}: it stopped without finishing, and was sealed as found",
    )


def _unsealed(history: History, run: _Loaded, check: RunCheck) -> None:
    row = run.row
    if not chain.abandoned(history, row.run_id):
        check.add(Kind.NOT_SEALED, f"run {row.run_id} is still running: it is sealed when it ends")
        return
    if run.manifest is None or run.manifest.run_id != row.run_id:
        # A run writes its manifest before its history row: a row without its own manifest was planted,
        # or its manifest was removed or replaced since, and no run seals it.
        check.add(
            Kind.NOT_SEALABLE,
            f"run {row.run_id} is not sealed, and no other run may seal it: "
            f"{run.problem or 'its folder holds the manifest of another run'}",
        )
        return
    recorded = history.file_hashes(row.run_id)
    results = history.results(run_id=row.run_id)
    assert run.data is not None  # a manifest was read from it
    examined = chain.examine(history, row.run_id, row.token, row.directory, run.manifest, run.data, recorded, results)
    if examined.problem is not None:
        check.add(
            Kind.NOT_SEALABLE,
            f"run {row.run_id} is not sealed, and no other run may seal it (planted, or changed after it "
            f"stopped): {examined.problem}",
        )
    else:
        check.add(
            Kind.NOT_SEALED,
            f"run {row.run_id} stopped without finishing and is not sealed yet (the next run to end seals "
            "it): its files are checked against its manifest, which no signature or chain link covers yet",
        )
    _files(run, recorded, check)


def _files(run: _Loaded, recorded: dict[str, str], check: RunCheck) -> None:
    """Every listed file there with its hash; nothing else in the folder."""
    assert run.manifest is not None
    folder = run.row.directory
    root = folder.resolve()
    listed: set[str] = set()
    for entry in run.manifest.files:
        path = folder / entry.path
        listed.add(Path(entry.path).as_posix())
        try:
            inside = path.resolve().is_relative_to(root)
        except (OSError, ValueError):  # a NUL byte, a symlink loop: no file of this run
            check.add(Kind.OUTSIDE, f"{entry.path!r}: the manifest lists a path that names no file")
            continue
        if not inside:
            check.add(Kind.OUTSIDE, f"{entry.path}: the manifest lists a file outside the run folder")
            continue
        check.files_checked += 1
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except FileNotFoundError:
            check.add(Kind.MISSING, f"{entry.path}: missing (the manifest lists it)")
            continue
        except OSError as exc:
            check.add(Kind.MISSING, f"{entry.path}: cannot be read ({exc.strerror or exc})")
            continue
        if digest != entry.sha256:
            check.add(Kind.CHANGED, f"{entry.path}: changed (its SHA-256 is not the one the manifest gives)")
        elif entry.path in recorded and recorded[entry.path] != digest:
            check.add(Kind.CHANGED, f"{entry.path}: its hash differs from the one the history recorded")
    # The history records a file only once the manifest listing it is on disk: a recorded file the
    # manifest does not list was taken out of both (a killed run's manifest edited before the next run
    # sealed it, or an unsigned one).
    for name in sorted(set(recorded) - {Path(entry.path).as_posix() for entry in run.manifest.files}):
        check.add(Kind.MISSING, f"{name}: the history recorded it for this run, the manifest does not list it")
    # A symlink is named even when it points at a folder (rglob does not go into it, nor does is_dir tell).
    for path in sorted(p for p in folder.rglob("*") if p.is_symlink() or not p.is_dir()):
        name = path.relative_to(folder).as_posix()
        if name in listed or name in UNLISTED_OK:
            continue
        if _LEFTOVER.match(path.name):
            check.add(Kind.LEFTOVER, f"{name}: a temporary file left by a write that was cut short")
        else:
            check.add(Kind.INSERTED, f"{name}: inserted (the manifest does not list it)")


def _signature(run: _Loaded, keys_dir: Path, check: RunCheck) -> None:
    manifest, data, row = run.manifest, run.data, run.row
    if manifest is None or data is None:
        return
    kid = manifest.signing_key
    if kid is None:
        if row.signed:
            check.add(Kind.BAD_SIGNATURE, f"run {row.run_id}: signed when sealed (history), its manifest names no key")
        else:
            check.add(
                Kind.UNSIGNED,
                f"run {row.run_id} is not signed (no signing key when it was sealed); the chain still covers it",
            )
        return
    try:
        _, public = home_public_key(keys_dir, kid)
    except FileNotFoundError:
        check.add(Kind.UNKNOWN_KEY, f"run {row.run_id}: its signing key {kid} is not in {keys_dir}")
        return
    except (OSError, ValueError) as exc:
        check.add(Kind.UNKNOWN_KEY, f"run {row.run_id}: its signing key cannot be used ({exc})")
        return
    try:
        signature = (row.directory / chain.SIGNATURE_NAME).read_bytes()
    except OSError:
        check.add(Kind.BAD_SIGNATURE, f"run {row.run_id}: {chain.SIGNATURE_NAME} is missing")
        return
    if verify_signature(public, data, signature):
        check.signed = True
    else:
        check.add(Kind.BAD_SIGNATURE, f"run {row.run_id}: the signature does not match manifest.json")


def _chain(
    run: _Loaded, before: _Loaded | None, after: _Loaded | None, known: dict[str, RunRow], check: RunCheck
) -> None:
    row = run.row
    digest = run.sha256
    if digest is not None and row.manifest_sha256 is not None and digest != row.manifest_sha256:
        check.add(Kind.MANIFEST_CHANGED, f"run {row.run_id}: manifest.json changed since it was sealed (history hash)")
    if after is not None and after.manifest is not None and digest is not None:
        link = after.manifest.previous
        if link is not None and link.run_id == row.run_id and link.sha256 != digest:
            check.add(
                Kind.MANIFEST_CHANGED,
                f"run {row.run_id}: manifest.json is not the one the next run ({after.row.run_id}) chained to",
            )
    if run.manifest is None:
        return
    link = run.manifest.previous
    if link is None:
        if before is not None:
            check.add(
                Kind.CHAIN_BROKEN,
                f"run {row.run_id}: its manifest names no run before it; the history has {before.row.run_id}",
            )
        return
    previous = known.get(link.run_id)
    if previous is None or not previous.sealed:
        check.add(Kind.RUN_REMOVED, f"a run was removed from the chain before {row.run_id}: {link.run_id}")
    elif before is None or link.run_id != before.row.run_id:
        expected = before.row.run_id if before else "none"
        check.add(
            Kind.CHAIN_BROKEN,
            f"run {row.run_id}: its manifest chains to {link.run_id}, the history has {expected} before it",
        )
    elif before.data is None:
        pass  # the run before is named manifest_missing on its own
    elif row.previous_run_id is not None and row.previous_run_id != link.run_id:
        check.add(
            Kind.CHAIN_BROKEN,
            f"run {row.run_id}: its manifest chains to {link.run_id}, the history recorded {row.previous_run_id}",
        )


def select(rows: Sequence[RunRow], token: str) -> RunRow | None:
    """The run a person named: its id as the history shows it, or the path to its folder (or manifest)."""
    for row in rows:
        if row.run_id == token:
            return row
    path = Path(token).expanduser()
    if path.name == "manifest.json":
        path = path.parent
    try:
        target = path.resolve()
    except OSError:
        return None
    for row in rows:
        if row.directory.resolve() == target:
            return row
    return None
