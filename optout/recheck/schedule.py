"""Scheduled re-checks: a real scheduler entry that runs `optout recheck` unattended.

Linux gets a systemd user timer where a systemd user manager runs, else a crontab line; macOS a launchd
agent; Windows a Task Scheduler task. The texts are made by pure functions (schedule, job) -> text, so each
format is tested on any machine; the installers are thin, and run `systemctl`, `crontab`, `launchctl` and
`schtasks` through one seam (`Commands`).

Schedulers start jobs with a bare environment: the job names the Python running now (a venv's works), and
carries optout's own environment variables explicitly. Its output is appended to `recheck.log` in optout's
data folder; `optout recheck` prints no secrets, so neither does the log.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from optout.paths import Home
from optout.recheck.schedule_texts import (
    LAUNCHD_LABEL,
    NAME,
    SCHEDULERS,
    Job,
    SchedulerFailed,
    _is_ours,
    crontab_line,
    launchd_plist,
    merge_crontab,
    schtasks_create,
    systemd_service,
    systemd_timer,
    windows_script,
)
from optout.recheck.timing import ScheduleError, Timing

# -- what runs --------------------------------------------------------------------------------------


# -- the texts (pure) -------------------------------------------------------------------------------


# -- running the scheduler's own commands -------------------------------------------------------------


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str


class Commands(Protocol):
    """The one seam between the installers and the machine's scheduler commands."""

    def run(self, argv: Sequence[str], input: str | None = None) -> Completed: ...


class SystemCommands:
    """The commands for real, bounded in time; a missing program is exit 127, as a shell says it."""

    def run(self, argv: Sequence[str], input: str | None = None) -> Completed:
        try:
            done = subprocess.run(list(argv), input=input, capture_output=True, text=True, timeout=60, check=False)
        except FileNotFoundError:
            return Completed(127, "", f"{argv[0]}: command not found")
        except subprocess.TimeoutExpired:
            return Completed(124, "", f"{argv[0]}: no answer within 60 seconds")
        return Completed(done.returncode, done.stdout, done.stderr)


def shown(argv: Sequence[str]) -> str:
    return shlex.join(argv)


def _check(argv: Sequence[str], done: Completed) -> Completed:
    if done.returncode != 0:
        said = next((line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()), "")
        raise SchedulerFailed(f"{shown(argv)} failed (exit {done.returncode})" + (f": {said}" if said else ""))
    return done


# -- plans: what an install or a removal does, shown before (or instead of) being done -------------------


@dataclass(frozen=True)
class Action:
    """One step, as a person reads it (`say`, and the full text written, if any), how to do it, and how to
    take it back when a later step fails (None: nothing to take back)."""

    say: str
    body: str | None
    do: Callable[[], None]
    undo: Callable[[], None] | None = None


def carry_out(actions: Sequence[Action], done: Callable[[Action], None] = lambda _: None) -> None:
    """Each action in order, `done` told after each. When one fails, what the plan did so far, that one
    included (it may have half happened), is undone newest first, as far as it can be: a failed install
    leaves what was there before. Raises SchedulerFailed, one line, saying so."""
    started: list[Action] = []
    try:
        for action in actions:
            started.append(action)
            action.do()
            done(action)
    except (SchedulerFailed, OSError) as exc:
        reason = str(exc) if isinstance(exc, SchedulerFailed) else f"{action.say}: {exc.strerror or exc}"
        undoable = [a.undo for a in reversed(started) if a.undo is not None]
        for undo in undoable:
            with contextlib.suppress(SchedulerFailed, OSError):
                undo()
        raise SchedulerFailed(f"{reason}; what was done before it is undone" if undoable else reason) from None


@dataclass(frozen=True)
class Entry:
    """What `schedule status` found of one scheduler's entry."""

    scheduler: str
    files: dict[str, str] = field(default_factory=dict)
    crontab_lines: list[str] = field(default_factory=list)
    state: str | None = None  # The scheduler's own word, when it can be asked.


def _write(path: Path, text: str | bytes) -> Action:
    before: list[bytes | None] = []  # what the file held, once `do` has looked

    def do() -> None:
        before.append(path.read_bytes() if path.is_file() else None)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())

    def undo() -> None:
        if not before:
            return
        if before[0] is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(before[0])

    return Action(f"write {path}", text.decode() if isinstance(text, bytes) else text, do, undo)


def _log_folder(job: Job) -> Action:
    """The log's folder must exist before the first run: a scheduler only creates the file."""
    folder = Path(job.log).parent
    return Action(f"create {folder}", None, lambda: folder.mkdir(parents=True, exist_ok=True))


def _delete(path: Path) -> Action:
    return Action(f"delete {path}", None, lambda: path.unlink(missing_ok=True))


