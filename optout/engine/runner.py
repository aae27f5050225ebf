"""Runs a mode over many accounts: one browser, one fresh context per account, one account's failure
never stopping the next. What stops the whole run: the browser going away (killed, crashed, a signal
that reached only the browser) and evidence that can no longer be written; either ends the run at
once with one reason (`RunStopped`) instead of a failure per remaining setting."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TypeVar, cast

from playwright.async_api import Browser, BrowserContext, Page, Playwright, StorageState, async_playwright
from playwright.async_api import Error as PlaywrightError

from optout.accounts.saved_sessions import SessionDiscarded, SessionKeyUnavailable, SessionStore
from optout.browser.errors import first_line
from optout.browser.grid import connect_grid, shown
from optout.browser.launch import BrowserNotFound, launch
from optout.browser.lean import skip_unneeded
from optout.browser.own_browser import NOT_SIGNED_IN, connect, launch_profile
from optout.browser.traffic import MappedPage, TrafficMap
from optout.engine.account_session import AccountSession
from optout.engine.context import Mode, Options
from optout.engine.phases import run_setting
from optout.engine.tracing import Trace
from optout.evidence.recorder import RunEvidence
from optout.language.flow import Flow, Setting
from optout.language.targets import Recognition
from optout.results import Outcome, Result, State, utc_now

# Once the browser is gone, how long the setting in progress may take to notice it and report. Most
# Playwright calls fail at once then, but not all (a new page can wait forever), hence the bound.
WIND_DOWN_S = 3.0

# How long closing every context and the browser may take at the end of a run.
CLOSE_S = 15.0

BROWSER_GONE = "the browser closed unexpectedly (killed, crashed or interrupted)"


class Reporter(Protocol):
    def status(self, text: str) -> None: ...
    def alert(self, text: str) -> None: ...
    def result(self, result: Result) -> None: ...


class QuietReporter:
    """For --json: no progress; alerts (a person is needed) still go to stderr, never stdout."""

    def status(self, text: str) -> None:
        pass

    def alert(self, text: str) -> None:
        print(f"optout: {text}", file=sys.stderr, flush=True)

    def result(self, result: Result) -> None:
        pass


class AccountUnavailable(Exception):
    """This account cannot be run now (its saved session cannot be read); one line naming the fix."""


class RunStopped(Exception):
    """The run cannot go on; `reason` is one line, `results` what was done before."""

    def __init__(self, reason: str, results: list[Result]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.results = results


class Terminated(KeyboardInterrupt):
    """SIGTERM (a service manager stopping optout, `kill`) ended the work, the way Ctrl-C does."""


T = TypeVar("T")


def run_interruptible(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run`, where SIGTERM cancels the work as Ctrl-C does (each setting in flight then records
    that it was interrupted, see `Runner.run`), and then raises Terminated."""
    terminated = False

    async def until_terminated() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()

        def terminate() -> None:
            nonlocal terminated
            terminated = True
            if task is not None:
                task.cancel()

        # Not every loop handles signals (Windows): SIGTERM then ends the process as it always did.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGTERM, terminate)
        try:
            return await main
        finally:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signal.SIGTERM)

    try:
        return asyncio.run(until_terminated())
    except asyncio.CancelledError:
        if terminated:
            raise Terminated() from None
        raise


@dataclass(frozen=True)
class AccountTarget:
    flow: Flow
    username: str
    password: Callable[[], str]
    locale: str | None = None
    totp_secret: Callable[[], str] | None = None  # reads the authenticator secret (keyring), if any
    login_options: tuple[str, ...] = ()  # what `optout login` needs for this run (--origin ...), in a reason


