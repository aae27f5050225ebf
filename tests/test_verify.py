"""`optout verify` on real evidence: homes made by the real command line against the sandbox (real
Chromium, real SQLite history, real file keyring), then tampered with the way a person could: a
screenshot edited, deleted or added, a manifest edited, a run removed from the middle of the chain, the
database damaged or locked, the signing key gone from the keyring, the run killed with SIGKILL.

Three check runs take a while on a busy machine, so they are made once per test session (under a file
lock shared by the xdist workers) and each test works on its own copy, moved to its own folder: the
history records absolute run folders, which the copy's database is pointed at."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from keyrings.alt.file import PlaintextKeyring

from optout.accounts import config as accounts
from optout.evidence.manifest import manifest_bytes
from optout.evidence.signing import KEYRING_ENTRY
from optout.paths import Home
from tests.conftest import Cli, Sandbox, cli_under
from tests.test_cli import add
from tests.test_interrupted import add_accounts, descendants, read_until

ALICE = "alice@example.com"


def make_cli(root: Path) -> Cli:
    """The real command line with its home, keyring file and XDG folders under `root`."""
    return cli_under(root)


def check_run(cli: Cli, origin: str, *args: str) -> subprocess.CompletedProcess[str]:
    done = cli("check", "--origin", f"linkedin={origin}", "--out", "ev", *args)
    assert done.returncode == 1, done.stderr  # alice's setting is on: a run that went through
    return done


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory, worker_id: str, sandbox_server: Any) -> Path:
    """A home with three sealed, signed check runs of alice's account, made once for all workers."""
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    root = shared / "verify-template"
    with open(shared / "verify-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "done").exists():
            shutil.rmtree(root, ignore_errors=True)
            cli = make_cli(root)
            Sandbox(sandbox_server).reset()  # alice's setting on, whatever this worker's earlier tests did
            add(cli, ALICE, "alice-demo-pass")
            for _ in range(3):
                check_run(cli, sandbox_server.origin_url("linkedin"))
            (root / "done").write_text("")
    return root


@pytest.fixture
def home3(template: Path, tmp_path: Path) -> Cli:
    """This test's own copy of the three-run home."""
    root = tmp_path / "copy"
    shutil.copytree(template, root)
    with contextlib.closing(sqlite3.connect(root / "home" / "history.db")) as db, db:
        db.execute("UPDATE runs SET directory = ? || substr(directory, ?)", (str(root), len(str(template)) + 1))
    return make_cli(root)


def runs_of(cli: Cli) -> list[Path]:
    return sorted((cli.home / "ev").iterdir())


def verify(cli: Cli, *args: str, env: dict[str, str | None] | None = None) -> subprocess.CompletedProcess[str]:
    return cli("verify", *args, env=env, timeout=60)


def verify_json(cli: Cli, *args: str, env: dict[str, str | None] | None = None) -> tuple[int, dict[str, Any]]:
    done = verify(cli, *args, "--json", env=env)
    assert done.returncode in (0, 1), done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return done.returncode, data


def findings(report: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Run id -> [(kind, text)] for every run with findings."""
    return {
        run["run_id"]: [(f["kind"], f["text"]) for f in run["findings"]] for run in report["runs"] if run["findings"]
    }


def kinds(report: dict[str, Any]) -> dict[str, list[str]]:
    return {run: sorted(k for k, _ in found) for run, found in findings(report).items()}


def flat(done: subprocess.CompletedProcess[str]) -> str:
    """stdout with runs of spaces and line breaks as one space (labels are padded to align)."""
    return " ".join(done.stdout.split())


def last_line(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout.strip().splitlines()[-1]


# -- a home as it was made ----------------------------------------------------------------------------


def test_untouched_home_verifies(home3: Cli) -> None:
    first, second, third = runs_of(home3)
    done = verify(home3, "--all", env={"COLUMNS": "80"})
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert all(len(line.rstrip()) <= 80 for line in lines), done.stdout
    for seq, run in enumerate((first, second, third), start=1):
        (row,) = [line.split() for line in lines if line.startswith(run.name)]
        assert row[1:] == [str(seq), "3", "valid", "ok"], row  # a screenshot, its masked copy, its excerpt
    assert last_line(done) == "Verified: 3 run(s); every file, chain link and signature matches."
    assert done.stderr == ""

    code, report = verify_json(home3, "--all")
    assert code == 0 and report["ok"] and (report["mismatches"], report["warnings"]) == (0, 0)
    assert [(r["run_id"], r["seq"], r["signed"], r["files_checked"]) for r in report["runs"]] == [
        (first.name, 1, True, 3),
        (second.name, 2, True, 3),
        (third.name, 3, True, 3),
    ]
    # No RUN: the latest; a RUN by id or by folder.
    assert [r["run_id"] for r in verify_json(home3)[1]["runs"]] == [third.name]
    assert [r["run_id"] for r in verify_json(home3, first.name)[1]["runs"]] == [first.name]
    assert [r["run_id"] for r in verify_json(home3, f"ev/{second.name}")[1]["runs"]] == [second.name]


# -- evidence files -----------------------------------------------------------------------------------


def test_edited_deleted_and_inserted_files_are_named(home3: Cli) -> None:
    first, second, third = runs_of(home3)
    (edited,) = [p for p in second.rglob("*.png") if not p.name.endswith(".masked.png")]
    data = bytearray(edited.read_bytes())
    data[len(data) // 2] ^= 0x01
    edited.write_bytes(bytes(data))
    (deleted,) = [p for p in third.rglob("*.png") if not p.name.endswith(".masked.png")]
    deleted.unlink()
    inserted = edited.parent / "02-check-setting.png"
    inserted.write_bytes(edited.read_bytes())
    (first / "notes.txt").write_text("added later\n")
    (first / "report.html").write_text("<p>a report optout may write</p>")  # allowed beside the manifest

    done = verify(home3, "--all")
    assert done.returncode == 1, done.stdout + done.stderr
    rel = lambda run, path: str(path.relative_to(run))  # noqa: E731
    assert f"changed: {rel(second, edited)}: changed" in flat(done)
    assert f"missing: {rel(third, deleted)}: missing" in flat(done)
    assert f"inserted: {rel(second, inserted)}: inserted" in flat(done)
    assert "inserted: notes.txt: inserted" in flat(done)
    assert last_line(done) == "NOT VERIFIED: 4 mismatch(es) in 3 of 3 run(s); see above."

    code, report = verify_json(home3, "--all")
    assert code == 1 and not report["ok"]
    assert kinds(report) == {first.name: ["inserted"], second.name: ["changed", "inserted"], third.name: ["missing"]}
    # One run named: only its own files.
    code, report = verify_json(home3, third.name)
    assert code == 1 and kinds(report) == {third.name: ["missing"]}


# -- manifests ----------------------------------------------------------------------------------------


def test_edited_manifest_is_named_by_history_next_run_and_signature(home3: Cli) -> None:
    _, second, third = runs_of(home3)
    path = second / "manifest.json"
    manifest = json.loads(path.read_text())
    assert manifest["results"][0]["state"] == "on"
    manifest["results"][0]["state"] = "off"
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")

    done = verify(home3, "--all")
    assert done.returncode == 1
    code, report = verify_json(home3, "--all")
    assert code == 1
    found = findings(report)
    assert sorted(found) == [second.name]
    assert sorted(kind for kind, _ in found[second.name]) == ["bad_signature", "manifest_changed", "manifest_changed"]
    texts = " | ".join(text for _, text in found[second.name])
    assert "changed since it was sealed (history hash)" in texts
    assert f"not the one the next run ({third.name}) chained to" in texts
    assert "the signature does not match manifest.json" in texts
    assert f"manifest_changed: run {second.name}" in flat(done)


def test_signature_stripped_from_the_last_manifest_is_caught(home3: Cli) -> None:
    """Dropping the signature and its key name from the last run's manifest: the chain has no next run
    to tell, but the history recorded its hash, and that it was signed."""
    *_, third = runs_of(home3)
    path = third / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["signing_key"] = None
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    (third / "manifest.sig").unlink()
    code, report = verify_json(home3)
    assert code == 1 and kinds(report) == {third.name: ["bad_signature", "manifest_changed"]}


@pytest.mark.parametrize("how", ["folder", "folder-and-history-row"])
def test_run_removed_from_the_middle_of_the_chain(home3: Cli, how: str) -> None:
    first, second, third = runs_of(home3)
    shutil.rmtree(second)
    if how == "folder-and-history-row":
        with contextlib.closing(sqlite3.connect(home3.home / "history.db")) as db, db:
            for table in ("files", "results", "runs"):
                db.execute(f"DELETE FROM {table} WHERE run_id = ?", (second.name,))
    done = verify(home3, "--all")
    assert done.returncode == 1, done.stdout
    _, report = verify_json(home3, "--all")
    if how == "folder":
        assert kinds(report) == {second.name: ["manifest_missing"]}
        assert f"run {second.name}: its folder is gone" in flat(done)
        assert [r["run_id"] for r in report["runs"]] == [first.name, second.name, third.name]
    else:
        assert kinds(report) == {third.name: ["run_removed"]}
        assert f"a run was removed from the chain before {third.name}: {second.name}" in flat(done)
        assert [r["run_id"] for r in report["runs"]] == [first.name, third.name]
    assert last_line(done).startswith("NOT VERIFIED: 1 mismatch(es) in 1 of ")


# -- the chain head, kept elsewhere ----------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_newest_run_removed_is_told_by_the_head_kept_elsewhere(home3: Cli) -> None:
    first, second, third = runs_of(home3)
    head = sha256_file(third / "manifest.json")
    shown = verify(home3, "--all", env={"COLUMNS": "80"})
    assert shown.returncode == 0
    lines = shown.stdout.splitlines()
    assert f"Chain head: {third.name} (seq 3)" in lines and f"  SHA-256 {head}" in lines
    assert all(len(line.rstrip()) <= 80 for line in lines), shown.stdout
    code, report = verify_json(home3)
    assert report["head"] == {"run_id": third.name, "seq": 3, "sha256": head} and report["expected_head"] is None
    for kept in (head, f"{third.name}:{head}", sha256_file(second / "manifest.json")):
        assert verify(home3, "--all", "--expect-head", kept).returncode == 0, kept
    code, report = verify_json(home3, "--expect-head", head.upper())
    assert code == 0 and report["expected_head"]["ok"]

    # The newest run deleted, folder and history rows: what is left is a chain that checks.
    shutil.rmtree(third)
    with contextlib.closing(sqlite3.connect(home3.home / "history.db")) as db, db:
        for table in ("files", "results", "runs"):
            db.execute(f"DELETE FROM {table} WHERE run_id = ?", (third.name,))
    assert verify(home3, "--all").returncode == 0

    done = verify(home3, "--all", "--expect-head", head)
    assert done.returncode == 1, done.stdout + done.stderr
    verdict = flat(done).split(" NOT VERIFIED: ")[1]  # the last line, wrapped at the terminal's width
    assert verdict == (
        f"the expected chain head SHA-256 {head} is no longer in the chain (the newest runs were removed); the "
        f"chain now ends at run {second.name} (seq 2)"
    )
    named = verify(home3, "--expect-head", f"{third.name}:{head}")
    assert named.returncode == 1 and f"chain head {third.name} (SHA-256 {head}) is no longer" in flat(named)
    code, report = verify_json(home3, "--all", "--expect-head", head)
    assert code == 1 and not report["ok"] and report["mismatches"] == 1
    assert report["head"]["run_id"] == second.name and report["expected_head"]["ok"] is False
    assert head in report["expected_head"]["text"]
    # Every run gone: the head kept is all that tells.
    for run in (first, second):
        shutil.rmtree(run)
    (home3.home / "history.db").unlink()
    gone = verify(home3, "--all", "--expect-head", head)
    assert gone.returncode == 1 and "no longer in the chain" in gone.stdout
    bad = verify(home3, "--expect-head", "not-a-hash")
    assert bad.returncode == 2 and bad.stderr.startswith("optout: error: --expect-head takes a manifest's SHA-256")
    help_text = " ".join(verify(home3, "--help").stdout.split())
    assert "--expect-head" in help_text and "RUN_ID:SHA-256" in help_text


# -- a run planted in the home -------------------------------------------------------------------------


def plant_switched_off_run(cli: Cli) -> Path:
    """What someone who can write the home, but not the keyring, plants: a run folder whose manifest says
    alice's setting was switched off (and verified), with its history rows, left as a killed run is."""
    model = json.loads((runs_of(cli)[0] / "manifest.json").read_text())
    run_id = "run-20200101T000000-000000Z-off"
    folder = cli.home / "ev" / run_id
    folder.mkdir()
    model.update(run_id=run_id, command="off", files=[], finished_at=None, previous=None, signing_key=None)
    model["results"][0].update(state="off", outcome="switched_off", verified=True, evidence=[])
    (folder / "manifest.json").write_text(json.dumps(model, indent=2) + "\n")
    result = model["results"][0]
    with contextlib.closing(sqlite3.connect(cli.home / "history.db")) as db, db:
        db.execute(
            "INSERT INTO runs (run_id, command, directory, started_at, optout_version, flows) VALUES (?,?,?,?,?,?)",
            (run_id, "off", str(folder), "2020-01-01T00:00:00+00:00", model["optout_version"], "{}"),
        )
        db.execute(
            "INSERT INTO results (run_id, platform, account, setting, state, outcome, verified, started_at,"
            " finished_at, optout_version) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (run_id, "linkedin", ALICE, result["setting"], "off", "switched_off", 1, result["started_at"],
             result["finished_at"], model["optout_version"]),
        )  # fmt: skip
    return folder


def test_a_planted_run_is_not_sealed_nor_signed_by_the_next_run(home3: Cli, sandbox: Sandbox) -> None:
    before = runs_of(home3)
    planted = plant_switched_off_run(home3)
    as_planted = (planted / "manifest.json").read_bytes()

    done = check_run(home3, sandbox.origin())  # the person's next ordinary run
    assert (planted / "manifest.json").read_bytes() == as_planted and not (planted / "manifest.sig").exists()
    warned = [line for line in done.stderr.splitlines() if planted.name in line]
    assert warned == [
        f"optout: run {planted.name} was not sealed: the history holds no run token for it (no optout started "
        "it, or an older one did); it is left as found (optout verify names it)"
    ], done.stderr
    (fourth,) = set(runs_of(home3)) - {*before, planted}
    assert json.loads((fourth / "manifest.json").read_text())["previous"]["run_id"] == before[-1].name

    shown = verify(home3, "--all")
    assert shown.returncode == 1, shown.stdout + shown.stderr
    assert f"not_sealable: run {planted.name} is not sealed, and no other run may seal it" in flat(shown)
    assert last_line(shown).startswith("NOT VERIFIED: 1 mismatch(es) in 1 of 5 run(s)")
    code, report = verify_json(home3, "--all")
    (run,) = [r for r in report["runs"] if r["run_id"] == planted.name]
    assert code == 1 and not report["ok"]
    assert (run["sealed"], run["signed"], run["ok"], run["sealed_by"]) == (False, False, False, None)
    assert kinds(report) == {planted.name: ["not_sealable"]}


# -- usage and a history that cannot be used -----------------------------------------------------------


def test_unknown_run_is_one_line_exit_2(home3: Cli, cli: Cli) -> None:
    done = verify(home3, "run-20990101T000000-000000Z-check")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "optout: error: no run 'run-20990101T000000-000000Z-check' in this home's history; "
        "list the runs with: optout verify --all"
    ]
    both = verify(home3, runs_of(home3)[0].name, "--all")
    assert both.returncode == 2 and len(both.stderr.strip().splitlines()) == 1
    # A home with no history at all: said, and nothing created.
    empty = verify(cli, "run-x")
    assert empty.returncode == 2 and len(empty.stderr.strip().splitlines()) == 1 and "no run 'run-x'" in empty.stderr
    nothing = verify(cli, "--all")
    assert nothing.returncode == 0 and "Nothing to verify" in nothing.stdout
    assert not (cli.home / "history.db").exists()
    help_text = verify(cli, "--help").stdout
    for words in ("Exit status", "manifest.sig", "previous", "unsigned", "keyring is not"):
        assert words in " ".join(help_text.split()), words


