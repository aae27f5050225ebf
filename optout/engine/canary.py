"""The canary: a platform's public sign-in page, loaded without an account, and which of its flow's
sign-in signals still match. Nothing is typed and nothing is clicked, not even a cookie banner: every
check reads the page (signals as the engine reads them, the sign-in form's fields and button located
by role and name the way a login would find them, without acting on them)."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from playwright.async_api import Error as PlaywrightError

from optout.engine.locate import Ambiguous, find_now, tolerant_pattern
from optout.engine.page_state import any_holds, read_facts
from optout.language.steps import ClickStep, FillStep, GotoStep, PressStep, ReloadStep, WhenStep
from optout.language.targets import PageState, Signal, Target
from optout.results import where

if TYPE_CHECKING:
    from playwright.async_api import Page, Request

    from optout.language.flow import Flow

# found / missing: checked on this page. elsewhere: the signal's url names another page (an auth wall, a
# second sign-in path). later: a step after the first click, on a page only a sign-in would reach.
Status = Literal["found", "missing", "elsewhere", "later"]
GROUPS = ("sign-in page", "signed out", "sign-in form")


@dataclass(frozen=True)
class Check:
    group: str
    what: str
    status: Status
    note: str = ""


@dataclass
class CanaryReport:
    platform: str
    url: str
    final_url: str = ""
    http_status: int | None = None
    checks: list[Check] = field(default_factory=list)
    # Requests the page sent, by method: the proof that nothing was submitted. Some sign-in pages'
    # own scripts send some as they load (X starts its login flow): those are listed, by address.
    sent: Counter[str] = field(default_factory=Counter)
    sent_by_page: list[str] = field(default_factory=list)

    @property
    def unmatched_groups(self) -> list[str]:
        """Groups none of whose checks matched: what the flow would no longer recognise."""
        # A group all of whose checks are for later pages says nothing about this one.
        present = [g for g in GROUPS if any(c.group == g and c.status != "later" for c in self.checks)]
        return [g for g in present if not any(c.group == g and c.status == "found" for c in self.checks)]

    @property
    def all_found(self) -> bool:
        checked = bool(self.checks)  # a page never read is no match
        return checked and not self.unmatched_groups and not any(c.status == "missing" for c in self.checks)


def describe_signal(signal: Signal) -> str:
    parts: list[str] = []
    if signal.url is not None:
        parts.append("url " + " or ".join(signal.url))
    if signal.selector is not None:
        parts.append(f"element {signal.selector}")
    for name, texts in (
        ("text", signal.text),
        ("heading", signal.heading),
        ("title", signal.title),
        ("alert", signal.alert),
    ):
        if texts is not None:
            parts.append(f'{name} "{texts.all()[0]}"')
    return ", ".join(parts)


def _form_targets(flow: Flow) -> list[tuple[str, Target | None, bool]]:
    """The login steps' targets in order: (what, target, expected on the first page). A step after the
    first click, key or navigation is on a later page; a `when` step's are conditional (never counted)."""
    found: list[tuple[str, Target | None, bool]] = []
    first_page = True
    for step in flow.login.steps:
        if isinstance(step, FillStep):
            found.append((f"{step.fill} field: {step.into.describe()}", step.into, first_page))
        elif isinstance(step, ClickStep) and isinstance(step.click, Target):
            found.append((f"click: {step.click.describe()}", step.click, first_page))
        elif isinstance(step, PressStep) and step.on is not None:
            found.append((f"key {step.press} on: {step.on.describe()}", step.on, first_page))
        elif isinstance(step, WhenStep):
            found.append((f"only when shown: {', '.join(describe_signal(s) for s in step.when)}", None, False))
        if isinstance(step, (ClickStep, PressStep, GotoStep, ReloadStep)):
            first_page = False
    return found


async def _read(page: Page, flow: Flow) -> list[Check]:
    signed_out = [s for r in flow.recognise if r.state == PageState.SIGNED_OUT for s in r.when]
    covers = [s for o in flow.overlays for s in o.when]
    facts = await read_facts(page, [*flow.login.page, *signed_out, *covers])
    form = _form_targets(flow)
    # `login.page` is the page the password is typed on: on a later page when a click comes first. A
    # saved_session flow types nothing: its `login.page` is the page a person signs in on, this one.
    password_here = flow.login.method == "saved_session" or any(
        t is not None and now and what.startswith("password field") for what, t, now in form
    )
    shown = [o.name for o in flow.overlays if any_holds(facts, o.when)]
    checks: list[Check] = []
    for group, group_signals in (("sign-in page", flow.login.page), ("signed out", signed_out)):
        for signal in group_signals:
            if group == "sign-in page" and not password_here:
                status: Status = "later"
            elif signal.url is not None and not any(u in where(facts.url) for u in signal.url):
                status = "elsewhere"
            else:
                status = "found" if any_holds(facts, [signal]) else "missing"
            checks.append(Check(group, describe_signal(signal), status))
    for what, target, expected in form:
        if target is None or not expected:
            checks.append(Check("sign-in form", what, "later"))
            continue
        note = ""
        try:
            status = "found" if await find_now(page, target) is not None else "missing"
        except Ambiguous as exc:
            status, note = "missing", str(exc)
        if status == "missing" and shown and await _behind(page, target):
            # A modal dialog (a cookie banner) hides the form from the accessibility tree until a sign-in
            # dismisses it; the canary never does, so it looks behind it.
            status, note = "found", f"behind {shown[0]}, which the canary does not dismiss"
        checks.append(Check("sign-in form", what, status, note))
    return checks


async def _behind(page: Page, target: Target) -> bool:
    """Whether `target` is on the page once hidden elements count too (role and name only)."""
    if target.role is None or target.name is None or target.within is not None:
        return False
    named = page.get_by_role(target.role, name=tolerant_pattern(target.name.all()), include_hidden=True)
    return await named.count() == 1


async def run_canary(page: Page, flow: Flow, timeout_s: float) -> CanaryReport:
    """Open the flow's sign-in page on `page` (mapped or not, as the caller set it up) and check it. A page
    that draws its form late is read again until everything matches or `timeout_s` runs out. Raises
    PlaywrightError when the page cannot be loaded."""
    report = CanaryReport(flow.platform, flow.login.url)

    def seen(request: Request) -> None:
        report.sent[request.method] += 1
        if request.method not in ("GET", "HEAD"):
            report.sent_by_page.append(f"{request.method} {where(request.url)}")

    page.on("request", seen)
    response = await page.goto(flow.login.url, wait_until="domcontentloaded", timeout=timeout_s * 1000)
    report.http_status = response.status if response is not None else None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        try:
            report.checks = await _read(page, flow)
        except PlaywrightError:
            report.checks = []  # between two documents: read the next one
        report.final_url = page.url
        if (report.checks and report.all_found) or loop.time() >= deadline:
            return report
        await asyncio.sleep(0.25)
