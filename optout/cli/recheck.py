"""`optout recheck`: unattended re-checks, drift and alerts."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from optout.accounts import config as accounts
from optout.accounts import keyrings
from optout.accounts.saved_sessions import SessionStore
from optout.browser.traffic import TrafficMap
from optout.cli.common import (
    EXIT_HELP,
    TIMEOUT_RANGE,
    AccountOpt,
    BrowserWsOpt,
    CdpOpt,
    JobsOpt,
    JsonOpt,
    OriginOpt,
    ProfileOpt,
    Stopped,
    TimeoutOpt,
    account_targets,
    all_flows,
    bounded,
    drive_run,
    err,
    grid_browser,
    jobs_for,
    open_history,
    options_for_login,
    own_browser,
    print_results,
    rerun_words,
    run_evidence,
    selected_targets,
    setting_titles,
    traffic_map,
    usage_error,
)
from optout.cli.output import ResultWords
from optout.engine.context import Mode, Options
from optout.evidence.history import HistoryError
from optout.language.flow import Flow
from optout.paths import home
from optout.results import ExitCode, Result

if TYPE_CHECKING:
    from optout.engine.runner import Runner


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
    jobs: JobsOpt = None,
    browser_ws: BrowserWsOpt = None,
) -> None:
    from optout.recheck import drift as re_check

    bounded("--timeout", timeout, TIMEOUT_RANGE, "seconds")
    where = home()
    try:
        config = accounts.load_config(where)
    except accounts.ConfigError as exc:
        usage_error(str(exc))
    try:
        flows = all_flows()
        traffic = traffic_map(origin, flows)
        chosen = selected_targets(None, account, flows)
        own = own_browser(browser_profile, cdp, chosen, traffic)
        own = {**own, **grid_browser(browser_ws, own, False)}
        with re_check.one_at_a_time(where):
            results, stopped = _recheck(
                chosen,
                flows,
                traffic,
                out or where.data_dir / "evidence",
                json_,
                fix,
                timeout,
                own,
                origin,
                jobs_for(jobs, own),
            )
    except re_check.RecheckBusy as exc:
        usage_error(str(exc), ExitCode.PROBLEM)  # the re-check running meanwhile speaks for both
    except Stopped as exc:
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
    parallel: int = 1,
) -> tuple[list[Result], str | None]:
    from optout.recheck import drift as re_check

    own = own or {}
    # A mapped re-check compares with, and holds, only what mapped runs recorded; a real one only real runs.
    mapped = traffic is not None
    rerun = rerun_words(origin, own)
    store = open_history()
    try:
        holds = store.holds(mapped=mapped)
        last_known = store.last_known(mapped=mapped)
        platforms = sorted({a.platform for a in chosen})
        no_keyring = _unattended_keyring()
        evidence = run_evidence(
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
        targets = account_targets(
            [a for a in chosen if (a.platform, a.username) not in holds],
            flows,
            no_keyring=no_keyring,
            mapped=mapped,
            login_options=options_for_login(origin, own),
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
            # An account that drifted stays open for --fix: its sign-in is done once per run, in its context.
            found = await runner.run(
                Mode.CHECK,
                targets,
                evidence,
                annotate=annotate,
                parallel=parallel,
                close_done=lambda results: not (fix and any(r.drift for r in results)),
            )
            drifted = [r for r in found if r.drift]
            if not (fix and drifted):
                return found
            switched = await runner.run(
                Mode.OFF,
                re_check.only(targets, drifted),
                evidence,
                annotate=re_check.fixed,
                parallel=parallel,
                close_done=True,
            )
            by_key = {(r.platform, r.account, r.setting): r for r in switched}
            return [by_key.get((r.platform, r.account, r.setting), r) for r in found]

        words = ResultWords(Mode.CHECK, setting_titles(flows), headed=False, rerun=rerun)
        options = Options(timeout_s=timeout, interactive=False)
        sessions = SessionStore(home(), keyring_problem=no_keyring, mapped=mapped)
        runner = {"traffic": traffic, "options": options, "headed": False, "sessions": sessions, **own}
        results, stopped = drive_run(work, evidence, words, json_=json_, runner=runner)
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
    print_results(results, stopped, evidence, words, json_)
    return results, stopped


def _alert(results: list[Result], stopped: str | None, hook: list[str] | None) -> None:
    from optout.recheck import alerts

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
