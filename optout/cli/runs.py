"""`optout check` and `optout off`."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path
from typing import Annotated

import typer

from optout.accounts import config as accounts
from optout.accounts import keyrings
from optout.accounts.saved_sessions import SessionStore
from optout.cli.common import (
    TIMEOUT_RANGE,
    AccountOpt,
    BrowserWsOpt,
    CdpOpt,
    HeadedOpt,
    JobsOpt,
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
    grid_browser,
    jobs_for,
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
from optout.language.flow import Flow
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


TraceOpt = Annotated[
    bool,
    typer.Option(
        "--trace",
        help="Also keep a Playwright trace of each account's pages (screenshots and page snapshots of every "
        "action) in the evidence, for optout report-broken. Nothing is recorded while signing in, and "
        "cookies are removed; it shows the pages unmasked (your name, e-mail).",
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
    submit_objection: bool = False,
    objection_reason: str | None = None,
    choose: list[str] | None = None,
    trace: bool = False,
    jobs: int | None = None,
    browser_ws: str | None = None,
) -> None:
    bounded("--timeout", timeout, TIMEOUT_RANGE, "seconds")
    reason = _objection_reason(submit_objection, objection_reason)
    browser_options(headed, slow_mo)
    if trace and (profile is not None or cdp is not None):
        # The person's own browser holds their other tabs and sites: never recorded.
        usage_error("--trace records only the browser optout starts: not with --browser-profile or --cdp")
    if trace and mask_pii:
        # A trace's screenshots and snapshots show the pages as they are: no masked copy exists.
        usage_error("--trace keeps the pages unmasked: not with --mask-pii")
    flows = all_flows()
    traffic = traffic_map(origin, flows)
    chosen = selected_targets(names, account, flows)
    own = own_browser(profile, cdp, chosen, traffic)
    own = {**own, **grid_browser(browser_ws, own, headed)}
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
    parallel = jobs_for(jobs, own, interactive=interactive)
    options = Options(
        timeout_s=timeout,
        interactive=interactive,
        send_requests=submit_objection,
        request_reason=reason,
        choices=_choices(choose or [], [flows[p] for p in sorted({a.platform for a in chosen})]),
    )
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
        # Each account's context closes once its settings are done: memory stays bounded by --jobs.
        lambda runner: runner.run(mode, targets, evidence, parallel=parallel, close_done=True),
        evidence,
        words,
        json_=json_,
        runner={
            "traffic": traffic,
            "options": options,
            "headed": headed,
            "slow_mo_ms": slow_mo,
            "sessions": sessions,
            "trace": trace,
            **own,
        },
    )
    print_results(results, stopped, evidence, words, json_)
    raise typer.Exit(ExitCode.PROBLEM if stopped else exit_code(results))


def check_command(
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
    trace: TraceOpt = False,
    jobs: JobsOpt = None,
    browser_ws: BrowserWsOpt = None,
) -> None:
    """Sign in (or reuse the saved session), open each setting, read its state and save a screenshot.
    Changes nothing."""
    _run(
        Mode.CHECK, platform, account, origin, json_, out, headed, slow_mo, timeout, mask_pii, browser_profile, cdp,
        trace=trace, jobs=jobs, browser_ws=browser_ws,
    )  # fmt: skip


SubmitObjectionOpt = Annotated[
    bool,
    typer.Option(
        "--submit-objection",
        help="For a setting that is a request rather than a switch (Meta's objection form): send it in your "
        "name, once, keeping the e-mail the form shows. Without it such a setting is reported, nothing sent.",
    ),
]

ObjectionReasonOpt = Annotated[
    str | None,
    typer.Option(
        "--objection-reason",
        metavar="TEXT",
        help="What to write in the form's optional reason field (with --submit-objection); left empty without it.",
        show_default=False,
    ),
]

#: The longest reason a form is given: a few paragraphs, never a file pasted by mistake.
REASON_MAX = 2000


def _objection_reason(submit: bool, reason: str | None) -> str | None:
    if reason is None:
        return None
    if not submit:
        usage_error("--objection-reason goes with --submit-objection (the reason is written in the form it sends)")
    text = reason.strip()
    if not text or len(text) > REASON_MAX:
        usage_error(f"--objection-reason: give 1 to {REASON_MAX} characters of text")
    # Control, format (bidi overrides, zero-width) and unassigned characters: nothing a person meant to send.
    if any(unicodedata.category(c).startswith("C") and c != "\n" for c in text):
        usage_error("--objection-reason: only printable text and line breaks")
    return text


ChooseOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--choose",
        metavar="NAME",
        help="Also do what a platform offers beyond switching off, named as optout platforms lists it (Gemini: "
        "delete-activity, which also deletes the activity kept so far and cannot be undone). Repeatable.",
        show_default=False,
    ),
]


def _choices(names: list[str], flows: list[Flow]) -> frozenset[str]:
    offered = {name: flow.platform for flow in flows for name in flow.choices}
    unknown = sorted(set(names) - set(offered))
    if unknown:
        have = ", ".join(f"{p} {n}" for n, p in sorted(offered.items())) or "none"
        usage_error(f"--choose {unknown[0]}: no platform of this run offers it (offered: {have})")
    return frozenset(names)


def off_command(
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
    submit_objection: SubmitObjectionOpt = False,
    objection_reason: ObjectionReasonOpt = None,
    choose: ChooseOpt = None,
    trace: TraceOpt = False,
    jobs: JobsOpt = None,
    browser_ws: BrowserWsOpt = None,
) -> None:
    """Switch each setting off: read it, click it once only if it is on, reload and verify it stayed off,
    with before/after screenshots. Never switches anything on. A setting that is a request (a form sent in
    your name) is sent only with --submit-objection. Sessions are saved and reused as for check (see
    optout login --help)."""
    _run(
        Mode.OFF,
        platform,
        account,
        origin,
        json_,
        out,
        headed,
        slow_mo,
        timeout,
        mask_pii,
        browser_profile,
        cdp,
        submit_objection=submit_objection,
        objection_reason=objection_reason,
        choose=choose,
        trace=trace,
        jobs=jobs,
        browser_ws=browser_ws,
    )
