"""The `optout` command line."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import getpass
import json
import math
import os
import shlex
import sys
import textwrap
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text

from optout import __version__, accounts, keyrings, signing, totp
from optout import verify as verification
from optout.browser import BrowserNotFound, display_available, no_display_message
from optout.cli_help import ClickException, is_no_args_help, one_line, plain_parameter_help
from optout.engine import Mode, Options
from optout.evidence import NO_SPACE, RunEvidence, describe_write_error
from optout.flow import Flow, FlowError, load_flow
from optout.history import History, HistoryError
from optout.mapping import OriginSpec, OriginSpecError, TrafficMap, build_traffic_map
from optout.paths import home
from optout.registry import flow_files, load_all
from optout.report import (
    ConsoleReporter,
    Rerun,
    ResultWords,
    command,
    print_fields,
    print_rows,
    print_summary,
    print_unbroken,
    shown,
)
from optout.results import ExitCode, Result, exit_code
from optout.schedule import (
    Action,
    SchedulerFailed,
    carry_out,
    current_job,
    install_plan,
    remove_plan,
    secrets_left_out,
    this_machine,
)
from optout.schedule_timing import DEFAULT_AT, ScheduleError, parse_timing
from optout.sessions import SessionStore
from optout.signing import Signer

if TYPE_CHECKING:
    from optout.runner import AccountTarget, Runner

plain_parameter_help()

MASTER_PASSWORD_EXIT = "3 the keyring's master password was wrong 3 times"
ACCOUNTS_EXIT = f"Exit status: 0 done; 2 usage or configuration error (one line on stderr); {MASTER_PASSWORD_EXIT}."

app = typer.Typer(
    name="optout",
    help=(
        "Check and switch off the 'use my data to train generative AI' settings in your own accounts, "
        "keeping screenshot evidence of what was seen and done.\n\n"
        "Try it without an account: optout demo. See whether this machine is ready: optout doctor."
    ),
    epilog=(
        "Environment: OPTOUT_HOME=DIR keeps optout's config and state under DIR; OPTOUT_BROWSER=PATH picks "
        "the browser; OPTOUT_FLOWS_DIR=DIR reads flow files from DIR; PYTHON_KEYRING_BACKEND picks the "
        "keyring backend (see README, 'Passwords and keyrings')."
    ),
    no_args_is_help=True,
    add_completion=False,
    # Never print locals in a traceback: they could hold a password.
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
flows_app = typer.Typer(
    help="Inspect the flow files that describe each platform.",
    epilog="Exit status: 0 every file is valid; 2 a file is not (one line naming it).",
    no_args_is_help=True,
)
accounts_app = typer.Typer(
    help="Manage the accounts optout signs in to (passwords go to the keyring).",
    epilog=ACCOUNTS_EXIT,
    no_args_is_help=True,
)
app.add_typer(flows_app, name="flows")
schedule_app = typer.Typer(
    help="Run 'optout recheck' unattended: a systemd user timer or a crontab line (Linux), a launchd agent "
    "(macOS), a Task Scheduler task (Windows).",
    epilog="Exit status: 0 done; 1 (status) nothing is installed; 2 usage error; 3 the scheduler failed.",
    no_args_is_help=True,
)
app.add_typer(accounts_app, name="accounts")
app.add_typer(schedule_app, name="schedule")

err = Console(stderr=True, highlight=False)

EXIT_HELP = (
    "Exit status: 0 every setting is off; 1 a setting is still on; 2 usage or configuration error; "
    "3 a run failed, stopped or needs your attention."
)
TIMEOUT_RANGE = (1.0, 600.0)
SLOW_MO_RANGE = (0.0, 10_000.0)


def _out() -> Console:
    return Console(highlight=False)


class _Stopped(typer.Exit):
    """A command stopped with one line (usage_error): the line, for a caller that must pass it on."""

    def __init__(self, message: str, code: ExitCode) -> None:
        super().__init__(code)
        self.message = message


def usage_error(message: str, code: ExitCode = ExitCode.USAGE) -> NoReturn:
    err.print(f"optout: error: {message}", markup=False, soft_wrap=True)
    raise _Stopped(message, code)


def _flows() -> dict[str, Flow]:
    try:
        return load_all()
    except FlowError as exc:
        usage_error(str(exc))


def _json_out(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _keyring(*, unlock: bool) -> keyrings.KeyringChoice:
    """The keyring to use, refused with one line when there is none optout may use. `unlock` asks an
    encrypted file keyring for its master password now, before anything else is asked or shown."""
    try:
        found = accounts.usable_keyring()
        if unlock:
            keyrings.unlock(found)
    except keyrings.WrongMasterPassword as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    except accounts.KeyringUnavailable as exc:
        usage_error(str(exc))
    return found


def _keyring_problem() -> str | None:
    """Why the keyring cannot be used in this environment (none, or no terminal to unlock it), or None.
    An encrypted one is unlocked here; a wrong master password is refused, as the person is there."""
    try:
        found = accounts.usable_keyring()
    except accounts.KeyringUnavailable as exc:
        return str(exc)
    try:
        keyrings.unlock(found)
    except keyrings.NoTerminal as exc:
        return str(exc)
    except keyrings.WrongMasterPassword as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    except accounts.KeyringUnavailable as exc:
        usage_error(str(exc))
    return None


# -- platforms and flows ------------------------------------------------------------------------


@app.command(epilog="Exit status: 0 listed; 2 a flow file cannot be read (one line naming it).")
def platforms(json_: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False) -> None:
    """List the platforms optout knows and the settings it handles on each."""
    flows = _flows()
    if json_:
        _json_out(
            [
                {
                    "platform": f.platform,
                    "name": f.name,
                    "flow_version": f.version,
                    "unverified": f.unverified,
                    "settings": [
                        {"id": s.id, "title": s.title.by_locale["en"][0], "url": s.url, "unverified": s.unverified}
                        for s in f.settings
                    ],
                }
                for f in flows.values()
            ]
        )
        return
    out = _out()
    rows = [[f.platform, f.name, s.title.by_locale["en"][0], s.url] for f in flows.values() for s in f.settings]
    print_rows(out, ["Platform", "Name", "Setting", "URL"], rows, heading=2)
    # What the flows rest on but no public source confirms: people should know before trusting a run.
    for f in flows.values():
        notes = list(dict.fromkeys([*f.unverified, *(n for s in f.settings for n in s.unverified)]))
        if notes:
            out.print(Text(f"\n{f.name}: not confirmed by public sources (marked [unverified] in the flow):"))
            for note in notes:
                out.print(Text(textwrap.fill(note, out.width, initial_indent="  - ", subsequent_indent="    ")))


@flows_app.command(
    "validate", epilog="Exit status: 0 every file is valid; 2 a file is not, or cannot be read (one line naming it)."
)
def flows_validate(
    files: Annotated[
        list[Path] | None,
        typer.Argument(metavar="FILE", help="Flow files to check (default: every bundled flow).", show_default=False),
    ] = None,
) -> None:
    """Validate flow files against the flow model; exit 2 at the first broken one."""
    try:
        paths = files or flow_files()
    except FlowError as exc:
        usage_error(str(exc))
    for path in paths:
        try:
            flow = load_flow(path)
        except FlowError as exc:
            usage_error(str(exc))
        err.print(f"ok  {path}  ({flow.name}, version {flow.version}, {len(flow.settings)} setting(s))", markup=False)


# -- accounts ---------------------------------------------------------------------------------

PlatformArg = Annotated[
    str, typer.Argument(metavar="PLATFORM", help="Platform id, as listed by 'optout platforms'.", show_default=False)
]
UsernameArg = Annotated[
    str, typer.Argument(metavar="USERNAME", help="The e-mail or user name you sign in with.", show_default=False)
]


@accounts_app.command(
    "add",
    epilog="Exit status: 0 stored; 2 usage or configuration error (an unknown platform, a refused username, no "
    f"usable keyring, no password; one line on stderr); {MASTER_PASSWORD_EXIT}.",
)
def accounts_add(
    platform: PlatformArg,
    username: UsernameArg,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from the first line of standard input instead of prompting."
        ),
    ] = False,
    locale: Annotated[
        str | None, typer.Option(metavar="LANG", help="Browser language for this account: fr, or fr-FR.")
    ] = None,
    totp_secret_stdin: Annotated[
        bool,
        typer.Option(
            "--totp-secret-stdin",
            help="Also read an authenticator-app secret (base32, or an otpauth://totp/ URI) from standard input: "
            "the line after the password with --password-stdin, else the first line.",
        ),
    ] = False,
    mapped: Annotated[
        bool,
        typer.Option(
            "--mapped",
            help="Store the password (and secret) that runs with --origin use (the sandbox, a local server), in "
            "keyring entries of their own: a run with --origin never reads the real account's, a run without "
            "it never reads these.",
        ),
    ] = False,
) -> None:
    """Store an account: the password (and an authenticator secret, if given) in the system keyring, the
    account (no secret) in the config file. Adding an account again updates its password and language."""
    if platform not in _flows():
        usage_error(f"unknown platform {platform!r} (see: optout platforms)")
    try:
        account = accounts.Account(platform=platform, username=username, locale=locale)
    except ValidationError as exc:
        usage_error(accounts.problem(exc))
    # Everything that can fail is checked before the password is asked for or stored.
    where = home()
    try:
        config = accounts.load_config(where)
        accounts.service(where)
        where.config_dir.mkdir(parents=True, exist_ok=True)
    except accounts.ConfigError as exc:
        usage_error(str(exc))
    except OSError as exc:
        usage_error(f"cannot use {where.config_dir}: {exc.strerror}")
    if not password_stdin:
        _refuse_prompt_without_terminal(stdin_taken=totp_secret_stdin)
    found = _keyring(unlock=True)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {username} on {platform}: ")
    if not password:
        usage_error("empty password")
    secret: str | None = None
    if totp_secret_stdin:
        try:
            secret = totp.parse_secret(sys.stdin.readline())
        except totp.BadSecret as exc:
            usage_error(str(exc))
    try:
        accounts.store_password(platform, username, password, where, mapped=mapped)
        if secret is not None:
            accounts.store_totp_secret(platform, username, secret, where, mapped=mapped)
    except accounts.KeyringUnavailable as exc:
        usage_error(str(exc))
    existing = config.find(platform, username)
    config.accounts = [a for a in config.accounts if a is not existing]
    config.accounts.append(account)
    try:
        accounts.save_config(where, config)
    except OSError as exc:
        if existing is None:
            accounts.delete_password(platform, username, where, mapped=mapped)
            accounts.delete_totp_secret(platform, username, where, mapped=mapped)
        usage_error(f"cannot write {where.config_file}: {exc.strerror}")
    if where.history_file.exists():
        _release_holds([account], mapped=mapped)  # a new password may be tried again by a re-check
    verb = "Updated" if existing else "Added"
    stored = "password and authenticator secret" if secret is not None else "password"
    if mapped:
        stored += " for runs with --origin"
    err.print(
        f"{verb} {platform} account {username}; {stored} stored in {found.describe()}.", markup=False, soft_wrap=True
    )


def _refuse_prompt_without_terminal(*, stdin_taken: bool) -> None:
    """The password is asked on the terminal. Without one, getpass would read standard input with a
    warning; with data piped in (and not asked for), that data would be ignored or taken for the password.
    Either way a person meant --password-stdin."""
    if not stdin_taken and not sys.stdin.isatty():
        usage_error(
            "standard input is not a terminal, and the password is asked on one: "
            "to read it from standard input, add --password-stdin"
        )
    if os.name == "posix" and not keyrings.has_terminal():
        usage_error("there is no terminal to ask for the password on: give it on standard input with --password-stdin")


def _password_column(config: accounts.Config) -> dict[tuple[str, str], bool | None]:
    """Whether each account has a password in the keyring; None when that cannot be told (no usable
    keyring, or one whose master password cannot be asked here)."""
    unknown: dict[tuple[str, str], bool | None] = {(a.platform, a.username): None for a in config.accounts}
    try:
        keyrings.unlock(accounts.usable_keyring())
    except keyrings.WrongMasterPassword as exc:
        usage_error(str(exc), ExitCode.PROBLEM)  # the person is there: a wrong password is not "unknown"
    except accounts.KeyringUnavailable:
        return unknown
    return {(a.platform, a.username): accounts.has_password(a.platform, a.username) for a in config.accounts}


def _totp_column(config: accounts.Config) -> dict[tuple[str, str], bool | None]:
    """Whether each account has an authenticator secret in the keyring; None when that cannot be told."""
    try:
        keyrings.unlock(accounts.usable_keyring())
    except keyrings.WrongMasterPassword as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    except accounts.KeyringUnavailable:
        return {(a.platform, a.username): None for a in config.accounts}
    return {(a.platform, a.username): accounts.has_totp_secret(a.platform, a.username) for a in config.accounts}


@accounts_app.command(
    "list",
    epilog="Exit status: 0 listed (none is fine); 2 the config cannot be read or the keyring cannot be used; "
    f"{MASTER_PASSWORD_EXIT}.",
)
def accounts_list(json_: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False) -> None:
    """List configured accounts, and whether the keyring holds a password for each (never the password)."""
    try:
        config = accounts.load_config(home())
    except accounts.ConfigError as exc:
        usage_error(str(exc))
    stored = _password_column(config)
    otp = _totp_column(config)
    if json_:
        _json_out(
            [
                {
                    **a.model_dump(),
                    "password_stored": stored[a.platform, a.username],
                    "totp_stored": otp[a.platform, a.username],
                }
                for a in config.accounts
            ]
        )
        return
    if not config.accounts:
        err.print("No accounts. Add one with: optout accounts add PLATFORM USERNAME")
        return
    words = {True: "stored", False: "missing", None: "unknown (no usable keyring)"}
    totp_words = {True: "stored", False: "none", None: "unknown"}
    rows = [
        [
            a.platform,
            a.username,
            a.locale or "",
            words[stored[a.platform, a.username]],
            totp_words[otp[a.platform, a.username]],
        ]
        for a in config.accounts
    ]
    print_rows(_out(), ["Platform", "Account", "Language", "Password", "Authenticator"], rows, heading=2)


@accounts_app.command(
    "remove",
    epilog="Exit status: 0 removed; 2 no such account, or the config or the keyring cannot be used; "
    f"{MASTER_PASSWORD_EXIT}.",
)
def accounts_remove(platform: PlatformArg, username: UsernameArg) -> None:
    """Forget an account: its keyring entries (those for runs with --origin too) and saved sessions."""
    where = home()
    try:
        config = accounts.load_config(where)
    except accounts.ConfigError as exc:
        usage_error(str(exc))
    account = config.find(platform, username)
    if account is None:
        usage_error(f"no {platform} account {username!r} is configured")
    _keyring(unlock=True)
    try:
        for mapped in (False, True):
            accounts.delete_password(platform, username, where, mapped=mapped)
            accounts.delete_totp_secret(platform, username, where, mapped=mapped)
    except (accounts.KeyringUnavailable, accounts.ConfigError) as exc:
        usage_error(str(exc))
    config.accounts.remove(account)
    accounts.save_config(where, config)
    gone = [p for m in (False, True) if (p := SessionStore(where, mapped=m).delete(platform, username))]
    also = f"; deleted its saved session {', '.join(shown(p) for p in gone)}" if gone else ""
    err.print(f"Removed {platform} account {username} and its keyring entry{also}.", markup=False, soft_wrap=True)


# -- schedule -----------------------------------------------------------------------------------

DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Print what would be done; change nothing.")]


def _perform(actions: list[Action], dry_run: bool) -> None:
    """Each step printed with the full text it writes; done unless `dry_run`. Stops at the first failure,
    after undoing what the steps before it did (see carry_out)."""
    out = _out()
    out.print("Dry run: nothing is changed. Would:" if dry_run else "Done:", markup=False)

    def said(action: Action) -> None:
        out.print(f"- {action.say}", markup=False, soft_wrap=True)
        if action.body is not None:
            # Verbatim, unwrapped: what was written, exactly.
            sys.stdout.write(action.body if action.body.endswith("\n") else action.body + "\n")
            sys.stdout.flush()

    if dry_run:
        for action in actions:
            said(action)
        return
    try:
        carry_out(actions, said)
    except SchedulerFailed as exc:
        usage_error(str(exc), ExitCode.PROBLEM)


@schedule_app.command(
    "install",
    epilog="Exit status: 0 installed (with --dry-run: shown); 2 usage error (a timing or scheduler that cannot be "
    "used here); 3 the scheduler failed (what was done before is printed).",
)
def schedule_install(
    every: Annotated[
        str,
        typer.Option(
            "--every",
            metavar="daily|weekly|CRON",
            help="daily, weekly (Sundays), or a 5-field cron expression such as '30 6 * * 1-5' (systemd and cron).",
        ),
    ] = "daily",
    at: Annotated[
        str | None, typer.Option("--at", metavar="HH:MM", help=f"Local time for daily/weekly (default {DEFAULT_AT}).")
    ] = None,
    scheduler: Annotated[
        str,
        typer.Option(
            "--scheduler",
            metavar="NAME",
            help="auto (default), or systemd, cron, launchd, schtasks; cron on Linux takes any cron expression.",
        ),
    ] = "auto",
    dry_run: DryRunOpt = False,
) -> None:
    """Install (or replace) the scheduled 'optout recheck' and print exactly what was installed."""
    where = home()
    machine = this_machine(where)
    try:
        timing = parse_timing(every, at)
        job = current_job(where)
        chosen = machine.choose(scheduler)
        actions = install_plan(machine, chosen, timing, job)
    except ScheduleError as exc:
        usage_error(str(exc))
    except SchedulerFailed as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    _perform(actions, dry_run)
    _out().print(
        f"{'Would run' if dry_run else 'Runs'} {shlex.join(job.command)} {timing.describe()} (local time) "
        f"through {chosen.title}; its output is appended to {job.log}. Remove with: optout schedule remove",
        markup=False,
        soft_wrap=True,
    )
    for name in secrets_left_out():
        err.print(
            f"optout: {name} is not given to the scheduled job: a secret would be written in the clear into its entry",
            markup=False,
            soft_wrap=True,
        )


@schedule_app.command(
    "status", epilog="Exit status: 0 a schedule is installed; 1 none is; 3 the scheduler cannot be asked."
)
def schedule_status(json_: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False) -> None:
    """Show the installed schedule: the files and their full text, or the crontab line. Exit 1 when none."""
    where = home()
    try:
        entries = [e for s in this_machine(where).installed() if (e := s.status()) is not None]
    except SchedulerFailed as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    log = where.data_dir / "recheck.log"
    if json_:
        _json_out(
            {
                "installed": bool(entries),
                "entries": [
                    {"scheduler": e.scheduler, "files": e.files, "crontab_lines": e.crontab_lines, "state": e.state}
                    for e in entries
                ],
                "log": str(log),
            }
        )
    else:
        out = _out()
        if not entries:
            out.print("No optout schedule is installed. Install one with: optout schedule install", markup=False)
        for entry in entries:
            out.print(f"{entry.scheduler}" + (f" ({entry.state})" if entry.state else "") + ":", markup=False)
            for path, text in entry.files.items():
                out.print(f"- {path}", markup=False, soft_wrap=True)
                sys.stdout.write(text if text.endswith("\n") else text + "\n")
                sys.stdout.flush()
            for line in entry.crontab_lines:
                out.print("- crontab line", markup=False)
                sys.stdout.write(line + "\n")
                sys.stdout.flush()
        written = "not written yet" if not log.exists() else f"{log.stat().st_size} bytes"
        out.print(f"Log: {log} ({written})", markup=False, soft_wrap=True)
    raise typer.Exit(ExitCode.OK if entries else ExitCode.SETTING_ON)


@schedule_app.command("remove", epilog="Exit status: 0 removed (or nothing was installed); 3 the scheduler failed.")
def schedule_remove(dry_run: DryRunOpt = False) -> None:
    """Remove the scheduled 'optout recheck' from every scheduler of this system, printing what goes."""
    try:
        actions = remove_plan(this_machine(home()))
    except SchedulerFailed as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    if not actions:
        _out().print("No optout schedule is installed: nothing to remove.", markup=False)
        return
    _perform(actions, dry_run)


# -- check / off --------------------------------------------------------------------------------

PlatformsArg = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="PLATFORM",
        help="Platforms to run (default: every platform with a configured account).",
        show_default=False,
    ),
]
AccountOpt = Annotated[str | None, typer.Option("--account", metavar="USERNAME", help="Only this account.")]
OriginOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--origin",
        metavar="PLATFORM=URL",
        help="Serve every request to PLATFORM's real origins from URL (plain HTTP on this machine, optional path "
        "prefix, no user:password@); the address bar keeps the real URL. While any mapping is active, other "
        "non-local hosts are blocked. Such a mapped run uses only the password stored with accounts add --mapped "
        "and sessions of its own, and never counts for the real account (history, drift, holds). Repeatable.",
    ),
]
ProfileOpt = Annotated[
    Path | None,
    typer.Option(
        "--browser-profile",
        metavar="DIR",
        help="Run in this persistent Chromium profile (yours, or one optout login --browser-profile filled); "
        "its own session is used, no saved-session file. One account per run; not while a browser has it open.",
    ),
]
CdpOpt = Annotated[
    str | None,
    typer.Option(
        "--cdp",
        metavar="URL",
        help="Attach to a Chromium you started with a remote-debugging port on this machine "
        "(http://127.0.0.1:PORT) and signed in to: optout opens its own tab, closes only that, and never types "
        "a password there. One account per run.",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print only a JSON array of results on stdout.")]
OutOpt = Annotated[
    Path,
    typer.Option("--out", metavar="DIR", help="Where evidence runs are written (relative to the current directory)."),
]
HeadedOpt = Annotated[
    bool,
    typer.Option(
        "--headed",
        help="Show the browser window (needs a display). On a terminal you can then complete a PIN, app "
        "approval or CAPTCHA yourself.",
    ),
]
SlowMoOpt = Annotated[
    float,
    typer.Option("--slow-mo", metavar="MS", help="Slow every browser action down by MS milliseconds (0 to 10000)."),
]
MaskPiiOpt = Annotated[
    bool,
    typer.Option(
        "--mask-pii",
        help="Save only screenshots with the account's name, photo and e-mail masked (by default each "
        "screenshot is saved twice: as shown, and masked for sharing).",
    ),
]
TimeoutOpt = Annotated[
    float,
    typer.Option("--timeout", metavar="SECONDS", help="How long to wait for any one page or control (1 to 600)."),
]


def _bounded(name: str, value: float, bounds: tuple[float, float], unit: str) -> None:
    low, high = bounds
    # NaN fails every comparison, so it fails this one too.
    if not (math.isfinite(value) and low <= value <= high):
        usage_error(f"{name} must be a number of {unit} from {low:g} to {high:g}, not {value:g}")


def _browser_options(headed: bool, slow_mo: float) -> None:
    """What can be refused before anything starts: a window without a display, an absurd slow-down."""
    _bounded("--slow-mo", slow_mo, SLOW_MO_RANGE, "milliseconds")
    if headed and not display_available():
        usage_error(no_display_message())


def _selected_targets(names: list[str] | None, account: str | None, flows: dict[str, Flow]) -> list[accounts.Account]:
    for name in names or []:
        if name not in flows:
            usage_error(f"unknown platform {name!r} (known: {', '.join(sorted(flows))})")
    try:
        config = accounts.load_config(home())
    except accounts.ConfigError as exc:
        usage_error(str(exc))
    chosen = [
        a
        for a in config.accounts
        if a.platform in flows and (not names or a.platform in names) and (account is None or a.username == account)
    ]
    if not chosen:
        scope = " ".join(names or []) or "any platform"
        who = f" named {account!r}" if account else ""
        usage_error(f"no account{who} configured for {scope}; add one with: optout accounts add PLATFORM USERNAME")
    return chosen


def _history(*, read_only: bool = False) -> History:
    """The home's history; `read_only` for commands that only read it (they work in a read-only home)."""
    try:
        path = home().history_file
        return History.open_read_only(path) if read_only else History.open(path)
    except HistoryError as exc:
        usage_error(str(exc), ExitCode.PROBLEM)


