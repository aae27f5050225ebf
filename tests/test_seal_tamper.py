"""Sealing and verifying runs made directly with the history and the chain (no browser): an abandoned
run that cannot be sealed must not block the chain, and tampering with a run before it is sealed, or
swapping manifests between runs, must be named by verify."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import shutil
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from optout.evidence import chain
from optout.evidence.history import History
from optout.evidence.manifest import EvidenceFile, Manifest, OriginMapping, manifest_bytes
from optout.evidence.progress import PROGRESS_NAME, ProgressSigner, vouched
from optout.evidence.signing import Signer, key_id, public_pem
from optout.evidence.verify import Kind, verify
from optout.results import CLICK_UNVERIFIED, Outcome, Result, State
from tests.conftest import REPO


def key(home: Path) -> Signer:
    private = Ed25519PrivateKey.generate()
    kid = key_id(private.public_key())
    (home / "keys").mkdir(parents=True, exist_ok=True)
    (home / "keys" / f"{kid}.pem").write_bytes(public_pem(private.public_key()))
    return Signer(kid, private)


def start(history: History, out: Path, run_id: str, files: dict[str, bytes], signer: Signer | None = None) -> Manifest:
    """A run as RunEvidence leaves it when killed: its files and manifest on disk (the manifest signed as
    it went, with `signer`), each file in the history, its lock file (with its token, signed with
    `signer`) left behind, held by no one."""
    now = datetime.now(timezone.utc)
    folder = out / run_id
    folder.mkdir(parents=True)
    manifest = Manifest(run_id=run_id, command="check", optout_version="0", started_at=now, flows={})
    token = secrets.token_hex(16)
    lock = chain.RunLock(history, run_id, token, signer)
    assert lock._file is not None
    lock._file.close()  # as the system does when the process dies: the lock is dropped, the file stays
    history.add_run(
        run_id=run_id, command="check", directory=folder, started_at=now, optout_version="0", flows="{}", token=token
    )
    for name, data in files.items():
        (folder / name).write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        entry = EvidenceFile(
            path=name, sha256=digest, url="https://x.invalid/", taken_at=now, platform="linkedin",
            account="a@example.com", setting="s", step="before", flow_version="1",
        )  # fmt: skip
        manifest.files.append(entry)
        save(folder, manifest, signer)
        history.add_file(
            run_id, path=name, sha256=digest, platform="linkedin", account="a@example.com", setting="s",
            step="before", taken_at=now,
        )  # fmt: skip
    save(folder, manifest, signer)
    return manifest


def save(folder: Path, manifest: Manifest, signer: Signer | None) -> None:
    """The manifest written as RunEvidence writes it: signed first, when the run has the key."""
    data = manifest_bytes(manifest)
    if signer is not None:
        ProgressSigner(signer, manifest.run_id, folder).sign(data)
    (folder / "manifest.json").write_bytes(data)


def finish(history: History, out: Path, manifest: Manifest, signer: Signer) -> None:
    manifest.finished_at = datetime.now(timezone.utc)
    chain.seal(history, manifest, out / manifest.run_id, signer)


def found(history: History, home: Path) -> dict[str, list[Kind]]:
    return {r.run_id: sorted(f.kind for f in r.findings) for r in verify(history, home / "keys").runs}


def test_an_abandoned_run_that_cannot_be_written_does_not_stop_later_runs_being_sealed(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "ev"
    history = History.open(home / "history.db")
    signer = key(home)
    start(history, out, "run-1-killed", {"a.png": b"one"})  # no lock held: abandoned
    # Something in its folder that cannot be replaced (as a read-only folder would, even for root).
    (out / "run-1-killed" / chain.SIGNATURE_NAME).mkdir()
    for n in (2, 3):
        finish(history, out, start(history, out, f"run-{n}", {"a.png": b"x"}), signer)
    rows = {r.run_id: r for r in history.runs()}
    assert rows["run-2"].sealed and rows["run-3"].sealed
    assert not rows["run-1-killed"].sealed
    result = found(history, home)
    assert result["run-2"] == [] and result["run-3"] == []
    assert Kind.NOT_SEALED in result["run-1-killed"]


def test_another_runs_manifest_in_an_abandoned_folder_is_not_sealed_nor_moves_that_run(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "ev"
    history = History.open(home / "history.db")
    signer = key(home)
    finish(history, out, start(history, out, "run-1", {"a.png": b"one"}), signer)
    start(history, out, "run-2-killed", {"a.png": b"two"})
    # run-1's sealed evidence copied over the killed run's, before the next run ends.
    for name in ("manifest.json", chain.SIGNATURE_NAME, "a.png"):
        shutil.copy(out / "run-1" / name, out / "run-2-killed" / name)
    finish(history, out, start(history, out, "run-3", {"a.png": b"three"}), signer)
    seqs = {r.run_id: r.seq for r in history.runs()}
    assert seqs == {"run-1": 1, "run-3": 2, "run-2-killed": None}
    result = found(history, home)
    assert result["run-1"] == [] and result["run-3"] == []
    assert Kind.MANIFEST_CHANGED in result["run-2-killed"]


def test_a_sealed_runs_manifest_replaced_by_another_signed_one_is_named(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "ev"
    history = History.open(home / "history.db")
    signer = key(home)
    for n in (1, 2):
        finish(history, out, start(history, out, f"run-{n}", {"a.png": b"same"}), signer)
    # The history's own hash for run-2 rewritten too: only the manifest's run id tells.
    for name in ("manifest.json", chain.SIGNATURE_NAME):
        shutil.copy(out / "run-1" / name, out / "run-2" / name)
    digest = hashlib.sha256((out / "run-2" / "manifest.json").read_bytes()).hexdigest()
    history._db.execute("UPDATE runs SET manifest_sha256 = ? WHERE run_id = 'run-2'", (digest,))
    text = [f.text for r in verify(history, home / "keys").runs if r.run_id == "run-2" for f in r.findings]
    assert any("manifest of run run-1" in t for t in text), text


def test_a_killed_runs_file_taken_out_of_its_manifest_before_sealing_is_left_as_found(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "ev"
    history = History.open(home / "history.db")
    signer = key(home)
    killed = start(history, out, "run-1-killed", {"before.png": b"on", "after.png": b"still on"}, signer)
    # The screenshot that shows the setting still on, deleted and dropped from the unsealed manifest.
    (out / "run-1-killed" / "after.png").unlink()
    killed.files = [f for f in killed.files if f.path != "after.png"]
    # Signed as the run signs: the history alone tells (the signature is the test below).
    save(out / "run-1-killed", killed, signer)
    before = (out / "run-1-killed" / "manifest.json").read_bytes()
    refused: list[str] = []
    later = start(history, out, "run-2", {"a.png": b"x"}, signer)
    later.finished_at = datetime.now(timezone.utc)
    chain.seal(history, later, out / "run-2", signer, refused=refused)
    assert refused == [
        "run run-1-killed was not sealed: after.png: the history recorded this file, and its manifest no longer "
        "lists it; it is left as found (optout verify names it)"
    ]
    assert {r.run_id: r.seq for r in history.runs()} == {"run-2": 1, "run-1-killed": None}
    assert (out / "run-1-killed" / "manifest.json").read_bytes() == before
    checks = {r.run_id: r for r in verify(history, home / "keys").runs}
    assert checks["run-2"].ok and not checks["run-1-killed"].ok
    assert [f.kind for f in checks["run-1-killed"].findings] == [Kind.NOT_SEALABLE, Kind.MISSING]


def result(setting: str, state: State, outcome: Outcome, label: str | None = None) -> Result:
    now = datetime.now(timezone.utc)
    return Result(
        platform="linkedin", account="a@example.com", setting=setting, state=state, outcome=outcome,
        verified=outcome is not Outcome.FAILED and label is None, reason=None, url=None, started_at=now,
        finished_at=now, evidence=[], label=label,
    )  # fmt: skip


def with_results(
    history: History,
    out: Path,
    manifest: Manifest,
    in_manifest: list[Result],
    in_history: list[Result],
    signer: Signer,
) -> None:
    """A killed run's results: those its manifest holds (signed as the run signs it: the history alone
    tells these apart), and those its history rows hold."""
    manifest.results = in_manifest
    save(out / manifest.run_id, manifest, signer)
    for r in in_history:
        history.add_result(manifest.run_id, r, flow_version="1", optout_version="0", browser=None)


ON, OFF = State.ON, State.OFF
CHECKED, SWITCHED = Outcome.CHECKED, Outcome.SWITCHED_OFF
FIRST, SECOND = result("first", ON, CHECKED), result("second", ON, CHECKED)
CLICKED = result("second", ON, Outcome.FAILED, CLICK_UNVERIFIED)
DONE = result("second", OFF, SWITCHED)
FORGED = FIRST.model_copy(update={"state": OFF, "outcome": Outcome.ALREADY_OFF})


@pytest.mark.parametrize(
    ("in_manifest", "in_history", "sealed"),
    [
        ([FIRST, SECOND], [FIRST, SECOND], True),
        # Killed between writing the manifest and the history: the last result is not in the history yet.
        ([FIRST, SECOND], [FIRST], True),
        # Killed after the click was recorded, then after its result replaced it in the manifest (before
        # the history had the result, or before the history dropped the click's row).
        ([FIRST, CLICKED], [FIRST, CLICKED], True),
        ([FIRST, DONE], [FIRST, CLICKED], True),
        ([FIRST, DONE], [FIRST, CLICKED, DONE], True),
        # Changed after the run was killed: a result rewritten, one dropped, one added before the last.
        ([FORGED, SECOND], [FIRST, SECOND], False),
        ([SECOND], [FIRST, SECOND], False),
        ([FORGED, FIRST, SECOND], [FIRST, SECOND], False),
        ([FIRST, CLICKED], [FIRST, DONE], False),
    ],
    ids=[
        "same",
        "last-not-recorded-yet",
        "click",
        "click-replaced",
        "click-row-not-dropped",
        "rewritten",
        "dropped",
        "added",
        "result-undone",
    ],
)
def test_a_killed_runs_results_are_those_the_history_recorded(
    tmp_path: Path, in_manifest: list[Result], in_history: list[Result], sealed: bool
) -> None:
    home, out = tmp_path / "home", tmp_path / "ev"
    history = History.open(home / "history.db")
    signer = key(home)
    killed = start(history, out, "run-1-killed", {"a.png": b"on"}, signer)
    with_results(history, out, killed, in_manifest, in_history, signer)
    refused: list[str] = []
    later = start(history, out, "run-2", {"a.png": b"x"}, signer)
    later.finished_at = datetime.now(timezone.utc)
    chain.seal(history, later, out / "run-2", signer, refused=refused)
    rows = {r.run_id: r for r in history.runs()}
    kinds = [f.kind for r in verify(history, home / "keys").runs if r.run_id == "run-1-killed" for f in r.findings]
    if sealed:
        assert refused == [] and rows["run-1-killed"].sealed and rows["run-1-killed"].signed
        assert kinds == [Kind.SEALED_BY_OTHER]
        kept = Manifest.model_validate_json((out / "run-1-killed" / "manifest.json").read_bytes())
        assert kept.results == in_manifest
    else:
        assert len(refused) == 1 and "linkedin a@example.com" in refused[0], refused
        assert not rows["run-1-killed"].sealed and kinds == [Kind.NOT_SEALABLE]


def test_a_seal_rolled_back_leaves_the_killed_run_it_would_have_sealed_as_it_was(tmp_path: Path) -> None:
    """The killed run is sealed in the same transaction as the run ending; when that transaction fails
    (here the ending run's folder cannot take its manifest; a full database does the same), nothing of
    the killed run may have changed: a later run still seals it."""
    home, out = tmp_path / "home", tmp_path / "ev"
    history = History.open(home / "history.db")
    signer = key(home)
    start(history, out, "run-1-killed", {"a.png": b"on"}, signer)
    killed_files = {p.name: p.read_bytes() for p in (out / "run-1-killed").iterdir()}
    lock = (home / "locks" / "run-1-killed.lock").read_bytes()
    failing = start(history, out, "run-2", {"a.png": b"x"}, signer)
    shutil.rmtree(out / "run-2")
    (out / "run-2").write_bytes(b"a file where the folder was")
    failing.finished_at = datetime.now(timezone.utc)
    with pytest.raises(NotADirectoryError):
        chain.seal(history, failing, out / "run-2", signer)
    assert {p.name: p.read_bytes() for p in (out / "run-1-killed").iterdir()} == killed_files
    assert (home / "locks" / "run-1-killed.lock").read_bytes() == lock
    assert all(r.seq is None for r in history.runs())
    refused: list[str] = []
    later = start(history, out, "run-3", {"a.png": b"y"}, signer)
    later.finished_at = datetime.now(timezone.utc)
    chain.seal(history, later, out / "run-3", signer, refused=refused)
    rows = {r.run_id: r for r in history.runs()}
    assert refused == [] and rows["run-1-killed"].seq == 1 and rows["run-3"].seq == 2
    assert not (home / "locks" / "run-1-killed.lock").exists()
    assert found(history, home)["run-1-killed"] == [Kind.SEALED_BY_OTHER]


@pytest.mark.parametrize("how", ["no-manifest", "another-runs-manifest"])
def test_a_history_row_without_a_manifest_of_its_own_is_not_sealable(tmp_path: Path, how: str) -> None:
    home, out = tmp_path / "home", tmp_path / "ev"
    history = History.open(home / "history.db")
    signer = key(home)
    finish(history, out, start(history, out, "run-1", {"a.png": b"x"}), signer)
    (out / "run-planted").mkdir()
    if how == "another-runs-manifest":
        shutil.copy(out / "run-1" / "manifest.json", out / "run-planted" / "manifest.json")
    history.add_run(
        run_id="run-planted", command="off", directory=out / "run-planted", started_at=datetime.now(timezone.utc),
        optout_version="0", flows="{}", token="0" * 32,
    )  # fmt: skip
    checks = {r.run_id: r for r in verify(history, home / "keys").runs}
    assert checks["run-1"].ok and not checks["run-planted"].ok
    kinds = [f.kind for f in checks["run-planted"].findings]
    assert Kind.NOT_SEALABLE in kinds and Kind.NOT_SEALED not in kinds, kinds


def test_a_symlinked_folder_and_a_path_with_a_nul_byte_are_named_without_a_traceback(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "ev"
    history = History.open(home / "history.db")
    finish(history, out, start(history, out, "run-1", {"a.png": b"one"}), key(home))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "b.png").write_bytes(b"not this run's")
    (out / "run-1" / "extra").symlink_to(elsewhere, target_is_directory=True)
    assert found(history, home)["run-1"] == [Kind.INSERTED]
    (out / "run-1" / "extra").unlink()
    manifest = json.loads((out / "run-1" / "manifest.json").read_text())
    manifest["files"][0]["path"] = "a\u0000.png"
    (out / "run-1" / "manifest.json").write_text(json.dumps(manifest))
    kinds = found(history, home)["run-1"]
    assert Kind.OUTSIDE in kinds and Kind.MANIFEST_CHANGED in kinds


def test_a_run_signed_with_a_planted_key_is_named(tmp_path: Path) -> None:
    """Re-signing an edited last run with a key of one's own, its public half dropped into keys/, and its
    hash updated in the history: the signature checks, but a home signs with one key all its life."""
    home, out = tmp_path / "home", tmp_path / "ev"
    history = History.open(home / "history.db")
    signer = key(home)
    for n in (1, 2):
        finish(history, out, start(history, out, f"run-{n}", {"a.png": b"x"}), signer)
    assert found(history, home) == {"run-1": [], "run-2": []}
    forger = key(home)
    folder = out / "run-2"
    manifest = Manifest.model_validate_json((folder / "manifest.json").read_bytes())
    manifest.interrupted = "edited by someone else"
    manifest.signing_key = forger.key_id
    data = manifest_bytes(manifest)
    (folder / "manifest.json").write_bytes(data)
    (folder / chain.SIGNATURE_NAME).write_bytes(forger.sign(data))
    with history.transaction() as db:
        db.execute("UPDATE runs SET manifest_sha256 = ? WHERE run_id = 'run-2'", (hashlib.sha256(data).hexdigest(),))
    assert found(history, home) == {"run-1": [], "run-2": [Kind.KEY_CHANGED]}


def test_urls_kept_carry_no_credentials_query_or_fragment() -> None:
    from optout.results import where

    assert where("https://user:secret@www.linkedin.com/a/b?code=1#x") == "https://www.linkedin.com/a/b"
    assert where("http://127.0.0.1:8000/x/?q=1") == "http://127.0.0.1:8000/x/"


def lock_claim(home: Path, run_id: str) -> dict[str, str]:
    claim: dict[str, str] = json.loads((home / "locks" / f"{run_id}.lock").read_text())
    return claim


def tamper(how: str, home: Path, folder: Path, manifest: Manifest) -> None:
    """What someone who can write the home, but not the keyring, does to a killed run before it is sealed."""
    run_id = manifest.run_id
    lock = home / "locks" / f"{run_id}.lock"
    if how == "token":  # the lock's token replaced (a lock of one's own, made to match a planted row)
        claim = lock_claim(home, run_id)
        claim["token"] = "0" * 32
        lock.write_text(json.dumps(claim))
    elif how == "forged-start":  # the token signed with a key of one's own, under the home key's name
        claim = lock_claim(home, run_id)
        statement = chain.start_statement(run_id, claim["token"])
        claim["signature"] = base64.b64encode(Ed25519PrivateKey.generate().sign(statement)).decode()
        lock.write_text(json.dumps(claim))
    elif how == "finished":  # the manifest made to say the run finished
        manifest.finished_at = datetime.now(timezone.utc)
    elif how == "file-rehashed":  # a screenshot replaced, its hash in the manifest with it
        (folder / "a.png").write_bytes(b"another picture")
        manifest.files[0].sha256 = hashlib.sha256(b"another picture").hexdigest()
    elif how == "file-added":  # a file the run never recorded, listed with its right hash
        (folder / "b.png").write_bytes(b"added")
        added = manifest.files[0].model_copy(update={"path": "b.png", "sha256": hashlib.sha256(b"added").hexdigest()})
        manifest.files.append(added)
    else:
        raise AssertionError(how)
    (folder / "manifest.json").write_bytes(manifest_bytes(manifest))


@pytest.mark.parametrize("how", ["token", "forged-start", "finished", "file-rehashed", "file-added"])
def test_a_killed_run_changed_before_sealing_is_left_as_found_and_named(tmp_path: Path, how: str) -> None:
    home, out = tmp_path / "home", tmp_path / "ev"
    history = History.open(home / "history.db")
    signer = key(home)
    killed = start(history, out, "run-1-killed", {"a.png": b"on"}, signer)
    tamper(how, home, out / "run-1-killed", killed)
    before = (out / "run-1-killed" / "manifest.json").read_bytes()
    refused: list[str] = []
    later = start(history, out, "run-2", {"a.png": b"x"}, signer)
    later.finished_at = datetime.now(timezone.utc)
    chain.seal(history, later, out / "run-2", signer, refused=refused)
    assert [line.split(":")[0] for line in refused] == ["run run-1-killed was not sealed"], refused
    assert refused[0].endswith("it is left as found (optout verify names it)")
    assert {r.run_id: r.seq for r in history.runs()} == {"run-2": 1, "run-1-killed": None}
    assert (out / "run-1-killed" / "manifest.json").read_bytes() == before
    assert not (out / "run-1-killed" / chain.SIGNATURE_NAME).exists()
    checks = {r.run_id: r for r in verify(history, home / "keys").runs}
    assert checks["run-2"].ok and not checks["run-1-killed"].ok
    assert Kind.NOT_SEALABLE in [f.kind for f in checks["run-1-killed"].findings]


def test_a_killed_run_that_started_without_the_key_is_sealed_unsigned_and_named(tmp_path: Path) -> None:
    """Its token matches, but nothing signed with the home's key says optout started it: chained (it is
    evidence all the same), never signed by another run, and named by verify."""
    home, out = tmp_path / "home", tmp_path / "ev"
    history = History.open(home / "history.db")
    signer = key(home)
    start(history, out, "run-1-killed", {"a.png": b"on"})  # its keyring could not be read
    assert "signature" not in lock_claim(home, "run-1-killed")
    finish(history, out, start(history, out, "run-2", {"a.png": b"x"}, signer), signer)
    rows = {r.run_id: r for r in history.runs()}
    assert (rows["run-1-killed"].seq, rows["run-1-killed"].signed, rows["run-1-killed"].sealed_by) == (
        1,
        False,
        "run-2",
    )
    sealed = Manifest.model_validate_json((out / "run-1-killed" / "manifest.json").read_bytes())
    assert (sealed.sealed_by, sealed.signing_key, sealed.interrupted) == ("run-2", None, chain.KILLED)
    assert not (out / "run-1-killed" / chain.SIGNATURE_NAME).exists()
    assert found(history, home) == {"run-1-killed": [Kind.SEALED_BY_OTHER, Kind.UNSIGNED], "run-2": []}


def test_a_manifest_sealed_by_itself_carries_no_sealed_by(tmp_path: Path) -> None:
    """Backward compatible: a run that sealed itself is written as before sealed_by existed."""
    home, out = tmp_path / "home", tmp_path / "ev"
    history = History.open(home / "history.db")
    finish(history, out, start(history, out, "run-1", {"a.png": b"x"}), key(home))
    assert "sealed_by" not in json.loads((out / "run-1" / "manifest.json").read_text())


def edit(how: str, history: History, folder: Path, manifest: Manifest) -> None:
    """An edit of a killed run by someone who can write the home, history included, but not the keyring."""
    if how == "result-and-history":  # the setting said on: made to say off, in both places
        manifest.results = [FIRST.model_copy(update={"state": OFF, "outcome": Outcome.ALREADY_OFF})]
        history._db.execute("UPDATE results SET state = 'off', outcome = 'already_off'")
    elif how == "mappings":  # a run against a local server made to look like one against the real site
        manifest.mappings = []
        history._db.execute("UPDATE runs SET mapped = 0")
    elif how == "last-result-added":  # a result the run never had, where a killed run's last one may be
        manifest.results = [*manifest.results, DONE]
    else:
        raise AssertionError(how)
    (folder / "manifest.json").write_bytes(manifest_bytes(manifest))


@pytest.mark.parametrize("how", ["result-and-history", "mappings", "last-result-added"])
def test_a_killed_run_edited_with_its_history_is_not_sealed(tmp_path: Path, how: str) -> None:
    """The history is no witness against someone who can write it: what tells is the run's own signature
    on each manifest it wrote, which an edit cannot renew."""
    home, out = tmp_path / "home", tmp_path / "ev"
    history = History.open(home / "history.db")
    signer = key(home)
    killed = start(history, out, "run-1-killed", {"a.png": b"on"}, signer)
    killed.mappings = [OriginMapping(origin="https://www.linkedin.com", served_by="127.0.0.1:8000")]
    with_results(history, out, killed, [FIRST], [FIRST], signer)
    edit(how, history, out / "run-1-killed", killed)
    refused: list[str] = []
    later = start(history, out, "run-2", {"a.png": b"x"}, signer)
    later.finished_at = datetime.now(timezone.utc)
    chain.seal(history, later, out / "run-2", signer, refused=refused)
    assert [line.split(": ", 1)[1] for line in refused] == [
        "its manifest is not one the run signed as it went (changed after it stopped); it is left as found "
        "(optout verify names it)"
    ], refused
    assert {r.run_id: r.seq for r in history.runs()} == {"run-2": 1, "run-1-killed": None}
    assert found(history, home)["run-1-killed"] == [Kind.NOT_SEALABLE]


def test_a_run_killed_between_signing_its_manifest_and_writing_it_is_sealed_and_signed(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "ev"
    history = History.open(home / "history.db")
    signer = key(home)
    killed = start(history, out, "run-1-killed", {"a.png": b"on"}, signer)
    folder = out / "run-1-killed"
    progress = ProgressSigner(signer, killed.run_id, folder)
    progress.sign((folder / "manifest.json").read_bytes())
    progress.written()
    killed.results = [FIRST]
    progress.sign(manifest_bytes(killed))  # signed; the process died before the manifest was written
    finish(history, out, start(history, out, "run-2", {"a.png": b"x"}, signer), signer)
    rows = {r.run_id: r for r in history.runs()}
    assert rows["run-1-killed"].seq == 1 and rows["run-1-killed"].signed
    assert not (folder / PROGRESS_NAME).exists()
    assert found(history, home) == {"run-1-killed": [Kind.SEALED_BY_OTHER], "run-2": []}


def test_a_killed_runs_last_capture_not_in_the_history_yet_is_sealed(tmp_path: Path) -> None:
    """Its manifest lists the capture's files; the process died before the history recorded them."""
    home, out = tmp_path / "home", tmp_path / "ev"
    history = History.open(home / "history.db")
    signer = key(home)
    killed = start(history, out, "run-1-killed", {"a.png": b"before"}, signer)
    folder = out / "run-1-killed"
    (folder / "b.png").write_bytes(b"after")
    later = killed.files[0].model_copy(
        update={"path": "b.png", "sha256": hashlib.sha256(b"after").hexdigest(), "step": "after"}
    )
    killed.files.append(later)
    save(folder, killed, signer)
    finish(history, out, start(history, out, "run-2", {"a.png": b"x"}, signer), signer)
    assert found(history, home)["run-1-killed"] == [Kind.SEALED_BY_OTHER]


