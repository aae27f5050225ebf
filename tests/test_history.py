"""The history database: every result and file of every run, safe under SIGKILL and two writers, its
schema migrated, a damaged one refused and left alone; `optout history` prints each setting's timeline."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from optout.evidence.chain import KILLED
from optout.evidence.history import SCHEMA_VERSION, History, HistoryError
from optout.evidence.manifest import sha256_of
from optout.evidence.migrations import MIGRATIONS, applied
from optout.results import Outcome, Result, State
from tests.conftest import Cli, Sandbox
from tests.test_cli import add
from tests.test_interrupted import ACCOUNTS, add_accounts


def a_result(n: int, state: State = State.ON) -> Result:
    now = datetime.now(timezone.utc)
    return Result(
        platform="linkedin",
        account=f"user{n}@example.com",
        setting="generative-ai-training",
        state=state,
        outcome=Outcome.CHECKED,
        verified=False,
        reason=None,
        url="https://www.linkedin.com/mypreferences/d/settings/data-for-ai-improvement",
        started_at=now,
        finished_at=now,
        evidence=[],
    )


def db_rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def test_new_database_is_migrated_to_the_current_schema_and_keeps_rows(tmp_path: Path) -> None:
    path = tmp_path / "home" / "history.db"
    history = History.open(path)
    history.add_run(
        run_id="run-1", command="check", directory=tmp_path, started_at=datetime.now(timezone.utc),
        optout_version="0", flows="{}",
    )  # fmt: skip
    history.add_result("run-1", a_result(1), flow_version="v1", optout_version="0", browser="chromium 1")
    history.close()
    assert db_rows(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert db_rows(path, "PRAGMA journal_mode") == [("wal",)]
    assert path.stat().st_mode & 0o777 == 0o600
    again = History.open(path)
    (row,) = again.results()
    assert (row.run_id, row.account, row.state, row.flow_version) == ("run-1", "user1@example.com", State.ON, "v1")
    again.close()


def test_newer_foreign_or_damaged_databases_are_refused_and_left_as_they_are(tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"SQLite format 3\0" + os.urandom(4096))
    for path, words in ((newer, "newer optout"), (foreign, "not an optout history"), (damaged, "damaged")):
        before = path.read_bytes()
        with pytest.raises(HistoryError) as caught:
            History.open(path)
        message = str(caught.value)
        assert words in message and str(path) in message and "\n" not in message
        assert path.read_bytes() == before


# Each writer is a separate process, as two optout commands are.
WRITER = """
import sys
from datetime import datetime, timezone
from pathlib import Path
from tests.test_history import a_result
from optout.evidence.history import History

history = History.open(Path(sys.argv[1]))
run = sys.argv[2]
history.add_run(run_id=run, command="check", directory=Path("."), started_at=datetime.now(timezone.utc),
                optout_version="0", flows="{}")
for n in range(int(sys.argv[3])):
    history.add_result(run, a_result(n), flow_version="v", optout_version="0", browser=None)
    history.add_file(run, path=f"f{n}.png", sha256="0" * 64, platform="linkedin", account="a", setting="s",
                     step="check-before", taken_at=datetime.now(timezone.utc))
