"""`optout canary PLATFORM`: for the people who keep flows, whether the platform's public sign-in page
still shows what its flow expects. Opt-in: nothing in optout runs it by itself."""

from __future__ import annotations

import asyncio
import contextlib
import textwrap
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from optout.cli.common import OriginOpt, PlatformArg, TimeoutOpt, all_flows, json_out, stdout_console, usage_error
from optout.engine.canary import GROUPS
from optout.results import ExitCode, where

if TYPE_CHECKING:
    from optout.browser.traffic import TrafficMap
    from optout.engine.canary import CanaryReport
    from optout.language.flow import Flow

CANARY_HELP = (
    "Load PLATFORM's public sign-in page, without an account, and report which of its flow's sign-in "
    "signals still match: how the flow recognises the sign-in page and a signed-out page, and the sign-in "
    "form's fields and button, located by role and name as a sign-in would find them.\n\n"
    "Nothing is typed, clicked (not even a cookie banner) or sent. For the people who keep flows, to run "
    "by hand: nothing in optout runs it by itself. Signals of another page (an auth wall) are listed as "
    "elsewhere, steps after the first click as later: neither is checked."
)
GROUP_MEANS = {
    "sign-in page": "how the flow knows the sign-in page, before anything is typed",
    "signed out": "how the flow knows nobody is signed in",
    "sign-in form": "the login steps' fields and buttons, found but never used",
}
CANARY_EXIT = (
    "Exit status: 0 every signal checked matched; 1 some are missing (the flow may need a fix); 2 usage error, "
    "an unknown platform, or the page could not be loaded (one line)."
)


async def _canary(flow: Flow, traffic: TrafficMap | None, timeout_s: float) -> CanaryReport:
    from playwright.async_api import async_playwright

    from optout.browser.launch import launch
    from optout.engine.canary import run_canary

    async with async_playwright() as playwright:
        # As a run's: with --origin nothing but the mapped site is reached (no other host resolves, no service
        # worker fetches around the mapping, no page the site opens goes unmapped).
        browser = await launch(playwright, offline=traffic is not None)
        try:
            context = await browser.new_context(service_workers="block" if traffic is not None else "allow")
            page = await context.new_page()
            mapped = await traffic.attach(context, page) if traffic is not None else None
            if traffic is not None:
                context.on("page", _close_unless(page))
            try:
                return await run_canary(page, flow, timeout_s)
            finally:
                if mapped is not None:
                    await mapped.close()
        finally:
            await browser.close()


def canary_command(
    platform: PlatformArg,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
    origin: OriginOpt = None,
    timeout: TimeoutOpt = 15.0,
) -> None:
    from optout.cli.common import traffic_map

    flows = all_flows()
    if platform not in flows:
        usage_error(f"unknown platform {platform!r} (known: {', '.join(flows)})")
    if not 1 <= timeout <= 600:
        usage_error("--timeout must be between 1 and 600 seconds")
    flow = flows[platform]
    traffic = traffic_map(origin, flows)
    from playwright.async_api import Error as PlaywrightError

    from optout.browser.errors import first_line
    from optout.browser.launch import BrowserNotFound

    url = flow.login.url
    try:
        report = asyncio.run(_canary(flow, traffic, timeout))
    except BrowserNotFound as exc:
        usage_error(str(exc))
    except PlaywrightError as exc:
        usage_error(f"could not load {where(url)}: {first_line(exc, url_named=True)}")
    if not report.checks:
        usage_error(f"could not read {where(url)}: the page never settled within {timeout:g} s")
    code = ExitCode.OK if report.all_found else ExitCode.SETTING_ON
    if json_:
        json_out(
            {
                "platform": report.platform,
                "url": report.url,
                "final_url": report.final_url,
                "http_status": report.http_status,
                "all_found": report.all_found,
                "unmatched_groups": report.unmatched_groups,
                "checks": [
                    {"group": c.group, "signal": c.what, "status": c.status, "note": c.note} for c in report.checks
                ],
                "requests_sent": dict(sorted(report.sent.items())),
                "sent_by_page_scripts": report.sent_by_page,
            }
        )
        raise typer.Exit(code)
    out = stdout_console()
    status = f" (HTTP {report.http_status})" if report.http_status is not None else ""
    out.print(Text(f"{flow.name} sign-in page: {where(report.final_url)}{status}"), soft_wrap=True)
    width = min(out.width, 80)
    for group in GROUPS:
        checks = [c for c in report.checks if c.group == group]
        if not checks:
            continue
        out.print(Text(f"\n{group.capitalize()} ({GROUP_MEANS[group]}):"))
        for c in checks:
            line = f"{c.status:<9} {c.what}" + (f" ({c.note})" if c.note else "")
            wrapped = textwrap.fill(
                line, width, initial_indent="  ", subsequent_indent=" " * 12, break_on_hyphens=False
            )
            out.print(Text(wrapped))
    out.print()
    for group in report.unmatched_groups:
        out.print(Text(f"No {group} signal matched: the flow would not recognise this page."), soft_wrap=True)
    missing = sum(c.status == "missing" for c in report.checks)
    verdict = "every signal checked matched" if report.all_found else f"{missing} signal(s) missing"
    sent = ", ".join(f"{n} {method}" for method, n in sorted(report.sent.items())) or "none"
    said = f"{verdict.capitalize()}. Nothing was typed or clicked; the page's own requests: {sent}."
    if report.sent_by_page:
        said += f" Sent by the page's own scripts as it loaded: {', '.join(report.sent_by_page)}."
    out.print(Text(textwrap.fill(said, width, break_long_words=False, break_on_hyphens=False)))
    raise typer.Exit(code)


def _close_unless(keep: Any) -> Any:
    async def close_other(page: Any) -> None:
        if page != keep:
            with contextlib.suppress(Exception):
                await page.close()

    return close_other
