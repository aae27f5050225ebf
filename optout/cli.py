"""The `optout` command line."""

from __future__ import annotations

import asyncio
import functools
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.status import Status
from rich.table import Table

from optout import __version__, accounts
from optout.browser import BrowserNotFound
from optout.engine import Mode, Options
from optout.evidence import RunEvidence
from optout.flow import Flow, FlowError, load_flow
from optout.mapping import OriginSpec, OriginSpecError, build_traffic_map
from optout.paths import home
from optout.registry import flow_files, load_all
from optout.results import ExitCode, Outcome, Result, exit_code

app = typer.Typer(
    name="optout",
    help=(
        "Check and switch off the 'use my data to train generative AI' settings in your own accounts, "
        "keeping screenshot evidence of what was seen and done.\n\n"
        "Try it without an account: optout demo."
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
app.add_typer(accounts_app, name="accounts")

err = Console(stderr=True, highlight=False)

EXIT_HELP = (
    "Exit status: 0 every setting is off; 1 a setting is still on; 2 usage or configuration error; "
    "3 a run failed or needs your attention."
)


def usage_error(message: str) -> NoReturn:
    err.print(f"optout: error: {message}", markup=False, soft_wrap=True)
    raise typer.Exit(ExitCode.USAGE)


def _flows() -> dict[str, Flow]:
    try:
        return load_all()
    except FlowError as exc:
        usage_error(str(exc))


def _json_out(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


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
                    "settings": [{"id": s.id, "title": s.title.by_locale["en"][0], "url": s.url} for s in f.settings],
                }
                for f in flows.values()
            ]
        )
        return
    table = Table("Platform", "Name", "Setting", "URL", box=None)
    for f in flows.values():
        for s in f.settings:
            table.add_row(f.platform, f.name, s.title.by_locale["en"][0], s.url)
    Console().print(table)


@flows_app.command("validate")
def flows_validate(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Flow files to check (default: every bundled flow).")
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
        err.print(f"ok  {path}  ({flow.name}, version {flow.version}, {len(flow.settings)} setting(s))")


# -- accounts ---------------------------------------------------------------------------------


@accounts_app.command("add")
def accounts_add(
    platform: Annotated[str, typer.Argument(help="Platform id, as listed by 'optout platforms'.")],
    username: Annotated[str, typer.Argument(help="The e-mail or user name you sign in with.")],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from the first line of standard input instead of prompting."
        ),
    ] = False,
    locale: Annotated[str | None, typer.Option(help="Browser language for this account, e.g. fr-FR.")] = None,
) -> None:
    """Store an account: the password in the system keyring, the account (no secret) in the config file."""
    if platform not in _flows():
        usage_error(f"unknown platform {platform!r} (see: optout platforms)")
    if not username.strip():
        usage_error("empty username")
    # Everything that can fail is checked before the password is asked for or stored.
    try:
        accounts.usable_keyring()
        config = accounts.load_config(home())
        home().config_dir.mkdir(parents=True, exist_ok=True)
    except (accounts.ConfigError, accounts.KeyringUnavailable) as exc:
        usage_error(str(exc))
    except OSError as exc:
        usage_error(f"cannot use {home().config_dir}: {exc.strerror}")
    account = accounts.Account(platform=platform, username=username, locale=locale)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {username} on {platform}: ")
    if not password:
        usage_error("empty password")
    try:
        accounts.store_password(platform, username, password)
    except accounts.KeyringUnavailable as exc:
        usage_error(str(exc))
    config.accounts = [a for a in config.accounts if (a.platform, a.username) != (platform, username)]
    config.accounts.append(account)
    try:
        accounts.save_config(home(), config)
    except OSError as exc:
        accounts.delete_password(platform, username)
        usage_error(f"cannot write {home().config_file}: {exc.strerror}")
    err.print(f"Added {platform} account {username} (password stored in the keyring).")


