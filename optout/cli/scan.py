"""`optout scan URL` and `optout scan PLATFORM --account A`: the controls of a page that look like an
AI-training setting, never clicked."""

from __future__ import annotations

import asyncio
import contextlib
import textwrap
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import typer

from optout.cli.common import (
    TIMEOUT_RANGE,
    OriginOpt,
    TimeoutOpt,
    account_targets,
    all_flows,
    bounded,
    json_out,
    options_for_login,
    selected_targets,
    stdout_console,
    traffic_map,
    usage_error,
)
from optout.cli.output import print_rows
from optout.results import Candidate, ExitCode, where

if TYPE_CHECKING:
    from optout.browser.traffic import TrafficMap
    from optout.engine.runner import AccountTarget
    from optout.engine.scan_account import ScannedPage

SCAN_HELP = (
    "List the controls of a page that look like an AI-training setting: role, name, state, the heading "
    "above it, a confidence and why (which words matched, in which language: English, French, German, "
    "Spanish, Italian, Dutch, Portuguese). Personalisation, ads and memory controls are listed below "
    "training ones; a form to object to AI use is listed by its send button.\n\n"
    "optout scan URL opens a page without signing in (a public settings or help page).\n\n"
    "optout scan PLATFORM --account USERNAME signs in as check does (or uses the saved session), opens "
    "each setting's page the way the flow goes there, and lists what is on it, also when the flow no "
    "longer finds its control (then it says where the flow stopped). --url scans another page of the "
    "platform, signed in.\n\n"
    "Nothing a scan lists is clicked, typed into or changed, and no evidence is recorded. When a flow's "
    "control is gone, a check's failed result carries the same list (candidates) and its reason names "
    "the best one."
)
SCAN_EXIT = (
    "Exit status: 0 candidates listed; 1 nothing looks like one; 2 a bad URL or option, or the page did not "
    "open; 3 the account could not be signed in to (its page was not scanned)."
)

UrlOpt = Annotated[
    str | None,
    typer.Option("--url", metavar="URL", help="Scan this page of the platform (signed in) instead of the setting's."),
]
ScanAccountOpt = Annotated[
    str | None,
    typer.Option("--account", metavar="USERNAME", help="The account to sign in as (with PLATFORM)."),
]


def _http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


async def scan_url(url: str, timeout_s: float) -> list[Candidate]:
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright

    from optout.browser.launch import launch
    from optout.engine.scan import candidates

    async with async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            page = await browser.new_page()
            await page.goto(url, wait_until="domcontentloaded", timeout=timeout_s * 1000)
            # A page that draws its settings late: give it a moment to settle, bounded.
            with contextlib.suppress(PlaywrightError):
                await page.wait_for_load_state("networkidle", timeout=min(timeout_s, 5.0) * 1000)
            return await candidates(page, timeout_s)
        finally:
            await browser.close()


async def scan_account(
    target: AccountTarget, traffic: TrafficMap | None, timeout_s: float, url: str | None, mapped: bool
) -> list[ScannedPage]:
    from optout.accounts.saved_sessions import SessionStore
    from optout.engine.context import Options
    from optout.engine.runner import Runner
    from optout.engine.scan_account import scan_setting
    from optout.paths import home

    options = Options(timeout_s=timeout_s)
    sessions = SessionStore(home(), mapped=mapped)
    async with Runner(traffic=traffic, options=options, sessions=sessions) as runner:
        session = await runner.session(target)
        settings = target.flow.settings[:1] if url is not None else target.flow.settings
        return [await scan_setting(session, target.flow, s, options, url=url) for s in settings]


def scan_command(
    target: Annotated[
        str,
        typer.Argument(metavar="URL|PLATFORM", help="An http(s) address to open without signing in, or a platform."),
    ],
    account: ScanAccountOpt = None,
    url: UrlOpt = None,
    origin: OriginOpt = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
    timeout: TimeoutOpt = 15.0,
) -> None:
    bounded("--timeout", timeout, TIMEOUT_RANGE, "seconds")
    if _http(target):
        if account is not None or url is not None or origin:
            usage_error("--account, --url and --origin go with a platform, not with a URL")
        _scan_url(target, json_, timeout)
    else:
        _scan_platform(target, account, url, origin, json_, timeout)


