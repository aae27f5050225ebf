"""`optout scan PLATFORM --account A`: sign in as the flow does (or with the saved session), open each
setting's page as the flow does (or a page the person names), and list what looks like the setting
there. The flow's own steps take it there (a menu's link may be clicked on the way, as in a check); on
the page itself nothing is clicked, typed or changed, and no evidence is recorded."""

from __future__ import annotations

import asyncio
import contextlib
from typing import cast

from playwright.async_api import Error as PlaywrightError
from pydantic import BaseModel, ConfigDict

from optout.browser.errors import first_line
from optout.engine.account_session import AccountSession
from optout.engine.context import Mode, Notify, Options, RunContext
from optout.engine.page_state import wait_for_state
from optout.engine.phases import SettingPhases
from optout.engine.scan import candidates
from optout.engine.stop import NotOffered, Stop
from optout.evidence.recorder import RunEvidence
from optout.language.flow import Flow, Setting
from optout.language.targets import PageState
from optout.results import Candidate, Outcome, scrub_urls, where

# How long a page that draws its settings late is given to settle before it is read.
SETTLE_S = 5.0


class ScannedPage(BaseModel):
    """One page scanned: which setting it was opened for, where it ended, whether it is the setting's page
    as the flow knows it, and why not."""

    model_config = ConfigDict(extra="forbid")

    setting: str | None = None
    url: str | None = None
    #: The flow recognised the setting's own page there (None: a page the person named, or no flow).
    reached: bool | None = None
    #: Why the flow did not reach it, or why the page could not be scanned (not signed in, say).
    reason: str | None = None
    #: The flow found its control there (None: not looked for: not reached, a form, a page named).
    control_found: bool | None = None
    #: The page was read; False when it could not be (a sign-in page, a challenge, a refused password).
    scanned: bool = True
    candidates: list[Candidate] = []


async def scan_setting(
    session: AccountSession,
    flow: Flow,
    setting: Setting,
    options: Options,
    *,
    url: str | None = None,
    notify: Notify = lambda _: None,
) -> ScannedPage:
    """Reach the setting's page (or `url`, signed in) and list its candidates. Never raises for what the
    page does: a page that could not be reached is scanned where the flow stopped, when signed in."""
    # No screenshot is taken here: there is no evidence to keep (a scan is not a check).
    ctx = RunContext(session, flow, setting, options, cast(RunEvidence, None), notify, notify, Mode.CHECK)
    phases = SettingPhases(ctx)
    reached: bool | None = None
    reason: str | None = None
    try:
        if url is None:
            await phases.reach()
            reached = True
        else:
            await phases.steps.goto(url, signed_in=True)
    except NotOffered:
        reached, reason = False, "the page says this account has no such setting"
    except Stop as stop:
        reached = False if url is None else None
        reason = stop.reason
        if stop.outcome is Outcome.NEEDS_ATTENTION or not await _signed_in(ctx):
            # A sign-in page, a challenge or a refused password: nothing of the account's to scan.
            return ScannedPage(
                setting=setting.id, url=_where(ctx), reached=reached, reason=scrub_urls(reason), scanned=False
            )
    except PlaywrightError as exc:
        reason = f"the page could not be read: {first_line(exc)}"
        return ScannedPage(setting=setting.id, url=_where(ctx), reached=False, reason=reason, scanned=False)
    control_found: bool | None = None
    if reached and setting.control is not None:
        # Found as a check finds it (nothing clicked): a maintainer learns whether the flow still works here.
        try:
            await phases.control.find()
            control_found = True
        except (Stop, NotOffered) as stop:
            control_found, reason = False, str(stop) or "the page says this account has no such setting"
    with contextlib.suppress(PlaywrightError):
        await ctx.page.wait_for_load_state("networkidle", timeout=SETTLE_S * 1000)
    found = await candidates(ctx.page, options.timeout_s)
    return ScannedPage(
        setting=setting.id, url=_where(ctx), reached=reached, control_found=control_found,
        reason=scrub_urls(reason) if reason else None, candidates=found,
    )  # fmt: skip


async def _signed_in(ctx: RunContext) -> bool:
    """Whether the page shown says the account is signed in (a moved page may say neither: then yes)."""
    phases = SettingPhases(ctx)
    with contextlib.suppress(PlaywrightError, asyncio.TimeoutError):
        found = await wait_for_state(ctx.page, phases.signin.rules, min(ctx.options.timeout_s, 3.0))
        return found is None or found.state is PageState.SIGNED_IN
    return False


def _where(ctx: RunContext) -> str | None:
    return where(ctx.page.url) if not ctx.page.is_closed() else None
