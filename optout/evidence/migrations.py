"""The history database's migrations, as named functions, in the order they are applied.

Each is applied once, in its own transaction with the schema version (`PRAGMA user_version`, the count
of migrations applied, which an older optout reads to refuse a newer history) and, from the fifth on, a
row in the `migrations` table naming it. Append only: a migration that shipped is never edited,
renamed or reordered, since histories out there already hold its effect; a change is a new migration.
(sqlite-utils' `migrations.py` has the same shape.)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]

MIGRATIONS: list[tuple[str, Migration]] = []

# Where the applied migrations are named: made by the migration that started recording them.
TABLE = "migrations"


def migration(apply: Migration) -> Migration:
    MIGRATIONS.append((apply.__name__, apply))
    return apply


def _run(db: sqlite3.Connection, script: str) -> None:
    # One statement at a time: executescript would commit the transaction the migration runs in.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@migration
def m001_runs_results_and_files(db: sqlite3.Connection) -> None:
    _run(
        db,
        """
        CREATE TABLE runs (
            run_id TEXT PRIMARY KEY,
            command TEXT NOT NULL,
            directory TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            interrupted TEXT,
            optout_version TEXT NOT NULL,
            browser_version TEXT,
            flows TEXT NOT NULL,
            -- set when the run's manifest joins the home's chain (seq orders the chain)
            seq INTEGER UNIQUE,
            manifest_sha256 TEXT,
            previous_run_id TEXT,
            signed INTEGER NOT NULL DEFAULT 0,
            sealed_at TEXT
        );
        CREATE TABLE results (
            id INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL REFERENCES runs(run_id),
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            setting TEXT NOT NULL,
            state TEXT NOT NULL,
            outcome TEXT NOT NULL,
            verified INTEGER NOT NULL,
            reason TEXT,
            url TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT NOT NULL,
            flow_version TEXT,
            optout_version TEXT NOT NULL,
            browser_version TEXT
        );
        CREATE INDEX results_by_setting ON results(platform, account, setting, finished_at);
        CREATE TABLE files (
            id INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL REFERENCES runs(run_id),
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            setting TEXT,
            step TEXT NOT NULL,
            taken_at TEXT NOT NULL,
            UNIQUE (run_id, path)
        )
        """,
    )


@migration
def m002_sign_in_holds_drift_labels_and_file_kinds(db: sqlite3.Connection) -> None:
    """Accounts whose password a platform refused during a re-check, not tried again unattended; drift
    and labels on results; the kind of each file."""
    _run(
        db,
        """
        CREATE TABLE sign_in_holds (
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            reason TEXT NOT NULL,
            since TEXT NOT NULL,
            run_id TEXT,
            PRIMARY KEY (platform, account)
        );
        ALTER TABLE results ADD COLUMN drift INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE results ADD COLUMN label TEXT;
        ALTER TABLE files ADD COLUMN kind TEXT NOT NULL DEFAULT 'screenshot'
        """,
    )


@migration
def m003_run_tokens_and_sealed_by(db: sqlite3.Connection) -> None:
    """A random token per run, also in its lock file, so that only a run optout started, and that was
    killed, is sealed by another run; and which run sealed it."""
    _run(db, "ALTER TABLE runs ADD COLUMN token TEXT; ALTER TABLE runs ADD COLUMN sealed_by TEXT")


@migration
def m004_mapped_runs_and_holds_by_kind(db: sqlite3.Connection) -> None:
    """Mapped runs (`--origin`: a local server answered for the platform) and their results, kept apart
    from the real accounts' states, drift and holds. The demo was always mapped; other runs made before
    cannot be told apart here, and stay counted as real."""
    _run(
        db,
        """
        ALTER TABLE runs ADD COLUMN mapped INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE results ADD COLUMN mapped INTEGER NOT NULL DEFAULT 0;
        UPDATE runs SET mapped = 1 WHERE command = 'demo';
        UPDATE results SET mapped = 1 WHERE run_id IN (SELECT run_id FROM runs WHERE mapped = 1);
        CREATE TABLE sign_in_holds_by_kind (
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            mapped INTEGER NOT NULL DEFAULT 0,
            reason TEXT NOT NULL,
            since TEXT NOT NULL,
            run_id TEXT,
            PRIMARY KEY (platform, account, mapped)
        );
        INSERT INTO sign_in_holds_by_kind (platform, account, reason, since, run_id)
            SELECT platform, account, reason, since, run_id FROM sign_in_holds;
        DROP TABLE sign_in_holds;
        ALTER TABLE sign_in_holds_by_kind RENAME TO sign_in_holds
        """,
    )


@migration
def m005_named_migrations(db: sqlite3.Connection) -> None:
    """The migrations applied, by name. Those applied before this one are named too, with no time: a
    history does not know when they ran."""
    db.execute(f"CREATE TABLE {TABLE} (name TEXT PRIMARY KEY, applied_at TEXT)")
    db.executemany(f"INSERT INTO {TABLE} (name, applied_at) VALUES (?, NULL)", [(name,) for name, _ in MIGRATIONS[:4]])


@migration
def m006_result_friction_and_dark_patterns(db: sqlite3.Connection) -> None:
    """What reaching and switching off a setting took (friction) and the deceptive-design patterns named
    on the way, on each result, as JSON text; NULL on the results recorded before (nothing was counted)."""
    _run(db, "ALTER TABLE results ADD COLUMN friction TEXT; ALTER TABLE results ADD COLUMN dark_patterns TEXT")


def applied(db: sqlite3.Connection) -> list[str]:
    """The names of the migrations a history records, in the order they were applied."""
    try:
        rows = db.execute(f"SELECT name FROM {TABLE} ORDER BY rowid").fetchall()
    except sqlite3.OperationalError:  # before m005: none is named
        return []
    return [name for (name,) in rows]