_SEAL_AND_DIE = """
import os, signal, sys
from datetime import datetime, timezone
from pathlib import Path
from optout.evidence import chain, staged
from optout.evidence.history import History
from optout.evidence.manifest import Manifest
from optout.evidence.signing import Signer
from cryptography.hazmat.primitives.serialization import load_pem_private_key

home, out, run_id, where = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
private = load_pem_private_key(Path(sys.argv[5]).read_bytes(), None)
signer = Signer(sys.argv[6], private)
history = History.open(home / "history.db")
manifest = Manifest.model_validate_json((out / run_id / "manifest.json").read_bytes())
manifest.finished_at = datetime.now(timezone.utc)

def die(*_a, **_k):
    os.kill(os.getpid(), signal.SIGKILL)

if where == "before-commit":  # the journal written, the transaction not committed
    journal = staged.StagedWrites.journal
    def journal_then_die(self, hashes):
        journal(self, hashes)
        die()
    staged.StagedWrites.journal = journal_then_die
else:  # committed, nothing renamed yet
    staged._apply = die
chain.seal(history, manifest, out / run_id, signer)
"""


R1, R2, R3 = (f"run-20261206T00000{n}-000000Z-check" for n in (1, 2, 3))  # as RunEvidence names runs


@pytest.mark.parametrize("where", ["before-commit", "after-commit"])
def test_a_seal_killed_half_way_is_finished_or_undone_by_the_next(tmp_path: Path, where: str) -> None:
    """The process sealing run-2 (and the killed run-1 with it) dies after writing its journal: before its
    transaction committed (the next seal removes what it wrote beside the files and seals both runs
    itself) or after (the next seal renames the files into place, as the history says they are)."""
    home, out = tmp_path / "home", tmp_path / "ev"
    history = History.open(home / "history.db")
    private = Ed25519PrivateKey.generate()
    signer = Signer(key_id(private.public_key()), private)
    (home / "keys").mkdir()
    (home / "keys" / f"{signer.key_id}.pem").write_bytes(public_pem(private.public_key()))
    pem = tmp_path / "private.pem"
    pem.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    start(history, out, R1, {"a.png": b"on"}, signer)
    start(history, out, R2, {"a.png": b"x"}, signer)
    died = subprocess.run(
        [sys.executable, "-c", _SEAL_AND_DIE, str(home), str(out), R2, where, str(pem), signer.key_id],
        capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    assert died.returncode == -signal.SIGKILL, died.stderr
    assert list((home / "seals").glob("*.journal")), "the seal died before writing its journal"
    sealed_before = {r.run_id for r in history.runs() if r.sealed}
    assert sealed_before == (set() if where == "before-commit" else {R1, R2})
    finish(history, out, start(history, out, R3, {"a.png": b"y"}, signer), signer)
    assert not list((home / "seals").glob("*.journal"))
    assert {r.run_id for r in history.runs() if r.sealed} == {R1, R2, R3}
    leftovers = [p.name for p in out.rglob(".*.tmp")]
    assert leftovers == []
    result = found(history, home)
    assert result[R3] == [] and result[R1] == [Kind.SEALED_BY_OTHER]
    # Killed before its commit, run-2 never ended: run-3 sealed it as found, as any killed run.
    assert result[R2] == ([Kind.SEALED_BY_OTHER] if where == "before-commit" else [])


def test_a_journal_planted_in_the_home_never_touches_a_file_a_seal_would_not(tmp_path: Path) -> None:
    """A journal names only run ids and which file of each (its manifest, signature, progress file or
    lock); one written by someone else, naming run ids that reach elsewhere or runs whose folder holds
    no manifest of theirs, with history rows to match, is left as it is, and so is every file."""
    home, out = tmp_path / "home", tmp_path / "ev"
    history = History.open(home / "history.db")
    signer = key(home)
    finish(history, out, start(history, out, R1, {"a.png": b"x"}, signer), signer)
    (run_1,) = history.runs()
    elsewhere = tmp_path / "project"
    elsewhere.mkdir()
    (elsewhere / "Cargo.lock").write_text("mine\n")
    (elsewhere / "manifest.sig").write_text("keep\n")
    (elsewhere / "manifest.json").write_text('{"run_id": "someone else"}')
    planted = {
        str(elsewhere / "Cargo"): "ab" * 32,  # its lock would be project/Cargo.lock
        "run-20261206T000009-000000Z-check": "cd" * 32,  # its folder: the project
    }
    for run_id, digest in planted.items():
        history._db.execute(
            "INSERT INTO runs (run_id, command, directory, started_at, optout_version, flows, manifest_sha256)"
            " VALUES (?, 'check', ?, '2026-01-01T00:00:00+00:00', '0', '{}', ?)",
            (run_id, str(elsewhere), digest),
        )
    journals = home / "seals"
    journals.mkdir(exist_ok=True)
    for n, (run_id, digest) in enumerate(planted.items()):
        steps = [[run_id, "lock", None], [run_id, "signature", None], [R1, "manifest", None]]
        (journals / f"seal-{n}.journal").write_text(
            json.dumps({"hashes": {run_id: digest, R1: run_1.manifest_sha256}, "steps": steps})
        )
    finish(history, out, start(history, out, R2, {"a.png": b"y"}, signer), signer)
    assert sorted(p.name for p in elsewhere.iterdir()) == ["Cargo.lock", "manifest.json", "manifest.sig"]
    assert len(list(journals.glob("*.journal"))) == 2 and (out / R1 / "manifest.json").exists()
    assert found(history, home)[R1] == [] and found(history, home)[R2] == []


def test_a_manifest_write_that_failed_leaves_the_one_on_disk_vouched_for(tmp_path: Path) -> None:
    """Two saves fail after their signatures were written (a full disk): the manifest on disk is still
    the first one, and the progress file must still vouch for it, whatever was signed since."""
    home = tmp_path / "home"
    signer = key(home)
    folder = tmp_path / "run"
    folder.mkdir()
    progress = ProgressSigner(signer, R1, folder)
    on_disk, failed, failed_again = b'{"n": 1}', b'{"n": 2}', b'{"n": 3}'
    progress.sign(on_disk)
    progress.written()
    progress.sign(failed)  # and the manifest write failed: written() is not called
    progress.sign(failed_again)
    public = signer._private.public_key()
    assert vouched(folder, R1, on_disk, signer.key_id, public) is None
    assert vouched(folder, R1, failed_again, signer.key_id, public) is None  # killed before writing it
    assert vouched(folder, R1, failed, signer.key_id, public) is not None
    assert vouched(folder, R2, on_disk, signer.key_id, public) is not None  # another run's file
