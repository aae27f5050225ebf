"""`optout platforms`, `flows validate`, `demo` and `sandbox`."""

from __future__ import annotations

import asyncio
import shlex
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from optout.browser.launch import BrowserNotFound
from optout.cli.common import (
    HeadedOpt,
    OutOpt,
    SlowMoOpt,
    all_flows,
    browser_options,
    err,
    json_out,
    setting_titles,
    stdout_console,
    usage_error,
)
from optout.cli.output import ConsoleReporter, ResultWords, print_rows
from optout.engine.context import Mode
from optout.evidence.history import HistoryError
from optout.files import NO_SPACE, describe_write_error
from optout.invocation import optout_command, shell_lines
from optout.language.flow import FlowError, load_flow
from optout.language.notes import notes
from optout.language.registry import flow_files
from optout.results import ExitCode

if TYPE_CHECKING:
    from rich.console import Console

    from optout.sandbox import DemoAccount, SandboxServer


def platforms(json_: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False) -> None:
    """List the platforms optout knows and the settings it handles on each."""
    flows = all_flows()
    if json_:
        json_out(
            [
                {
                    "platform": f.platform,
                    "name": f.name,
                    "flow_version": f.version,
                    "unverified": f.unverified,
                    "choices": f.choices,
                    "settings": [
                        {"id": s.id, "title": s.title.by_locale["en"][0], "url": s.url, "unverified": s.unverified}
                        for s in f.settings
                    ],
                }
                for f in flows.values()
            ]
        )
        return
    out = stdout_console()
    rows = [[f.platform, f.name, s.title.by_locale["en"][0], s.url] for f in flows.values() for s in f.settings]
    print_rows(out, ["Platform", "Name", "Setting", "URL"], rows, heading=2)
    # What `off --choose NAME` may add on a platform (never done unasked).
    for f in flows.values():
        for name, what in f.choices.items():
            line = f"{f.name}: off --choose {name}: {what}"
            out.print(Text(textwrap.fill(line, out.width, subsequent_indent="    ")))
    # What the flows rest on but no public source confirms: people should know before trusting a run.
    for f in flows.values():
        notes = list(dict.fromkeys([*f.unverified, *(n for s in f.settings for n in s.unverified)]))
        if notes:
            out.print(Text(f"\n{f.name}: not confirmed by public sources (marked [unverified] in the flow):"))
            for note in notes:
                out.print(Text(textwrap.fill(note, out.width, initial_indent="  - ", subsequent_indent="    ")))


def flows_validate(
    files: Annotated[
        list[Path] | None,
        typer.Argument(metavar="FILE", help="Flow files to check (default: every bundled flow).", show_default=False),
    ] = None,
) -> None:
    """Validate flow files against the flow model; exit 2 at the first broken one.

    Under each valid file, a note for each signal that leans on a name the platform may change (a class,
    a src or title, a data-* attribute outside the stable hooks: the signal then misses, and a page no
    signal recognises stops the run) and for each signal that reads words beyond headings, alerts and
    named elements (allowed only on the one page its url pins down)."""
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
        for line in notes(flow):
            wrapped = textwrap.wrap(line, 80, initial_indent="    note: ", subsequent_indent=" " * 10)
            err.print("\n".join(wrapped), markup=False, soft_wrap=True)


DEMO_HELP = (
    "Run check then off on every demo account of the built-in sandbox (or of the platforms named), in a demo "
    "home of its own.\n\n"
    # Typer keeps the line breaks of later paragraphs: each paragraph is one line.
    "Nothing leaves this machine, and your own accounts, config and keyring are not touched. Exit status: 0 when "
    "every sandbox account behaved as it is designed to (its designed failures included), 3 otherwise."
)


DemoPlatformOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--platform",
        metavar="PLATFORM",
        help="Only this platform's demo accounts (repeat for several); a trainer showing one platform, say.",
        show_default=False,
    ),
]


WalkthroughOpt = Annotated[
    bool,
    typer.Option(
        "--walkthrough",
        help="Instead: switch off one account in slow motion, each step outlined, captioned and screenshotted, "
        "record a video, and write walkthrough.html (screenshots, friction numbers, patterns named) under "
        "--out: for a room to follow. One platform (--platform; LinkedIn by default) or one pattern (--pattern).",
    ),
]

WalkPatternOpt = Annotated[
    str | None,
    typer.Option(
        "--pattern",
        metavar="NAME",
        help="With --walkthrough: the Pattern Lab's page showing this one dark pattern (optout patterns lists them).",
        show_default=False,
    ),
]


