"""The engine: for one account and one setting, sign in, reach the setting, read it and, when asked,
switch it off and verify after a reload. Everything platform-specific comes from the flow.

Safety rules, in the order they apply: read before write; click only the one control the flow names,
only when it reads "on", and only once; never switch anything on; stop (with a screenshot) when the
page is not what the flow expects; submit a password at most once per account per run.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from playwright.async_api import BrowserContext, Locator, Page, Request
from playwright.async_api import Error as PlaywrightError

from optout.evidence import RunEvidence
from optout.flow import ClickStep, Flow, PageState, Recognition, Setting, Signal, Target
from optout.locate import Ambiguous, NotFound, find
from optout.mapping import MappedPage
from optout.page_state import wait_for_state
from optout.results import EvidenceRef, Outcome, Result, State, utc_now

# Resolves once the control is enabled and not aria-busy: how pages say a save is still pending.
_UNTIL_USABLE = """el => new Promise(resolve => {
  const usable = () => !el.disabled && el.getAttribute('aria-busy') !== 'true';
  if (usable()) return resolve(true);
  const observer = new MutationObserver(() => { if (usable()) { observer.disconnect(); resolve(true); } });
  observer.observe(el, {attributes: true});
})"""


# The control's state as a boolean, or null when the element does not carry one (fail closed).
_READ_STATE = """(el, how) => {
  if (how === 'checked') return typeof el.checked === 'boolean' ? el.checked : null;
  const value = el.getAttribute('aria-checked');
  return value === 'true' ? true : value === 'false' ? false : null;
}"""


# How long a click may wait for the control to be hit by a real pointer before it is clicked by script.
_ACTIONABLE_MS = 2000


class Mode(str, Enum):
    CHECK = "check"
    OFF = "off"


@dataclass(frozen=True)
class Options:
    timeout_s: float = 15.0
    interactive: bool = False  # a person watches a headed window and can clear a challenge there
    human_timeout_s: float = 300.0


Notify = Callable[[str], None]


@dataclass
class AccountSession:
    """One account's browser context for the whole run; it remembers the sign-in so that a second
    setting or a second pass (the demo's check then off) reuses it instead of re-submitting."""

    platform: str
    username: str
    password: Callable[[], str]
    context: BrowserContext
    page: Page
    origins: tuple[str, ...] = ()  # the platform's origins: only their data requests are waited for
    mapped: MappedPage | None = None
    password_submitted: bool = False
    login_stopped: Recognition | None = None  # why the one sign-in attempt did not succeed
    in_flight: set[Request] = field(default_factory=set)
    activity: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.page.on("request", self._started)
        self.page.on("response", lambda response: self._answered(response.request))
        self.page.on("requestfinished", self._answered)
        self.page.on("requestfailed", self._answered)

    def _tracked(self, request: Request) -> bool:
        # Only the platform's own data requests (loading a value, saving a change) say whether the page
        # has settled; trackers, beacons and images from elsewhere may never finish.
        return request.resource_type in ("fetch", "xhr") and any(request.url.startswith(o) for o in self.origins)

    def _started(self, request: Request) -> None:
        if self._tracked(request):
            self.in_flight.add(request)
            self.activity.set()

    def _answered(self, request: Request) -> None:
        # Headers count as an answer: a long-lived (streaming, realtime) request must not hold us up.
        if self._tracked(request):
            self.in_flight.discard(request)
            self.activity.set()

    async def quiet(self, quiet_s: float, deadline: float) -> bool:
        """Wait until no platform data request is pending and none started or was answered for
        `quiet_s` (a value loaded late, a debounced save). False if that did not happen by `deadline`."""
        loop = asyncio.get_running_loop()
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            self.activity.clear()
            window = remaining if self.in_flight else min(quiet_s, remaining)
            try:
                await asyncio.wait_for(self.activity.wait(), window)
            except asyncio.TimeoutError:
                if not self.in_flight and window >= quiet_s:
                    return True

    async def close(self) -> None:
        if self.mapped is not None:
            await self.mapped.close()
        await self.context.close()


class Stop(Exception):
    """Ends one setting's run with an outcome; raised anywhere below `run_setting`. `about_control`:
    the stop concerns the control itself, so the reason also says whether it had been clicked."""

    def __init__(
        self,
        outcome: Outcome,
        reason: str,
        state: State = State.UNKNOWN,
        shot: str = "stopped",
        *,
        about_control: bool = False,
    ):
        super().__init__(reason)
        self.outcome, self.reason, self.state, self.shot = outcome, reason, state, shot
        self.about_control = about_control


@dataclass
class _Run:
    session: AccountSession
    flow: Flow
    setting: Setting
    options: Options
    evidence: RunEvidence
    notify: Notify
    status: Notify
    mode: Mode
    shots: list[EvidenceRef] = field(default_factory=list)
    clicked: bool = False

    @property
    def page(self) -> Page:
        return self.session.page

    @property
    def untouched(self) -> str:
        """What a stop message says about the control: people need to know whether it was changed."""
        return "the switch had been clicked once" if self.clicked else "nothing was clicked"

    async def shot(self, step: str) -> None:
        self.shots.append(
            await self.evidence.screenshot(
                self.page,
                platform=self.flow.platform,
                account=self.session.username,
                setting=self.setting.id,
                step=f"{self.mode.value}-{step}",
            )
        )

    # -- signing in ---------------------------------------------------------------------------

    async def open_signed_in(self, url: str) -> int | None:
        """Open `url` as a signed-in member, signing in first when the page says we are not."""
        status = await self.goto(url)
        state = await self.recognise()
        if state.state is PageState.SIGNED_OUT:
            await self.sign_in()
            status = await self.goto(url)
            state = await self.recognise()
        if state.state is not PageState.SIGNED_IN:
            await self.handle_blocker(state)
            status = await self.goto(url)
        return status

    @functools.cached_property
    def rules(self) -> list[Recognition]:
        """The flow's page states, and last: a page showing the setting's own heading is signed in,
        whatever else it shows or lacks (a settings app without the main navigation, say)."""
        own_page = Recognition(
            state=PageState.SIGNED_IN, reason="the setting's page", when=[Signal(heading=self.setting.title)]
        )
        return [*self.flow.recognise, own_page]

    async def recognise(self, ignore: tuple[PageState, ...] = ()) -> Recognition:
        found = await wait_for_state(self.page, self.rules, self.options.timeout_s, ignore=ignore)
        if found is None:
            raise Stop(Outcome.FAILED, f"the page at {self.page.url} is not one the flow recognises")
        return found

    async def sign_in(self) -> None:
        session = self.session
        if session.login_stopped is not None:
            await self.handle_blocker(session.login_stopped, earlier=True)
        if session.password_submitted:
            raise Stop(
                Outcome.NEEDS_ATTENTION,
                "signed out again after signing in; the password is not submitted twice in one run",
            )
        self.status("signing in")
        await self.goto(self.flow.login.url)
        already = await self.recognise()
        if already.state is PageState.SIGNED_IN:
            return
        password_filled = False
        for step in self.flow.login.steps:
            if isinstance(step, ClickStep):
                element = await self.find_or_stop(step.click, "sign-in")
                # Counted before the click: a click that errors may still have sent the password.
                session.password_submitted = session.password_submitted or password_filled
                await element.click()
                continue
            field_ = await self.find_or_stop(step.into, "sign-in")
            if step.fill == "password":
                try:
                    secret = session.password()
                except Exception as exc:  # noqa: BLE001 - keyring backends raise anything
                    raise Stop(
                        Outcome.FAILED, f"cannot read the password from the keyring: {first_line(exc)}"
                    ) from None
                await field_.fill(secret)
                password_filled = True
            else:
                await field_.fill(session.username)
        state = await self.recognise(ignore=(PageState.SIGNED_OUT,))
        if state.state is not PageState.SIGNED_IN:
            session.login_stopped = state
            await self.handle_blocker(state)

    async def handle_blocker(self, state: Recognition, *, earlier: bool = False) -> None:
        """A page that is not the signed-in app: a person may clear it, else the run stops here."""
        prefix = "earlier in this run: " if earlier else ""
        if state.state is PageState.REJECTED:
            raise Stop(Outcome.FAILED, f"{prefix}sign-in rejected: {state.reason}", shot="rejected")
        if state.state is PageState.SIGNED_OUT:
            raise Stop(Outcome.FAILED, f"{prefix}still signed out after submitting the sign-in form")
        if earlier or not (self.options.interactive and state.state.person_can_resolve):
            raise Stop(Outcome.NEEDS_ATTENTION, f"{prefix}{state.reason}", shot="attention")
        minutes = self.options.human_timeout_s / 60
        self.notify(f"{state.reason}. Complete it in the browser window (waiting up to {minutes:g} min).")
        # A person may clear one challenge only to meet the next (CAPTCHA, then PIN): keep waiting.
        resolvable = tuple(s for s in PageState if s.person_can_resolve)
        found = await wait_for_state(self.page, self.rules, self.options.human_timeout_s, ignore=resolvable)
        if found is None or found.state is not PageState.SIGNED_IN:
            why = "nobody completed it in time" if found is None else found.reason
            raise Stop(Outcome.NEEDS_ATTENTION, f"{state.reason}; {why}", shot="attention")
        self.session.login_stopped = None

    # -- reaching and reading the setting ----------------------------------------------------

    async def goto(self, url: str) -> int | None:
        try:
            response = await self.page.goto(url, wait_until="domcontentloaded", timeout=self.options.timeout_s * 1000)
        except PlaywrightError as exc:
            raise Stop(Outcome.FAILED, f"could not open {url}: {first_line(exc)}") from None
        return response.status if response is not None else None

    async def find_or_stop(self, target: Target, where: str) -> Locator:
        try:
            return await find(self.page, target, self.options.timeout_s)
        except (NotFound, Ambiguous) as exc:
            raise Stop(Outcome.FAILED, f"{where}: {exc}", about_control=True) from None

    async def on_setting_page(self, status: int | None) -> bool:
        if status is not None and status >= 400:
            return False
        heading = Target(role="heading", name=self.setting.title)
        try:
            await find(self.page, heading, self.options.timeout_s)
        except NotFound:
            return False
        except Ambiguous:
            pass  # the title shown twice (page and section headings): present is all that matters here
        return True

    async def reach_setting(self) -> None:
        self.status("opening the setting")
        status = await self.open_signed_in(self.setting.url)
        if await self.on_setting_page(status):
            return
        self.notify(f"{self.setting.url} did not show the setting; following the menus instead")
        await self.open_signed_in(self.setting.menu.start)
        for target in self.setting.menu.clicks:
            element = await self.find_or_stop(target, "menu path")
            await element.click()
        if not await self.on_setting_page(None):
            raise Stop(Outcome.FAILED, "neither the deep link nor the menu path led to the setting's page")

    async def control(self) -> Locator:
        try:
            return await find(self.page, self.setting.control.target, self.options.timeout_s)
        except NotFound:
            raise Stop(
                Outcome.FAILED,
                f"the page has no {self.setting.control.target.describe()} (layout changed?)",
                shot="no-control",
                about_control=True,
            ) from None
        except Ambiguous as exc:
            raise Stop(Outcome.FAILED, str(exc), shot="ambiguous", about_control=True) from None

    async def read(self, control: Locator) -> State:
        """The state the control shows now. Fails closed: a control whose state cannot be read is not
        taken for "off"."""
        how = self.setting.control.state_from
        try:
            raw = await control.evaluate(_READ_STATE, how)
        except PlaywrightError as exc:
            raise Stop(Outcome.FAILED, f"cannot read the control's state: {first_line(exc)}") from None
        if raw is None:
            source = "a checked property" if how == "checked" else 'aria-checked="true|false"'
            raise Stop(Outcome.FAILED, f"the control has no {source} to read", shot="unreadable", about_control=True)
        shared = raw if self.setting.control.shared_when == "checked" else not raw
        return State.ON if shared else State.OFF

    async def settle(self, control: Locator, timeout_s: float) -> bool:
        """Wait until the page has finished what it was doing with the control: the control usable
        (not disabled, not aria-busy) and the platform's data requests quiet for the flow's quiet
        period. False when that did not happen within `timeout_s`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        try:
            await asyncio.wait_for(control.evaluate(_UNTIL_USABLE), timeout_s)
        except (PlaywrightError, asyncio.TimeoutError):
            return False
        return await self.session.quiet(self.setting.quiet_ms / 1000, deadline)

    async def read_settled(self, control: Locator, shot: str) -> State:
        """Read a state that can be trusted: after the page settled, screenshot it, read it again;
        a value that changed meanwhile (a placeholder replaced by the real one) is not trusted."""
        if not await self.settle(control, self.options.timeout_s):
            raise Stop(Outcome.FAILED, "the page kept loading the setting", shot="unsettled", about_control=True)
        first = await self.read(control)
        await self.shot(shot)
        again = await self.read(control)
        if again is not first:
            raise Stop(
                Outcome.FAILED,
                f"the setting changed from {first.value} to {again.value} while being read",
                about_control=True,
            )
        return first

    # -- changing it ------------------------------------------------------------------------

    async def switch_off(self, control: Locator) -> tuple[State, bool]:
        """Click once and wait for the page to confirm. Returns the state the page then shows and
        whether it confirmed in time. Never clicks a second time, whatever it reads."""
        self.status("switching off")
        self.clicked = True  # before the click: a click that errors may still have landed
        try:
            await control.click(trial=True, timeout=_ACTIONABLE_MS)
        except PlaywrightError:
            # Covered by its own label or a styled track, as LinkedIn's toggles are: the one control
            # is clicked by script instead (once; the trial above clicked nothing).
            await control.dispatch_event("click")
        else:
            await control.click()
        confirmed = await self.settle(control, self.setting.after_change.settle_timeout_s)
        return await self.read(control), confirmed

    async def reload_and_read(self) -> State:
        self.status("reloading to verify")
        try:
            await self.page.reload(wait_until="domcontentloaded", timeout=self.options.timeout_s * 1000)
        except PlaywrightError as exc:
            raise Stop(Outcome.FAILED, f"reload failed: {first_line(exc)}") from None
        if not await self.on_setting_page(None):
            raise Stop(Outcome.FAILED, "after the reload the setting's page did not come back")
        return await self.read_settled(await self.control(), "after-reload")


async def run_setting(
    session: AccountSession,
    flow: Flow,
    setting: Setting,
    mode: Mode,
    *,
    options: Options,
    evidence: RunEvidence,
    notify: Notify = lambda _: None,
    status: Notify = lambda _: None,
) -> Result:
    """Check or switch off one setting for one signed-in (or signable) account. Never raises."""
    started = utc_now()
    run = _Run(session, flow, setting, options, evidence, notify, status, mode)

    def result(state: State, outcome: Outcome, *, verified: bool = False, reason: str | None = None) -> Result:
        return Result(
            platform=flow.platform,
            account=session.username,
            setting=setting.id,
            state=state,
            outcome=outcome,
            verified=verified,
            reason=reason,
            url=run.page.url if not run.page.is_closed() else None,
            started_at=started,
            finished_at=utc_now(),
            evidence=list(run.shots),
        )

    try:
        await run.reach_setting()
        control = await run.control()
        before = await run.read_settled(control, "setting" if mode is Mode.CHECK else "before")
        if mode is Mode.CHECK:
            return result(before, Outcome.CHECKED)
        if before is State.OFF:
            return result(before, Outcome.ALREADY_OFF)
        shown, confirmed = await run.switch_off(control)
        await run.shot("after-change")
        after = await run.reload_and_read()
        if after is State.OFF:
            return result(after, Outcome.SWITCHED_OFF, verified=True)
        if not confirmed:
            why = "the page did not confirm the change in time, and after a reload the setting was on"
        elif shown is State.ON:
            why = "the page refused the change (the switch snapped back on)"
        else:
            why = "the change did not stick: after a reload the setting was on again"
        return result(after, Outcome.FAILED, verified=True, reason=why)
    except Stop as stop:
        await _try_shot(run, stop.shot)
        note = stop.about_control or run.clicked
        return result(stop.state, stop.outcome, reason=f"{stop.reason}; {run.untouched}" if note else stop.reason)
    except Exception as exc:  # noqa: BLE001 - one account's surprise must not end the run
        await _try_shot(run, "error")
        reason = f"unexpected error: {first_line(exc)}"
        return result(State.UNKNOWN, Outcome.FAILED, reason=f"{reason}; {run.untouched}" if run.clicked else reason)


async def _try_shot(run: _Run, step: str) -> None:
    try:
        await run.shot(step)
    except Exception:  # noqa: BLE001 - a missing screenshot must not hide the real reason
        return


def first_line(exc: BaseException) -> str:
    """An exception as one line for a result's reason: Playwright's messages carry a call log after it."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
