"""The `optout` command line."""

from __future__ import annotations

import asyncio
import functools
import getpass
import json
import math
import shlex
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text

from optout import __version__, accounts, keyrings, signing
from optout.browser import BrowserNotFound, display_available, no_display_message
from optout.cli_help import ClickException, is_no_args_help, one_line, plain_parameter_help
from optout.engine import Mode, Options
from optout.evidence import NO_SPACE, RunEvidence, describe_write_error
from optout.flow import Flow, FlowError, load_flow
from optout.history import History, HistoryError
from optout.mapping import OriginSpec, OriginSpecError, build_traffic_map
from optout.paths import home
from optout.registry import flow_files, load_all
from optout.report import ConsoleReporter, ResultWords, command, print_fields, print_rows, print_summary, shown
from optout.results import ExitCode, Result, exit_code
from optout.schedule import Action, SchedulerFailed, current_job, install_plan, remove_plan, this_machine
from optout.schedule_timing import DEFAULT_AT, ScheduleError, parse_timing
from optout.signing import Signer

plain_parameter_help()

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
flows_app = typer.Typer(help="Inspect the flow files that describe each platform.", no_args_is_help=True)
accounts_app = typer.Typer(
    help="Manage the accounts optout signs in to (passwords go to the keyring).", no_args_is_help=True
)
app.add_typer(flows_app, name="flows")
schedule_app = typer.Typer(
    help="Run 'optout recheck' unattended: a systemd user timer or a crontab line (Linux), a launchd agent "
    "(macOS), a Task Scheduler task (Windows).",
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


def usage_error(message: str, code: ExitCode = ExitCode.USAGE) -> NoReturn:
    err.print(f"optout: error: {message}", markup=False, soft_wrap=True)
    raise typer.Exit(code)


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
    except accounts.KeyringUnavailable as exc:
        usage_error(str(exc))
    return found


# -- platforms and flows ------------------------------------------------------------------------


@app.command()
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


@flows_app.command("validate")
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


@accounts_app.command("add")
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
) -> None:
    """Store an account: the password in the system keyring, the account (no secret) in the config file.
    Adding an account again updates its password and language."""
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
    found = _keyring(unlock=True)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {username} on {platform}: ")
    if not password:
        usage_error("empty password")
    try:
        accounts.store_password(platform, username, password, where)
    except accounts.KeyringUnavailable as exc:
        usage_error(str(exc))
    existing = config.find(platform, username)
    config.accounts = [a for a in config.accounts if a is not existing]
    config.accounts.append(account)
    try:
        accounts.save_config(where, config)
    except OSError as exc:
        if existing is None:
            accounts.delete_password(platform, username, where)
        usage_error(f"cannot write {where.config_file}: {exc.strerror}")
    verb = "Updated" if existing else "Added"
    err.print(
        f"{verb} {platform} account {username}; password stored in {found.describe()}.", markup=False, soft_wrap=True
    )


def _password_column(config: accounts.Config) -> dict[tuple[str, str], bool | None]:
    """Whether each account has a password in the keyring; None when that cannot be told (no usable
    keyring, or one whose master password cannot be asked here)."""
    unknown: dict[tuple[str, str], bool | None] = {(a.platform, a.username): None for a in config.accounts}
    try:
        keyrings.unlock(accounts.usable_keyring())
    except accounts.KeyringUnavailable:
        return unknown
    return {(a.platform, a.username): accounts.has_password(a.platform, a.username) for a in config.accounts}


@accounts_app.command("list")
def accounts_list(json_: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False) -> None:
    """List configured accounts, and whether the keyring holds a password for each (never the password)."""
    try:
        config = accounts.load_config(home())
    except accounts.ConfigError as exc:
        usage_error(str(exc))
    stored = _password_column(config)
    if json_:
        _json_out([{**a.model_dump(), "password_stored": stored[a.platform, a.username]} for a in config.accounts])
        return
    if not config.accounts:
        err.print("No accounts. Add one with: optout accounts add PLATFORM USERNAME")
        return
    words = {True: "stored", False: "missing", None: "unknown (no usable keyring)"}
    rows = [[a.platform, a.username, a.locale or "", words[stored[a.platform, a.username]]] for a in config.accounts]
    print_rows(_out(), ["Platform", "Account", "Language", "Password"], rows, heading=2)