def demo(
    out: OutOpt = Path("screenshots"),
    headed: HeadedOpt = False,
    slow_mo: SlowMoOpt = 0,
    platform: DemoPlatformOpt = None,
    walkthrough: WalkthroughOpt = False,
    pattern: WalkPatternOpt = None,
) -> None:
    from optout.cli.demo import demo_platforms, print_demo_end, run_demo
    from optout.engine.runner import RunStopped

    browser_options(headed, slow_mo)
    flows = all_flows()
    shown_ones = demo_platforms(flows)
    unknown = sorted(set(platform or []) - set(shown_ones))
    if unknown:
        usage_error(f"the demo has no platform {', '.join(unknown)} (it has {', '.join(shown_ones)})")
    if pattern is not None and not walkthrough:
        usage_error("--pattern goes with --walkthrough (optout sandbox --pattern NAME serves the page alone)")
    if walkthrough and headed:
        usage_error("--walkthrough records the browser without a window; leave out --headed")
    if platform:
        flows = {p: f for p, f in flows.items() if p in platform}
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        usage_error(describe_write_error(exc, out))
    if walkthrough:
        from optout.cli.walkthrough import walkthrough_command

        walkthrough_command(flows, platform or [], pattern, out, slow_mo)
    try:
        words = ResultWords(Mode.CHECK, setting_titles(flows), headed=True, next_steps=False)
        with ConsoleReporter(err, words, out=stdout_console()) as reporter:
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
        who = row.account.username
        if len(flows[row.account.platform].settings) > 1:  # one row per setting: say which
            who += f" · {row.check.setting}"
        rows.append([row.account.platform, who, *cells, designed, row.account.description])
    headers = ["Platform", "Account", "check", "off", "As designed", "What it shows"]
    stdout = stdout_console()  # the summary is the demo's result: stdout, as for check and off
    print_rows(stdout, headers, rows, title="optout demo summary", heading=2)
    print_demo_end(stdout, report)
    verdict = "every account behaved as designed" if report.as_designed else "some accounts did NOT behave as designed"
    stdout.print(f"Demo result: {verdict}.")
    raise typer.Exit(ExitCode.OK if report.as_designed else ExitCode.PROBLEM)


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


PatternOpt = Annotated[
    str | None,
    typer.Option(
        "--pattern",
        metavar="NAME",
        help="Show one deceptive-design pattern alone (optout patterns lists them; clean: none): print the "
        "address of a Pattern Lab page showing it, signed in, and the commands that run optout on it, instead "
        "of the accounts.",
    ),
]


FaultOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--fault",
        metavar="KIND[:ACCOUNT]",
        help="Inject a fault into every page (of one account: its username after a colon), as a site on a bad "
        "day: slow, http_500, drop, expire_session, overlay, reload_loop, spinner or language. Repeatable. "
        "POST /__sandbox__/faults sets finer ones (a path, the Nth request).",
        show_default=False,
    ),
]

LearnersOpt = Annotated[
    int | None,
    typer.Option(
        "--learners",
        metavar="N",
        min=1,
        max=500,
        help="Serve a class: a whole sandbox for each of N learners (their own accounts and settings), at "
        "/learner/K/PLATFORM, over worker processes; prints each learner's address.",
        show_default=False,
    ),
]

WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        metavar="W",
        min=1,
        max=64,
        help="With --learners: how many server processes share the learners (default: the CPU count); on "
        "ports PORT, PORT+1...",
        show_default=False,
    ),
]


