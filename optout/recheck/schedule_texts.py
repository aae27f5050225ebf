"""What a scheduled re-check runs (the command, the environment that selects the keyring and the home)
and the texts each scheduler reads: a systemd unit and timer, a crontab line, a launchd plist, a batch
file for Task Scheduler. Pure functions of their inputs, tested as such."""

from __future__ import annotations

import os
import plistlib
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

from optout.paths import Home
from optout.recheck.timing import WEEKLY_DAY, ScheduleError, Timing, cron_time, on_calendar, simple_only

# What decides which home, keyring, browser and flows a run uses. XDG_* decide where the default home and
# keyring's own config and file backends live, so a person who set them gets the same ones when scheduled.
ENV_VARS = (
    "OPTOUT_HOME",
    "PYTHON_KEYRING_BACKEND",
    "KEYRING_CRYPTFILE_PATH",
    "OPTOUT_BROWSER",
    "OPTOUT_FLOWS_DIR",
    "OPTOUT_BROWSER_WS",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
)


# keyring sets each KEYRING_PROPERTY_NAME=value on the backend it loads (KEYRING_PROPERTY_FILE_PATH: where
# a file backend keeps its entries); carried too, in name order, after ENV_VARS.
KEYRING_PROPERTY = "KEYRING_PROPERTY_"


# A property that is a secret (KEYRING_PROPERTY_KEYRING_KEY is the encrypted file's master password) is
# never written into a scheduler's entry, which is a readable file printed by install and status.
SECRET_WORDS = frozenset({"KEY", "PASS", "PASSWORD", "PASSPHRASE", "SECRET", "TOKEN", "CREDENTIAL", "CREDENTIALS"})


PATH_VARS = frozenset(
    {
        "OPTOUT_HOME",
        "OPTOUT_BROWSER",
        "OPTOUT_FLOWS_DIR",
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "KEYRING_CRYPTFILE_PATH",
        "KEYRING_PROPERTY_FILE_PATH",
    }
)


NAME = "optout-recheck"  # systemd unit, crontab tag, Task Scheduler task


CRON_TAG = f"# {NAME}"


LAUNCHD_LABEL = "org.optout.recheck"


LOG_NAME = "recheck.log"


RANDOM_DELAY = "2min"  # Spreads many machines' starts a little, without moving a run far from its time.


SCHEDULERS = ("systemd", "cron", "launchd", "schtasks")


class SchedulerFailed(RuntimeError):
    """A scheduler command failed or is missing: one line, with what it said."""


@dataclass(frozen=True)
class Job:
    """The command a scheduler runs, the environment it needs, and the log its output is appended to."""

    command: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    log: str


def carried(environ: Mapping[str, str]) -> list[str]:
    """The names of the variables a scheduled job takes from `environ`: ENV_VARS, then keyring's
    properties (not the secret ones), each only when set."""
    properties = sorted(name for name in environ if name.startswith(KEYRING_PROPERTY) and not secret_property(name))
    return [name for name in (*ENV_VARS, *properties) if environ.get(name)]


def secret_property(name: str) -> bool:
    """KEYRING_PROPERTY_KEYRING_KEY, say (word by word: KEYRING_PROPERTY_KEYCHAIN is a path, not a key)."""
    words = name.removeprefix(KEYRING_PROPERTY).upper().split("_")
    return name.startswith(KEYRING_PROPERTY) and not SECRET_WORDS.isdisjoint(words)


def secrets_left_out(environ: Mapping[str, str] | None = None) -> list[str]:
    """The keyring properties set here that a scheduled job does not get, being secrets."""
    environ = os.environ if environ is None else environ
    return sorted(name for name in environ if secret_property(name) and environ[name])


def current_job(where: Home, environ: Mapping[str, str] | None = None, python: str | None = None) -> Job:
    """`python -m optout recheck` with this process's optout and keyring variables, relative paths made
    absolute."""
    environ = os.environ if environ is None else environ
    env = []
    for name in carried(environ):
        value = environ[name]
        env.append((name, str(Path(value).expanduser().absolute()) if name in PATH_VARS else value))
    job = Job((python or sys.executable, "-m", "optout", "recheck"), tuple(env), str(where.data_dir / LOG_NAME))
    for text in (*job.command, *(v for _, v in job.env), job.log):
        if any(ord(c) < 32 or ord(c) == 127 for c in text):
            raise ScheduleError(f"{text!r} holds a line break or control character; a scheduler entry cannot carry it")
    return job


