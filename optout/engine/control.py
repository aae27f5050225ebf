"""Driving the one control a setting names: find it, read it once the page has settled, and click it
once, only after reading it again immediately before."""

from __future__ import annotations

import asyncio
import contextlib

from playwright.async_api import ElementHandle, Locator
from playwright.async_api import Error as PlaywrightError

from optout.browser.errors import first_line
from optout.engine.capture import ShownControl
from optout.engine.context import RunContext
from optout.engine.locate import Ambiguous, GaveUp, NotFound, accessible_role_and_name, find_any, find_every, find_now
from optout.engine.page_state import shows
from optout.engine.pointer import Pointer
from optout.engine.scan import best_named, candidates
from optout.engine.stop import NotOffered, Stop
from optout.engine.terms import stop_if_terms_pending
from optout.language.targets import Target
from optout.results import CLICK_UNVERIFIED, Outcome, Result, State, utc_now, where

# "usable" once the control is enabled and not aria-busy (how pages say a value or a save is still
# pending; aria-disabled alone is a lasting state: it is read, never clicked), or "replaced" once the
# page took it out of the document (a placeholder swapped for the real switch).
_UNTIL_USABLE = """el => new Promise(resolve => {
  const usable = () => !el.disabled && el.getAttribute('aria-busy') !== 'true';
  const check = () => {
    if (!el.isConnected) return 'replaced';
    return usable() ? 'usable' : null;
  };
  const now = check();
  if (now) return resolve(now);
  // Mutations do not cross shadow roots: each root from the control's up to the document is watched,
  // and a slow poll catches what no observer sees.
  const done = found => { observer.disconnect(); clearInterval(poll); resolve(found); };
  const observer = new MutationObserver(() => { const found = check(); if (found) done(found); });
  observer.observe(el, {attributes: true});
  for (let node = el; node; ) {
    const root = node.getRootNode();
    observer.observe(root, {attributes: true, childList: true, subtree: true});
    node = root.host || null;
  }
  const poll = setInterval(() => { const found = check(); if (found) done(found); }, 250);
})"""

# Whether an element is, contains, or is inside one of the controls or one of their labels.
# Its labels count as the control: clicking a <label for> or the text it is named by toggles it too.
# Shadow boundaries count for nothing: a key or a click on a part inside a custom element's shadow root
# reaches the element, and one on a host reaches what its shadow root holds (Node.contains sees neither).
# Label ids resolve in the control's own tree, as the browser resolves them for its name.
_HOLDS_ANY = """(el, controls) => {
  const above = node => node.assignedSlot || node.parentNode || node.host || null;
  const within = (inner, outer) => {
    for (let node = inner; node; node = above(node)) if (node === outer) return true;
    return false;
  };
  return controls.some(control => {
    const root = control.getRootNode();
    const byId = id => (root.getElementById && root.getElementById(id)) || control.ownerDocument.getElementById(id);
    const labelledBy = (control.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .map(byId).filter(Boolean);
    const parts = [control, ...(control.labels || []), ...labelledBy];
    return parts.some(part => within(el, part) || within(part, el));
  });
}"""

# Whether an element is a toggle, which a click or a key flips, rather than a button that asks for something.
_TOGGLE = """el => {
  const role = (el.getAttribute('role') || '').trim().split(/\\s+/)[0];
  if (['switch', 'checkbox', 'radio', 'menuitemcheckbox', 'menuitemradio'].includes(role)) return true;
  if (el.localName === 'input' && (el.type === 'checkbox' || el.type === 'radio')) return true;
  return el.hasAttribute('aria-checked') || el.hasAttribute('aria-pressed');
}"""

# The checked state as assistive technology reads it (Playwright's checked-state semantics): a native
# checkbox's or radio's live property, else aria-checked; null when the element carries neither, so that
# an unreadable control never passes for "off".
_READ_STATE = """el => {
  if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')) return el.checked;
  const value = el.getAttribute('aria-checked');
  return value === 'true' ? true : value === 'false' ? false : null;
}"""


# Whether the page shows something busy (a spinner, a part marked aria-busy) on screen.
_BUSY = """() => [...document.querySelectorAll('[aria-busy=true], [role=progressbar]')].some(el => {
  const r = el.getBoundingClientRect(), style = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
})"""