def _run(commands: Commands, argv: Sequence[str], *, may_fail: bool = False) -> Action:
    def do() -> None:
        done = commands.run(argv)
        if not may_fail:
            _check(argv, done)

    return Action(f"run {shown(argv)}", None, do)


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode(errors="replace")
    except FileNotFoundError:
        return None


class Scheduler(Protocol):
    name: str
    title: str

    def install(self, timing: Timing, job: Job) -> list[Action]: ...
    def status(self) -> Entry | None: ...
    def remove(self) -> list[Action]: ...


def systemd_user_dir(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    config = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME") or Path.home()) / ".config")
    return Path(config) / "systemd" / "user"


class Systemd:
    name = "systemd"
    title = "a systemd user timer"

    def __init__(self, commands: Commands, unit_dir: Path) -> None:
        self.commands = commands
        self.service = unit_dir / f"{NAME}.service"
        self.timer = unit_dir / f"{NAME}.timer"

    def _systemctl(self, *args: str, may_fail: bool = False) -> Action:
        return _run(self.commands, ["systemctl", "--user", *args], may_fail=may_fail)

    def install(self, timing: Timing, job: Job) -> list[Action]:
        enable = self._systemctl("enable", "--now", self.timer.name)
        if not self.timer.exists():
            # A timer that was not there before is disabled again (enabling may have half happened).
            enable = replace(enable, undo=self._systemctl("disable", "--now", self.timer.name, may_fail=True).do)
        # Undone last, after the unit files are put back: systemd reads them as they are again.
        start = replace(_log_folder(job), undo=self._systemctl("daemon-reload", may_fail=True).do)
        return [
            start,
            _write(self.service, systemd_service(job)),
            _write(self.timer, systemd_timer(timing)),
            self._systemctl("daemon-reload"),
            enable,
        ]

    def status(self) -> Entry | None:
        files = {str(p): text for p in (self.service, self.timer) if (text := _read(p)) is not None}
        if not files:
            return None
        enabled = self.commands.run(["systemctl", "--user", "is-enabled", self.timer.name])
        active = self.commands.run(["systemctl", "--user", "is-active", self.timer.name])
        words = [enabled.stdout.strip(), active.stdout.strip()]
        state = ", ".join(w for w in words if w) or "unknown (systemctl --user did not answer)"
        return Entry(self.name, files, state=state)

    def remove(self) -> list[Action]:
        if not (self.service.exists() or self.timer.exists()):
            return []
        # Without a running user manager there is nothing to stop: the files go all the same.
        return [
            self._systemctl("disable", "--now", self.timer.name, may_fail=True),
            _delete(self.timer),
            _delete(self.service),
            self._systemctl("daemon-reload", may_fail=True),
        ]


class Cron:
    name = "cron"
    title = "a crontab line"

    def __init__(self, commands: Commands, crontab: Sequence[str] = ("crontab",)) -> None:
        self.commands = commands
        self.crontab = list(crontab)
        self.missing = False  # no crontab command, as found by the last read

    def read(self, *, missing_ok: bool = False) -> str:
        """The crontab as it is; empty when there is none (or, with `missing_ok`, no crontab command)."""
        argv = [*self.crontab, "-l"]
        done = self.commands.run(argv)
        self.missing = done.returncode == 127
        if done.returncode != 0 and ("no crontab" in done.stderr.lower() or (missing_ok and self.missing)):
            return ""
        return _check(argv, done).stdout

    def _store(self, text: str) -> Callable[[], None]:
        argv = [*self.crontab, "-"]

        def do() -> None:
            _check(argv, self.commands.run(argv, input=text))

        return do

    def install(self, timing: Timing, job: Job) -> list[Action]:
        line = crontab_line(timing, job)
        # Without a crontab command a dry run still shows the line; the install itself then fails on it.
        existing = self.read(missing_ok=True)
        verb = "replace the optout line of the crontab with" if any(map(_is_ours, existing.splitlines())) else "add"
        where = f"{shown(self.crontab)} -" + (f"; {self.crontab[0]} is not installed here" if self.missing else "")
        return [
            _log_folder(job),
            Action(
                f"{verb} this crontab line ({where})",
                line,
                self._store(merge_crontab(existing, line)),
                undo=self._store(existing) if not self.missing else None,
            ),
        ]

    def status(self) -> Entry | None:
        lines = [row for row in self.read(missing_ok=True).splitlines() if _is_ours(row)]
        return Entry(self.name, crontab_lines=lines) if lines else None

    def remove(self) -> list[Action]:
        existing = self.read(missing_ok=True)
        lines = [row for row in existing.splitlines() if _is_ours(row)]
        if not lines:
            return []
        say = f"remove this crontab line ({shown(self.crontab)} -)"
        return [Action(say, "\n".join(lines), self._store(merge_crontab(existing, None)))]


class Launchd:
    name = "launchd"
    title = "a launchd agent"

    def __init__(self, commands: Commands, agents_dir: Path, uid: int) -> None:
        self.commands = commands
        self.plist = agents_dir / f"{LAUNCHD_LABEL}.plist"
        self.domain = f"gui/{uid}"

    def install(self, timing: Timing, job: Job) -> list[Action]:
        text = launchd_plist(timing, job)
        return [
            _log_folder(job),
            # An agent loaded before keeps its old definition until it is booted out.
            _run(self.commands, ["launchctl", "bootout", f"{self.domain}/{LAUNCHD_LABEL}"], may_fail=True),
            _write(self.plist, text),
            _run(self.commands, ["launchctl", "bootstrap", self.domain, str(self.plist)]),
        ]

    def status(self) -> Entry | None:
        text = _read(self.plist)
        if text is None:
            return None
        loaded = self.commands.run(["launchctl", "print", f"{self.domain}/{LAUNCHD_LABEL}"]).returncode == 0
        return Entry(self.name, {str(self.plist): text}, state="loaded" if loaded else "not loaded")

    def remove(self) -> list[Action]:
        if not self.plist.exists():
            return []
        return [
            _run(self.commands, ["launchctl", "bootout", f"{self.domain}/{LAUNCHD_LABEL}"], may_fail=True),
            _delete(self.plist),
        ]


class TaskScheduler:
    name = "schtasks"
    title = "a Task Scheduler task"

    def __init__(self, commands: Commands, script: Path) -> None:
        self.commands = commands
        self.script = script

    def install(self, timing: Timing, job: Job) -> list[Action]:
        argv = schtasks_create(timing, str(self.script))
        return [_log_folder(job), _write(self.script, windows_script(job)), _run(self.commands, argv)]

    def status(self) -> Entry | None:
        query = self.commands.run(["schtasks", "/Query", "/TN", NAME, "/FO", "LIST"])
        text = _read(self.script)
        if query.returncode != 0 and text is None:
            return None
        files = {str(self.script): text} if text is not None else {}
        return Entry(self.name, files, state=query.stdout.strip() if query.returncode == 0 else "no task")

    def remove(self) -> list[Action]:
        found = self.commands.run(["schtasks", "/Query", "/TN", NAME]).returncode == 0
        actions = [_run(self.commands, ["schtasks", "/Delete", "/TN", NAME, "/F"])] if found else []
        return actions + ([_delete(self.script)] if self.script.exists() else [])


# -- which scheduler ---------------------------------------------------------------------------------


def systemd_runs(commands: Commands, booted: Path = Path("/run/systemd/system")) -> bool:
    """systemd is the init system, and this user's manager answers."""
    return booted.is_dir() and commands.run(["systemctl", "--user", "show-environment"]).returncode == 0


@dataclass(frozen=True)
class Machine:
    """What decides the scheduler: the OS, the commands seam, and where per-user files live."""

    platform: str  # sys.platform
    commands: Commands
    where: Home
    environ: Mapping[str, str]
    systemd_booted: Path = Path("/run/systemd/system")
    crontab: tuple[str, ...] = ("crontab",)

    def make(self, name: str) -> Scheduler:
        home = Path(self.environ.get("HOME") or Path.home())
        if name == "systemd":
            return Systemd(self.commands, systemd_user_dir(self.environ))
        if name == "cron":
            return Cron(self.commands, self.crontab)
        if name == "launchd":
            return Launchd(self.commands, home / "Library" / "LaunchAgents", getattr(os, "getuid", lambda: 0)())
        return TaskScheduler(self.commands, self.where.data_dir / "recheck.cmd")

    def native(self) -> list[str]:
        """The schedulers of this OS, first the one `auto` prefers."""
        if self.platform == "darwin":
            return ["launchd"]
        if self.platform == "win32":
            return ["schtasks"]
        return ["systemd", "cron"]

    def choose(self, requested: str = "auto") -> Scheduler:
        if requested != "auto":
            if requested not in SCHEDULERS:
                raise ScheduleError(f"--scheduler {requested!r}: use auto, {', '.join(SCHEDULERS)}")
            return self.make(requested)
        names = self.native()
        if names[0] == "systemd" and not systemd_runs(self.commands, self.systemd_booted):
            return self.make("cron")
        return self.make(names[0])

    def installed(self) -> list[Scheduler]:
        """Every scheduler of this OS (status and remove look at all of them, whatever install chose)."""
        return [self.make(name) for name in self.native()]


def install_plan(machine: Machine, chosen: Scheduler, timing: Timing, job: Job) -> list[Action]:
    """Install with `chosen`, then remove optout's entry from this OS's other schedulers: one entry runs,
    and an install that fails leaves the others as they were."""
    others = [a for s in machine.installed() if s.name != chosen.name for a in s.remove()]
    return chosen.install(timing, job) + others


def remove_plan(machine: Machine) -> list[Action]:
    return [a for s in machine.installed() for a in s.remove()]


def this_machine(where: Home) -> Machine:
    return Machine(sys.platform, SystemCommands(), where, os.environ)