def _signer(keyring_problem: str | None = None) -> Signer | None:
    """The home's signer, or None with one line saying why runs go unsigned (they are still chained)."""
    if keyring_problem is not None:
        err.print(f"optout: runs are not signed: the keyring cannot be used ({keyring_problem})", markup=False)
        return None
    try:
        return signing.signer(home())
    except signing.SigningUnavailable as exc:
        err.print(f"optout: {exc}", markup=False, soft_wrap=True)
        return None


def _evidence(
    out: Path,
    command: str,
    flows: dict[str, str],
    *,
    traffic: TrafficMap | None,
    mask_pii: bool = False,
    keyring_problem: str | None = None,
) -> RunEvidence:
    history = _history()
    try:
        return RunEvidence(
            out,
            command,
            flows,
            history=history,
            signer=_signer(keyring_problem),
            mappings=dict(traffic.routes) if traffic else {},
            mask_pii=mask_pii,
            warn=lambda line: err.print(f"optout: {line}", markup=False, soft_wrap=True),
        )
    except OSError as exc:
        usage_error(describe_write_error(exc, out), ExitCode.PROBLEM if exc.errno in NO_SPACE else ExitCode.USAGE)
    except HistoryError as exc:
        usage_error(str(exc), ExitCode.PROBLEM)