# A page that loaded this many documents while optout waited on it is reloading itself, not loading.
_RELOADS = 3


class ControlDriver:
    def __init__(self, ctx: RunContext, pointer: Pointer) -> None:
        self.ctx = ctx
        self.pointer = pointer
        self.overlays = pointer.overlays
        # The elements this run found as the control: the control is that element, not whatever bears its name.
        self._found: list[ElementHandle] = []

    @property
    def described(self) -> str:
        request = self.ctx.setting.request
        return f"form's {request.submit.describe()}" if request else self.ctx.setting.the_control.describe()

    @property
    def targets(self) -> list[Target]:
        # A request's write is its send button: no other step may press it.
        request = self.ctx.setting.request
        return [request.submit] if request else self.ctx.setting.the_control.targets()

    async def is_control(self, element: Locator | ElementHandle) -> bool:
        """Whether acting on `element` would act on the setting's control, as the page shows it now: it is
        the control, holds it or one of its labels, or sits inside one of them. The control is the element
        this run found as such while that is on the page, and else any element a control target names.
        (Once it was found, another element bearing its name is not the control, a dialog's "Turn off",
        unless it is a toggle too: a second copy of the switch flips the setting as well.)"""
        try:
            return await asyncio.wait_for(self._holds_control(element), self.ctx.options.timeout_s)
        except (PlaywrightError, asyncio.TimeoutError):
            return True  # not knowing is not a licence to act

    async def _holds_control(self, element: Locator | ElementHandle) -> bool:
        main = self.ctx.page.main_frame
        frame = await element.owner_frame() if isinstance(element, ElementHandle) else main
        if frame is None:
            return True
        # The control is found in the page's own document; in a frame only what is named there counts.
        found = await self._found_on_page() if frame == main else []
        controls = list(found)
        for target in self.targets:
            named = [handle for n in await find_every(frame, target) for handle in await n.element_handles()]
            # Several named so: the one found is the control; one alone may be the control re-rendered.
            if len(named) == 1 or not found:
                controls.extend(named)
            else:
                controls.extend([handle for handle in named if await handle.evaluate(_TOGGLE)])
        return bool(controls) and bool(await element.evaluate(_HOLDS_ANY, controls))

    async def is_found_control(self, element: Locator) -> bool:
        """Whether acting on `element` would act on the control by identity: it is, holds or sits inside
        (with its labels) an element this run found as the control, or a toggle bearing the control's
        name. Another element merely bearing its name (a dialog's "Turn off") is not the control."""
        try:
            return await asyncio.wait_for(self._holds_found(element), self.ctx.options.timeout_s)
        except (PlaywrightError, asyncio.TimeoutError):
            return True  # not knowing is not a licence to act

    async def _holds_found(self, element: Locator) -> bool:
        controls = await self._found_on_page()
        for target in self.targets:
            named = [handle for n in await find_every(self.ctx.page, target) for handle in await n.element_handles()]
            controls.extend([handle for handle in named if await handle.evaluate(_TOGGLE)])
        return bool(controls) and bool(await element.evaluate(_HOLDS_ANY, controls))

    async def _found_on_page(self) -> list[ElementHandle]:
        """The elements found as the control that are still in the page's document."""
        alive = []
        for handle in self._found:
            with contextlib.suppress(PlaywrightError):  # its document went away
                if await handle.evaluate("el => el.isConnected"):
                    alive.append(handle)
        self._found = alive
        return alive

    async def find(self, *, offered_check: bool = True) -> Locator:
        not_offered = self.ctx.setting.not_offered

        async def gone_for_good() -> bool:
            return offered_check and await shows(self.ctx.page, not_offered)

        await stop_if_terms_pending(self.ctx)
        await self.overlays.clear()
        try:
            _, found = await find_any(
                self.ctx.page, self.targets, self.ctx.options.timeout_s, give_up=gone_for_good if not_offered else None
            )
            # Known from now on: every screenshot outlines it and keeps its excerpt.
            self.ctx.show_control = self.shown
            with contextlib.suppress(PlaywrightError):  # gone already: every element named so counts then
                self._found.append(await found.element_handle())
            return found
        except GaveUp:
            raise NotOffered() from None
        except NotFound:
            # A terms dialog drawn meanwhile (over the page, a preset switch inside) is the answer.
            await stop_if_terms_pending(self.ctx)
            self.stop_if_reloading()
            if await self._busy():
                raise Stop(
                    Outcome.FAILED,
                    f"the setting never finished loading: the page still showed it busy after "
                    f"{self.ctx.options.timeout_s:g} s",
                    shot="unsettled",
                    about_control=True,
                ) from None
            # What the page has instead, for the person and the flow's maintainer: listed, never clicked.
            instead = await candidates(self.ctx.page)
            raise Stop(
                Outcome.FAILED,
                f"the page has no {self.described} (layout changed?); {best_named(instead)}",
                shot="no-control",
                about_control=True,
                candidates=instead,
                excerpt=True,
            ) from None
        except Ambiguous as exc:
            await stop_if_terms_pending(self.ctx)
            raise Stop(Outcome.FAILED, str(exc), shot="ambiguous", about_control=True) from None

    def stop_if_reloading(self) -> None:
        """Stops the run when the page kept loading new documents while optout waited on it."""
        window = self.ctx.options.timeout_s
        loads = self.ctx.session.reloads_since(window)
        if loads >= _RELOADS:
            raise Stop(
                Outcome.FAILED,
                f"the page kept reloading itself ({loads} loads in {window:g} s)",
                shot="reloading",
                about_control=True,
            )

    async def _busy(self) -> bool:
        with contextlib.suppress(PlaywrightError, asyncio.TimeoutError):
            return bool(await asyncio.wait_for(self.ctx.page.evaluate(_BUSY), self.ctx.options.timeout_s))
        return False

    async def shown(self) -> ShownControl | None:
        """The control as the page shows it now, for the evidence: found without waiting, touching or
        clearing anything, and read the way a run reads it (an unreadable state is "unknown"). None when
        the page does not show it unambiguously."""
        try:
            for target in self.targets:
                element = await find_now(self.ctx.page, target)
                if element is not None:
                    break
            else:
                return None
            role, name = await accessible_role_and_name(element)
        except (PlaywrightError, Ambiguous):
            return None
        try:
            state = await self.read(element)
        except Stop:
            state = State.UNKNOWN
        return ShownControl(element=element, role=role or target.role or "", name=name, state=state.value)

    async def read(self, control: Locator) -> State:
        """The state the control shows now. Fails closed: a control whose state cannot be read is not
        taken for "off"."""
        if self.ctx.setting.the_control.shown_by is not None:
            return await self._read_shown()
        try:
            raw = await control.evaluate(_READ_STATE)
        except PlaywrightError as exc:
            raise Stop(Outcome.FAILED, f"cannot read the control's state: {first_line(exc)}") from None
        if raw is None:
            raise Stop(
                Outcome.FAILED,
                "the control has neither a checked property nor aria-checked to read",
                shot="unreadable",
                about_control=True,
            )
        shared = raw if self.ctx.setting.the_control.shared_when == "checked" else not raw
        return State.ON if shared else State.OFF

    async def _read_shown(self) -> State:
        """Which of the two controls the page shows now: exactly one, or the state is not trusted."""
        try:
            present = [await find_now(self.ctx.page, t) is not None for t in self.targets]
        except (PlaywrightError, Ambiguous) as exc:
            raise Stop(Outcome.FAILED, f"cannot read the setting's state: {first_line(exc)}") from None
        if present == [True, False]:
            return State.ON
        if present == [False, True]:
            return State.OFF
        shown = "both" if all(present) else "neither"
        raise Stop(Outcome.FAILED, f"the page shows {shown} of {' and '.join(t.describe() for t in self.targets)}")

    async def settle(self, control: Locator, timeout_s: float) -> Locator | None:
        """Wait until the page has finished what it was doing with the control: the control usable
        (enabled, not aria-busy) and the platform's data requests quiet for the flow's quiet period.
        Returns the control, found again when the page replaced it meanwhile (a placeholder switch
        swapped for the real one, a re-render); None when that did not happen within `timeout_s`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            try:
                became = await asyncio.wait_for(control.evaluate(_UNTIL_USABLE), max(deadline - loop.time(), 0))
            except (PlaywrightError, asyncio.TimeoutError):
                return None
            if became == "usable":
                break
            try:
                control = await asyncio.wait_for(self.find(offered_check=False), max(deadline - loop.time(), 0))
            except asyncio.TimeoutError:
                return None
        if not await self.ctx.session.quiet(self.ctx.setting.quiet_ms / 1000, deadline):
            return None
        return control

    async def read_settled(self, control: Locator, shot: str) -> State:
        """Read a state that can be trusted: after the page settled, screenshot it, read it again; a
        value that changed meanwhile (a placeholder replaced by the real one) is not trusted."""
        settled = await self.settle(control, self.ctx.options.timeout_s)
        if settled is None:
            self.stop_if_reloading()
            raise Stop(
                Outcome.FAILED,
                f"the setting never finished loading: the page kept loading it for {self.ctx.options.timeout_s:g} s",
                shot="unsettled",
                about_control=True,
            )
        control = settled
        # A terms dialog drawn late, over the page, once its request answered.
        await stop_if_terms_pending(self.ctx)
        first = await self.read(control)
        await self.ctx.shot(shot)
        again = await self.read(control)
        if again is not first:
            raise Stop(
                Outcome.FAILED,
                f"the setting changed from {first.value} to {again.value} while being read",
                about_control=True,
            )
        self.cross_check(first)
        return first

    def cross_check(self, state: State) -> None:
        """A row that names the state ("… On") must agree with the control itself."""
        said = self.ctx.name_state
        if said is not None and said is not state:
            raise Stop(
                Outcome.FAILED,
                f"the page contradicts itself: a row says {said.value} but the control reads {state.value}",
                about_control=True,
            )

    async def click_once(self) -> None:
        """The one click of a run. Only on a trusted "on" reading that still holds immediately before."""
        trusted = self.ctx.trusted
        if trusted is not State.ON or self.ctx.clicked:
            raise Stop(Outcome.FAILED, "the flow asked to click the control without a trusted 'on' reading")
        control = await self.find(offered_check=False)

        async def read_again() -> None:
            await stop_if_terms_pending(self.ctx)
            now = await self.read(control)
            if now is not trusted:
                raise Stop(
                    Outcome.FAILED,
                    f"the setting changed from {trusted.value} to {now.value} since it was read; not clicked",
                    about_control=True,
                )

        # Recorded before it is made: a run that ends after the click still tells that it was made.
        attempt = self.ctx.evidence.attempt(self._unverified(), f"the {self.described}")
        if self.ctx.evidence.write_problem is not None:
            raise Stop(
                Outcome.FAILED,
                f"the click could not be recorded before it was made, so it was not made: "
                f"{self.ctx.evidence.write_problem}",
            )

        def clicking(sent: bool) -> None:
            # Set as the click is sent: a click that errors may still have landed.
            self.ctx.clicked = attempt.sent = sent

        self.ctx.status("switching off")
        await self.pointer.click(
            control,
            f"the {self.described}",
            script_ok=self.ctx.setting.the_control.script_click,
            just_before=read_again,
            clicking=clicking,
        )
        # The focus leaves it: no key pressed later can toggle it back. (A control its click renamed, "Turn
        # off" become "Turn on", is no longer found by its name: the wait for it ends, and so does the run's.)
        with contextlib.suppress(PlaywrightError, asyncio.TimeoutError):
            await asyncio.wait_for(control.evaluate("el => el.blur()"), self.ctx.options.timeout_s)
        self.ctx.session.acted()  # a page may save on blur

    def _unverified(self) -> Result:
        """What stands for the setting from just before its click until its result is recorded."""
        ctx = self.ctx
        return Result(
            platform=ctx.flow.platform,
            account=ctx.session.username,
            setting=ctx.setting.id,
            state=State.UNKNOWN,
            outcome=Outcome.FAILED,
            verified=False,
            reason=f"the run ended as the {self.described} was being clicked; its new state was not verified "
            "(run a check to read it)",
            url=where(ctx.page.url),
            started_at=ctx.started,
            finished_at=utc_now(),
            evidence=list(ctx.shots),
            label=CLICK_UNVERIFIED,
        )