@accounts_app.command("list")
def accounts_list(json_: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False) -> None:
    """List configured accounts. Passwords are never shown."""
    try:
        config = accounts.load_config(home())
    except accounts.ConfigError as exc:
        usage_error(str(exc))
    if json_:
        _json_out([a.model_dump() for a in config.accounts])
        return
    if not config.accounts:
        err.print("No accounts. Add one with: optout accounts add PLATFORM USERNAME")
        return
    table = Table("Platform", "Account", "Locale", box=None)
    for a in config.accounts:
        table.add_row(a.platform, a.username, a.locale or "")
    Console().print(table)


@accounts_app.command("remove")
def accounts_remove(
    platform: Annotated[str, typer.Argument(help="Platform id.")],
    username: Annotated[str, typer.Argument(help="The account's user name.")],
) -> None:
    """Forget an account and delete its password from the keyring."""
    try:
        config = accounts.load_config(home())
    except accounts.ConfigError as exc:
        usage_error(str(exc))
    account = config.find(platform, username)
    if account is None:
        usage_error(f"no {platform} account {username!r} is configured")
    try:
        accounts.delete_password(platform, username)
    except accounts.KeyringUnavailable as exc:
        usage_error(str(exc))
    config.accounts.remove(account)
    accounts.save_config(home(), config)
    err.print(f"Removed {platform} account {username} and its keyring entry.")


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
OutOpt = Annotated[Path, typer.Option("--out", metavar="DIR", help="Where evidence runs are written.")]
HeadedOpt = Annotated[
    bool,
    typer.Option(
        "--headed",
        help="Show the browser window. On a terminal you can then complete a PIN, app approval or CAPTCHA yourself.",
    ),
]
SlowMoOpt = Annotated[
    float, typer.Option("--slow-mo", metavar="MS", min=0, help="Slow every browser action down by MS milliseconds.")
]
TimeoutOpt = Annotated[
    float, typer.Option("--timeout", metavar="SECONDS", min=1, help="How long to wait for any one page or control.")
]


