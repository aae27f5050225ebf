"""What every command shares: the consoles, usage errors, flows, keyring and history access, the
options that several commands take, and how a run is driven and reported."""

from __future__ import annotations

import functools
import json
import math
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

from optout.accounts import config as accounts
from optout.accounts import keyrings
from optout.browser.capacity import JOBS_RANGE, MOST, PER_CORE
from optout.browser.launch import BrowserNotFound, display_available, no_display_message
from optout.browser.traffic import OriginSpec, OriginSpecError, TrafficMap, build_traffic_map
from optout.cli.output import ConsoleReporter, Rerun, ResultWords, print_summary, print_unbroken, shown
from optout.evidence import signing
from optout.evidence.history import History, HistoryError
from optout.evidence.manifest import FlowUsed
from optout.evidence.recorder import RunEvidence
from optout.evidence.signing import Signer
from optout.files import NO_SPACE, describe_write_error
from optout.language.flow import Flow, FlowError
from optout.language.registry import load_all, loaded_from
from optout.paths import home
from optout.results import ExitCode, Result

if TYPE_CHECKING:
    from optout.engine.runner import AccountTarget, Runner


MASTER_PASSWORD_EXIT = "3 the keyring's master password was wrong 3 times"

ACCOUNTS_EXIT = f"Exit status: 0 done; 2 usage or configuration error (one line on stderr); {MASTER_PASSWORD_EXIT}."

err = Console(stderr=True, highlight=False)

EXIT_HELP = (
    "Exit status: 0 every setting is off; 1 a setting is still on; 2 usage or configuration error; "
    "3 a run failed, stopped or needs your attention."
)

TIMEOUT_RANGE = (1.0, 600.0)

SLOW_MO_RANGE = (0.0, 10_000.0)


def stdout_console() -> Console:
    return Console(highlight=False)


class Stopped(typer.Exit):
    """A command stopped with one line (usage_error): the line, for a caller that must pass it on."""

    def __init__(self, message: str, code: ExitCode) -> None:
        super().__init__(code)
        self.message = message


def usage_error(message: str, code: ExitCode = ExitCode.USAGE) -> NoReturn:
    err.print(f"optout: error: {message}", markup=False, soft_wrap=True)
    raise Stopped(message, code)


def all_flows() -> dict[str, Flow]:
    try:
        return load_all()
    except FlowError as exc:
        usage_error(str(exc))