def _titles(flows: dict[str, Flow]) -> dict[tuple[str, str], str]:
    return {(f.platform, s.id): s.title.by_locale["en"][0] for f in flows.values() for s in f.settings}


def _traffic(origin: list[str] | None, flows: dict[str, Flow]) -> TrafficMap | None:
    try:
        specs = [OriginSpec.parse(o) for o in origin or []]
        return build_traffic_map(specs, {p: f.origins for p, f in flows.items()})
    except OriginSpecError as exc:
        usage_error(str(exc))


def _origin_words(origin: list[str] | None) -> tuple[str, ...]:
    """The --origin options as words of a command, once they were accepted by _traffic."""
    specs = [OriginSpec.parse(o) for o in origin or []]
    return tuple(w for spec in specs for w in ("--origin", f"{spec.platform}={spec.base_url}"))


def _rerun(origin: list[str] | None, own: dict[str, Any]) -> Rerun:
    """What a command this run suggests must carry: its --origin, its browser, its OPTOUT_HOME."""
    words = list(_origin_words(origin))
    if own.get("profile") is not None:
        words += ["--browser-profile", str(own["profile"])]
    if own.get("cdp") is not None:
        words += ["--cdp", str(own["cdp"])]
    where = home()
    return Rerun(tuple(words), str(where.config_dir) if where.scoped else None)


def _login_options(origin: list[str] | None, own: dict[str, Any]) -> tuple[str, ...]:
    """The options `optout login` needs to open a new session for this run (named in a reason)."""
    words = _origin_words(origin)
    return (*words, "--browser-profile", str(own["profile"])) if own.get("profile") is not None else words