def _scan_url(url: str, json_: bool, timeout: float) -> None:
    from playwright.async_api import Error as PlaywrightError

    from optout.browser.errors import first_line
    from optout.browser.launch import BrowserNotFound

    try:
        found = asyncio.run(scan_url(url, timeout))
    except BrowserNotFound as exc:
        usage_error(str(exc))
    except PlaywrightError as exc:
        usage_error(f"could not open {where(url)}: {first_line(exc, url_named=True)}")
    if json_:
        json_out([c.model_dump(mode="json") for c in found])
    else:
        out = stdout_console()
        if not found:
            out.print(f"Nothing on {where(url)} looks like an AI-training setting.", markup=False, soft_wrap=True)
        else:
            _print_candidates(found)
            out.print("None of them was clicked.", markup=False)
    raise typer.Exit(ExitCode.OK if found else ExitCode.SETTING_ON)


def _scan_platform(
    platform: str, account: str | None, url: str | None, origin: list[str] | None, json_: bool, timeout: float
) -> None:
    from optout.browser.launch import BrowserNotFound
    from optout.engine.runner import AccountUnavailable

    flows = all_flows()
    if platform not in flows:
        usage_error(f"{platform!r} is neither an http(s) address nor a platform (known: {', '.join(sorted(flows))})")
    flow = flows[platform]
    if url is not None and (not _http(url) or flow.origin_of(url) is None):
        usage_error(f"--url {where(url)} is not on {flow.name}'s own addresses ({', '.join(flow.origins)})")
    traffic = traffic_map(origin, flows)
    chosen = selected_targets([platform], account, flows)
    if len(chosen) > 1:
        usage_error(f"say which {platform} account with --account ({', '.join(a.username for a in chosen)})")
    mapped = traffic is not None
    (target,) = account_targets(chosen, flows, mapped=mapped, login_options=options_for_login(origin, {}))
    try:
        pages = asyncio.run(scan_account(target, traffic, timeout, url, mapped))
    except BrowserNotFound as exc:
        usage_error(str(exc))
    except AccountUnavailable as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    listed = any(p.candidates for p in pages)
    unscanned = not any(p.scanned for p in pages)
    if json_:
        dumped = [p.model_dump(mode="json") for p in pages]
        json_out({"platform": platform, "account": target.username, "pages": dumped})
    else:
        _print_pages(flow.name, target.username, pages)
    raise typer.Exit(ExitCode.OK if listed else ExitCode.PROBLEM if unscanned else ExitCode.SETTING_ON)


def _print_pages(name: str, username: str, pages: list[ScannedPage]) -> None:
    out = stdout_console()

    def say(text: str, indent: str = "  ") -> None:
        # Wrapped at the terminal's width, continuation lines indented under the first.
        width = max(40, out.width)
        out.print(
            textwrap.fill(text, width, initial_indent=indent, subsequent_indent=indent + "  ", break_on_hyphens=False),
            markup=False,
        )

    for page in pages:
        say(f"{name} · {username} · {page.setting}", indent="")
        out.print(f"  {page.url or 'no page'}", markup=False, soft_wrap=True)  # an address is never broken
        if page.control_found:
            say("The flow reached the setting's page and found its control.")
        elif page.reached is True and page.control_found is None:
            say("The flow reached the setting's page.")
        elif page.reason:
            say(f"The flow stopped: {page.reason}")
        if not page.scanned:
            say("Not scanned: the account is not signed in there.")
        elif page.candidates:
            _print_candidates(page.candidates)
        else:
            say("Nothing there looks like an AI-training setting.")
    if any(p.candidates for p in pages):
        out.print("None of them was clicked.", markup=False)


def _print_candidates(found: list[Candidate]) -> None:
    rows = [[f"{c.confidence:.2f}", c.role, c.name, c.state, c.where or "", "; ".join(c.why)] for c in found]
    print_rows(stdout_console(), ["Confidence", "Role", "Name", "State", "Under", "Why"], rows, heading=2)
