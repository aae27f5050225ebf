"""Running a flow's steps: go to a URL, click, fill, press a key, wait for a page signal, run steps
only when their page is shown, dismiss an overlay, read a state from a row's name, reload, open again.
Each step keeps the safety rules: a secret is typed only on the flow's sign-in page and origin, a
step with an origin constraint acts only there, and nothing is clicked through an overlay."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator

from optout import names
from optout.context import RunContext, where
from optout.control import ControlDriver
from optout.flow import (
    SECRET_SOURCES,
    ClickStep,
    DismissStep,
    FillStep,
    GotoStep,
    NameState,
    PressStep,
    ReadNameStateStep,
    ReloadStep,
    ReopenStep,
    StepBase,
    Target,
    WaitForStep,
    WhenStep,
)
from optout.locate import Ambiguous, GaveUp, NotFound, accessible_name, find
from optout.overlays import Overlays
from optout.page_state import shows
from optout.pointer import Pointer
from optout.results import Outcome, State
from optout.signin import SignIn
from optout.stop import NotOffered, Stop, first_line

Phase = Literal["login", "open", "change", "commit", "verify"]

_PHASE_WORDS = {
    "login": "sign-in",
    "open": "reaching the setting",
    "change": "changing it",
    "commit": "committing the change",
    "verify": "verifying",
}
_FRAME_ORIGIN = "el => el.ownerDocument.defaultView ? el.ownerDocument.defaultView.location.origin : 'null'"


class StepRunner:
    def __init__(self, ctx: RunContext, signin: SignIn, reopen: Callable[[], Awaitable[None]]) -> None:
        self.ctx = ctx
        self.signin = signin
        self.overlays = Overlays(ctx)
        self.pointer = Pointer(ctx, self.overlays)
        self.control = ControlDriver(ctx, self.pointer)
        self._reopen = reopen
        self.last_status: int | None = None  # HTTP status of the last document opened
        self._secret_typed = False

    async def run(self, steps: Sequence[StepBase], phase: Phase) -> None:
        for step in steps:
            if await self.step(step, phase):
                return

    async def step(self, step: StepBase, phase: Phase) -> bool:
        """Run one step. True when the remaining steps of a login no longer apply (a person completed
        the sign-in in the window meanwhile)."""
        if step.origin and not isinstance(step, FillStep):
            self.require_origin(step, where(self.ctx.page.url))
        if isinstance(step, GotoStep):
            await self.goto(step.goto, signed_in=phase != "login")
        elif isinstance(step, ClickStep):
            if step.click == "control":
                await self.control.click_once()
            else:
                await self.click(step.click, phase)
        elif isinstance(step, FillStep):
            await self.fill(step)
        elif isinstance(step, PressStep):
            await self.press(step, phase)
        elif isinstance(step, WaitForStep):
            return await self.signin.wait_for(step.wait_for) and phase == "login"
        elif isinstance(step, WhenStep):
            if await self.settled_and_shows(step):
                await self.run(step.steps, phase)
        elif isinstance(step, DismissStep):
            await self.overlays.dismiss_if_shown(step.dismiss)
        elif isinstance(step, ReadNameStateStep):
            await self.read_name_state(step.read_name_state)
        elif isinstance(step, ReloadStep):
            await self.reload()
        elif isinstance(step, ReopenStep):
            await self._reopen()
        return False

    # -- where the page is ----------------------------------------------------------------------

    def require_origin(self, step: StepBase, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in (step.origin or []):
            allowed = ", ".join(step.origin or [])
            raise Stop(Outcome.FAILED, f"{step.kind} step expected {allowed} but the page is on {where(url)}")

    async def navigate(self, url: str) -> None:
        """Open `url` as a fresh document (also when only its fragment differs from the current URL)."""
        timeout_ms = self.ctx.options.timeout_s * 1000
        try:
            response = await self.ctx.page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
            if response is None and urlsplit(url).fragment:
                response = await self.ctx.page.reload(wait_until="domcontentloaded", timeout=timeout_ms)
        except PlaywrightError as exc:
            raise Stop(Outcome.FAILED, f"could not open {where(url)}: {first_line(exc)}") from None
        self.last_status = response.status if response is not None else None

    async def goto(self, url: str, *, signed_in: bool) -> None:
        await self.navigate(url)
        if signed_in and await self.signin.arrived(self):
            await self.navigate(url)
            await self.signin.arrived(self)

    async def reload(self) -> None:
        self.ctx.status("reloading to verify")
        try:
            response = await self.ctx.page.reload(
                wait_until="domcontentloaded", timeout=self.ctx.options.timeout_s * 1000
            )
        except PlaywrightError as exc:
            raise Stop(Outcome.FAILED, f"reload failed: {first_line(exc)}") from None
        self.last_status = response.status if response is not None else None

    async def settled_and_shows(self, step: WhenStep) -> bool:
        """Whether an optional page is shown, looked at once the platform's requests have gone quiet."""
        loop = asyncio.get_running_loop()
        await self.ctx.session.quiet(self.ctx.setting.quiet_ms / 1000, loop.time() + self.ctx.options.timeout_s)
        return await shows(self.ctx.page, step.when)

    # -- acting on elements -----------------------------------------------------------------------

    async def find(self, target: Target, phase: Phase) -> Locator:
        # A declared overlay (a tour) may hide what is behind it from assistive technology too.
        await self.overlays.clear()
        not_offered = self.ctx.setting.not_offered if phase == "open" else []

        async def not_offered_shown() -> bool:
            return await shows(self.ctx.page, not_offered)

        try:
            return await find(
                self.ctx.page, target, self.ctx.options.timeout_s, give_up=not_offered_shown if not_offered else None
            )
        except GaveUp:
            raise NotOffered() from None
        except (NotFound, Ambiguous) as exc:
            raise Stop(Outcome.FAILED, f"{_PHASE_WORDS[phase]}: {exc}") from None

    def _submitting(self) -> None:
        # Counted before the click or key: one that errors may still have sent the password.
        self.ctx.session.password_submitted = self.ctx.session.password_submitted or self._secret_typed

    async def click(self, target: Target, phase: Phase) -> None:
        element = await self.find(target, phase)
        self._submitting()
        await self.pointer.click(element, target.describe())

    async def press(self, step: PressStep, phase: Phase) -> None:
        await self.overlays.clear()
        self._submitting()
        try:
            if step.on is not None:
                await (await self.find(step.on, phase)).press(step.press)
            else:
                await self.ctx.page.keyboard.press(step.press)
        except PlaywrightError as exc:
            raise Stop(Outcome.FAILED, f"could not press {step.press}: {first_line(exc)}") from None

    async def fill(self, step: FillStep) -> None:
        field = await self.find(step.into, "login")
        if step.fill in SECRET_SOURCES:
            value = await self.secret(step, field)
        else:
            if step.origin:
                self.require_origin(step, where(self.ctx.page.url))
            value = self.ctx.session.username
        try:
            await field.fill(value)
        except PlaywrightError as exc:
            raise Stop(Outcome.FAILED, f"could not type into {step.into.describe()}: {first_line(exc)}") from None
        if step.fill in SECRET_SOURCES:
            self._secret_typed = True

    async def secret(self, step: FillStep, field: Locator) -> str:
        """The secret to type, once the field is known to be on the flow's sign-in page, in a frame whose
        origin is one the step allows (checked now, immediately before typing)."""
        what = "password" if step.fill == "password" else "one-time code"
        try:
            origin = await field.evaluate(_FRAME_ORIGIN)
        except PlaywrightError:
            origin = "an unknown origin"
        on_sign_in_page = await shows(self.ctx.page, self.ctx.flow.login.page)
        if origin not in (step.origin or []) or not on_sign_in_page:
            page_url = where(self.ctx.page.url)
            asked = page_url if page_url.startswith(f"{origin}/") else f"a frame from {origin}"
            raise Stop(
                Outcome.FAILED,
                f"the {what} was asked for on {asked}, which is not {self.ctx.flow.name}'s sign-in page; "
                "nothing was typed",
            )
        if step.fill == "code":
            raise Stop(Outcome.NEEDS_ATTENTION, "the sign-in asks for a one-time code, which optout does not hold")
        try:
            return self.ctx.session.password()
        except Exception as exc:  # noqa: BLE001 - keyring backends raise anything
            raise Stop(Outcome.FAILED, f"cannot read the password from the keyring: {first_line(exc)}") from None

    async def read_name_state(self, spec: NameState) -> None:
        element = await self.find(spec.target, "open")
        # The row may first show a placeholder, like the control itself: read once the page is quiet.
        loop = asyncio.get_running_loop()
        await self.ctx.session.quiet(self.ctx.setting.quiet_ms / 1000, loop.time() + self.ctx.options.timeout_s)
        try:
            name = await accessible_name(element)
        except PlaywrightError as exc:
            raise Stop(Outcome.FAILED, f"cannot read {spec.target.describe()}: {first_line(exc)}") from None
        last = names.words(name)[-1:] if name else []
        on = {w for t in spec.on_words.all() for w in names.words(t)}
        off = {w for t in spec.off_words.all() for w in names.words(t)}
        if last and last[0] in on:
            self.ctx.name_state = State.ON
        elif last and last[0] in off:
            self.ctx.name_state = State.OFF
        else:
            raise Stop(Outcome.FAILED, f'{spec.target.describe()} does not say on or off: "{name}"', about_control=True)