def _targets(
    chosen: list[accounts.Account],
    flows: dict[str, Flow],
    *,
    no_keyring: str | None = None,
    mapped: bool = False,
    login_options: tuple[str, ...] = (),
) -> list[AccountTarget]:
    """`no_keyring`: why no password can be read here; asking for one then needs a person. `mapped`: a run
    with --origin, which reads only the secrets stored for such runs (accounts add --mapped)."""
    from optout.runner import AccountTarget

    where = home()

    def unreadable() -> str:
        raise accounts.KeyringUnavailable(no_keyring or "")

    return [
        AccountTarget(
            flow=flows[a.platform],
            username=a.username,
            locale=a.locale,
            password=unreadable
            if no_keyring
            else functools.partial(accounts.get_password, a.platform, a.username, where, mapped=mapped),
            totp_secret=unreadable
            if no_keyring
            else functools.partial(accounts.get_totp_secret, a.platform, a.username, where, mapped=mapped),
            login_options=login_options,
        )
        for a in chosen
    ]


def _unattended_keyring() -> str | None:
    """Why an unattended run cannot read the keyring (never prompting for a master password), or None."""
    try:
        found = accounts.usable_keyring()
    except accounts.KeyringUnavailable as exc:
        return f"{exc} (a scheduler's environment may lack what your session has: see optout doctor)"
    if keyrings.needs_master_password(found.backend):
        return (
            f"{found.name} asks for its master password, which an unattended re-check cannot type: choose a "
            "keyring that unlocks with your session (see README, 'Passwords and keyrings'), or run optout check "
            "yourself"
        )
    return None


Work = Callable[["Runner"], Awaitable[list[Result]]]


def _own_browser(
    profile: Path | None, cdp: str | None, chosen: list[accounts.Account], traffic: TrafficMap | None
) -> dict[str, Any]:
    """The Runner's options for the person's own browser, refused before anything starts when they
    cannot work: both at once, a DevTools URL off this machine, a profile in use, several accounts,
    --origin in a browser not declared throwaway."""
    from optout.own_browser import THROWAWAY_ENV, OwnBrowserError, cdp_url, profile_in_use

    if profile is None and cdp is None:
        return {}
    if profile is not None and cdp is not None:
        usage_error("--browser-profile and --cdp cannot be used together: choose one browser")
    if traffic is not None and os.environ.get(THROWAWAY_ENV) != "1":
        # That browser's cookies for the platform would go to the local server, and the local server's
        # cookies would replace them: a person's real session, signed out.
        option = "--cdp" if cdp else "--browser-profile"
        usage_error(
            f"--origin with {option} would send that browser's {', '.join(sorted(traffic.routes))} cookies to the "
            f"local server and replace them with its own; only for a throwaway browser: set {THROWAWAY_ENV}=1"
        )
    if len(chosen) > 1:
        which = ", ".join(f"{a.platform}:{a.username}" for a in chosen)
        option = "--cdp" if cdp else "--browser-profile"
        usage_error(
            f"{option} is one person's browser: run one account at a time ({which}); choose with PLATFORM and --account"
        )
    if cdp is not None:
        try:
            return {"cdp": cdp_url(cdp), "sessions": None}
        except OwnBrowserError as exc:
            usage_error(str(exc))
    assert profile is not None
    busy = profile_in_use(profile.expanduser())
    if busy:
        usage_error(busy)
    return {"profile": profile.expanduser().absolute(), "sessions": None}