"""


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    History.open(path).close()
    root = Path(__file__).resolve().parents[1]
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"run-{i}", "150"], cwd=root, stderr=subprocess.PIPE)
        for i in range(2)
    ]
    for writer in writers:
        _, stderr = writer.communicate(timeout=120)
        assert writer.returncode == 0, stderr.decode()
    assert db_rows(path, "SELECT run_id, count(*) FROM results GROUP BY run_id") == [("run-0", 150), ("run-1", 150)]
    assert db_rows(path, "SELECT count(*) FROM files") == [(300,)]
    assert db_rows(path, "PRAGMA integrity_check") == [("ok",)]


@pytest.mark.slow
def test_two_runs_at_once_are_both_recorded_and_chained(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, "alice@example.com", "alice-demo-pass")
    add(cli, "olivia@example.com", "olivia-demo-pass")
    origin = f"linkedin={sandbox.origin()}"
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "optout", "check", "--account", username, "--origin", origin, "--out", "ev"],
            env=cli.environ(),
            cwd=cli.home,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for username in ("alice@example.com", "olivia@example.com")
    ]
    for run in runs:
        _, stderr = run.communicate(timeout=180)
        assert run.returncode in (0, 1), stderr
    db = cli.home / "history.db"
    assert sorted(db_rows(db, "SELECT account, state FROM results")) == [
        ("alice@example.com", "on"),
        ("olivia@example.com", "off"),
    ]
    chain = db_rows(db, "SELECT seq, run_id, manifest_sha256, previous_run_id, signed FROM runs ORDER BY seq")
    assert [row[0] for row in chain] == [1, 2] and chain[0][3] is None and chain[1][3] == chain[0][1]
    assert all(row[4] == 1 for row in chain)
    first, second = (json.loads((cli.home / "ev" / row[1] / "manifest.json").read_text()) for row in chain)
    assert first["previous"] is None
    assert second["previous"] == {"run_id": chain[0][1], "sha256": chain[0][2]}
    assert sha256_of(cli.home / "ev" / chain[0][1] / "manifest.json") == chain[0][2]


@pytest.mark.slow
def test_a_run_killed_half_way_keeps_its_rows_and_is_sealed_by_the_next(cli: Cli, sandbox: Sandbox) -> None:
    add_accounts(cli)
    origin = f"linkedin={sandbox.origin()}"
    db = cli.home / "history.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "optout", "check", "--origin", origin, "--out", "ev"],
        env=cli.environ(), cwd=cli.home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if db.exists() and db_rows(db, "SELECT count(*) FROM results")[0][0] >= 1:
                    break
            except sqlite3.OperationalError:  # not made yet
                pass
            time.sleep(0.05)
        else:
            raise AssertionError("no result recorded in time")
    finally:
        # optout, its driver and Chromium at once, with no chance to write anything more.
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert db_rows(db, "PRAGMA integrity_check") == [("ok",)]
    (killed,) = db_rows(db, "SELECT run_id, seq, finished_at FROM runs")
    assert killed[1] is None and killed[2] is None  # never sealed: it could not
    recorded = db_rows(db, "SELECT account, state, outcome FROM results")
    assert 1 <= len(recorded) < len(ACCOUNTS) and recorded[0] == ("alice@example.com", "on", "checked")
    manifest_path = cli.home / "ev" / str(killed[0]) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    # Everything the database holds, the manifest on disk holds too (and the files are there, whole).
    assert len(manifest["results"]) >= len(recorded)
    files = dict(db_rows(db, f"SELECT path, sha256 FROM files WHERE run_id = '{killed[0]}'"))
    assert files and all(sha256_of(manifest_path.parent / p) == h for p, h in files.items())

    again = cli("check", "--account", "alice@example.com", "--origin", origin, "--out", "ev")
    assert again.returncode == 1, again.stderr
    chain = db_rows(db, "SELECT seq, run_id, manifest_sha256, previous_run_id, interrupted FROM runs ORDER BY seq")
    assert (chain[0][0], chain[0][1]) == (1, killed[0]) and chain[0][4] == KILLED
    assert chain[1][0] == 2 and chain[1][3] == killed[0]
    sealed = json.loads(manifest_path.read_text())
    assert sealed["interrupted"] == KILLED and sealed["previous"] is None
    assert sha256_of(manifest_path) == chain[0][2]
    assert (manifest_path.parent / "manifest.sig").exists()


def test_a_damaged_history_stops_a_run_before_it_starts(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, "alice@example.com", "alice-demo-pass")
    db = cli.home / "history.db"
    db.write_bytes(b"not a database at all " * 100)
    done = cli("check", "--origin", f"linkedin={sandbox.origin()}", "--out", "ev")
    assert done.returncode == 3
    (line,) = done.stderr.strip().splitlines()
    assert "history database" in line and "damaged" in line and "move it aside" in line
    assert db.read_bytes() == b"not a database at all " * 100
    assert not (cli.home / "ev").exists() and sandbox.account("alice@example.com")["signins"] == 0


@pytest.mark.slow
def test_history_prints_each_settings_timeline(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, "alice@example.com", "alice-demo-pass")
    origin = f"linkedin={sandbox.origin()}"
    assert cli("check", "--origin", origin, "--out", "ev").returncode == 1
    assert cli("off", "--origin", origin, "--out", "ev").returncode == 0
    shown = cli("history", "--platform", "linkedin", env={"COLUMNS": "80"})
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0].startswith("linkedin  alice@example.com")
    on, off = (line for line in lines if "checked" in line or "switched_off" in line)
    assert " on " in on and "changed" not in on
    assert " off " in off and "switched_off (verified)" in off and "changed" in off
    data = json.loads(cli("history", "--json").stdout)
    (line,) = data
    assert [(e["state"], e["outcome"], e["changed"]) for e in line["entries"]] == [
        ("on", "checked", False),
        ("off", "switched_off", True),
    ]
    assert cli("history", "--account", "nobody@example.com").stdout.startswith("No results recorded yet")


# -- readers in a read-only home ----------------------------------------------------------------------

NOBODY = 65534
READERS = (["history"], ["verify", "--all"], ["report", "--latest", "--format", "md"])


@pytest.fixture
def recorded_home(cli: Cli, sandbox: Sandbox) -> Iterator[Cli]:
    """A home holding one real run, in a folder every user may enter (pytest's own is its user's only)."""
    shared = Path(tempfile.mkdtemp(prefix="optout-ro-", dir="/tmp"))
    shared.chmod(0o755)
    home = shared / "home"
    home.mkdir()
    there = Cli(home=home, env=cli.environ({"OPTOUT_HOME": str(home)}))
    add(there, "alice@example.com", "alice-demo-pass")
    done = there("check", "--origin", f"linkedin={sandbox.origin()}", "--out", "ev")
    assert done.returncode == 1, done.stderr  # alice's setting is on
    try:
        yield there
    finally:
        subprocess.run(["chattr", "-R", "-i", str(shared)], capture_output=True, check=False)
        shutil.rmtree(shared)


def reads_the_run(home: Cli, runs: list[subprocess.CompletedProcess[str]]) -> None:
    shown, verified, report = runs
    for done in runs:
        assert done.returncode == 0, done.stdout + done.stderr
    assert "linkedin  alice@example.com" in shown.stdout
    assert "Verified: 1 run(s)" in verified.stdout
    (folder,) = (home.home / "ev").glob("run-*-check")
    assert folder.name in report.stdout and "alice@example.com" in report.stdout


def test_readers_work_in_a_home_they_cannot_write(recorded_home: Cli) -> None:
    home = recorded_home.home
    as_other_user: list[str] = []
    if os.geteuid() == 0:
        # Permission bits do not stop root: read as another user, who owns the home but may not write it.
        if shutil.which("setpriv") is None:
            pytest.skip("running as root, and setpriv is missing to run the readers as another user")
        as_other_user = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        for path in [home, *home.rglob("*")]:
            os.chown(path, NOBODY, NOBODY, follow_symlinks=False)
    db = home / "history.db"
    assert not [p for p in home.iterdir() if p.name.startswith("history.db-")]  # the writer cleaned up
    db.chmod(0o400)
    home.chmod(0o500)
    before = (db.read_bytes(), db.stat().st_mtime_ns)
    runs = [
        subprocess.run(
            [*as_other_user, sys.executable, "-m", "optout", *args],
            capture_output=True,
            text=True,
            env=recorded_home.environ({"HOME": str(home.parent)}),
            cwd=home.parent,
            timeout=120,
        )
        for args in READERS
    ]
    reads_the_run(recorded_home, runs)
    assert (db.read_bytes(), db.stat().st_mtime_ns) == before


def test_readers_open_the_history_read_only(recorded_home: Cli) -> None:
    """Even root cannot write an immutable file or add one to an immutable folder: a reader that opened the
    history for writing, or left a -wal or -shm beside it, fails here."""
    home = recorded_home.home
    db = home / "history.db"
    frozen = subprocess.run(["chattr", "+i", str(db), str(home)], capture_output=True, text=True, check=False)
    if frozen.returncode != 0:
        pytest.skip(f"cannot make files immutable here (chattr +i needs root and ext4/xfs/btrfs): {frozen.stderr}")
    before = (db.read_bytes(), db.stat().st_mtime_ns)
    runs = [recorded_home(*args) for args in READERS]
    subprocess.run(["chattr", "-i", str(db), str(home)], check=True)
    reads_the_run(recorded_home, runs)
    assert (db.read_bytes(), db.stat().st_mtime_ns) == before
    assert not [p for p in home.iterdir() if p.name.startswith("history.db-")]


def test_a_schema_2_history_gains_run_tokens_and_keeps_its_rows(tmp_path: Path) -> None:
    """Migration 3 adds each run's token and the run that sealed it; runs recorded before have neither."""

    path = tmp_path / "home" / "history.db"
    path.parent.mkdir()
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        for _, apply in MIGRATIONS[:2]:
            apply(db)
        db.execute("PRAGMA user_version = 2")
        db.execute(
            "INSERT INTO runs (run_id, command, directory, started_at, optout_version, flows, seq, manifest_sha256,"
            " signed) VALUES ('run-old', 'check', '/x', '2024-01-01T00:00:00+00:00', '0', '{}', 1, 'ab', 1)"
        )
    history = History.open(path)
    history.add_run(
        run_id="run-new", command="check", directory=tmp_path, started_at=datetime.now(timezone.utc),
        optout_version="0", flows="{}", token="f" * 32,
    )  # fmt: skip
    rows = {r.run_id: r for r in history.runs()}
    history.close()
    assert db_rows(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)] and SCHEMA_VERSION >= 3
    assert (rows["run-old"].seq, rows["run-old"].signed, rows["run-old"].token, rows["run-old"].sealed_by) == (
        1, True, None, None,
    )  # fmt: skip
    assert (rows["run-new"].token, rows["run-new"].sealed_by) == ("f" * 32, None)


