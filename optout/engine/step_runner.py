"""Running a flow's steps: go to a URL, click, fill, press a key, wait for a page signal, run steps
only when their page is shown, dismiss an overlay, read a state from a row's name, reload, open again,
confirm a dialog that may follow the control's click.
Each step keeps the safety rules: a secret is typed only on the flow's sign-in page and origin, a
step with an origin constraint acts only there, and nothing is clicked through an overlay."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal
from urllib.parse import urlsplit

from playwright.async_api import ElementHandle, Locator
from playwright.async_api import Error as PlaywrightError

from optout.accounts import totp
from optout.accounts.keyrings import KeyringUnavailable
from optout.browser.errors import first_line
from optout.engine.context import RunContext
from optout.engine.control import ControlDriver
from optout.engine.focus import CannotTell, seen_by_the_browser
from optout.engine.locate import (
    Ambiguous,
    GaveUp,
    NotFound,
    accessible_name,
    find,
    find_now,
    mark_seen,
    wait_for_change,
)
from optout.engine.observe import dialog_of
from optout.engine.overlays import Overlays
from optout.engine.page_state import shows
from optout.engine.pointer import Pointer
from optout.engine.signin import SignIn
from optout.engine.stop import NothingToType, NotOffered, Stop
from optout.engine.terms import stop_if_terms_pending
from optout.language import names
from optout.language.steps import (
    SECRET_SOURCES,
    ClickStep,
    ConfirmStep,
    DismissStep,
    FillStep,
    GotoStep,
    NameState,
    PressStep,
    ReadNameStateStep,
    ReloadStep,
    ReopenStep,
    StepBase,
    WaitForStep,
    WhenStep,
)
from optout.language.targets import Target
from optout.results import Outcome, State, where

Phase = Literal["login", "open", "change", "commit", "verify"]

_PHASE_WORDS = {
    "login": "sign-in",
    "open": "reaching the setting",
    "change": "changing it",
    "commit": "committing the change",
    "verify": "verifying",
}
# A field's frame origin and what kind of field it is, read in one look on its element handle.
_FIELD_FACTS = """el => {
  const view = el.ownerDocument.defaultView;
  const input = el instanceof HTMLInputElement;
  return {
    origin: view ? view.location.origin : 'null',
    kind: !input ? 'not-a-field' : el.type === 'password' ? 'password'
      : el.autocomplete === 'one-time-code' ? 'code' : 'text',
  };
}"""

# The value goes into this very element, or nowhere: checked again (still in its document, same origin,
# same kind) in the same breath as it is set, with the native setter and the events a page listens to.
# Not through the keyboard: keys go to whatever has the focus, which a page may move elsewhere.
_SET_VALUE = """(el, [value, origin, kind]) => {
  if (!(el instanceof HTMLInputElement) || !el.isConnected) return 'the field went away';
  const view = el.ownerDocument.defaultView;
  if (!view || view.location.origin !== origin) return 'the page moved to another origin';
  const now = el.type === 'password' ? 'password' : el.autocomplete === 'one-time-code' ? 'code' : 'text';
  if (now !== kind) return 'the field changed kind';
  if (el.matches(':disabled') || el.readOnly) return 'the field is not editable';
  el.focus();
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, value);
  el.dispatchEvent(new Event('input', {bubbles: true}));
  el.dispatchEvent(new Event('change', {bubbles: true}));
  return el.value === value ? '' : 'the page refused the value';
}"""

# Resolves once the field can be typed into (not disabled, not read-only).
_UNTIL_EDITABLE = """el => new Promise(resolve => {
  const editable = () => !el.matches(':disabled') && !el.readOnly;
  if (editable()) return resolve(true);
  const observer = new MutationObserver(() => { if (editable()) { observer.disconnect(); resolve(true); } });
  observer.observe(el.ownerDocument, {attributes: true, subtree: true});
})"""

# The element of this frame's document that has the focus, followed into open shadow roots, and what a key
# pressed on the page would reach through it: "none" (nothing has the focus: the page gets the key),
# "frame" (the document of the frame it holds has the focus) or "element". A closed shadow root hides
# from this script where the focus is inside it: its host, or the body, stands in for that element.
_FOCUSED = """() => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  if (!el || el === document.body || el === document.documentElement) return {kind: 'none', element: null};
  if (['iframe', 'frame', 'object', 'embed'].includes(el.localName)) return {kind: 'frame', element: el};
  return {kind: 'element', element: el};
}"""

_MOVED = "the page moved the focus since optout looked at it; {key} was not pressed"

# How long a page must stand still before an optional page (`when`) is taken as not shown, and how long
# at most a page that keeps changing is given.
_STILL_S = 0.5
_STILL_MAX_S = 3.0

# Typing a value into a field that is there and enabled takes milliseconds; no long retries.
_TYPING_MS = 2000


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
        self._totp_typed = False

    async def run(self, steps: Sequence[StepBase], phase: Phase) -> bool:
        """Run `steps` in order. True when the remaining steps of a login no longer apply (a person
        completed the sign-in in the window meanwhile)."""
        for step in steps:
            if await self.step(step, phase):
                return True
        return False

    async def step(self, step: StepBase, phase: Phase) -> bool:
        """Run one step; True as for `run`."""
        if not step.applies(self.ctx.options.choices):
            return False
        if phase != "login":
            await stop_if_terms_pending(self.ctx)
        if step.origin and not isinstance(step, (FillStep, ClickStep, PressStep)):
            self.require_origin(step, where(self.ctx.page.url))
        if isinstance(step, GotoStep):
            if phase == "open":
                self.ctx.friction.moved()
            await self.goto(step.goto, signed_in=phase != "login")
        elif isinstance(step, ClickStep):
            if step.click == "control":
                await self.control.click_once()
            else:
                if phase == "open":
                    self.ctx.friction.moved()
                await self.click(step, step.click, phase)
        elif isinstance(step, FillStep):
            await self.fill(step)
        elif isinstance(step, PressStep):
            await self.press(step, phase)
        elif isinstance(step, WaitForStep):
            return await self.signin.wait_for(step.wait_for) and phase == "login"
        elif isinstance(step, WhenStep):
            if await self.settled_and_shows(step):
                return await self.run(step.steps, phase)
        elif isinstance(step, DismissStep):
            await self.overlays.dismiss_if_shown(step.dismiss)
        elif isinstance(step, ReadNameStateStep):
            await self.read_name_state(step.read_name_state)
        elif isinstance(step, ReloadStep):
            await self.reload()
        elif isinstance(step, ReopenStep):
            await self._reopen()
        elif isinstance(step, ConfirmStep):
            await self.confirm(step)
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
            self.control.stop_if_reloading()  # the page kept starting again: the cause, said as such
            raise Stop(Outcome.FAILED, f"could not open {where(url)}: {first_line(exc, url_named=True)}") from None
        self.last_status = response.status if response is not None else None
        self.stop_on_server_error()

    def stop_on_server_error(self, doing: str = "") -> None:
        """A page the server answered with an error of its own (5xx): said as such, at once, instead of a page
        no signal recognises. (A 404 is the site's answer, and may be a dead end the menus get around.)"""
        status = self.last_status
        if status is not None and status >= 500:
            raise Stop(Outcome.FAILED, f"the server answered HTTP {status} at {where(self.ctx.page.url)}{doing}")

    async def goto(self, url: str, *, signed_in: bool) -> None:
        await self.ctx.watched("open", where(url))
        await self.navigate(url)
        if not signed_in:
            return
        # A sign-in on the way is not the setting's friction (a saved session skips it).
        with self.ctx.friction.paused():
            if await self.signin.arrived(self):
                await self.navigate(url)
                await self.signin.arrived(self)

    async def reload(self) -> None:
        self.ctx.status("reloading to verify")
        try:
            response = await self.ctx.page.reload(
                wait_until="domcontentloaded", timeout=self.ctx.options.timeout_s * 1000
            )
        except PlaywrightError as exc:
            self.control.stop_if_reloading()
            raise Stop(Outcome.FAILED, f"reload failed: {first_line(exc)}") from None
        self.last_status = response.status if response is not None else None
        self.stop_on_server_error(" (reloading to verify)")

    async def settled_and_shows(self, step: WhenStep) -> bool:
        """Whether an optional page is shown, looked at once the platform's requests have gone quiet and
        the page stood still for a moment: a click's navigation may not have started yet when its
        requests look quiet (a loaded machine), and the page before it is not the answer."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.ctx.options.timeout_s
        await self.ctx.session.quiet(self.ctx.setting.quiet_ms / 1000, deadline)
        # Bounded: a page that never stands still (a live feed) is answered as it is after a while.
        patience = min(deadline, loop.time() + _STILL_MAX_S)
        while True:
            await mark_seen(self.ctx.page)
            if await shows(self.ctx.page, step.when):
                return True
            if not await wait_for_change(self.ctx.page, min(_STILL_S, patience - loop.time())):
                return False
            await self.ctx.session.quiet(self.ctx.setting.quiet_ms / 1000, deadline)

    # -- acting on elements -----------------------------------------------------------------------

    async def find(self, target: Target, phase: Phase) -> Locator:
        # A declared overlay (a tour) may hide what is behind it from assistive technology too.
        await self.overlays.clear()
        # Only while reaching the setting, before anything was read: afterwards a page that says "not
        # offered" is a contradiction, not an answer.
        not_offered = self.ctx.setting.not_offered if phase == "open" and self.ctx.trusted is None else []

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

    async def idle(self) -> None:
        """Wait (bounded) until none of the platform's data requests is pending: a page still fetching
        what it needs (a sign-in flow's token, say) may ignore a click or a key meanwhile."""
        loop = asyncio.get_running_loop()
        await self.ctx.session.quiet(0.0, loop.time() + self.ctx.options.timeout_s)

    async def click(self, step: ClickStep, target: Target, phase: Phase) -> None:
        element = await self.find(target, phase)
        await self.idle()
        await self.not_the_control(element, target)
        if step.origin:
            self.require_origin(step, where(self.ctx.page.url))
        self.ctx.acted = self.ctx.acted or phase == "change"
        await self.pointer.click(element, target.describe())
        if phase in ("change", "commit"):
            self.ctx.observed.clicked_names.append(target.describe())

    async def confirm(self, step: ConfirmStep) -> None:
        """Click the confirmation's button if its dialog appears within `step.wait_s`; stop waiting as soon
        as the page shows the setting off without one. Told from the control by identity: not the element
        this run found as the control, nor a toggle bearing its name (a modal dialog may hide the page
        behind it, and its "Turn off" then looks like the only element so named)."""
        target, page = step.confirm, self.ctx.page
        loop = asyncio.get_running_loop()
        deadline = loop.time() + step.wait_s
        while True:
            await mark_seen(page)
            try:
                element = await find_now(page, target)
            except Ambiguous as exc:
                raise Stop(Outcome.FAILED, f"{_PHASE_WORDS['commit']}: {exc}", about_control=True) from None
            except PlaywrightError:
                element = None  # the page navigated while it was looked at: look again
            if element is not None:
                break
            shown = await self.control.shown()
            remaining = deadline - loop.time()
            if (shown is not None and shown.state == State.OFF.value) or remaining <= 0:
                return  # no confirmation was asked for
            await wait_for_change(page, remaining)
        self.ctx.friction.confirmation()
        # Shown to a watching room before the checks below, which then come last before the click.
        await self.ctx.watched("confirm", "a dialog asks to confirm", element)
        if step.origin:
            self.require_origin(step, where(page.url))
        if await self.control.is_found_control(element):
            raise Stop(
                Outcome.FAILED,
                f"the confirmation {target.describe()} would act on the control itself; it was not clicked",
                about_control=True,
            )
        dialog = await dialog_of(element)
        await self.ctx.shot("confirmation")
        if dialog is not None:
            dialog.screenshot = self.ctx.shots[-1].path
            self.ctx.observed.dialogs.append(dialog)
        await self.idle()
        self.ctx.acted = True
        await self.pointer.click(element, target.describe())

    async def press(self, step: PressStep, phase: Phase) -> None:
        element = await self.find(step.on, phase) if step.on is not None else None
        await self.idle()
        focused: ElementHandle | None = None
        # A key pressed on the page goes to whatever has the focus: Space or Enter toggle a focused switch.
        # (Escape never toggles anything.)
        checked = element is None and step.press != "Escape"
        if element is not None and step.on is not None:
            await self.not_the_control(element, step.on)
        else:
            await self.overlays.clear()
            if checked:
                focused = await self.focused(step.press)
                if focused is not None:
                    await self.not_the_control(focused, None)
        if step.origin:
            self.require_origin(step, where(self.ctx.page.url))
        await self.ctx.watched("press", f"press {step.press}", element)
        if checked and focused is None and await self.focused(step.press) is not None:
            # Nothing had the focus, and a key for the page goes wherever the page has put it since: looked
            # at again last thing before pressing.
            raise Stop(Outcome.FAILED, _MOVED.format(key=step.press), about_control=True)
        try:
            if element is not None:
                await element.press(step.press)
            elif focused is not None:
                # To the element checked: had the page moved the focus since, the key would follow it.
                await focused.press(step.press)
            else:
                await self.ctx.page.keyboard.press(step.press)
        except PlaywrightError as exc:
            raise Stop(Outcome.FAILED, f"could not press {step.press}: {first_line(exc)}") from None
        finally:
            self.ctx.session.acted()  # a key that raised may have landed all the same
        self.ctx.friction.keys(1)

    async def focused(self, key: str) -> ElementHandle | None:
        """The element a key pressed on the page would go to, however deep in shadow roots and frames it
        sits; None when nothing has the focus. Stops the run when optout cannot tell which element it is."""
        try:
            kind, element = await asyncio.wait_for(self._focused(), self.ctx.options.timeout_s)
        except (PlaywrightError, asyncio.TimeoutError, CannotTell) as exc:
            raise Stop(
                Outcome.FAILED,
                f"cannot tell which element has the focus ({first_line(exc)}); {key} was not pressed",
                about_control=True,
            ) from None
        if kind == "frame":
            raise Stop(
                Outcome.FAILED,
                f"the focus is in a frame optout cannot look into; {key} was not pressed",
                about_control=True,
            )
        if kind == "moved":
            raise Stop(Outcome.FAILED, _MOVED.format(key=key), about_control=True)
        if kind == "hidden":
            if element is not None:
                # The host may be the switch itself, its inner parts hidden: then that is the reason to give.
                await self.not_the_control(element, None)
            raise Stop(
                Outcome.FAILED,
                f"the focus is inside a closed shadow root, which hides the element that has it; {key} was not pressed",
                about_control=True,
            )
        return element

    async def _focused(self) -> tuple[str, ElementHandle | None]:
        """What has the focus (a kind, as `_FOCUSED` tells) and where; a frame's kind only when optout
        cannot look into that frame; "hidden" when a closed shadow root holds it; "moved" when the page
        moved it while it was looked at."""
        frame = self.ctx.page.main_frame
        while True:
            found = await frame.evaluate_handle(_FOCUSED)
            kind = str(await (await found.get_property("kind")).json_value())
            element = (await found.get_property("element")).as_element()
            if kind != "frame" or element is None:
                break
            # Cross-origin too: Playwright reaches into the document of every frame, which the page cannot.
            inner = await element.content_frame()
            if inner is None:
                return kind, element
            frame = inner
        seen = await seen_by_the_browser(self.ctx.page, frame)
        if seen == "hidden":
            return seen, element
        return (kind if seen == kind else "moved"), element

    async def not_the_control(self, element: Locator | ElementHandle, target: Target | None) -> None:
        """No step but `click: control` may act on the control, in any phase: told by the element on the
        page (what a step names may be the control named another way)."""
        if await self.control.is_control(element):
            on = target.describe() if target is not None else "the focused element"
            raise Stop(
                Outcome.FAILED,
                f"the flow's step on {on} would act on the control itself; it was not done",
                about_control=True,
            )

    async def fill(self, step: FillStep) -> None:
        locator = await self.find(step.into, "login")
        # A value set on a switch fires its change event: a page may save the switch then.
        await self.not_the_control(locator, step.into)
        secret = step.fill in SECRET_SOURCES
        if step.fill == "totp":
            if self._totp_typed:
                raise Stop(
                    Outcome.FAILED, "the sign-in asked for the authenticator code again; it is typed once per run"
                )
        elif secret and (self._secret_typed or self.ctx.session.password_submitted):
            raise Stop(Outcome.FAILED, "the sign-in asked for the password again; it is typed once per run")
        # Read before anything is checked: a slow keyring must not open a gap between check and typing.
        # (An authenticator secret too; its code is computed at the last moment, as it lasts 30 s.)
        totp_secret = self.totp_secret() if step.fill == "totp" else None
        value = "" if totp_secret is not None else self.secret(step) if secret else self.ctx.session.username
        try:
            # A handle stays with this element: if its document goes away, typing fails instead of
            # following the page elsewhere.
            field = await locator.element_handle(timeout=self.ctx.options.timeout_s * 1000)
            facts: dict[str, str] = await asyncio.wait_for(field.evaluate(_FIELD_FACTS), self.ctx.options.timeout_s)
        except (PlaywrightError, asyncio.TimeoutError) as exc:
            raise Stop(Outcome.FAILED, f"could not reach {step.into.describe()}: {first_line(exc)}") from None
        await self.check_field(step, facts)
        await self.ctx.watched("type", f"type into {step.into.describe()}", locator)
        # A field shown disabled until the page is ready: wait for it (on this element, in this document).
        try:
            await asyncio.wait_for(field.evaluate(_UNTIL_EDITABLE), self.ctx.options.timeout_s)
        except (PlaywrightError, asyncio.TimeoutError):
            raise Stop(Outcome.FAILED, f"{step.into.describe()} never became editable; nothing was typed") from None
        if totp_secret is not None:
            value = self.totp_code(totp_secret)
            self._totp_typed = True
        elif secret:
            # Counted as submitted once typed: some pages submit on their own.
            self._secret_typed = self.ctx.session.password_submitted = True
        try:
            refused = await asyncio.wait_for(
                field.evaluate(_SET_VALUE, [value, facts["origin"], facts["kind"]]), _TYPING_MS / 1000
            )
        except (PlaywrightError, asyncio.TimeoutError) as exc:
            raise Stop(Outcome.FAILED, f"could not type into {step.into.describe()}: {first_line(exc)}") from None
        finally:
            self.ctx.session.acted()  # typing that raised may have reached the field all the same
        if refused:
            raise Stop(Outcome.FAILED, f"nothing typed into {step.into.describe()}: {refused}")
        # A secret's characters count like any others (outside a sign-in, which is not counted); never its value.
        self.ctx.friction.keys(len(value))

    async def check_field(self, step: FillStep, facts: dict[str, str]) -> None:
        """A field may receive a value only on the step's origin; a secret only in a secret field on the
        flow's sign-in page (checked now, immediately before typing)."""
        origin, kind = facts["origin"], facts["kind"]
        page_url = where(self.ctx.page.url)
        asked = page_url if page_url.startswith(f"{origin}/") else f"a frame from {origin}"
        if kind == "not-a-field":
            raise Stop(Outcome.FAILED, f"{step.into.describe()} on {asked} is not a text field; nothing was typed")
        if step.fill == "username":
            if kind == "password":
                raise Stop(Outcome.FAILED, f"the username would go into a password field on {asked}; nothing was typed")
            if origin not in (step.origin or []):
                raise Stop(Outcome.FAILED, f"the username was asked for on {asked}; nothing was typed")
            return
        what = {"password": "password", "totp": "authenticator code"}.get(step.fill, "one-time code")
        # An authenticator code goes only into a field marked for one-time codes, never a password field.
        right_kind = (
            kind == "code" if step.fill == "totp" else kind == "password" or (step.fill == "code" and kind == "code")
        )
        on_sign_in_page = await shows(self.ctx.page, self.ctx.flow.login.page)
        if origin not in (step.origin or []) or not on_sign_in_page or not right_kind:
            article = "an" if what[0] in "aeiou" else "a"
            where_ = asked if right_kind else f"a field that is not {article} {what} field, on {asked}"
            raise Stop(
                Outcome.FAILED,
                f"the {what} was asked for on {where_}, which is not {self.ctx.flow.name}'s sign-in page; "
                "nothing was typed",
            )

    def secret(self, step: FillStep) -> str:
        if step.fill == "code":
            raise Stop(Outcome.NEEDS_ATTENTION, "the sign-in asks for a one-time code, which optout does not hold")
        try:
            return self.ctx.session.password()
        except KeyringUnavailable as exc:  # no usable keyring here (a scheduler's bare session): a person can fix it
            raise Stop(Outcome.NEEDS_ATTENTION, str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - keyring backends raise anything
            raise Stop(Outcome.FAILED, f"cannot read the password from the keyring: {first_line(exc)}") from None

    @property
    def totp_typed(self) -> bool:
        """An authenticator code was typed in this run's sign-in."""
        return self._totp_typed

    def totp_secret(self) -> str:
        """The authenticator secret the person stored for this account. Raises NothingToType when optout
        holds none: the code page is then left for a person."""
        read = self.ctx.session.totp_secret
        if read is None:
            raise NothingToType("optout holds no authenticator secret for this account")
        try:
            return read()
        except KeyringUnavailable as exc:  # none stored, or no usable keyring here: a person can fix either
            raise NothingToType(str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - keyring backends raise anything
            raise Stop(
                Outcome.FAILED, f"cannot read the authenticator secret from the keyring: {first_line(exc)}"
            ) from None

    @staticmethod
    def totp_code(secret: str) -> str:
        """The code an authenticator app shows now for `secret`."""
        try:
            return totp.current_code(secret)
        except ValueError:  # never say more: the message could quote the secret
            raise Stop(Outcome.FAILED, "the stored authenticator secret is not valid; store it again") from None

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