def _drive(
    work: Work, evidence: RunEvidence, words: ResultWords, *, json_: bool, runner: dict[str, Any]
) -> tuple[list[Result], str | None]:
    """Run `work` in one browser with progress (none under --json), then seal the evidence. Returns the
    results and, when the run could not go on, why (one line). A Ctrl-C ends the command (exit 130)."""
    from optout.runner import QuietReporter, Runner, RunStopped, Terminated, run_interruptible

    async def go(reporter: QuietReporter | ConsoleReporter) -> list[Result]:
        async with Runner(reporter=reporter, **runner) as driver:
            return await work(driver)

    stopped: str | None = None
    try:
        if json_:
            results = run_interruptible(go(QuietReporter()))
        else:
            with ConsoleReporter(err, words, out=_out()) as reporter:
                results = run_interruptible(go(reporter))
    except BrowserNotFound as exc:
        evidence.interrupt(str(exc))
        usage_error(str(exc))
    except RunStopped as exc:
        results, stopped = exc.results, exc.reason
    except KeyboardInterrupt as exc:
        how = "SIGTERM" if isinstance(exc, Terminated) else "Ctrl-C"
        evidence.interrupt(f"interrupted ({how})")
        if json_:  # what was recorded, the setting in flight included
            _json_out([r.model_dump(mode="json") for r in evidence.manifest.results])
        said = "interrupted" if how == "Ctrl-C" else f"interrupted ({how})"
        err.print(
            f"optout: {said}; what was recorded so far is in {shown(evidence.manifest_path)}",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(130) from None
    if stopped:
        evidence.interrupt(stopped)
    else:
        evidence.finish()
        # A run that could not be sealed (full disk, locked history) must not pass for a finished one.
        stopped = evidence.write_problem
    return results, stopped


def _report(results: list[Result], stopped: str | None, evidence: RunEvidence, words: ResultWords, json_: bool) -> None:
    """The results on stdout (JSON, or the summary), and one line on stderr when the run stopped."""
    if json_:
        _json_out([r.model_dump(mode="json") for r in results])
    elif not stopped:
        out = _out()
        print_summary(out, results, words)
        print_unbroken(out, "Evidence:", shown(evidence.directory), "(manifest.json lists every file with its SHA-256)")
    if stopped:
        err.print(
            f"optout: stopped: {stopped}; what was recorded is in {shown(evidence.manifest_path)}",
            markup=False,
            soft_wrap=True,
        )


def _release_holds(chosen: list[accounts.Account], *, mapped: bool = False) -> None:
    """A person ran a command for these accounts: a re-check may sign in to them again. `mapped`: a command
    for mapped runs (--origin), which releases only their holds, never the real account's."""
    store = _history()
    try:
        held = store.holds(mapped=mapped)
        for a in chosen:
            if (a.platform, a.username) in held:
                store.release(a.platform, a.username, mapped=mapped)
    except HistoryError as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    finally:
        store.close()


def _run(
    mode: Mode,
    names: list[str] | None,
    account: str | None,
    origin: list[str] | None,
    json_: bool,
    out: Path,
    headed: bool,
    slow_mo: float,
    timeout: float,
    mask_pii: bool = False,
    profile: Path | None = None,
    cdp: str | None = None,
) -> None:
    _bounded("--timeout", timeout, TIMEOUT_RANGE, "seconds")
    _browser_options(headed, slow_mo)
    flows = _flows()
    traffic = _traffic(origin, flows)
    chosen = _selected_targets(names, account, flows)
    own = _own_browser(profile, cdp, chosen, traffic)
    # A mapped run (a local server answers) uses only what was stored for mapped runs, and counts only for
    # them: never the real password, saved session, last known state or hold.
    mapped = traffic is not None
    # A keyring that cannot be used now (a scheduler's environment, say) is not refused here: each
    # account then reports needs_attention naming the fix, and the run is recorded like any other.
    keyring_problem = _keyring_problem()
    rerun = _rerun(origin, own)
    targets = _targets(chosen, flows, mapped=mapped, login_options=_login_options(origin, own))
    _release_holds(chosen, mapped=mapped)
    interactive = headed and sys.stdin.isatty() and sys.stderr.isatty()
    options = Options(timeout_s=timeout, interactive=interactive)
    platforms = sorted({a.platform for a in chosen})
    evidence = _evidence(
        out,
        mode.value,
        {p: flows[p].version for p in platforms},
        traffic=traffic,
        mask_pii=mask_pii,
        keyring_problem=keyring_problem,
    )
    sessions = SessionStore(home(), keyring_problem=keyring_problem, mapped=mapped)
    words = ResultWords(mode, _titles(flows), headed=interactive, rerun=rerun)
    results, stopped = _drive(
        lambda runner: runner.run(mode, targets, evidence),
        evidence,
        words,
        json_=json_,
        runner={
            "traffic": traffic,
            "options": options,
            "headed": headed,
            "slow_mo_ms": slow_mo,
            "sessions": sessions,
            **own,
        },
    )
    _report(results, stopped, evidence, words, json_)
    raise typer.Exit(ExitCode.PROBLEM if stopped else exit_code(results))


def _mode_command(mode: Mode, doc: str) -> Callable[..., None]:
    """check and off take the same options; one definition serves both."""

    def command(
        platform: PlatformsArg = None,
        account: AccountOpt = None,
        origin: OriginOpt = None,
        json_: JsonOpt = False,
        out: OutOpt = Path("screenshots"),
        headed: HeadedOpt = False,
        slow_mo: SlowMoOpt = 0,
        timeout: TimeoutOpt = 15.0,
        mask_pii: MaskPiiOpt = False,
        browser_profile: ProfileOpt = None,
        cdp: CdpOpt = None,
    ) -> None:
        _run(mode, platform, account, origin, json_, out, headed, slow_mo, timeout, mask_pii, browser_profile, cdp)

    command.__doc__ = doc
    return command


app.command("check", epilog=EXIT_HELP)(
    _mode_command(
        Mode.CHECK,
        "Sign in (or reuse the saved session), open each setting, read its state and save a screenshot. "
        "Changes nothing.",
    )
)
app.command("off", epilog=EXIT_HELP)(
    _mode_command(
        Mode.OFF,
        "Switch each setting off: read it, click it once only if it is on, reload and verify it stayed off, "
        "with before/after screenshots. Never switches anything on. Sessions are saved and reused as for check "
        "(see optout login --help).",
    )
)


# -- saved sessions -------------------------------------------------------------------------------

SESSIONS_HELP = (
    "After a sign-in, optout keeps the browser session (the platform's own cookies and storage) so later "
    "runs skip signing in. It is encrypted (AES-GCM, key in the keyring) in OPTOUT_HOME/sessions (or the "
    "platform's data folder), readable by you only. When it expires, optout signs in again if the keyring "
    "holds the password; otherwise the result needs your attention: run optout login PLATFORM."
)


SessionAccountOpt = Annotated[
    str | None,
    typer.Option(
        "--account", metavar="USERNAME", help="The account (needed when PLATFORM has more than one configured)."
    ),
]


def _session_account(platform: str, account: str | None, flows: dict[str, Flow]) -> tuple[accounts.Config, str]:
    if platform not in flows:
        usage_error(f"unknown platform {platform!r} (known: {', '.join(sorted(flows))})")
    try:
        config = accounts.load_config(home())
    except accounts.ConfigError as exc:
        usage_error(str(exc))
    if account is not None:
        return config, account
    known = [a.username for a in config.accounts if a.platform == platform]
    if len(known) != 1:
        some = f"one of: {', '.join(known)}" if known else "the username you sign in with"
        usage_error(f"say which {platform} account with --account ({some})")
    return config, known[0]


@app.command(
    "login",
    help="Open a browser window to sign in to PLATFORM yourself (2FA, passkey, SSO), then save the session.\n\n"
    "The password is typed for you when the keyring holds it; otherwise nothing is typed and you sign in in the "
    "window. Waits up to 5 minutes. Needs a display. An account not configured yet is added (no password).\n\n"
    + SESSIONS_HELP,
    epilog="Exit status: 0 signed in, the session saved; 2 usage or configuration error (no display, an unknown "
    f"platform or account, no usable keyring, no browser); 3 not signed in (refused, a challenge not completed in "
    f"time, the window closed), or {MASTER_PASSWORD_EXIT.removeprefix('3 ')}; 130 interrupted.",
)
def login_command(
    platform: PlatformArg,
    account: SessionAccountOpt = None,
    origin: OriginOpt = None,
    timeout: TimeoutOpt = 15.0,
    browser_profile: ProfileOpt = None,
) -> None:
    from optout.login import open_session
    from optout.runner import AccountTarget, Runner
    from optout.stop import Stop

    _bounded("--timeout", timeout, TIMEOUT_RANGE, "seconds")
    flows = _flows()
    config, username = _session_account(platform, account, flows)
    try:
        accounts.Account(platform=platform, username=username)
    except ValidationError as exc:
        usage_error(accounts.problem(exc))
    traffic = _traffic(origin, flows)
    if not display_available():
        # login is always headed: the person never typed --headed, so the message must not name it.
        usage_error(
            no_display_message(needs="optout login needs a display to open the browser window you sign in with")
        )
    own = _own_browser(browser_profile, None, [], traffic)
    _keyring(unlock=True)
    where = home()
    flow = flows[platform]
    # With --origin: the password stored for mapped runs, and a session kept apart from the real one.
    mapped = traffic is not None
    target = AccountTarget(
        flow=flow,
        username=username,
        locale=(found.locale if (found := config.find(platform, username)) else None),
        password=functools.partial(accounts.get_password, platform, username, where, mapped=mapped),
        totp_secret=functools.partial(accounts.get_totp_secret, platform, username, where, mapped=mapped),
    )
    type_password = accounts.has_password(platform, username, where, mapped=mapped)

    def say(text: str) -> None:
        err.print(f"optout: {text}", markup=False, soft_wrap=True)

    async def go() -> Path:
        async with Runner(
            traffic=traffic,
            options=Options(timeout_s=timeout),
            headed=True,
            **{"sessions": SessionStore(where, mapped=mapped), **own},
        ) as runner:
            return await open_session(runner, target, type_password=type_password, notify=say)

    try:
        saved = asyncio.run(go())
    except BrowserNotFound as exc:
        usage_error(str(exc))
    except Stop as exc:
        err.print(f"optout: not signed in to {platform} as {username}: {exc.reason}", markup=False, soft_wrap=True)
        raise typer.Exit(ExitCode.PROBLEM) from None
    except KeyboardInterrupt:
        err.print("optout: login interrupted; nothing was saved", markup=False)
        raise typer.Exit(130) from None
    if config.find(platform, username) is None:
        # So that check and off run this account (signing in with the saved session only).
        config.accounts.append(accounts.Account(platform=platform, username=username))
        accounts.save_config(where, config)
    if where.history_file.exists():
        # A person signed in: a re-check held after a refused password may use this new session.
        _release_holds([accounts.Account(platform=platform, username=username)], mapped=mapped)
    err.print(
        f"Signed in to {platform} as {username}; session kept in the browser profile {shown(saved)}"
        if browser_profile is not None
        else f"Signed in to {platform} as {username}; session saved (encrypted) at {shown(saved)}",
        markup=False,
        soft_wrap=True,
    )


@app.command(
    "logout",
    help="Delete the saved session(s) of PLATFORM (every account, or only --account), those of runs with --origin "
    "included.",
    epilog="Exit status: 0 deleted, or nothing to delete; 2 an unknown platform, or a session file that cannot be "
    "deleted.",
)
def logout_command(platform: PlatformArg, account: AccountOpt = None) -> None:
    flows = _flows()
    if platform not in flows:
        usage_error(f"unknown platform {platform!r} (known: {', '.join(sorted(flows))})")
    paths: list[Path] = []
    for store in (SessionStore(home()), SessionStore(home(), mapped=True)):  # real ones, and those of --origin
        if account is not None:
            paths.append(store.path(platform, account))
        else:
            folder = store.folder / platform
            paths += sorted(folder.glob("*.session")) if folder.is_dir() else []
    deleted = 0
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            usage_error(f"cannot delete {shown(path)}: {exc.strerror}")
        deleted += 1
        err.print(f"Deleted the saved session {shown(path)}", markup=False, soft_wrap=True)
    if not deleted:
        who = f" for {account}" if account else ""
        err.print(f"No saved {platform} session{who}; nothing to delete.", markup=False, soft_wrap=True)


# -- history --------------------------------------------------------------------------------------


HISTORY_EXIT = (
    "Exit status: 0 shown (also when nothing is recorded yet); 2 usage error; 3 the history database cannot be "
    "used (damaged, locked or from a newer optout; it is left as it is)."
)
HISTORY_HELP = (
    "Show the timeline of each setting's states, from every run recorded in this home.\n\n"
    "One block per account and setting, oldest first; a state that differs from the one before is marked "
    "'changed'. What runs with --origin (the sandbox, the demo) recorded is a block of its own, marked mapped: it "
    "never counts as the real account's state. The history is OPTOUT_HOME/history.db (or the platform's data "
    "folder)."
)


@app.command("history", help=HISTORY_HELP, epilog=HISTORY_EXIT)
def history_command(
    platform: Annotated[str | None, typer.Option("--platform", metavar="PLATFORM", help="Only this platform.")] = None,
    account: AccountOpt = None,
    json_: JsonOpt = False,
) -> None:
    from optout.timeline import timelines

    store = _history(read_only=True)
    try:
        lines = timelines(store.results(platform=platform, account=account))
    except HistoryError as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    finally:
        store.close()
    if json_:
        _json_out([line.as_json() for line in lines])
        return
    out = _out()
    if not lines:
        out.print("No results recorded yet" + (" for that selection." if platform or account else "."))
        return
    for line in lines:
        mapped = ("  mapped (--origin)", "yellow") if line.mapped else ""
        out.print(Text.assemble((f"{line.platform}  {line.account}", "bold"), f"  {line.setting}", mapped))
        rows: list[list[str | Text]] = []
        for entry in line.entries:
            state = Text(entry.state.value, "bold yellow" if entry.state.value == "on" else "")
            rows.append(
                [
                    entry.when,
                    state,
                    entry.outcome.value + (" (verified)" if entry.verified else ""),
                    "changed" if entry.changed else "",
                ]
            )
        print_rows(out, ["When (UTC)", "State", "Outcome", ""], rows)


# -- recheck --------------------------------------------------------------------------------------


RECHECK_HELP = (
    "Check every configured account unattended and compare with the last known state of each setting.\n\n"
    "Never prompts and never opens a window: made to run from a scheduler (see optout schedule). A setting "
    "that was off when last recorded and reads on now has drifted (label silent_revert): it is listed first, "
    "with its evidence, and --fix switches it off again under the same rules as off. A password a platform "
    "refused is not tried again unattended until you run a command for that account (optout check, off or "
    "accounts add), so that no account is ever locked; nor is a sign-in that stopped at a verification code page "
    "(until optout check or login), so that no new code is sent each time. One re-check at a time per home. "
    "When it finds drift or needs you: a desktop notification where one can be shown, and the config's on_alert "
    "command with the JSON results on stdin. Evidence goes to the home's data folder (evidence/) unless --out is given."
)
RECHECK_EXIT = EXIT_HELP.replace(
    "your attention.", "your attention; 4 a setting drifted back on (with or without --fix)."
)


@app.command("recheck", help=RECHECK_HELP, epilog=RECHECK_EXIT)
def recheck_command(
    account: AccountOpt = None,
    origin: OriginOpt = None,
    json_: JsonOpt = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="DIR", help="Where evidence runs are written (default: the home's evidence/)."),
    ] = None,
    fix: Annotated[bool, typer.Option("--fix", help="Switch drifted settings off again (as optout off).")] = False,
    timeout: TimeoutOpt = 15.0,
    browser_profile: ProfileOpt = None,
    cdp: CdpOpt = None,
) -> None:
    from optout import recheck as re_check

    _bounded("--timeout", timeout, TIMEOUT_RANGE, "seconds")
    where = home()
    try:
        config = accounts.load_config(where)
    except accounts.ConfigError as exc:
        usage_error(str(exc))
    try:
        flows = _flows()
        traffic = _traffic(origin, flows)
        chosen = _selected_targets(None, account, flows)
        own = _own_browser(browser_profile, cdp, chosen, traffic)
        with re_check.one_at_a_time(where):
            results, stopped = _recheck(
                chosen, flows, traffic, out or where.data_dir / "evidence", json_, fix, timeout, own, origin
            )
    except re_check.RecheckBusy as exc:
        usage_error(str(exc), ExitCode.PROBLEM)  # the re-check running meanwhile speaks for both
    except _Stopped as exc:
        # Unattended, a re-check that cannot run at all needs a person as much as a setting does.
        _alert([], exc.message, config.on_alert)
        raise
    if re_check.needs_alert(results) or stopped:
        _alert(results, stopped, config.on_alert)
    code = re_check.recheck_exit(results)
    raise typer.Exit(ExitCode.PROBLEM if stopped and code is not ExitCode.DRIFT else code)