@accounts_app.command("remove")
def accounts_remove(platform: PlatformArg, username: UsernameArg) -> None:
    """Forget an account and delete its password from the keyring."""
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
        accounts.delete_password(platform, username, where)
    except (accounts.KeyringUnavailable, accounts.ConfigError) as exc:
        usage_error(str(exc))
    config.accounts.remove(account)
    accounts.save_config(where, config)
    err.print(f"Removed {platform} account {username} and its keyring entry.", markup=False, soft_wrap=True)


# -- schedule -----------------------------------------------------------------------------------

DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Print what would be done; change nothing.")]


def _perform(actions: list[Action], dry_run: bool) -> None:
    """Each step printed with the full text it writes; done unless `dry_run`. Stops at the first failure."""
    out = _out()
    out.print("Dry run: nothing is changed. Would:" if dry_run else "Done:", markup=False)
    for action in actions:
        if not dry_run:
            try:
                action.do()
            except SchedulerFailed as exc:
                usage_error(str(exc), ExitCode.PROBLEM)
            except OSError as exc:
                usage_error(f"{action.say}: {exc.strerror or exc}", ExitCode.PROBLEM)
        out.print(f"- {action.say}", markup=False, soft_wrap=True)
        if action.body is not None:
            # Verbatim, unwrapped: what was written, exactly.
            sys.stdout.write(action.body if action.body.endswith("\n") else action.body + "\n")
            sys.stdout.flush()


@schedule_app.command("install")
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


@schedule_app.command("status")
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


@schedule_app.command("remove")
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
        help="Serve every request to PLATFORM's real origins from URL (plain HTTP, optional path prefix); "
        "the address bar keeps the real URL. While any mapping is active, other non-local hosts are "
        "blocked. Repeatable.",
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


def _history() -> History:
    try:
        return History.open(home().history_file)
    except HistoryError as exc:
        usage_error(str(exc), ExitCode.PROBLEM)


def _signer() -> Signer | None:
    """The home's signer, or None with one line saying why runs go unsigned (they are still chained)."""
    try:
        return signing.signer(home())
    except signing.SigningUnavailable as exc:
        err.print(f"optout: {exc}", markup=False, soft_wrap=True)
        return None


def _evidence(out: Path, command: str, flows: dict[str, str]) -> RunEvidence:
    history = _history()
    try:
        return RunEvidence(out, command, flows, history=history, signer=_signer())
    except OSError as exc:
        usage_error(describe_write_error(exc, out), ExitCode.PROBLEM if exc.errno in NO_SPACE else ExitCode.USAGE)
    except HistoryError as exc:
        usage_error(str(exc), ExitCode.PROBLEM)


