"""`optout check` and `optout off`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from optout.accounts import config as accounts
from optout.accounts import keyrings
from optout.accounts.saved_sessions import SessionStore
from optout.cli.common import (
    TIMEOUT_RANGE,
    AccountOpt,
    CdpOpt,
    HeadedOpt,
    JsonOpt,
    OriginOpt,
    OutOpt,
    ProfileOpt,
    SlowMoOpt,
    TimeoutOpt,
    account_targets,
    all_flows,
    bounded,
    browser_options,
    drive_run,
    options_for_login,
    own_browser,
    print_results,
    release_holds,
    rerun_words,
    run_evidence,
    selected_targets,
    setting_titles,
    traffic_map,
    usage_error,
)
from optout.cli.output import ResultWords
from optout.engine.context import Mode, Options
from optout.paths import home
from optout.results import ExitCode, exit_code


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


PlatformsArg = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="PLATFORM",
        help="Platforms to run (default: every platform with a configured account).",
        show_default=False,
    ),
]

MaskPiiOpt = Annotated[
    bool,
    typer.Option(
        "--mask-pii",
        help="Save only screenshots with the account's name, photo and e-mail masked (by default each "
        "screenshot is saved twice: as shown, and masked for sharing).",
    ),
]


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
    bounded("--timeout", timeout, TIMEOUT_RANGE, "seconds")
    browser_options(headed, slow_mo)
    flows = all_flows()
    traffic = traffic_map(origin, flows)
    chosen = selected_targets(names, account, flows)
    own = own_browser(profile, cdp, chosen, traffic)
    # A mapped run (a local server answers) uses only what was stored for mapped runs, and counts only for
    # them: never the real password, saved session, last known state or hold.
    mapped = traffic is not None
    # A keyring that cannot be used now (a scheduler's environment, say) is not refused here: each
    # account then reports needs_attention naming the fix, and the run is recorded like any other.
    keyring_problem = _keyring_problem()
    rerun = rerun_words(origin, own)
    targets = account_targets(chosen, flows, mapped=mapped, login_options=options_for_login(origin, own))
    release_holds(chosen, mapped=mapped)
    interactive = headed and sys.stdin.isatty() and sys.stderr.isatty()
    options = Options(timeout_s=timeout, interactive=interactive)
    platforms = sorted({a.platform for a in chosen})
    evidence = run_evidence(
        out,
        mode.value,
        {p: flows[p].version for p in platforms},
        traffic=traffic,
        mask_pii=mask_pii,
        keyring_problem=keyring_problem,
    )
    sessions = SessionStore(home(), keyring_problem=keyring_problem, mapped=mapped)
    words = ResultWords(mode, setting_titles(flows), headed=interactive, rerun=rerun)
    results, stopped = drive_run(
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
    print_results(results, stopped, evidence, words, json_)
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


check_command = _mode_command(
    Mode.CHECK,
    "Sign in (or reuse the saved session), open each setting, read its state and save a screenshot. Changes nothing.",
)

off_command = _mode_command(
    Mode.OFF,
    "Switch each setting off: read it, click it once only if it is on, reload and verify it stayed off, "
    "with before/after screenshots. Never switches anything on. Sessions are saved and reused as for check "
    "(see optout login --help).",
)