def _systemd_quote(text: str) -> str:
    """One word of a unit file: double-quoted, C escapes, `%` specifiers and `$` expansion made literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    return f'"{escaped}"'


def systemd_service(job: Job) -> str:
    lines = [
        "[Unit]",
        "Description=optout: re-check the AI-training settings of your accounts",
        "",
        "[Service]",
        "Type=oneshot",
        # Stopping the unit sends SIGTERM to optout alone, which records what each setting in flight got
        # to and closes its browser; what is left once it exits is killed. By default every process would
        # get SIGTERM at once, and the browser could close before optout recorded anything.
        "KillMode=mixed",
        *(f"Environment={_systemd_quote(f'{k}={v}')}" for k, v in job.env),
        # `$` in ExecStart= is systemd's variable expansion even inside quotes; `$$` is a literal one.
        "ExecStart=" + " ".join(_systemd_quote(word).replace("$", "$$") for word in job.command),
        "StandardOutput=append:" + job.log.replace("%", "%%"),
        "StandardError=append:" + job.log.replace("%", "%%"),
    ]
    return "\n".join(lines) + "\n"


def systemd_timer(timing: Timing) -> str:
    lines = [
        "[Unit]",
        f"Description=optout: re-check {timing.describe()}",
        "",
        "[Timer]",
        f"OnCalendar={on_calendar(timing)}",
        # A run missed while the machine was off happens at the next boot.
        "Persistent=true",
        f"RandomizedDelaySec={RANDOM_DELAY}",
        "",
        "[Install]",
        "WantedBy=timers.target",
    ]
    return "\n".join(lines) + "\n"


def _cron_quote(text: str) -> str:
    """One sh word inside a crontab line. cron turns an unescaped `%` into a line break before sh sees the
    command and drops the backslash of `\\%`; so `%` is written `\\%` outside sh's quotes, `'` as `\\'`."""
    parts: list[str] = []
    run = ""
    for char in text:
        if char in "%'":
            if run:
                parts.append(f"'{run}'")
                run = ""
            parts.append("\\" + char)
        else:
            run += char
    if run or not parts:
        parts.append(f"'{run}'")
    return "".join(parts)


def crontab_line(timing: Timing, job: Job) -> str:
    env = " ".join(f"{k}={_cron_quote(v)}" for k, v in job.env)
    command = " ".join(_cron_quote(word) for word in job.command)
    run = f"{env} {command}" if env else command
    return f"{cron_time(timing)} {run} >>{_cron_quote(job.log)} 2>&1 {CRON_TAG}"


def merge_crontab(existing: str, line: str | None) -> str:
    """The crontab with every optout line dropped and `line` (when given) added; other lines byte for byte."""
    kept = [row for row in existing.splitlines(keepends=True) if not _is_ours(row)]
    if kept and not kept[-1].endswith("\n"):
        kept[-1] += "\n"  # cron needs the last line ended
    if line is not None:
        kept.append(line + "\n")
    return "".join(kept)


def _is_ours(row: str) -> bool:
    return row.rstrip("\r\n").endswith(CRON_TAG)


def launchd_plist(timing: Timing, job: Job) -> bytes:
    simple_only(timing, "launchd")
    interval: dict[str, int] = {"Hour": timing.hour, "Minute": timing.minute}
    if timing.every == "weekly":
        interval["Weekday"] = WEEKLY_DAY
    agent: dict[str, object] = {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": list(job.command),
        "EnvironmentVariables": dict(job.env),
        "StartCalendarInterval": interval,
        "StandardOutPath": job.log,
        "StandardErrorPath": job.log,
        "RunAtLoad": False,
        "ProcessType": "Background",
    }
    return plistlib.dumps(agent, fmt=plistlib.FMT_XML, sort_keys=False)


def _batch_quote(text: str) -> str:
    # Inside double quotes cmd takes & | < > ^ literally; only % (a variable) must be doubled in a batch file.
    if '"' in text:
        raise ScheduleError(f"{text!r} holds a double quote, which a Windows batch file cannot carry")
    return text.replace("%", "%%")


def windows_script(job: Job) -> str:
    """The batch file the task runs: schtasks /TR holds at most 261 characters and no environment."""
    lines = [
        "@echo off",
        f"rem {NAME}: written by 'optout schedule install'; removed by 'optout schedule remove'.",
        *(f'set "{k}={_batch_quote(v)}"' for k, v in job.env),
        " ".join(f'"{_batch_quote(w)}"' for w in job.command) + f' >> "{_batch_quote(job.log)}" 2>&1',
    ]
    return "\r\n".join(lines) + "\r\n"


def windows_script_path(job: Job) -> str:
    return str(PureWindowsPath(job.log).with_name("recheck.cmd"))


def schtasks_create(timing: Timing, script: str) -> list[str]:
    simple_only(timing, "Task Scheduler")
    when = ["/SC", "DAILY"] if timing.every == "daily" else ["/SC", "WEEKLY", "/D", "SUN"]
    return ["schtasks", "/Create", *when, "/TN", NAME, "/TR", f'"{script}"', "/ST", timing.at, "/F"]
