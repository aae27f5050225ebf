"""Every run, result and evidence file, in one SQLite database per home (`history.db`).

Each write is its own short transaction, so a run killed half-way keeps everything it had recorded, and
two optout processes writing at once take turns (WAL, a busy timeout) instead of failing or losing a
row. The schema carries its version (`PRAGMA user_version`) and is brought up to date by the named
migrations in migrations.py, in order, each in one transaction that also records its name.

The database is an index and a second witness, not the evidence itself: the manifests on disk, hashed,
chained and signed, are what `optout verify` trusts (see chain.py).
"""

from __future__ import annotations

import math
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from optout.evidence.manifest import EvidenceFile
from optout.evidence.migrations import MIGRATIONS, TABLE
from optout.evidence.observed import friction_json, patterns_json, read_friction, read_patterns
from optout.results import (
    CLICK_UNVERIFIED,
    OBJECTION_MAYBE_SENT,
    DarkPattern,
    Friction,
    Outcome,
    Result,
    State,
    utc_now,
)

# How long a write waits for another process's transaction before giving up: far above any of ours.
BUSY_TIMEOUT_S = 20.0
# Overrides it (seconds), so that a test of a locked database need not wait 20 s.
BUSY_TIMEOUT_ENV = "OPTOUT_DB_BUSY_TIMEOUT"


def busy_timeout_s() -> float:
    """BUSY_TIMEOUT_S, or OPTOUT_DB_BUSY_TIMEOUT when that is a number of seconds from 0 to 600."""
    try:
        value = float(os.environ.get(BUSY_TIMEOUT_ENV, ""))
    except ValueError:
        return BUSY_TIMEOUT_S
    return value if math.isfinite(value) and 0 <= value <= 600 else BUSY_TIMEOUT_S


SCHEMA_VERSION = len(MIGRATIONS)


class HistoryError(Exception):
    """The history cannot be used; the message is one line a person can act on."""


@dataclass(frozen=True)
class RunRow:
    run_id: str
    command: str
    directory: Path
    started_at: str
    finished_at: str | None
    interrupted: str | None
    seq: int | None
    manifest_sha256: str | None
    previous_run_id: str | None
    signed: bool
    token: str | None = None  # None: recorded before schema 3, or not by optout
    sealed_by: str | None = None  # the run that sealed this one, when it did not seal itself

    @property
    def manifest_path(self) -> Path:
        return self.directory / "manifest.json"

    @property
    def sealed(self) -> bool:
        return self.seq is not None


@dataclass(frozen=True)
class Hold:
    reason: str
    since: str
    run_id: str | None


@dataclass(frozen=True)
class ResultRow:
    run_id: str
    platform: str
    account: str
    setting: str
    state: State
    outcome: Outcome
    verified: bool
    reason: str | None
    started_at: str
    finished_at: str
    flow_version: str | None
    drift: bool = False
    label: str | None = None
    mapped: bool = False  # recorded by a mapped run (`--origin`), not from the real site
    friction: Friction | None = None  # None: nothing was counted (or recorded before schema 6)
    dark_patterns: list[DarkPattern] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "platform": self.platform,
            "account": self.account,
            "setting": self.setting,
            "state": self.state.value,
            "outcome": self.outcome.value,
            "verified": self.verified,
            "reason": self.reason,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "flow_version": self.flow_version,
            "drift": self.drift,
            "label": self.label,
            "mapped": self.mapped,
            "friction": None if self.friction is None else self.friction.model_dump(mode="json"),
            "dark_patterns": [p.model_dump(mode="json") for p in self.dark_patterns],
        }


def _iso(moment: datetime) -> str:
    return moment.isoformat()