def json_out(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def keyring_choice(*, unlock: bool) -> keyrings.KeyringChoice:
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


PlatformArg = Annotated[
    str, typer.Argument(metavar="PLATFORM", help="Platform id, as listed by 'optout platforms'.", show_default=False)
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

BrowserWsOpt = Annotated[
    str | None,
    typer.Option(
        "--browser-ws",
        metavar="URL",
        envvar="OPTOUT_BROWSER_WS",
        help="Run in a browser started by a Playwright browser server (playwright run-server, or a grid that "
        "speaks its protocol) at this ws:// address: on this machine (ws://127.0.0.1:PORT/) or one you name. "
        "Sign-in, --origin mapping and evidence stay here. OPTOUT_BROWSER_WS sets it for schedules.",
        show_default=False,
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

JobsOpt = Annotated[
    int | None,
    typer.Option(
        "-j",
        "--jobs",
        metavar="N",
        envvar="OPTOUT_JOBS",
        help=f"How many accounts run at once, each in its own browser context ({JOBS_RANGE[0]} to "
        f"{JOBS_RANGE[1]}; default: OPTOUT_JOBS, else {PER_CORE} per core as far as the memory available "
        f"allows, at most {MOST}). Results keep the accounts' order. With --browser-profile, --cdp or a "
        "person at --headed, one at a time.",
        show_default=False,
    ),
]


def jobs_for(jobs: int | None, own: dict[str, Any], *, interactive: bool = False) -> int:
    """The accounts run at once: `jobs`, or this machine's default. One in the person's own browser (its
    one profile holds every account's cookies) and where a person may be asked to clear a challenge."""
    from optout.browser.capacity import default_jobs

    shared = own.get("profile") is not None or own.get("cdp") is not None
    if jobs is not None:
        bounded("--jobs", jobs, JOBS_RANGE, "accounts")
        if jobs > 1 and shared:
            usage_error("--jobs runs accounts in separate contexts: not with --browser-profile or --cdp")
        if jobs > 1 and interactive:
            usage_error("--headed asks you to clear challenges one account at a time: not with --jobs above 1")
        return jobs
    return 1 if shared or interactive else default_jobs()


TimeoutOpt = Annotated[
    float,
    typer.Option("--timeout", metavar="SECONDS", help="How long to wait for any one page or control (1 to 600)."),
]


def bounded(name: str, value: float, bounds: tuple[float, float], unit: str) -> None:
    low, high = bounds
    # NaN fails every comparison, so it fails this one too.
    if not (math.isfinite(value) and low <= value <= high):
        usage_error(f"{name} must be a number of {unit} from {low:g} to {high:g}, not {value:g}")


def browser_options(headed: bool, slow_mo: float) -> None:
    """What can be refused before anything starts: a window without a display, an absurd slow-down."""
    bounded("--slow-mo", slow_mo, SLOW_MO_RANGE, "milliseconds")
    if headed and not display_available():
        usage_error(no_display_message())


def selected_targets(names: list[str] | None, account: str | None, flows: dict[str, Flow]) -> list[accounts.Account]:
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


def open_history(*, read_only: bool = False) -> History:
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


def run_evidence(
    out: Path,
    command: str,
    flows: dict[str, str],
    *,
    traffic: TrafficMap | None,
    mask_pii: bool = False,
    keyring_problem: str | None = None,
) -> RunEvidence:
    history = open_history()
    try:
        return RunEvidence(
            out,
            command,
            flows,
            history=history,
            signer=_signer(keyring_problem),
            mappings=dict(traffic.routes) if traffic else {},
            flow_files=_flow_files(flows),
            mask_pii=mask_pii,
            warn=lambda line: err.print(f"optout: {line}", markup=False, soft_wrap=True),
        )
    except OSError as exc:
        usage_error(describe_write_error(exc, out), ExitCode.PROBLEM if exc.errno in NO_SPACE else ExitCode.USAGE)
    except HistoryError as exc:
        usage_error(str(exc), ExitCode.PROBLEM)


def _flow_files(flows: dict[str, str]) -> dict[str, FlowUsed]:
    """Where each platform's flow was read from, for the manifest (as loaded, not as the file is now)."""
    used: dict[str, FlowUsed] = {}
    for platform in flows:
        where = loaded_from(platform)
        if where is not None:
            # Relative (the home's flows/ folder, or the file's name): an absolute path would put the home's
            # location, and the person's login name in it, into every export.
            path = f"flows/{where.path.name}" if where.source == "installed" else where.path.name
            used[platform] = FlowUsed(source=where.source, path=path, sha256=where.sha256)
    return used


def setting_titles(flows: dict[str, Flow]) -> dict[tuple[str, str], str]:
    return {(f.platform, s.id): s.title.by_locale["en"][0] for f in flows.values() for s in f.settings}


def traffic_map(origin: list[str] | None, flows: dict[str, Flow]) -> TrafficMap | None:
    try:
        specs = [OriginSpec.parse(o) for o in origin or []]
        return build_traffic_map(specs, {p: f.origins for p, f in flows.items()})
    except OriginSpecError as exc:
        usage_error(str(exc))


def _origin_words(origin: list[str] | None) -> tuple[str, ...]:
    """The --origin options as words of a command, once they were accepted by traffic_map."""
    specs = [OriginSpec.parse(o) for o in origin or []]
    return tuple(w for spec in specs for w in ("--origin", f"{spec.platform}={spec.base_url}"))


def rerun_words(origin: list[str] | None, own: dict[str, Any]) -> Rerun:
    """What a command this run suggests must carry: its --origin, its browser, its OPTOUT_HOME."""
    words = list(_origin_words(origin))
    if own.get("profile") is not None:
        words += ["--browser-profile", str(own["profile"])]
    if own.get("cdp") is not None:
        words += ["--cdp", str(own["cdp"])]

    where = home()
    return Rerun(tuple(words), str(where.config_dir) if where.scoped else None)


def options_for_login(origin: list[str] | None, own: dict[str, Any]) -> tuple[str, ...]:
    """The options `optout login` needs to open a new session for this run (named in a reason)."""
    words = _origin_words(origin)
    return (*words, "--browser-profile", str(own["profile"])) if own.get("profile") is not None else words


def account_targets(
    chosen: list[accounts.Account],
    flows: dict[str, Flow],
    *,
    no_keyring: str | None = None,
    mapped: bool = False,
    login_options: tuple[str, ...] = (),
) -> list[AccountTarget]:
    """`no_keyring`: why no password can be read here; asking for one then needs a person. `mapped`: a run
    with --origin, which reads only the secrets stored for such runs (accounts add --mapped)."""
    from optout.engine.runner import AccountTarget

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


Work = Callable[["Runner"], Awaitable[list[Result]]]


def own_browser(
    profile: Path | None, cdp: str | None, chosen: list[accounts.Account], traffic: TrafficMap | None
) -> dict[str, Any]:
    """The Runner's options for the person's own browser, refused before anything starts when they
    cannot work: both at once, a DevTools URL off this machine, a profile in use, several accounts,
    --origin in a browser not declared throwaway."""
    from optout.browser.own_browser import THROWAWAY_ENV, OwnBrowserError, cdp_url, profile_in_use

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


def grid_browser(address: str | None, own: dict[str, Any], headed: bool) -> dict[str, Any]:
    """The Runner's option for a browser server (--browser-ws), refused with one line when it cannot work."""
    from optout.browser.grid import GridAddressError, grid_address

    if address is None or not address.strip():
        return {}
    if own:
        usage_error("--browser-ws is a browser of its own: not with --browser-profile or --cdp")
    if headed:
        usage_error("--headed opens a window on this machine: not with --browser-ws")
    try:
        return {"browser_ws": grid_address(address)}
    except GridAddressError as exc:
        usage_error(str(exc))


def drive_run(
    work: Work, evidence: RunEvidence, words: ResultWords, *, json_: bool, runner: dict[str, Any]
) -> tuple[list[Result], str | None]:
    """Run `work` in one browser with progress (none under --json), then seal the evidence. Returns the
    results and, when the run could not go on, why (one line). A Ctrl-C ends the command (exit 130)."""
    from optout.engine.runner import QuietReporter, Runner, RunStopped, Terminated, run_interruptible

    async def go(reporter: QuietReporter | ConsoleReporter) -> list[Result]:
        async with Runner(reporter=reporter, **runner) as driver:
            return await work(driver)

    stopped: str | None = None
    try:
        if json_:
            results = run_interruptible(go(QuietReporter()))
        else:
            with ConsoleReporter(err, words, out=stdout_console()) as reporter:
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
            json_out([r.model_dump(mode="json") for r in evidence.manifest.results])
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


def print_results(
    results: list[Result], stopped: str | None, evidence: RunEvidence, words: ResultWords, json_: bool
) -> None:
    """The results on stdout (JSON, or the summary), and one line on stderr when the run stopped."""
    if json_:
        json_out([r.model_dump(mode="json") for r in results])
    elif not stopped:
        out = stdout_console()
        print_summary(out, results, words)
        print_unbroken(out, "Evidence:", shown(evidence.directory), "(manifest.json lists every file with its SHA-256)")
    if stopped:
        err.print(
            f"optout: stopped: {stopped}; what was recorded is in {shown(evidence.manifest_path)}",
            markup=False,
            soft_wrap=True,
        )


def release_holds(chosen: list[accounts.Account], *, mapped: bool = False) -> None:
    """A person ran a command for these accounts: a re-check may sign in to them again. `mapped`: a command
    for mapped runs (--origin), which releases only their holds, never the real account's."""
    store = open_history()
    try:
        held = store.holds(mapped=mapped)
        for a in chosen:
            if (a.platform, a.username) in held:
                store.release(a.platform, a.username, mapped=mapped)
    except HistoryError as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    finally:
        store.close()