class Runner:
    """Owns the browser for a whole run (or the demo's two passes) and each account's session."""

    def __init__(
        self,
        *,
        traffic: TrafficMap | None = None,
        options: Options | None = None,
        headed: bool = False,
        slow_mo_ms: float = 0,
        reporter: Reporter | None = None,
        browser: Browser | None = None,
        sessions: SessionStore | None = None,
        profile: Path | None = None,
        cdp: str | None = None,
        video_dir: Path | None = None,
        trace: bool = False,
        browser_ws: str | None = None,
    ) -> None:
        self.traffic = traffic
        # `--trace`: each context optout makes records a trace of its signed-in pages (engine/tracing.py).
        self.trace = trace
        self._evidence: RunEvidence | None = None
        # Each new context records a video there (a walkthrough); Playwright writes it as the context closes.
        self.video_dir = video_dir
        # The person's own browser: a persistent profile we launch, or a running one we attach to. Either
        # way every account runs in its one context (its profile holds the session), in a tab of our own.
        self.profile = profile
        self.cdp = cdp
        # A browser server elsewhere (a grid): a browser started there for this run, closed at its end.
        self.browser_ws = browser_ws
        self._shared: BrowserContext | None = None
        self.sessions = sessions  # where accounts' sessions are saved and restored from; None: never
        self.options = options or Options()
        self.headed = headed
        self.slow_mo_ms = slow_mo_ms
        self.reporter: Reporter = reporter or QuietReporter()
        self._browser = browser
        self._owns_browser = browser is None
        self._playwright: Playwright | None = None
        self._sessions: dict[tuple[str, str], AccountSession] = {}
        # What a closed account's sign-in came to: a context made again for it must not sign in twice.
        self._retired: dict[tuple[str, str], tuple[bool, Recognition | None]] = {}
        self._unavailable: dict[tuple[str, str], str] = {}
        self.saved: dict[tuple[str, str], Path] = {}  # the sessions saved in this run
        self._gone = asyncio.Event()

    @property
    def browser_gone(self) -> bool:
        return self._gone.is_set()

    async def __aenter__(self) -> Runner:
        if self._browser is None:
            self._playwright = await async_playwright().start()
            try:
                await self._start(self._playwright)
            except BrowserNotFound:
                await self._playwright.stop()
                raise
            except PlaywrightError as exc:
                await self._playwright.stop()
                raise BrowserNotFound(self._launch_failure(exc)) from None
            except BaseException:
                await self._playwright.stop()
                raise
        _hush_closed_browser_errors(asyncio.get_running_loop())
        if self._browser is not None:
            self._browser.on("disconnected", lambda _: self._gone.set())
            if not self._browser.is_connected():
                self._gone.set()
        elif self._shared is not None:
            self._shared.on("close", lambda _: self._gone.set())
        return self

    async def _start(self, playwright: Playwright) -> None:
        offline = self.traffic is not None
        if self.cdp is not None:
            # Not ours: never closed at the end (only our own tab is), the driver just disconnects.
            self._owns_browser = False
            self._browser, self._shared = await connect(playwright, self.cdp)
        elif self.browser_ws is not None:
            self._browser = await connect_grid(playwright, self.browser_ws)
        elif self.profile is not None:
            self._shared = await launch_profile(
                playwright, self.profile, headed=self.headed, slow_mo_ms=self.slow_mo_ms, offline=offline
            )
        else:
            self._browser = await launch(playwright, headed=self.headed, slow_mo_ms=self.slow_mo_ms, offline=offline)

    def _launch_failure(self, exc: PlaywrightError) -> str:
        display = os.environ.get("WAYLAND_DISPLAY") or os.environ.get("DISPLAY")
        if self.headed and display:
            return (
                f"the browser could not open a window on display {display} ({first_line(exc)}); is that display "
                "running and yours? Run optout from your desktop session, or under xvfb-run"
            )
        return f"the browser did not start: {first_line(exc)}"

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # With the browser gone (or going), closing what lived in it could wait forever: the closing is
        # bounded, and the driver is stopped whatever happened.
        if not self.browser_gone:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._close_browser(), CLOSE_S)
        self._sessions.clear()
        if self._playwright is not None:
            await self._playwright.stop()

    async def _close_browser(self) -> None:
        for session in self._sessions.values():
            # Best effort: the browser closes next anyway.
            with contextlib.suppress(Exception):
                await session.close()
        if self.profile is not None and self._shared is not None:
            with contextlib.suppress(PlaywrightError):
                await self._shared.close()
        elif self._owns_browser and self._browser is not None:
            with contextlib.suppress(PlaywrightError):
                await self._browser.close()

    def _saved_state(self, target: AccountTarget) -> StorageState | None:
        """The account's saved session, if there is one that can be used. Raises AccountUnavailable."""
        key = (target.flow.platform, target.username)
        if key in self._unavailable:
            raise AccountUnavailable(self._unavailable[key])
        if self.sessions is None:
            return None
        try:
            state = self.sessions.load(*key)
        except SessionKeyUnavailable as exc:
            self._unavailable[key] = str(exc)
            raise AccountUnavailable(self._unavailable[key]) from None
        except SessionDiscarded as exc:
            self.reporter.alert(f"{target.flow.name} · {target.username}: {exc}")
            return None
        return cast(StorageState, state) if state is not None else None

    async def _save(self, session: AccountSession, flow: Flow) -> None:
        """Keep the session just signed in to (the platform's own cookies and storage, encrypted)."""
        assert self.sessions is not None
        key = (session.platform, session.username)
        try:
            state = cast(dict[str, Any], await session.context.storage_state())
            path = await asyncio.to_thread(self.sessions.save, *key, state, list(flow.origins))
        except (SessionKeyUnavailable, OSError, PlaywrightError) as exc:
            self.reporter.alert(f"{flow.name} · {session.username}: the session was not saved: {first_line(exc)}")
            return
        self.saved[key] = path

    async def session(self, target: AccountTarget, *, restore: bool = True) -> AccountSession:
        """The account's context for this run: made on first use, from its saved session when there is
        one (and `restore`). Raises AccountUnavailable."""
        key = (target.flow.platform, target.username)
        if key not in self._sessions and self._shared is not None:
            self._sessions[key] = await self._shared_session(self._shared, target)
        if key not in self._sessions:
            assert self._browser is not None, "use Runner as an async context manager"
            state = self._saved_state(target) if restore else None
            context = await self._browser.new_context(
                storage_state=state,
                locale=target.locale,
                viewport={"width": 1280, "height": 900},
                # A service worker's requests bypass the page's request mapping.
                service_workers="block" if self.traffic else "allow",
                record_video_dir=str(self.video_dir) if self.video_dir is not None else None,
                record_video_size={"width": 1280, "height": 900} if self.video_dir is not None else None,
            )
            # Every Playwright wait (click, fill, screenshot, locator) is bounded by the run's timeout.
            context.set_default_timeout(self.options.timeout_s * 1000)
            try:
                page = await context.new_page()
                mapped = await self.traffic.attach(context, page) if self.traffic else None
                await skip_unneeded(context, page, target.flow.skip_hosts)
            except BaseException:
                if not self.browser_gone:
                    await context.close()
                raise
            if self.traffic:
                # Only the session's page is mapped; a page the site opens itself would not be.
                context.on("page", _close_unless(page))
            self._sessions[key] = _account_session(target, context, page, mapped, restored=state is not None)
            if self.trace:
                self._sessions[key].trace = trace = Trace(context, page, target.flow.platform, target.username)
                trace.evidence = self._evidence
                await trace.start()
            if self.sessions is not None:
                self._sessions[key].on_signed_in = functools.partial(self._save, self._sessions[key], target.flow)
        if key in self._retired:
            session = self._sessions[key]
            session.password_submitted, session.login_stopped = self._retired.pop(key)
        return self._sessions[key]

    async def _shared_session(self, context: BrowserContext, target: AccountTarget) -> AccountSession:
        """The account's session in the person's own browser: a new tab in its context, closed at the end.
        Under --cdp the context's service workers cannot be blocked (it is the person's): with --origin, a
        platform's worker already registered there could fetch around the mapping (the sandbox has none)."""
        page = await context.new_page()
        page.set_default_timeout(self.options.timeout_s * 1000)
        try:
            mapped = await self.traffic.attach(context, page, shared=self.cdp is not None) if self.traffic else None
        except BaseException:
            if not self.browser_gone:
                with contextlib.suppress(PlaywrightError):
                    await page.close()
            raise
        if self.traffic:
            # A page the site opens would not be mapped: in a profile optout launched every new page is
            # one; in the person's browser only our tab's popups are, their own new tabs are theirs.
            if self.cdp is not None:
                page.on("popup", _close_unless(page))
            else:
                context.on("page", _close_unless(page))
        no_sign_in = NOT_SIGNED_IN.format(name=target.flow.name) if self.cdp is not None else None
        return _account_session(target, context, page, mapped, owns_context=False, no_sign_in=no_sign_in)

    async def run(
        self,
        mode: Mode,
        targets: Sequence[AccountTarget],
        evidence: RunEvidence,
        *,
        parallel: int = 1,
        annotate: Callable[[Result], Result] | None = None,
        close_done: bool | Callable[[Sequence[Result]], bool] = False,
    ) -> list[Result]:
        """Every setting of every target, up to `parallel` accounts at a time (each in its own context;
        one account's settings one after another). Results come in target order, each passed through
        `annotate` (a re-check marks drift) before it is recorded. `close_done`: an account's context is
        closed as soon as its settings are done (or when it says so of its results), so that at most
        `parallel` are open at once; leave it False for an account a later pass of this Runner uses (its
        sign-in, done once per run, lives in that context). Raises RunStopped when the run cannot go on:
        the accounts not yet started are not run."""
        total = sum(len(t.flow.settings) for t in targets)
        self._evidence = evidence
        if self._browser is not None:
            remote = f" (from the browser server at {shown(self.browser_ws)})" if self.browser_ws else ""
            evidence.note_browser(f"{self._browser.browser_type.name} {self._browser.version}{remote}")
        elif self._shared is not None and self._shared.browser is not None:
            evidence.note_browser(f"{self._shared.browser.browser_type.name} {self._shared.browser.version}")
        done: list[list[Result]] = [[] for _ in targets]
        slots = asyncio.Semaphore(max(1, parallel))
        if self.sessions is not None and parallel > 1 and len(targets) > 1:
            await asyncio.to_thread(self.sessions.ready)

        def stopped() -> bool:
            return self.browser_gone or evidence.write_problem is not None

        async def account(index: int, target: AccountTarget) -> None:
            async with slots:
                await settings(index, target)
                # Not after a Ctrl-C, which ends the run at once: the trace is not waited for then.
                await self._end_trace(target)
                if close_done is True or (callable(close_done) and close_done(done[index])):
                    await self._retire(target)

        async def settings(index: int, target: AccountTarget) -> None:
            trace = self._trace_of(target)
            if trace is not None:  # a session of an earlier pass (the demo's check, then off)
                trace.evidence = evidence
                await trace.start()
            for setting in target.flow.settings:
                if stopped():
                    return
                label = f"{mode.value} · {target.flow.name} · {target.username}"
                self.reporter.status(label)
                started = utc_now()
                try:
                    result = await self._guarded(mode, target, setting, evidence, label)
                except asyncio.CancelledError:  # Ctrl-C, SIGTERM: what this setting got to is recorded
                    interrupted = _interrupted(mode, target, setting, started, evidence)
                    evidence.record(interrupted)
                    self.reporter.result(interrupted)
                    raise
                if annotate is not None:
                    result = annotate(result)
                evidence.record(result)
                self.reporter.result(result)
                done[index].append(result)

        # Started in order and served first come, first served: with one slot, strictly in order.
        accounts = [asyncio.ensure_future(account(i, t)) for i, t in enumerate(targets)]
        try:
            await asyncio.gather(*accounts)
        except BaseException:
            # One account's unexpected error ends the run: the others stop too (each recording what it
            # got to) rather than go on clicking in a run that is over.
            for task in accounts:
                task.cancel()
            await asyncio.gather(*accounts, return_exceptions=True)
            raise
        results = [r for account_results in done for r in account_results]
        left = f"{total - len(results)} setting(s) not run"
        if self.browser_gone:
            raise RunStopped(f"{BROWSER_GONE}; {left}", results)
        if evidence.write_problem:
            raise RunStopped(f"{evidence.write_problem}; {left}", results)
        return results

    def _trace_of(self, target: AccountTarget) -> Trace | None:
        session = self._sessions.get((target.flow.platform, target.username))
        return session.trace if session is not None else None

    async def _end_trace(self, target: AccountTarget) -> None:
        """The account's trace kept in this run's evidence; best effort (a Ctrl-C, a browser gone)."""
        trace = self._trace_of(target)
        if trace is not None and not self.browser_gone:
            with contextlib.suppress(Exception):
                await trace.stop()

    async def _retire(self, target: AccountTarget) -> None:
        """Close an account's context once it is done with: memory stays bounded by the accounts at work.
        In the person's own browser only our tab closes."""
        key = (target.flow.platform, target.username)
        session = self._sessions.pop(key, None)
        if session is not None:
            # A password is submitted at most once per account per run, also if its context is made again.
            self._retired[key] = (session.password_submitted, session.login_stopped)
        if session is not None and not self.browser_gone:
            with contextlib.suppress(Exception):  # best effort: the browser closes at the end anyway
                await asyncio.wait_for(session.close(), CLOSE_S)

    async def _guarded(
        self, mode: Mode, target: AccountTarget, setting: Setting, evidence: RunEvidence, label: str
    ) -> Result:
        """One setting's run, given up when the browser goes away under it."""
        started = utc_now()
        work = asyncio.ensure_future(self._run_one(mode, target, setting, evidence, label))
        gone = asyncio.ensure_future(self._gone.wait())
        try:
            await asyncio.wait({work, gone}, return_when=asyncio.FIRST_COMPLETED)
            if not work.done():
                await asyncio.wait({work}, timeout=WIND_DOWN_S)
        except BaseException:
            work.cancel()
            raise
        finally:
            gone.cancel()
        if work.done():
            result = work.result()
            if self.browser_gone and result.outcome in (Outcome.FAILED, Outcome.NEEDS_ATTENTION):
                return result.model_copy(update={"reason": f"{BROWSER_GONE}; {result.reason}"})
            return result
        work.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await work
        unknown = "; whether the switch had been clicked is not known: run optout check" if mode is Mode.OFF else ""
        failed = _failed(target, setting, started, f"{BROWSER_GONE}{unknown}")
        attempt = evidence.in_flight(target.flow.platform, target.username, setting.id)
        if attempt is not None and attempt.sent:
            # Its record says the click (a form's Send) went out: kept, so that a form is never sent twice.
            failed = failed.model_copy(update={"label": attempt.result.label})
        return failed

    async def _run_one(
        self, mode: Mode, target: AccountTarget, setting: Setting, evidence: RunEvidence, label: str
    ) -> Result:
        started = utc_now()
        try:
            session = await self.session(target)
        except AccountUnavailable as exc:
            return _failed(target, setting, started, str(exc), Outcome.NEEDS_ATTENTION)
        except Exception as exc:  # noqa: BLE001 - reported as this account's failure
            return _failed(target, setting, started, f"could not open a browser context: {first_line(exc)}")
        return await run_setting(
            session,
            target.flow,
            setting,
            mode,
            options=self.options,
            evidence=evidence,
            notify=lambda text: self.reporter.alert(f"{label}: {text}"),
            status=lambda text: self.reporter.status(f"{label}: {text}"),
        )