def test_damaged_history_is_one_line_exit_3_and_left_alone(home3: Cli) -> None:
    db = home3.home / "history.db"
    garbage = b"this is not a database\n" * 200
    db.write_bytes(garbage)
    done = verify(home3, "--all")
    assert done.returncode == 3, done.stdout + done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"optout: error: the history database {db} is damaged")
    assert db.read_bytes() == garbage and done.stdout == ""


def test_locked_history_is_one_line_exit_3_and_left_alone(home3: Cli) -> None:
    db = home3.home / "history.db"
    before = db.read_bytes()
    # In WAL mode a plain exclusive transaction still lets readers in; a connection in exclusive locking
    # mode (as a database browser or a backup tool may hold it) shuts everyone else out.
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        done = verify(home3, "--all", env={"OPTOUT_DB_BUSY_TIMEOUT": "0.5"})
        assert db.read_bytes() == before
    finally:
        holder.close()
    assert done.returncode == 3, done.stdout + done.stderr
    assert done.stderr.strip().splitlines() == [
        f"optout: error: the history database {db} is locked by another program (waited 0.5 s); try again"
    ]
    assert verify(home3, "--all").returncode == 0


# -- signing ----------------------------------------------------------------------------------------------


def test_keyring_without_the_signing_key(home3: Cli, sandbox: Sandbox) -> None:
    """The key's private half gone from the keyring: the next run says so in one line and is sealed
    unsigned; verify needs only the public key file, not the keyring at all."""
    first, second, third = runs_of(home3)
    stored = PlaintextKeyring()
    stored.file_path = str(Path(home3.env["XDG_DATA_HOME"]) / "python_keyring" / "keyring_pass.cfg")
    service = accounts.service(Home(config_dir=home3.home, data_dir=home3.home, scoped=True))
    assert service is not None and stored.get_password(service, KEYRING_ENTRY)
    stored.delete_password(service, KEYRING_ENTRY)
    (key,) = (home3.home / "keys").glob("*.pem")

    done = check_run(home3, sandbox.origin())
    unsigned = [line for line in done.stderr.splitlines() if "not signed" in line]
    assert unsigned == [
        f"optout: runs are not signed: this home's signing key ({key.stem}) is not in the keyring in use; "
        "choose the keyring that holds it (see optout doctor). Hashes and the chain are still recorded"
    ]
    (fourth,) = set(runs_of(home3)) - {first, second, third}
    assert not (fourth / "manifest.sig").exists()

    no_keyring = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    shown = verify(home3, "--all", env=no_keyring)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert f"unsigned: run {fourth.name} is not signed" in flat(shown) and "the chain still covers it" in flat(shown)
    assert last_line(shown).startswith("Verified: 4 run(s), nothing changed, missing or inserted; 1 warning(s)")
    code, report = verify_json(home3, "--all", env=no_keyring)
    assert code == 0 and kinds(report) == {fourth.name: ["unsigned"]}
    assert [r["signed"] for r in report["runs"]] == [True, True, True, False]
    # The chain covers the unsigned run: edit it and the history's hash names it.
    manifest = json.loads((fourth / "manifest.json").read_text())
    assert manifest["previous"]["run_id"] == third.name
    manifest["results"][0]["state"] = "off"
    (fourth / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    code, report = verify_json(home3, "--all", env=no_keyring)
    assert code == 1 and kinds(report) == {fourth.name: ["manifest_changed", "unsigned"]}


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_signature_checks_with_openssl(home3: Cli) -> None:
    run = runs_of(home3)[1]
    manifest = json.loads((run / "manifest.json").read_text())
    key = home3.home / "keys" / f"{manifest['signing_key']}.pem"
    argv = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(key), "-rawin"]
    argv += ["-in", str(run / "manifest.json"), "-sigfile", str(run / "manifest.sig")]
    good = subprocess.run(argv, capture_output=True, text=True, check=False)
    if "rawin" in good.stderr and good.returncode != 0:
        pytest.skip(f"this openssl cannot verify Ed25519 raw input: {good.stderr.strip()}")
    assert good.returncode == 0 and "Signature Verified Successfully" in good.stdout, good.stdout + good.stderr
    # Same bytes as optout writes them, one value changed.
    from optout.evidence.manifest import Manifest

    model = Manifest.model_validate(manifest)
    model.results[0].reason = "edited"
    (run / "manifest.json").write_bytes(manifest_bytes(model))
    bad = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert bad.returncode != 0 and "Signature Verification Failure" in bad.stdout + bad.stderr


