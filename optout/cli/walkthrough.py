"""`optout demo --walkthrough`: one sandbox account switched off in slow motion, for a room to follow.

The account of a platform's sandbox (or of the Pattern Lab, one pattern alone) is switched off through
the menus, as a person would go: each element is outlined before it is acted on, each step captioned
("Step 3 of 7: …"), screenshotted, and paused on; the browser's video is recorded; `walkthrough.html`
puts the numbered screenshots, the friction numbers and the named patterns on one page that needs no
network. A first pass, unrecorded and on a sandbox of its own, counts the steps so that captions can say
"of 7". The recorded pass joins the demo home's history (`optout report --friction` shows it there).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from optout.browser.traffic import OriginSpec, build_traffic_map
from optout.browser.video import recording_enabled
from optout.cli.demo import DEMO_HOME, demo_home, person_sessions, register_demo_accounts
from optout.engine.context import Mode, Options
from optout.engine.runner import Runner
from optout.evidence import signing
from optout.evidence.history import History
from optout.evidence.recorder import RunEvidence
from optout.evidence.signing import Signer
from optout.language.flow import Flow
from optout.paths import home
from optout.patterns.catalogue import Pattern
from optout.recheck.drift import reverted
from optout.results import DarkPattern, Outcome, Result, State
from optout.sandbox import DEMO_ACCOUNTS, DemoAccount, SandboxServer
from optout.trainer.narrator import Narrator
from optout.trainer.page import WalkStep, Walkthrough, write_walkthrough_html

#: How long each step stays on screen, and Playwright's slow motion between browser actions.
PAUSE_S = 1.2
SLOW_MO_MS = 150.0


@dataclass(frozen=True)
class WalkthroughRun:
    folder: Path
    page: Path
    walk: Walkthrough
    results: list[Result]


#: The Pattern Lab's page with no pattern, to compare with: `--pattern clean`.
CLEAN = Pattern(
    name="clean",
    title="A clean control",
    effect="No pattern: off by default, two pages from the settings home, no dialog.",
    detection="",
    method="rule",
    refs=(),
)


def walkthrough_account(flow: Flow, pattern: Pattern | None) -> DemoAccount:
    """The account shown: the pattern's own in the Pattern Lab, else the platform's plain English one."""
    accounts = [d for d in DEMO_ACCOUNTS if d.platform == flow.platform]
    if pattern is not None:
        return next(d for d in accounts if d.variant == pattern.name)
    plain = [d for d in accounts if d.variant == "normal"]
    return next((d for d in plain if d.language == "en"), plain[0] if plain else accounts[0])


async def _pass(
    flow: Flow,
    account: DemoAccount,
    out_dir: Path,
    home_dir: Path,
    narrator: Narrator,
    *,
    modes: tuple[Mode, ...],
    video_dir: Path | None,
    slow_mo_ms: float,
) -> list[Result]:
    """One run of the account on a fresh sandbox: `modes` in order, each in a new browser context."""
    with SandboxServer() as server, demo_home(home_dir):
        spec = OriginSpec(platform=flow.platform, base_url=server.origin_url(flow.platform))
        traffic = build_traffic_map([spec], {flow.platform: flow.origins})
        targets = [t for t in register_demo_accounts({flow.platform: flow}) if t.username == account.username]
        sessions = person_sessions(server.base_url, targets)
        history = History.open(home().history_file)
        try:
            signer: Signer | None = signing.signer(home())
        except signing.SigningUnavailable:
            signer = None
        evidence = RunEvidence(
            out_dir,
            "demo",
            {flow.platform: flow.version},
            history=history,
            signer=signer,
            mappings=traffic.routes if traffic else {},
            mask_pii=True,
            request_records=False,
        )
        options = Options(timeout_s=15.0, send_requests=True, by_menus=True, watch=narrator)
        results: list[Result] = []
        try:
            for number, mode in enumerate(modes):
                # A later mode starts afresh (a new sign-in), as a later re-check of the account would.
                async with Runner(
                    traffic=traffic,
                    options=options,
                    slow_mo_ms=slow_mo_ms,
                    sessions=sessions if number == 0 else None,
                    video_dir=video_dir if number == 0 else None,
                ) as runner:
                    results += await runner.run(mode, targets, evidence)
        finally:
            evidence.finish()
            history.close()
        return results


async def run_walkthrough(
    flow: Flow,
    pattern: Pattern | None,
    out_dir: Path,
    *,
    pause_s: float = PAUSE_S,
    slow_mo_ms: float = SLOW_MO_MS,
    progress: Callable[[str], None] = lambda _: None,
) -> WalkthroughRun:
    account = walkthrough_account(flow, pattern)
    # A setting that comes back by itself is shown coming back: switched off, then read at a new sign-in.
    modes = (Mode.OFF, Mode.CHECK) if pattern is not None and pattern.name == "silent_revert" else (Mode.OFF,)
    key = pattern.name if pattern is not None else flow.platform
    folder = out_dir.absolute() / f"walkthrough-{key}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    progress("counting the steps")
    counting = Narrator(folder=None)
    with tempfile.TemporaryDirectory(prefix="optout-walkthrough-") as scratch:
        await _pass(
            flow, account, Path(scratch), Path(scratch) / "home", counting, modes=modes, video_dir=None, slow_mo_ms=0
        )
    narrator = Narrator(folder=folder, total=len(counting.steps), pause_s=pause_s, said=progress)
    raw_video = folder / "video"
    with recording_enabled() as no_video:
        results = await _pass(
            flow,
            account,
            out_dir,
            out_dir / DEMO_HOME,
            narrator,
            modes=modes,
            video_dir=None if no_video else raw_video,
            slow_mo_ms=slow_mo_ms,
        )
    video = _keep_video(raw_video, folder / "walkthrough.webm")
    off = results[0]
    patterns = list(off.dark_patterns)
    if len(results) > 1 and off.state is State.OFF and results[1].state is State.ON:
        patterns = reverted(off, f"{off.finished_at:%Y-%m-%d}").dark_patterns
    steps = [
        WalkStep(number=i, total=len(narrator.steps), caption=s.caption, screenshot=s.screenshot, kind=s.kind)
        for i, s in enumerate(narrator.steps, 1)
        if s.screenshot is not None
    ]
    setting = flow.settings[0]
    title = setting.title.by_locale["en"][0]
    walk = Walkthrough(
        title=f"{pattern.title}: {pattern.effect}" if pattern is not None else f"{flow.name}: switching off {title}",
        platform=flow.name,
        account=account.username,
        setting=title,
        outcome=off.outcome.value,
        state=off.state.value,
        started_at=off.started_at,
        steps=steps,
        friction=off.friction,
        patterns=[_shown_from(p, folder) for p in patterns],
        video=video.name if video is not None else None,
        video_missing_reason=no_video or (None if video is not None else "the browser recorded no video"),
    )
    return WalkthroughRun(folder=folder, page=write_walkthrough_html(walk, folder), walk=walk, results=results)


def _keep_video(raw: Path, target: Path) -> Path | None:
    videos = sorted(raw.glob("*.webm"), key=lambda p: p.stat().st_mtime) if raw.is_dir() else []
    if not videos:
        return None
    videos[0].replace(target)  # the first context's: the run being walked through
    shutil.rmtree(raw, ignore_errors=True)
    return target


def _shown_from(seen: DarkPattern, folder: Path) -> DarkPattern:
    """The pattern with its screenshot's path relative to the walkthrough's page."""
    path = seen.evidence.screenshot
    if path is None:
        return seen
    relative = os.path.relpath(Path(path).absolute(), folder)
    return seen.model_copy(update={"evidence": seen.evidence.model_copy(update={"screenshot": relative})})


def as_designed(run: WalkthroughRun) -> bool:
    return run.results[0].outcome in (Outcome.SWITCHED_OFF, Outcome.ALREADY_OFF, Outcome.REQUESTED)


def friction_line(run: WalkthroughRun) -> str:
    f = run.walk.friction
    if f is None:
        return "Friction: the setting was not reached"
    parts = [
        _count(f.clicks, "click"),
        _count(f.keystrokes, "keystroke"),
        _count(f.page_loads, "page load"),
        f"{f.depth} deep" if f.depth is not None else "not reached",
        f"{f.seconds_to_control:g} s to the control" if f.seconds_to_control is not None else "",
        _count(f.confirmations, "confirmation"),
        f"first read {f.first_state.value}" if f.first_state is not None else "",
    ]
    return "Friction: " + ", ".join(p for p in parts if p)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def walkthrough_command(
    flows: dict[str, Flow], platforms: list[str], pattern_name: str | None, out: Path, slow_mo_ms: float = 0
) -> None:
    """The CLI side of `optout demo --walkthrough`: picks the flow, runs, prints where it all is."""
    import asyncio

    import typer

    from optout.browser.launch import BrowserNotFound
    from optout.cli.common import err, stdout_console, usage_error
    from optout.engine.runner import RunStopped
    from optout.evidence.history import HistoryError
    from optout.files import NO_SPACE, describe_write_error
    from optout.patterns.catalogue import CATALOGUE, NOT_A_VERDICT, pattern
    from optout.results import ExitCode

    chosen: Pattern | None = None
    if pattern_name is not None:
        chosen = CLEAN if pattern_name.strip().lower() == "clean" else pattern(pattern_name)
        if chosen is None:
            usage_error(
                f"no pattern {pattern_name!r} (optout patterns lists them: {', '.join(p.name for p in CATALOGUE)})"
            )
        if platforms:
            usage_error("--walkthrough shows one platform or one pattern: give --platform or --pattern, not both")
        from optout.sandbox.patternlab import flow as lab_flow

        flow = lab_flow()
    else:
        if len(platforms) > 1:
            usage_error("--walkthrough shows one platform at a time: give --platform once")
        name = platforms[0] if platforms else ("linkedin" if "linkedin" in flows else sorted(flows)[0])
        flow = flows[name]
    say = err.print

    def progress(caption: str) -> None:
        say(f"  {caption}", markup=False, soft_wrap=True, highlight=False)

    try:
        slow = slow_mo_ms or SLOW_MO_MS
        run = asyncio.run(run_walkthrough(flow, chosen, out, slow_mo_ms=slow, progress=progress))
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
        err.print("optout: walkthrough interrupted")
        raise typer.Exit(130) from None
    stdout = stdout_console()
    result = run.results[0]
    stdout.print(f"{run.walk.title}", markup=False, soft_wrap=True)
    stdout.print(f"Result: {result.outcome.value} ({result.state.value}), {len(run.walk.steps)} steps", markup=False)
    stdout.print(friction_line(run), markup=False, soft_wrap=True)
    names = ", ".join(p.name for p in run.walk.patterns) or "none"
    stdout.print(f"Patterns seen: {names}", markup=False, soft_wrap=True)
    stdout.print(f"Walkthrough: {run.page}", markup=False, soft_wrap=True)
    if run.walk.video is not None:
        stdout.print(f"Video: {run.folder / run.walk.video}", markup=False, soft_wrap=True)
    else:
        stdout.print(f"Video: none ({run.walk.video_missing_reason})", markup=False, soft_wrap=True)
    stdout.print(NOT_A_VERDICT, markup=False, soft_wrap=True)
    raise typer.Exit(ExitCode.OK)