def _recheck(
    chosen: list[accounts.Account],
    flows: dict[str, Flow],
    traffic: TrafficMap | None,
    out: Path,
    json_: bool,
    fix: bool,
    timeout: float,
    own: dict[str, Any] | None = None,
    origin: list[str] | None = None,
) -> tuple[list[Result], str | None]:
    from optout import recheck as re_check

    own = own or {}
    # A mapped re-check compares with, and holds, only what mapped runs recorded; a real one only real runs.
    mapped = traffic is not None
    rerun = _rerun(origin, own)
    store = _history()
    try:
        holds = store.holds(mapped=mapped)
        last_known = store.last_known(mapped=mapped)
        platforms = sorted({a.platform for a in chosen})
        no_keyring = _unattended_keyring()
        evidence = _evidence(
            out, "recheck", {p: flows[p].version for p in platforms}, traffic=traffic, keyring_problem=no_keyring
        )
        # Accounts held before (a refused password, a code page): not signed in to, a person is needed.
        held = [
            re_check.held_result(
                a.platform, a.username, setting.id, holds[a.platform, a.username], mapped=mapped, again=rerun.options
            )
            for a in chosen
            if (a.platform, a.username) in holds
            for setting in flows[a.platform].settings
        ]
        for result in held:
            evidence.record(result)
        targets = _targets(
            [a for a in chosen if (a.platform, a.username) not in holds],
            flows,
            no_keyring=no_keyring,
            mapped=mapped,
            login_options=_login_options(origin, own),
        )

        mark = re_check.marker(last_known)

        def annotate(result: Result) -> Result:
            # Held as soon as it is refused: a re-check killed later on (a scheduler's timeout, a power cut)
            # must not let the next one try the same password again. The loop after the run retries a
            # hold that could not be written here.
            reason = re_check.hold_reason(result)
            if reason is not None and (result.platform, result.account) not in holds:
                with contextlib.suppress(HistoryError):
                    store.hold(
                        result.platform,
                        result.account,
                        reason=reason,
                        since=result.finished_at,
                        run_id=evidence.run_id,
                        mapped=mapped,
                    )
            return mark(result)

        async def work(runner: Runner) -> list[Result]:
            found = await runner.run(Mode.CHECK, targets, evidence, annotate=annotate)
            drifted = [r for r in found if r.drift]
            if not (fix and drifted):
                return found
            switched = await runner.run(Mode.OFF, re_check.only(targets, drifted), evidence, annotate=re_check.fixed)
            by_key = {(r.platform, r.account, r.setting): r for r in switched}
            return [by_key.get((r.platform, r.account, r.setting), r) for r in found]

        words = ResultWords(Mode.CHECK, _titles(flows), headed=False, rerun=rerun)
        options = Options(timeout_s=timeout, interactive=False)
        sessions = SessionStore(home(), keyring_problem=no_keyring, mapped=mapped)
        runner = {"traffic": traffic, "options": options, "headed": False, "sessions": sessions, **own}
        results, stopped = _drive(work, evidence, words, json_=json_, runner=runner)
        results = re_check.first_drift(held + results)
        for r in results:
            reason = re_check.hold_reason(r)
            if reason is not None and (r.platform, r.account) not in holds:
                store.hold(
                    r.platform, r.account, reason=reason, since=r.finished_at, run_id=evidence.run_id, mapped=mapped
                )
    except HistoryError as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    finally:
        store.close()
    _report(results, stopped, evidence, words, json_)
    return results, stopped


def _alert(results: list[Result], stopped: str | None, hook: list[str] | None) -> None:
    from optout import alerts

    text = alerts.summary(results) or ""
    if stopped:
        text = f"{text}; the re-check stopped: {stopped}" if text else f"the re-check stopped: {stopped}"
    problem = alerts.notify_desktop("optout re-check", text)
    if problem and not hook:
        err.print(f"optout: alert not shown: {problem}", markup=False, soft_wrap=True)
    if hook:
        failed = alerts.run_hook(hook, results)
        if failed:
            err.print(f"optout: {failed}", markup=False, soft_wrap=True)


# -- report and export ------------------------------------------------------------------------------


RunArg = Annotated[
    str | None,
    typer.Argument(
        metavar="RUN",
        help="A run id (see optout history) or a run folder (default: the latest run).",
        show_default=False,
    ),
]

REPORT_EXIT = (
    "Exit status: 0 the report was written or printed; 2 usage error (an unknown run, no run recorded yet); 3 the "
    "run's evidence or the history cannot be read, or the report cannot be written."
)
REPORT_HELP = (
    "Report on one run: a summary table, each setting's screenshots and its history over time.\n\n"
    "html (default): one self-contained file (images embedded, loads nothing), written to report.html in the run "
    "folder unless --out says where; json: the report's data, for scripts; md: Markdown to paste into a complaint "
    "or a ticket (both on stdout unless --out)."
)


def _report_run(run: str | None, use: Callable[[Path, History], None]) -> None:
    """Resolve RUN in this home's history and hand its folder on; every failure is one line."""
    from optout.reports.data import ReportError, resolve_run

    store = _history(read_only=True)
    try:
        use(resolve_run(run, store), store)
    except ReportError as exc:
        usage_error(str(exc), ExitCode(exc.code))
    except HistoryError as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    finally:
        store.close()


# -- verify ---------------------------------------------------------------------------------------


VERIFY_HELP = (
    "Check that the evidence of runs in this home is as it was recorded: nothing changed, missing, added or "
    "removed.\n\n"
    "For each run: every file its manifest.json lists is there with the SHA-256 it gives; no other file is in "
    "the run folder (beside manifest.json, manifest.sig and report.html); manifest.sig is a valid Ed25519 "
    "signature of manifest.json by the key it names, read from the home's keys/ folder (the keyring is not "
    "needed); the manifest hashes to the value the history recorded when it was sealed and to the one the "
    "next run's manifest chains to; and its 'previous' link names the run sealed just before it, so a run "
    "removed from the middle of the chain is named.\n\n"
    "Warnings (exit 0): a run sealed without a signing key (unsigned; the chain still covers it), a run "
    "not sealed yet (still running, or killed and waiting for the next run to seal it), and a run sealed by "
    "another run (killed before its end; the run that sealed it is named). A run that stopped but that no "
    "other run may seal (its token, files or manifest are not as its own run left them: planted, or changed) "
    "is a mismatch.\n\n"
    "The chain head (the last sealed run and its manifest's SHA-256) is printed before the verdict: keep it "
    "elsewhere. Removing the newest runs, folder and history row, leaves a chain that checks; --expect-head "
    "SHA-256 (or RUN_ID:SHA-256) then tells: the head kept must still be in the chain, as the head or before "
    "runs sealed since, or it is a mismatch.\n\n"
    "Exit status: 0 everything matches (warnings allowed); 1 something does not match; 2 usage error (such "
    "as an unknown run); 3 the history database cannot be used (damaged or locked; it is left as it is)."
)