class ConsoleReporter:
    """Rich progress on stderr: a spinner with the current step, a line per result."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._status: Status | None = None

    def __enter__(self) -> ConsoleReporter:
        self._status = self.console.status("starting the browser")
        self._status.start()
        return self

    def __exit__(self, *_: object) -> None:
        if self._status is not None:
            self._status.stop()

    def status(self, text: str) -> None:
        if self._status is not None:
            self._status.update(text)

    def alert(self, text: str) -> None:
        self.console.print(f"[bold yellow]![/] {escape(text)}")

    def result(self, result: Result) -> None:
        mark = {"failed": "[red]✗[/]", "needs_attention": "[yellow]![/]"}.get(result.outcome.value, "[green]✓[/]")
        verified = ", verified after reload" if result.verified else ""
        line = f"{mark} {result.platform} {escape(result.account)}: {result.outcome.value} (state {result.state.value}"
        self.console.print(f"{line}{verified})" + (f" — {escape(result.reason)}" if result.reason else ""))


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
    from optout.runner import AccountTarget, QuietReporter, Runner

    flows = _flows()
    try:
        specs = [OriginSpec.parse(o) for o in origin or []]
        traffic = build_traffic_map(specs, {p: f.origins for p, f in flows.items()})
    except OriginSpecError as exc:
        usage_error(str(exc))
    chosen = _selected_targets(names, account, flows)
    try:
        accounts.usable_keyring()
    except accounts.KeyringUnavailable as exc:
        usage_error(str(exc))
    targets = [
        AccountTarget(
            flow=flows[a.platform],
            username=a.username,
            locale=a.locale,
            password=functools.partial(accounts.get_password, a.platform, a.username),
        )
        for a in chosen
    ]
    interactive = headed and sys.stdin.isatty() and sys.stderr.isatty()
    options = Options(timeout_s=timeout, interactive=interactive)
    try:
        evidence = RunEvidence(out, mode.value, {p: flows[p].version for p in sorted({a.platform for a in chosen})})
    except OSError as exc:
        usage_error(f"cannot write evidence under {out}: {exc.strerror}")

    async def go(reporter: QuietReporter | ConsoleReporter) -> list[Result]:
        async with Runner(
            traffic=traffic, options=options, headed=headed, slow_mo_ms=slow_mo, reporter=reporter
        ) as runner:
            return await runner.run(mode, targets, evidence)

    try:
        if json_:
            results = asyncio.run(go(QuietReporter()))
        else:
            with ConsoleReporter(err) as reporter:
                results = asyncio.run(go(reporter))
    except BrowserNotFound as exc:
        usage_error(str(exc))
    except KeyboardInterrupt:
        err.print(f"optout: interrupted; what was recorded so far is in {evidence.manifest_path}")
        raise typer.Exit(130) from None
    finally:
        evidence.finish()
    code = exit_code(results)
    if json_:
        _json_out([r.model_dump(mode="json") for r in results])
    else:
        _print_summary(results, evidence)
    raise typer.Exit(code)


def _print_summary(results: list[Result], evidence: RunEvidence) -> None:
    table = Table("Platform", "Account", "State", "Outcome", "Verified", "Reason", title="optout summary")
    colour = {Outcome.FAILED: "red", Outcome.NEEDS_ATTENTION: "yellow"}
    for r in results:
        style = colour.get(r.outcome, "green")
        table.add_row(
            r.platform,
            escape(r.account),
            r.state.value,
            f"[{style}]{r.outcome.value}[/]",
            "yes" if r.verified else "no",
            escape(r.reason or ""),
        )
    err.print(table)
    err.print(f"Evidence: {evidence.directory} (manifest.json lists every file with its SHA-256)")


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


# -- demo and sandbox -------------------------------------------------------------------------------


@app.command()
def demo(
    out: OutOpt = Path("screenshots"),
    headed: HeadedOpt = False,
    slow_mo: SlowMoOpt = 0,
) -> None:
    """Run check then off on every demo account of the built-in sandbox, in a throwaway home.

    Nothing leaves this machine. Exit status 0 when every sandbox account behaved as it is designed
    to (its failures included), 3 otherwise."""
    from optout.demo import run_demo

    flows = _flows()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        usage_error(f"cannot write evidence under {out}: {exc.strerror}")
    try:
        with ConsoleReporter(err) as reporter:
            report = asyncio.run(run_demo(flows, out, reporter=reporter, headed=headed, slow_mo_ms=slow_mo))
    except BrowserNotFound as exc:
        usage_error(str(exc))
    except KeyboardInterrupt:
        err.print("optout: demo interrupted")
        raise typer.Exit(130) from None
    table = Table(title="optout demo summary")
    for header in ("Account", "check", "off", "As designed"):
        table.add_column(header, no_wrap=True)
    table.add_column("What it shows", overflow="fold", min_width=20)
    for row in report.rows:
        cells = [
            r.outcome.value + ("" if r.state.value == "unknown" else f" ({r.state.value})")
            for r in (row.check, row.off)
        ]
        table.add_row(
            row.account.username, *cells, "[green]yes[/]" if row.as_designed else "[red]NO[/]", row.account.description
        )
    err.print(table)
    err.print(f"Evidence: {report.evidence_dir}\nManifest: {report.manifest}")
    verdict = "every account behaved as designed" if report.as_designed else "some accounts did NOT behave as designed"
    err.print(f"Demo result: {verdict}.")
    raise typer.Exit(ExitCode.OK if report.as_designed else ExitCode.PROBLEM)


@app.command()
def sandbox(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port on 127.0.0.1 (0: any free port).")] = 8000,
) -> None:
    """Serve the local replica of the platforms' pages until interrupted, and print its demo accounts.

    Point optout at it with --origin PLATFORM=URL; the command prints the URL to use for each platform."""
    import threading

    from optout.sandbox import DEMO_ACCOUNTS, SandboxServer

    try:
        server = SandboxServer(port=port).start()
    except OSError as exc:
        usage_error(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}")
    out = Console()
    out.print(f"Sandbox serving on {server.base_url}  (Ctrl-C to stop)")
    table = Table("Platform", "Username", "Password", "Shows", title="Demo accounts", box=None)
    for d in DEMO_ACCOUNTS:
        note = d.description + ("" if d.demo_password == d.password else f" (the demo stores {d.demo_password})")
        table.add_row(d.platform, d.username, d.password, note)
    out.print(table)
    for platform in sorted({d.platform for d in DEMO_ACCOUNTS}):
        out.print(f"  --origin {platform}={server.origin_url(platform)}")
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
    app()