def sandbox(
    ctx: typer.Context,
    port: SandboxPortOpt = 8000,
    pattern: PatternOpt = None,
    learners: LearnersOpt = None,
    workers: WorkersOpt = None,
    fault: FaultOpt = None,
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from optout.sandbox import DEMO_ACCOUNTS, SandboxServer, create_app
    from optout.sandbox.faults import Fault

    if learners is not None:
        if pattern is not None or fault:
            usage_error("--learners serves the plain sandbox: not with --pattern or --fault")
        from optout.cli.classroom import serve_class

        serve_class(learners, workers, port)
        return
    if workers is not None:
        usage_error("--workers goes with --learners")
    shown = None if pattern is None else _lab_account(pattern)
    try:
        faults = [Fault.parse(text) for text in fault or []]
    except ValueError as exc:
        usage_error(f"--fault: {exc}")
    try:
        server = SandboxServer(port=port, app=create_app(faults=faults)).start()
    except OSError as exc:
        usage_error(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}")
    out = stdout_console()
    out.print(f"Sandbox serving on {server.base_url}  (Ctrl-C to stop)", markup=False)
    for injected in faults:
        out.print(f"  Fault: {injected.kind} on {injected.account or 'every account'}", markup=False)
    if shown is not None:
        _print_pattern(out, server.origin_url("patternlab"), *shown)
        _serve_until_interrupted(server)
        return
    rows = []
    for d in DEMO_ACCOUNTS:
        note = d.description + ("" if d.demo_password == d.password else f" (the demo stores {d.demo_password})")
        rows.append([d.platform, d.username, d.password, note])
    print_rows(out, ["Platform", "Username", "Password", "Shows"], rows, title="Demo accounts", heading=2)
    for platform in sorted({d.platform for d in DEMO_ACCOUNTS}):
        out.print(f"  --origin {platform}={server.origin_url(platform)}", markup=False)
    out.print("Turn a setting back on, as the platform might, for optout recheck to find:", markup=False)
    out.print(f"  the buttons on {server.base_url}/, or", markup=False, soft_wrap=True)
    # Placeholders, not one platform's account: each platform's keys are on the index page.
    out.print(
        f"  optout sandbox set PLATFORM USERNAME KEY on --port {server.port}  (KEY: see the index page)",
        markup=False,
        soft_wrap=True,
    )
    _serve_until_interrupted(server)


def _serve_until_interrupted(server: SandboxServer) -> None:
    import threading

    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def _lab_account(name: str) -> tuple[str, str, str, DemoAccount]:
    """The Pattern Lab account showing this pattern (a name or an alias; `clean`): its name, title and
    effect; an unknown name stops with one line listing the names."""
    from optout.patterns.catalogue import CATALOGUE
    from optout.patterns.catalogue import pattern as find_pattern
    from optout.sandbox.patternlab import CLEAN, for_variant

    if name.strip().lower() == CLEAN:
        account = for_variant(CLEAN)
        assert account is not None
        return (
            CLEAN,
            "No pattern",
            "The switch starts off and turns off in one click: the page to compare with.",
            account,
        )
    known = find_pattern(name)
    account = for_variant(known.name) if known else None
    if known is None or account is None:
        names = ", ".join([*(p.name for p in CATALOGUE), CLEAN])
        usage_error(f"no pattern {name!r}; the Pattern Lab shows: {names}")
    return known.name, known.title, known.effect, account


def _print_pattern(out: Console, origin: str, name: str, title: str, effect: str, account: DemoAccount) -> None:
    from optout.sandbox.patternlab import FLOW_FILE

    def line(text: str) -> None:
        out.print(Text(textwrap.fill(text, min(out.width, 80), subsequent_indent="    ")))

    line(f"Pattern Lab: {title} ({name})")
    line(f"  What it does: {effect}")
    line(f"  This page: {account.description}")
    out.print(f"  Open: {origin}/show/{name}", markup=False, soft_wrap=True)
    out.print(f"  Account: {account.username}  Password: {account.password}", markup=False, soft_wrap=True)
    # The Lab's flow is not among the platforms: OPTOUT_FLOWS_DIR points optout at it, in a home of its
    # own (the mapped password is the Lab's public one).
    line("  Run optout on it from another terminal, in a home of its own:")
    folder = shlex.quote(str(FLOW_FILE.parent))
    out.print(f'    export OPTOUT_HOME="$(mktemp -d)" OPTOUT_FLOWS_DIR={folder}', markup=False, soft_wrap=True)
    add = optout_command("accounts", "add", "patternlab", account.username, "--password-stdin", "--mapped")
    off = optout_command("off", "patternlab", "--origin", f"patternlab={origin}")
    for words in (["printf", "%s", shlex.quote(account.password), "|", *add], off):
        for text in shell_lines(words, min(out.width, 80), indent=4):
            out.print(text, markup=False, soft_wrap=True)


SANDBOX_SET_HELP = (
    "Change a setting of a running sandbox as the platform might by itself (not as a person would), and print "
    "it as read back.\n\nExit status: 0 done; 2 no such platform, account or setting; 3 no sandbox answers on "
    "that port."
)


def sandbox_set(
    platform: Annotated[str, typer.Argument(metavar="PLATFORM", help="A sandbox platform (see optout sandbox).")],
    username: Annotated[str, typer.Argument(metavar="USERNAME", help="A demo account (optout sandbox lists them).")],
    setting: Annotated[
        str,
        typer.Argument(metavar="SETTING", help="The sandbox's key for it, as its page lists them."),
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
    stdout_console().print(
        f"{platform} {username} {setting}: {words[change.after]} (was {words[change.before]})",
        markup=False,
        soft_wrap=True,
    )