def _failed(
    target: AccountTarget, setting: Setting, started: Any, reason: str, outcome: Outcome = Outcome.FAILED
) -> Result:
    return Result(
        platform=target.flow.platform,
        account=target.username,
        setting=setting.id,
        state=State.UNKNOWN,
        outcome=outcome,
        verified=False,
        reason=reason,
        url=None,
        started_at=started,
        finished_at=utc_now(),
        evidence=[],
    )


def _interrupted(
    mode: Mode, target: AccountTarget, setting: Setting, started: datetime, evidence: RunEvidence
) -> Result:
    """The result of a setting whose run was interrupted: whether its switch had been clicked is known
    from the click recorded before it was made."""
    attempt = evidence.in_flight(target.flow.platform, target.username, setting.id)
    if attempt is None:
        unclicked = "; the switch was not clicked" if mode is Mode.OFF else ""
        return _failed(target, setting, started, f"interrupted before this setting's result was recorded{unclicked}")
    if attempt.sent:
        reason = f"interrupted after clicking {attempt.what}; its new state was not verified (run a check to read it)"
        label = attempt.result.label
    else:
        reason, label = f"interrupted as {attempt.what} was about to be clicked; it was not clicked", None
    return attempt.result.model_copy(update={"reason": reason, "label": label, "finished_at": utc_now()})