@app.command("verify", help=VERIFY_HELP)
def verify_command(
    run: Annotated[
        str | None,
        typer.Argument(
            metavar="RUN",
            help="A run id as 'optout history --json' or 'optout verify --all' shows it, or the path to a run "
            "folder (default: the latest run).",
            show_default=False,
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Verify every run in this home, and the whole chain.")] = False,
    expect_head: Annotated[
        str | None,
        typer.Option(
            "--expect-head",
            metavar="SHA256",
            help="The chain head an earlier verify printed (its SHA-256, or RUN_ID:SHA-256): a mismatch when it "
            "is no longer in the chain (the newest runs removed) or its manifest changed.",
            show_default=False,
        ),
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    if run is not None and all_:
        usage_error("give a RUN or --all, not both")
    if expect_head is not None:
        try:
            verification.parse_expected_head(expect_head)
        except ValueError as exc:
            usage_error(str(exc))
    where = home()
    if not where.history_file.exists():
        if run is not None:
            usage_error(f"no run {run!r}: no runs are recorded in this home yet ({where.history_file} does not exist)")
        if not all_:
            usage_error(f"no runs recorded in this home yet ({where.history_file} does not exist)")
        result = None
    else:
        store = _history(read_only=True)
        try:
            rows = store.runs()
            chosen: list[str] | None = None
            if not all_:
                row = verification.select(rows, run) if run is not None else store.latest_run()
                if row is None:
                    usage_error(
                        f"no run {run!r} in this home's history; list the runs with: optout verify --all"
                        if run is not None
                        else "no runs recorded in this home yet"
                    )
                chosen = [row.run_id]
            result = verification.verify(store, signing.keys_dir(where), chosen, expect_head=expect_head)
        except HistoryError as exc:
            usage_error(str(exc), ExitCode.PROBLEM)
        finally:
            store.close()
    if result is None or not result.runs:
        empty = verification.Verification([])
        if expect_head is not None:
            # Every run gone, folders and rows: the head kept elsewhere is all that tells.
            empty.head_check = verification.HeadCheck(
                expect_head,
                False,
                f"the expected chain head {expect_head} is no longer in the chain: this home has no sealed run",
            )
        if json_:
            _json_out(empty.as_json())
        elif empty.head_check is not None:
            _out().print(Text(f"NOT VERIFIED: {empty.head_check.text}", "bold red"))
        else:
            _out().print("Nothing to verify: no runs recorded in this home yet.")
        raise typer.Exit(ExitCode.OK if empty.ok else ExitCode.SETTING_ON)
    if json_:
        _json_out(result.as_json())
    else:
        _print_verification(result)
    raise typer.Exit(ExitCode.OK if result.ok else ExitCode.SETTING_ON)


def _print_verification(result: verification.Verification) -> None:
    kind = verification.Kind
    out = _out()
    rows: list[list[str | Text]] = []
    for check in result.runs:
        kinds = {f.kind for f in check.findings}
        if check.seq is None:
            signature = "not sealed"
        elif check.signed:
            signature = "valid"
        elif kind.UNSIGNED in kinds:
            signature = "unsigned"
        elif kind.UNKNOWN_KEY in kinds:
            signature = "unknown key"
        else:
            signature = "BAD" if kind.BAD_SIGNATURE in kinds else "—"
        status = Text(check.status, "bold red" if not check.ok else ("yellow" if check.findings else "green"))
        note = "interrupted" if check.interrupted else ""
        rows.append([check.run_id, str(check.seq or "—"), str(check.files_checked), signature, status, note])
    print_rows(out, ["Run", "Seq", "Files", "Signature", "Status", ""], rows, heading=1)
    for check in result.runs:
        if not check.findings:
            continue
        out.print(Text(f"\n{check.run_id}", "bold"))
        if check.interrupted:
            print_fields(out, [("interrupted", check.interrupted)])
        print_fields(
            out,
            [
                (f.kind.value, Text(f.text, "yellow" if f.warning else "red"))
                for f in sorted(check.findings, key=lambda f: f.warning)
            ],
        )
    _print_head(result)
    runs = len(result.runs)
    bad = sum(1 for c in result.runs if not c.ok)
    if not result.ok and not bad and result.head_check is not None:
        verdict = f"NOT VERIFIED: {result.head_check.text}"
    elif not result.ok:
        mismatches = result.mismatches - int(result.head_check is not None and not result.head_check.ok)
        verdict = f"NOT VERIFIED: {mismatches} mismatch(es) in {bad} of {runs} run(s); see above."
    elif result.warnings:
        verdict = (
            f"Verified: {runs} run(s), nothing changed, missing or inserted; {result.warnings} warning(s) above "
            "about what could not be fully checked."
        )
    else:
        verdict = f"Verified: {runs} run(s); every file, chain link and signature matches."
    out.print(Text(verdict, "bold green" if result.ok else "bold red"))


def _print_head(result: verification.Verification) -> None:
    """The chain head, to keep elsewhere (a hash on a line of its own, to copy), and --expect-head's answer."""
    out = _out()
    if result.head is not None:
        out.print(Text(f"\nChain head: {result.head.run_id} (seq {result.head.seq})", "bold"))
        out.print(Text(f"  SHA-256 {result.head.sha256}"))
        out.print(Text("  keep it elsewhere; check it later with --expect-head", "dim"))
    check = result.head_check
    if check is not None and check.ok:
        out.print(Text(check.text, "green"))
    elif check is not None and any(not c.ok for c in result.runs):  # else it is the verdict
        out.print(Text(f"MISMATCH: {check.text}", "bold red"))


def _output_target(out: Path, default_name: str, *, force: bool) -> Path:
    """Where --out says to write (`default_name` inside a folder), refused now, before any work, when it is
    not a file optout may write."""
    from optout.output_file import OutputRefused, output_path, refuse_unsafe

    target = output_path(out, default_name)
    try:
        refuse_unsafe(target, force=force)
    except OutputRefused as exc:
        usage_error(str(exc))
    return target


def _write_output(path: Path, text: str, *, force: bool) -> None:
    from optout.output_file import OutputRefused, write_output

    try:
        write_output(path, text.encode("utf-8"), force=force)
    except OutputRefused as exc:
        usage_error(str(exc))
    except OSError as exc:
        why = exc.strerror or str(exc)
        usage_error(f"cannot write the report to {shown(path)}: {why[:1].lower()}{why[1:]}", ExitCode.PROBLEM)


@app.command("report", help=REPORT_HELP, epilog=REPORT_EXIT)
def report_command(
    run: RunArg = None,
    latest: Annotated[bool, typer.Option("--latest", help="The latest run (the default).")] = False,
    format_: Annotated[
        str, typer.Option("--format", metavar="html|json|md", help="What to produce.", case_sensitive=False)
    ] = "html",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="FILE", help="Write the report to FILE (in a folder: report.html, .json or .md there)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> None:
    from optout.reports.data import as_json, collect
    from optout.reports.html import render_html
    from optout.reports.markdown import render_markdown

    kind = format_.lower()
    if kind not in ("html", "json", "md"):
        usage_error(f"--format must be html, json or md, not {format_!r}")
    if latest and run is not None:
        usage_error("give a RUN or --latest, not both")

    def make(folder: Path, store: History) -> None:
        target = None if out is None else _output_target(out, f"report.{kind}", force=force)
        report = collect(folder, history=store, where=home())
        if kind == "html":
            # The run folder's own report.html is optout's to replace; a file the person names is not.
            html = target or folder / "report.html"
            _write_output(html, render_html(report, folder), force=force or target is None)
            print(shown(html))
            return
        text = as_json(report) if kind == "json" else render_markdown(report)
        if target is None:
            sys.stdout.write(text)
        else:
            _write_output(target, text, force=force)
            print(shown(target))

    _report_run(run, make)


EXPORT_EXIT = (
    "Exit status: 0 the zip was written; 2 usage error (an unknown run, FILE.zip exists and no --force, or is a "
    "folder); 3 the run's evidence or the history cannot be read, or the zip cannot be written (then nothing is)."
)
EXPORT_HELP = (
    "Write one run as a zip a third party can check with standard tools: manifest.json and manifest.sig as they "
    "are, the screenshots (masked copies only, unless --no-mask-pii), control excerpts, the HTML report, the "
    "public key, SHA256SUMS (sha256sum -c) and a README saying how to check it."
)


@app.command("export", help=EXPORT_HELP, epilog=EXPORT_EXIT)
def export_command(
    run: Annotated[
        str, typer.Argument(metavar="RUN", help="A run id (see optout history) or a run folder.", show_default=False)
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", metavar="FILE.zip", help="The zip to write (in a folder: RUN.zip there).", show_default=False
        ),
    ],
    mask_pii: Annotated[
        bool,
        typer.Option(
            "--mask-pii/--no-mask-pii",
            help="Only masked screenshots (default); screenshots without a masked copy are withheld.",
        ),
    ] = True,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE.zip if it exists.")] = False,
) -> None:
    from optout.bundle import export

    def make(folder: Path, store: History) -> None:
        target = _output_target(out, f"{folder.name}.zip", force=force)
        bundle = export(folder, target, history=store, where=home(), mask=mask_pii, force=force)
        print(shown(target))
        if bundle.withheld:
            err.print(
                f"optout: {len(bundle.withheld)} file(s) withheld from the bundle (its README.txt says which and why)",
                markup=False,
                soft_wrap=True,
            )

    _report_run(run, make)


# -- doctor ---------------------------------------------------------------------------------------


DOCTOR_HELP = (
    "Say whether optout can run here, and where it keeps its files.\n\n"
    "Shows the keyring backend (whether it is safe, and what chose it), the browser, whether a display is there "
    "for --headed, and optout's home, config, keyring entries and flows. Changes nothing. Exit status: 0 when "
    "ready, 2 when something must be fixed first (one line per problem on stderr)."
)


@app.command(help=DOCTOR_HELP)
def doctor(json_: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False) -> None:
    from optout import doctor as examine

    findings = examine.examine()
    ready = examine.ready(findings)
    if json_:
        _json_out(examine.as_json(findings))
    else:
        out = _out()
        out.print(f"optout {__version__}")
        styles = {True: "green", False: "bold red", None: "yellow"}
        print_fields(
            out,
            [(f.topic, Text.assemble((f.status, styles[f.ok]), "\n", "\n".join(f.lines))) for f in findings],
            indent=0,
        )
        out.print("Ready." if ready else "Not ready: fix what is marked PROBLEM.")
    for f in findings:
        if f.ok is False:
            err.print(f"optout: doctor: {f.topic}: {f.lines[0]}", markup=False, soft_wrap=True)
    raise typer.Exit(ExitCode.OK if ready else ExitCode.USAGE)


# -- demo and sandbox -------------------------------------------------------------------------------


DEMO_HELP = (
    "Run check then off on every demo account of the built-in sandbox, in a demo home of its own.\n\n"
    # Typer keeps the line breaks of later paragraphs: each paragraph is one line.
    "Nothing leaves this machine, and your own accounts, config and keyring are not touched. Exit status: 0 when "
    "every sandbox account behaved as it is designed to (its designed failures included), 3 otherwise."
)


@app.command(help=DEMO_HELP)
def demo(out: OutOpt = Path("screenshots"), headed: HeadedOpt = False, slow_mo: SlowMoOpt = 0) -> None:
    from optout.demo import print_demo_end, run_demo
    from optout.runner import RunStopped

    _browser_options(headed, slow_mo)
    flows = _flows()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        usage_error(describe_write_error(exc, out))
    try:
        words = ResultWords(Mode.CHECK, _titles(flows), headed=True, next_steps=False)
        with ConsoleReporter(err, words, out=_out()) as reporter:
            report = asyncio.run(run_demo(flows, out, reporter=reporter, headed=headed, slow_mo_ms=slow_mo))
    except BrowserNotFound as exc:
        usage_error(str(exc))
    except RunStopped as exc:
        err.print(f"optout: stopped: {exc.reason}", markup=False, soft_wrap=True)
        raise typer.Exit(ExitCode.PROBLEM) from None
    except HistoryError as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    except OSError as exc:
        usage_error(describe_write_error(exc, out), ExitCode.PROBLEM if exc.errno in NO_SPACE else ExitCode.USAGE)
    except KeyboardInterrupt:
        err.print("optout: demo interrupted")
        raise typer.Exit(130) from None
    rows: list[list[str | Text]] = []
    for row in report.rows:
        cells = [
            r.outcome.value + ("" if r.state.value == "unknown" else f" ({r.state.value})")
            for r in (row.check, row.off)
        ]
        designed = Text("yes", "green") if row.as_designed else Text("NO", "bold red")
        rows.append([row.account.platform, row.account.username, *cells, designed, row.account.description])
    headers = ["Platform", "Account", "check", "off", "As designed", "What it shows"]
    stdout = _out()  # the summary is the demo's result: stdout, as for check and off
    print_rows(stdout, headers, rows, title="optout demo summary", heading=2)
    print_demo_end(stdout, report)
    verdict = "every account behaved as designed" if report.as_designed else "some accounts did NOT behave as designed"
    stdout.print(f"Demo result: {verdict}.")
    raise typer.Exit(ExitCode.OK if report.as_designed else ExitCode.PROBLEM)


sandbox_app = typer.Typer(invoke_without_command=True)
app.add_typer(sandbox_app, name="sandbox")
SandboxPortOpt = Annotated[
    int, typer.Option(metavar="PORT", min=0, max=65535, help="Port on 127.0.0.1 (0: any free port).")
]


SANDBOX_HELP = (
    "Serve the local replica of the platforms' pages until interrupted, and print its demo accounts.\n\n"
    # Typer keeps the line breaks of later paragraphs: each paragraph is one line.
    "Point optout at it with --origin PLATFORM=URL; the command prints the URL to use for each platform. Its "
    "page (the address printed) shows each account's settings, with a button that turns one back on as the "
    "platform might; optout sandbox set does the same from another terminal."
)


@sandbox_app.callback(help=SANDBOX_HELP, epilog="Exit status: 0 stopped with Ctrl-C; 2 the port cannot be listened on.")
def sandbox(ctx: typer.Context, port: SandboxPortOpt = 8000) -> None:
    if ctx.invoked_subcommand is not None:
        return
    import threading

    from optout.sandbox import DEMO_ACCOUNTS, SandboxServer

    try:
        server = SandboxServer(port=port).start()
    except OSError as exc:
        usage_error(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}")
    out = _out()
    out.print(f"Sandbox serving on {server.base_url}  (Ctrl-C to stop)", markup=False)
    rows = []
    for d in DEMO_ACCOUNTS:
        note = d.description + ("" if d.demo_password == d.password else f" (the demo stores {d.demo_password})")
        rows.append([d.platform, d.username, d.password, note])
    print_rows(out, ["Platform", "Username", "Password", "Shows"], rows, title="Demo accounts", heading=2)
    for platform in sorted({d.platform for d in DEMO_ACCOUNTS}):
        out.print(f"  --origin {platform}={server.origin_url(platform)}", markup=False)
    out.print("Turn a setting back on, as the platform might, for optout recheck to find:", markup=False)
    out.print(f"  the buttons on {server.base_url}/, or", markup=False, soft_wrap=True)
    example = ("linkedin", "alice@example.com", "allowDataForGenerativeAI", "on", "--port", str(server.port))
    out.print(f"  {command('optout', 'sandbox', 'set', *example)}", markup=False, soft_wrap=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


SANDBOX_SET_HELP = (
    "Change a setting of a running sandbox as the platform might by itself (not as a person would), and print "
    "it as read back.\n\nExit status: 0 done; 2 no such platform, account or setting; 3 no sandbox answers on "
    "that port."
)


@sandbox_app.command("set", help=SANDBOX_SET_HELP)
def sandbox_set(
    platform: Annotated[str, typer.Argument(metavar="PLATFORM", help="linkedin, x or chatgpt.")],
    username: Annotated[str, typer.Argument(metavar="USERNAME", help="A demo account (optout sandbox lists them).")],
    setting: Annotated[
        str,
        typer.Argument(metavar="SETTING", help="The sandbox's key, as its page lists them (allowDataForGenerativeAI)."),
    ],
    value: Annotated[str, typer.Argument(metavar="on|off", help="on: as the platform turning it back on; off.")],
    port: Annotated[
        int, typer.Option(metavar="PORT", min=1, max=65535, help="Where the sandbox runs on 127.0.0.1.")
    ] = 8000,
) -> None:
    from optout.sandbox.remote import SandboxUnreachable, UnknownSetting, set_setting

    if value not in ("on", "off"):
        usage_error(f"{value!r} is not on or off")
    try:
        change = set_setting(port, platform, username, setting, value == "on")
    except UnknownSetting as exc:
        usage_error(str(exc))
    except SandboxUnreachable as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    words = {True: "on", False: "off"}
    _out().print(
        f"{platform} {username} {setting}: {words[change.after]} (was {words[change.before]})",
        markup=False,
        soft_wrap=True,
    )


def _version(value: bool) -> None:
    if value:
        print(f"optout {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Global options."""


def main() -> None:
    from optout.streams import guard_standard_streams

    guard_standard_streams()
    try:
        # `python -m optout` and `.venv/bin/optout` are both "optout" to the person reading the help.
        code = app(prog_name="optout", standalone_mode=False)
    except ClickException as exc:
        if is_no_args_help(exc):
            getattr(exc, "show")()  # noqa: B009 - the help, as typer would show it
            sys.exit(ExitCode.USAGE)
        err.print(one_line(exc), markup=False, soft_wrap=True)
        sys.exit(int(getattr(exc, "exit_code", ExitCode.USAGE)))
    sys.exit(code if isinstance(code, int) else 0)