def test_migrations_are_named_in_the_order_they_are_applied_and_a_history_records_them(tmp_path: Path) -> None:
    names = [name for name, _ in MIGRATIONS]
    # Append only: the number in a name is its place, so a migration moved or inserted shows here.
    assert [int(name[1:4]) for name in names] == list(range(1, len(names) + 1)), names
    assert len(set(names)) == len(names) == SCHEMA_VERSION
    path = tmp_path / "home" / "history.db"
    History.open(path).close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert applied(db) == names
        times = dict(db.execute("SELECT name, applied_at FROM migrations").fetchall())
    # Those before m005 ran before names were kept: their time is not known.
    assert [n for n, at in times.items() if at is None] == names[:4]
    assert all(datetime.fromisoformat(times[n]) for n in names[4:])


def test_a_schema_4_history_gains_named_migrations_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "home" / "history.db"
    path.parent.mkdir()
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        for _, apply in MIGRATIONS[:4]:
            apply(db)
        db.execute("PRAGMA user_version = 4")
        db.execute(
            "INSERT INTO runs (run_id, command, directory, started_at, optout_version, flows, token)"
            " VALUES ('run-old', 'demo', '/x', '2024-01-01T00:00:00+00:00', '0', '{}', 'ab')"
        )
    history = History.open(path)
    (run,) = history.runs()
    history.close()
    assert (run.run_id, run.token) == ("run-old", "ab")
    assert db_rows(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert applied(db) == [name for name, _ in MIGRATIONS]


def test_a_migration_that_fails_leaves_the_history_as_it_was(tmp_path: Path) -> None:
    """A schema-4 history that already holds a table named as m005's (made by hand, say): the migration
    fails, with one line, and the history keeps its version and rows; nothing is half-applied."""
    path = tmp_path / "home" / "history.db"
    path.parent.mkdir()
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        for _, apply in MIGRATIONS[:4]:
            apply(db)
        db.execute("PRAGMA user_version = 4")
        db.execute("CREATE TABLE migrations (note TEXT)")
        db.execute("INSERT INTO migrations VALUES ('mine')")
    with pytest.raises(HistoryError) as refused:
        History.open(path)
    assert "\n" not in str(refused.value) and "migrations" in str(refused.value), str(refused.value)
    assert db_rows(path, "PRAGMA user_version") == [(4,)]
    assert db_rows(path, "SELECT * FROM migrations") == [("mine",)]
    assert db_rows(path, "SELECT name FROM sqlite_master WHERE name = 'runs'") == [("runs",)]