def _hush_closed_browser_errors(loop: asyncio.AbstractEventLoop) -> None:
    """Playwright leaves futures behind that fail when the browser or its driver goes away and that nobody awaits;
    asyncio would print "Future exception was never retrieved" for each. The run already reports the
    browser's end once, clearly: those are dropped, and everything else still goes to the default."""
    if getattr(loop, "_optout_hushed", False):
        return
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        # Playwright's own errors, and the one it raises when its driver is gone (killed with optout's group).
        closed = isinstance(error, PlaywrightError) or str(error) == "Connection closed while reading from the driver"
        if closed and "never retrieved" in str(context.get("message", "")):
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
    loop._optout_hushed = True  # type: ignore[attr-defined]


def _account_session(
    target: AccountTarget, context: BrowserContext, page: Page, mapped: MappedPage | None, **more: Any
) -> AccountSession:
    return AccountSession(
        platform=target.flow.platform,
        username=target.username,
        password=target.password,
        context=context,
        page=page,
        origins=tuple(target.flow.origins),
        mapped=mapped,
        totp_secret=target.totp_secret,
        login_options=target.login_options,
        locale=target.locale,
        **more,
    )


def _close_unless(keep: Page) -> Callable[[Page], Coroutine[Any, Any, None]]:
    async def close_other(page: Page) -> None:
        if page != keep:
            with contextlib.suppress(PlaywrightError):
                await page.close()

    return close_other
