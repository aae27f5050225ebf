"""`optout scan URL`: the controls of a page that look like an AI-training setting, never clicked."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated
from urllib.parse import urlsplit

import typer

from optout.cli.common import TimeoutOpt, json_out, stdout_console, usage_error
from optout.cli.output import print_rows
from optout.results import Candidate, ExitCode, where

SCAN_HELP = (
    "List the controls of a page that look like an AI-training setting: role, name, state, the heading "
    "above it, a confidence and why (which words matched, in which language: English, French, German, "
    "Spanish, Italian, Dutch, Portuguese).\n\n"
    "The page is opened without signing in (a public settings or help page); nothing on it is clicked, "
    "typed or changed. Personalisation, ads and memory controls are listed below training ones. When a "
    "flow's control is gone, the failed result carries the same list (candidates) and its reason names "
    "the best one."
)
SCAN_EXIT = (
    "Exit status: 0 candidates listed; 1 nothing on the page looks like one; 2 a bad URL or the page did not open."
)


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


def scan_command(
    url: Annotated[str, typer.Argument(metavar="URL", help="An http(s) address to open, without signing in.")],
    json_: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
    timeout: TimeoutOpt = 15.0,
) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        usage_error(f"{url!r} is not an http(s) address")
    if not 1 <= timeout <= 600:
        usage_error("--timeout must be between 1 and 600 seconds")
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
            rows = [[f"{c.confidence:.2f}", c.role, c.name, c.state, c.where or "", "; ".join(c.why)] for c in found]
            print_rows(out, ["Confidence", "Role", "Name", "State", "Under", "Why"], rows, heading=2)
            out.print("None of them was clicked.", markup=False)
    raise typer.Exit(ExitCode.OK if found else ExitCode.SETTING_ON)