def _titles(flows: dict[str, Flow]) -> dict[tuple[str, str], str]:
    return {(f.platform, s.id): s.title.by_locale["en"][0] for f in flows.values() for s in f.settings}


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
) -> None:
    from optout.runner import AccountTarget, QuietReporter, Runner, RunStopped

    _bounded("--timeout", timeout, TIMEOUT_RANGE, "seconds")
    _browser_options(headed, slow_mo)
    flows = _flows()
    try:
        specs = [OriginSpec.parse(o) for o in origin or []]
        traffic = build_traffic_map(specs, {p: f.origins for p, f in flows.items()})
    except OriginSpecError as exc:
        usage_error(str(exc))
    chosen = _selected_targets(names, account, flows)
    _keyring(unlock=True)
    where = home()
    targets = [
        AccountTarget(
            flow=flows[a.platform],
            username=a.username,
            locale=a.locale,
            password=functools.partial(accounts.get_password, a.platform, a.username, where),
        )
        for a in chosen
    ]
    interactive = headed and sys.stdin.isatty() and sys.stderr.isatty()
    options = Options(timeout_s=timeout, interactive=interactive)
    evidence = _evidence(out, mode.value, {p: flows[p].version for p in sorted({a.platform for a in chosen})})
    words = ResultWords(mode, _titles(flows), headed=interactive)

    async def go(reporter: QuietReporter | ConsoleReporter) -> list[Result]:
        async with Runner(
            traffic=traffic, options=options, headed=headed, slow_mo_ms=slow_mo, reporter=reporter
        ) as runner:
            return await runner.run(mode, targets, evidence)

    stopped: str | None = None
    try:
        if json_:
            results = asyncio.run(go(QuietReporter()))
        else:
            with ConsoleReporter(err, words) as reporter:
                results = asyncio.run(go(reporter))
    except BrowserNotFound as exc:
        evidence.interrupt(str(exc))
        usage_error(str(exc))
    except RunStopped as exc:
        results, stopped = exc.results, exc.reason
    except KeyboardInterrupt:
        evidence.interrupt("interrupted (Ctrl-C)")
        err.print(
            f"optout: interrupted; what was recorded so far is in {shown(evidence.manifest_path)}",
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
    if json_:
        _json_out([r.model_dump(mode="json") for r in results])
    elif not stopped:
        print_summary(err, results, words)
        err.print(
            f"Evidence: {shown(evidence.directory)} (manifest.json lists every file with its SHA-256)",
            markup=False,
            soft_wrap=True,
        )
    if stopped:
        err.print(
            f"optout: stopped: {stopped}; what was recorded is in {shown(evidence.manifest_path)}",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(ExitCode.PROBLEM)
    raise typer.Exit(exit_code(results))


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
    ) -> None:
        _run(mode, platform, account, origin, json_, out, headed, slow_mo, timeout)

    command.__doc__ = doc
    return command


app.command("check", epilog=EXIT_HELP)(
    _mode_command(Mode.CHECK, "Sign in, open each setting, read its state and save a screenshot. Changes nothing.")
)
app.command("off", epilog=EXIT_HELP)(
    _mode_command(
        Mode.OFF,
        "Switch each setting off: read it, click it once only if it is on, reload and verify it stayed off, "
        "with before/after screenshots. Never switches anything on.",
    )
)


# -- history --------------------------------------------------------------------------------------


HISTORY_HELP = (
    "Show the timeline of each setting's states, from every run recorded in this home.\n\n"
    "One block per account and setting, oldest first; a state that differs from the one before is marked "
    "'changed'. The history is OPTOUT_HOME/history.db (or the platform's data folder)."
)


@app.command("history", help=HISTORY_HELP)
def history_command(
    platform: Annotated[str | None, typer.Option("--platform", metavar="PLATFORM", help="Only this platform.")] = None,
    account: AccountOpt = None,
    json_: JsonOpt = False,
) -> None:
    from optout.timeline import timelines

    store = _history()
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
        out.print(Text.assemble((f"{line.platform}  {line.account}", "bold"), f"  {line.setting}"))
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
    from optout.demo import run_demo
    from optout.runner import RunStopped

    _browser_options(headed, slow_mo)
    flows = _flows()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        usage_error(describe_write_error(exc, out))
    try:
        words = ResultWords(Mode.CHECK, _titles(flows), headed=True, next_steps=False)
        with ConsoleReporter(err, words) as reporter:
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
    print_rows(err, headers, rows, title="optout demo summary", heading=2)
    err.print(f"Evidence: {shown(report.evidence_dir)}\nManifest: {shown(report.manifest)}", markup=False)
    if report.unsigned:
        err.print(f"optout: {report.unsigned}", markup=False, soft_wrap=True)
    check = command("optout", "verify", "--all")
    err.print(f"Check it: OPTOUT_HOME={shlex.quote(shown(report.home))} {check}", markup=False, soft_wrap=True)
    verdict = "every account behaved as designed" if report.as_designed else "some accounts did NOT behave as designed"
    err.print(f"Demo result: {verdict}.")
    raise typer.Exit(ExitCode.OK if report.as_designed else ExitCode.PROBLEM)


@app.command()
def sandbox(
    port: Annotated[
        int, typer.Option(metavar="PORT", min=0, max=65535, help="Port on 127.0.0.1 (0: any free port).")
    ] = 8000,
) -> None:
    """Serve the local replica of the platforms' pages until interrupted, and print its demo accounts.

    Point optout at it with --origin PLATFORM=URL; the command prints the URL to use for each platform."""
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
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


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