class History:
    """One home's history database. Open it with `History.open(path)`; every method is one transaction."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, path: Path) -> History:
        """Open (creating and migrating as needed). Raises HistoryError for a damaged, locked, newer or
        unwritable database: nothing in it is changed then."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # It names the person's accounts: private, like the config (SQLite gives its -wal and -shm
            # files the database's own mode).
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
            # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE takes the write lock up
            # front, so two writers queue instead of one failing half-way).
            connection = sqlite3.connect(path, timeout=busy_timeout_s(), isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(_describe(exc, path)) from None
        history = cls(connection, path)
        try:
            history._prepare()
        except sqlite3.Error as exc:
            connection.close()
            raise HistoryError(_describe(exc, path)) from None
        return history

    @classmethod
    def open_read_only(cls, path: Path) -> History:
        """Open for reading only (history, verify, report, export): nothing is created, migrated or
        written, so a read-only home can still be read. A database missing or from an older optout is
        opened as `open` does it (created or brought up to date), since there is nothing to read yet."""
        if not path.exists():
            return cls.open(path)
        try:
            history = cls(_read_only_connection(path), path)
            if history._db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                history.close()
                return cls.open(path)
            history._check()
        except sqlite3.Error as exc:
            raise HistoryError(_describe(exc, path)) from None
        return history

    def close(self) -> None:
        self._db.close()

    def _check(self) -> int:
        """The schema version, once the database is known to be an optout history this optout can read."""
        db = self._db
        # Both read in one transaction: another optout creating the same new history meanwhile must not
        # make its first tables look like a foreign database's (version 0, read before it committed).
        db.execute("BEGIN")
        try:
            version: int = db.execute("PRAGMA user_version").fetchone()[0]
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except BaseException:
            with suppress(sqlite3.Error):  # the reading's own error is the one to tell
                db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f"made by a newer optout (schema {version}, this one knows {SCHEMA_VERSION}): upgrade optout"
            )
        if version == 0 and tables:
            raise sqlite3.DatabaseError("not an optout history (it holds other tables)")
        if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError("the database's integrity check failed")
        return version

    def _prepare(self) -> None:
        db = self._db
        version = self._check()
        # A killed writer must never leave a half-written page behind: WAL with full syncs.
        if db.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() != "wal":
            raise sqlite3.OperationalError("cannot switch the database to write-ahead logging")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        for number in range(version, SCHEMA_VERSION):
            with self._write():
                # A second process may have migrated it while we waited for the lock.
                if db.execute("PRAGMA user_version").fetchone()[0] > number:
                    continue
                name, apply = MIGRATIONS[number]
                apply(db)
                if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)).fetchone():
                    db.execute(f"INSERT INTO {TABLE} (name, applied_at) VALUES (?, ?)", (name, utc_now().isoformat()))
                db.execute(f"PRAGMA user_version = {number + 1}")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction holding the database's write lock (the chain is extended under it)."""
        try:
            with self._write() as db:
                yield db
        except sqlite3.Error as exc:
            raise HistoryError(_describe(exc, self.path)) from None

    def _run_write(self, sql: str, params: Sequence[object]) -> int:
        """Runs one statement in its own transaction; returns the id of the row it inserted, if any."""
        try:
            with self._write() as db:
                return int(db.execute(sql, params).lastrowid or 0)
        except sqlite3.Error as exc:
            raise HistoryError(_describe(exc, self.path)) from None

    # -- writing ---------------------------------------------------------------------------------

    def add_run(
        self,
        *,
        run_id: str,
        command: str,
        directory: Path,
        started_at: datetime,
        optout_version: str,
        flows: str,
        token: str | None = None,
        mapped: bool = False,
    ) -> None:
        self._run_write(
            "INSERT INTO runs (run_id, command, directory, started_at, optout_version, flows, token, mapped)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (run_id, command, str(directory), _iso(started_at), optout_version, flows, token, int(mapped)),
        )

    def set_browser(self, run_id: str, browser_version: str) -> None:
        self._run_write("UPDATE runs SET browser_version = ? WHERE run_id = ?", (browser_version, run_id))

    def add_file(
        self,
        run_id: str,
        *,
        path: str,
        sha256: str,
        platform: str,
        account: str,
        setting: str | None,
        step: str,
        taken_at: datetime,
        kind: str = "screenshot",
    ) -> None:
        self._run_write(
            "INSERT INTO files (run_id, path, sha256, platform, account, setting, step, taken_at, kind)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (run_id, path, sha256, platform, account, setting, step, _iso(taken_at), kind),
        )

    def add_files(self, run_id: str, files: Sequence[EvidenceFile]) -> None:
        """The files of one capture, in one transaction: a run killed meanwhile has all of them or none."""
        try:
            with self._write() as db:
                db.executemany(
                    "INSERT INTO files (run_id, path, sha256, platform, account, setting, step, taken_at, kind)"
                    " VALUES (?,?,?,?,?,?,?,?,?)",
                    [
                        (run_id, f.path, f.sha256, f.platform, f.account, f.setting, f.step, _iso(f.taken_at), f.kind)
                        for f in files
                    ],
                )
        except sqlite3.Error as exc:
            raise HistoryError(_describe(exc, self.path)) from None

    def add_result(
        self,
        run_id: str,
        result: Result,
        *,
        flow_version: str | None,
        optout_version: str,
        browser: str | None,
        mapped: bool = False,
    ) -> int:
        """Adds the result; returns its row's id."""
        return self._run_write(
            "INSERT INTO results (run_id, platform, account, setting, state, outcome, verified, reason, url,"
            " started_at, finished_at, flow_version, optout_version, browser_version, drift, label, mapped,"
            " friction, dark_patterns) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                run_id,
                result.platform,
                result.account,
                result.setting,
                result.state.value,
                result.outcome.value,
                int(result.verified),
                result.reason,
                result.url,
                _iso(result.started_at),
                _iso(result.finished_at),
                flow_version,
                optout_version,
                browser,
                int(result.drift),
                result.label,
                int(mapped),
                friction_json(result.friction),
                patterns_json(result.dark_patterns),
            ),
        )

    def drop_result(self, row_id: int) -> None:
        """Removes a row that stood for a setting while its run was under way (a click recorded before it
        was made), once the setting's own result is added: the run is not sealed yet."""
        self._run_write("DELETE FROM results WHERE id = ?", (row_id,))

    def hold(
        self, platform: str, account: str, *, reason: str, since: datetime, run_id: str | None, mapped: bool = False
    ) -> None:
        """No more unattended sign-ins for this account until a person runs a command for it. `mapped`:
        the hold of its mapped runs (`--origin`), which the real account's runs never see."""
        self._run_write(
            "INSERT OR REPLACE INTO sign_in_holds (platform, account, mapped, reason, since, run_id)"
            " VALUES (?,?,?,?,?,?)",
            (platform, account, int(mapped), reason, _iso(since), run_id),
        )

    def release(self, platform: str, account: str, *, mapped: bool = False) -> None:
        self._run_write(
            "DELETE FROM sign_in_holds WHERE platform = ? AND account = ? AND mapped = ?",
            (platform, account, int(mapped)),
        )

    # -- reading ---------------------------------------------------------------------------------

    def holds(self, *, mapped: bool = False) -> dict[tuple[str, str], Hold]:
        """The real accounts' holds, or (`mapped`) those of mapped runs."""
        rows = self._select("SELECT * FROM sign_in_holds WHERE mapped = ?", (int(mapped),))
        return {(r["platform"], r["account"]): Hold(r["reason"], r["since"], r["run_id"]) for r in rows}

    def last_known(self, *, mapped: bool = False) -> dict[tuple[str, str, str], ResultRow]:
        """Each setting's last result that read a definite on or off, drift left out: a setting that
        drifted stays drifted, re-check after re-check, until it is switched off again or a person's own
        `check` or `off` records it. Only real runs' results, or (`mapped`) only mapped runs': what a
        local server showed never counts for the real account, nor the other way round."""
        known: dict[tuple[str, str, str], ResultRow] = {}
        for row in self.results():
            if row.mapped == mapped and not row.drift and row.state in (State.ON, State.OFF):
                known[row.platform, row.account, row.setting] = row
        return known

    def request_sent(
        self, platform: str, account: str, setting: str, *, mapped: bool = False, besides: str | None = None
    ) -> ResultRow | None:
        """The last request (an objection form) optout sent for this setting, or may have sent (a run that
        ended after pressing its send button, unconfirmed), if any: nothing on the platform's page tells it
        afterwards. Real runs' or (`mapped`) mapped runs' only; `besides`: not this run's."""
        sent = [
            row
            for row in self.results(platform=platform, account=account)
            if row.setting == setting
            and row.mapped == mapped
            and row.run_id != besides
            and (row.outcome is Outcome.REQUESTED or row.label in (CLICK_UNVERIFIED, OBJECTION_MAYBE_SENT))
        ]
        return sent[-1] if sent else None

    def _select(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        try:
            cursor = self._db.execute(sql, params)
            cursor.row_factory = sqlite3.Row
            return list(cursor.fetchall())
        except sqlite3.Error as exc:
            raise HistoryError(_describe(exc, self.path)) from None

    def runs(self) -> list[RunRow]:
        """Every run: those in the chain in chain order, then the others by start time."""
        rows = self._select("SELECT * FROM runs ORDER BY seq IS NULL, seq, started_at")
        return [_run_row(r) for r in rows]

    def run(self, run_id: str) -> RunRow | None:
        rows = self._select("SELECT * FROM runs WHERE run_id = ?", (run_id,))
        return _run_row(rows[0]) if rows else None

    def latest_run(self) -> RunRow | None:
        rows = self._select("SELECT * FROM runs ORDER BY started_at DESC LIMIT 1")
        return _run_row(rows[0]) if rows else None

    def results(
        self, *, run_id: str | None = None, platform: str | None = None, account: str | None = None
    ) -> list[ResultRow]:
        """Results in the order they finished, optionally of one run, platform or account."""
        where, params = [], []
        for column, value in (("run_id", run_id), ("platform", platform), ("account", account)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._select(f"SELECT * FROM results {clause} ORDER BY finished_at, id", params)
        return [
            ResultRow(
                run_id=r["run_id"],
                platform=r["platform"],
                account=r["account"],
                setting=r["setting"],
                state=State(r["state"]),
                outcome=Outcome(r["outcome"]),
                verified=bool(r["verified"]),
                reason=r["reason"],
                started_at=r["started_at"],
                finished_at=r["finished_at"],
                flow_version=r["flow_version"],
                drift=bool(r["drift"]),
                label=r["label"],
                mapped=bool(r["mapped"]),
                friction=read_friction(r["friction"]),
                dark_patterns=read_patterns(r["dark_patterns"]),
            )
            for r in rows
        ]

    def file_hashes(self, run_id: str) -> dict[str, str]:
        return {
            r["path"]: r["sha256"] for r in self._select("SELECT path, sha256 FROM files WHERE run_id = ?", (run_id,))
        }


def _read_only_connection(path: Path) -> sqlite3.Connection:
    """A connection that cannot write (SQLite's mode=ro). A reader of a WAL database needs its -shm file,
    which SQLite creates when the folder allows it; in a read-only folder without one, the file is read
    as it is on disk (immutable=1): nothing can be writing there, as no writer could create its -wal."""
    uri = f"file:{quote(str(path.absolute()))}?mode=ro"
    connection = sqlite3.connect(uri, uri=True, timeout=busy_timeout_s(), isolation_level=None)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return connection
    except sqlite3.OperationalError:
        connection.close()
        if os.access(path.parent, os.W_OK) or _wal_files(path):
            raise
    return sqlite3.connect(f"{uri}&immutable=1", uri=True, timeout=busy_timeout_s(), isolation_level=None)


def _wal_files(path: Path) -> list[Path]:
    return [p for p in (Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


def _run_row(r: sqlite3.Row) -> RunRow:
    return RunRow(
        run_id=r["run_id"],
        command=r["command"],
        directory=Path(r["directory"]),
        started_at=r["started_at"],
        finished_at=r["finished_at"],
        interrupted=r["interrupted"],
        seq=r["seq"],
        manifest_sha256=r["manifest_sha256"],
        previous_run_id=r["previous_run_id"],
        signed=bool(r["signed"]),
        token=r["token"],
        sealed_by=r["sealed_by"],
    )


def _describe(exc: BaseException, path: Path) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, sqlite3.OperationalError) and "locked" in text:
        return f"the history database {path} is locked by another program (waited {busy_timeout_s():g} s); try again"
    damaged = isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError)
    if damaged or "malformed" in text:
        return (
            f"the history database {path} is damaged ({text}); optout left it as it is: move it aside to start "
            "a new history (your evidence folders are untouched)"
        )
    if "full" in text or "disk I/O" in text:
        return f"cannot write the history database {path}: the disk is full or failing ({text})"
    return f"cannot use the history database {path} ({text})"