# -- privacy ------------------------------------------------------------------------------------------------


def test_evidence_files_are_the_persons_only(cli: Cli, sandbox: Sandbox) -> None:
    """Under the usual umask (022, which leaves files readable by everyone), a real run's evidence, and the
    report written beside it, is as private as the config and the history: files 0600, folders 0700."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "optout", *args],
            capture_output=True,
            text=True,
            env=cli.environ(),
            cwd=cli.home,
            preexec_fn=lambda: os.umask(0o022),
            timeout=180,
        )

    add(cli, ALICE, "alice-demo-pass")
    assert run("check", "--origin", f"linkedin={sandbox.origin()}", "--out", "ev").returncode == 1
    (folder,) = (cli.home / "ev").iterdir()
    assert run("report", folder.name).returncode == 0
    made = [cli.home / "ev", *sorted((cli.home / "ev").rglob("*")), cli.home / "keys", *(cli.home / "keys").iterdir()]
    names = {p.name for p in made}
    assert {"manifest.json", "manifest.sig", "report.html"} <= names and any(n.endswith(".masked.png") for n in names)
    assert any(n.endswith(".control.json") for n in names)
    modes = {str(p.relative_to(cli.home)): oct(stat.S_IMODE(p.stat().st_mode)) for p in made}
    assert modes == {name: ("0o700" if (cli.home / name).is_dir() else "0o600") for name in modes}
    assert oct(stat.S_IMODE((cli.home / "history.db").stat().st_mode)) == "0o600"


# -- a run killed half-way ----------------------------------------------------------------------------------


@pytest.fixture
def killed_run(cli: Cli, sandbox: Sandbox) -> Iterator[tuple[Cli, Path]]:
    """`optout check` over four accounts, killed with SIGKILL once the first result is in (its browser
    and driver are killed too: nothing of it lives on)."""
    add_accounts(cli)
    proc = subprocess.Popen(
        [sys.executable, "-m", "optout", "check", "--origin", f"linkedin={sandbox.origin()}", "--out", "ev"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli.environ(),
        cwd=cli.home,
    )
    seen: list[str] = []
    try:
        assert proc.stdout is not None
        read_until(proc.stdout, lambda line: ALICE in line, seen)  # alice's result
        below = descendants(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        for pid in below:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    (run,) = (cli.home / "ev").iterdir()
    yield cli, run


@pytest.mark.slow
def test_run_killed_with_sigkill_is_sealed_by_the_next_and_verifies(
    killed_run: tuple[Cli, Path], sandbox: Sandbox
) -> None:
    cli, killed = killed_run
    recorded = json.loads((killed / "manifest.json").read_text())
    assert recorded["finished_at"] is None and recorded["files"]
    # A write cut short by the kill leaves a temporary file: a warning of its own (rare: the kill comes
    # as the next account starts, before its first screenshot).
    leftover = ["leftover"] if list(killed.rglob(".*.tmp")) else []
    # Before any other run ends: not sealed, a warning; its files are checked all the same.
    code, report = verify_json(cli, "--all")
    assert code == 0 and kinds(report) == {killed.name: sorted(["not_sealed", *leftover])}
    assert "stopped without finishing and is not sealed yet" in findings(report)[killed.name][0][1]
    assert report["runs"][0]["files_checked"] == len(recorded["files"])

    sealing = check_run(cli, sandbox.origin(), "--account", ALICE)
    assert "was not sealed" not in sealing.stderr
    (second,) = set((cli.home / "ev").iterdir()) - {killed}
    done = verify(cli, "--all")
    assert done.returncode == 0, done.stdout + done.stderr
    # Sealed, and signed: its start was signed with the home's key. Named as sealed by the run that did.
    assert f"sealed_by_other: run {killed.name} was sealed by run {second.name}" in flat(done)
    assert last_line(done).startswith(f"Verified: 2 run(s), nothing changed, missing or inserted; {1 + len(leftover)}")
    # Its row in the table (its findings follow under its id alone).
    (row,) = [line.split() for line in done.stdout.splitlines() if line.startswith(f"{killed.name} ")]
    assert row[1:] == ["1", str(len(recorded["files"])), "valid", "ok,", "with", "warnings", "interrupted"]
    code, report = verify_json(cli, "--all")
    first, then = report["runs"]
    assert (first["run_id"], first["seq"], first["signed"], first["sealed_by"]) == (killed.name, 1, True, second.name)
    assert first["interrupted"].startswith("stopped without finishing")
    assert (then["run_id"], then["seq"], then["sealed_by"]) == (second.name, 2, None)
    assert kinds(report) == {killed.name: sorted(["sealed_by_other", *leftover])}
    sealed = json.loads((killed / "manifest.json").read_text())
    assert sealed["files"] == recorded["files"] and sealed["results"] == recorded["results"]
    assert sealed["sealed_by"] == second.name
    assert json.loads((second / "manifest.json").read_text())["previous"]["run_id"] == killed.name
