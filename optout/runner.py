"""Runs a mode over many accounts: one browser, one fresh context per account, one account's failure
never stopping the next."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

from playwright.async_api import Browser, Page, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from optout.browser import BrowserNotFound, launch
from optout.engine import AccountSession, Mode, Options, first_line, run_setting
from optout.evidence import RunEvidence
from optout.flow import Flow, Setting
from optout.mapping import TrafficMap
from optout.results import Outcome, Result, State, utc_now


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


@dataclass(frozen=True)
class AccountTarget:
    flow: Flow
    username: str
    password: Callable[[], str]
    locale: str | None = None


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
    ) -> None:
        self.traffic = traffic
        self.options = options or Options()
        self.headed = headed
        self.slow_mo_ms = slow_mo_ms
        self.reporter: Reporter = reporter or QuietReporter()
        self._browser = browser
        self._owns_browser = browser is None
        self._playwright: Playwright | None = None
        self._sessions: dict[tuple[str, str], AccountSession] = {}

    async def __aenter__(self) -> Runner:
        if self._browser is None:
            self._playwright = await async_playwright().start()
            try:
                self._browser = await launch(
                    self._playwright, headed=self.headed, slow_mo_ms=self.slow_mo_ms, offline=self.traffic is not None
                )
            except PlaywrightError as exc:
                await self._playwright.stop()
                raise BrowserNotFound(f"the browser did not start: {first_line(exc)}") from None
            except BaseException:
                await self._playwright.stop()
                raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for session in self._sessions.values():
            # Best effort: the browser closes next anyway.
            with contextlib.suppress(Exception):
                await session.close()
        self._sessions.clear()
        if self._owns_browser and self._browser is not None:
            await self._browser.close()
        if self._playwright is not None:
            await self._playwright.stop()

    async def session(self, target: AccountTarget) -> AccountSession:
        key = (target.flow.platform, target.username)
        if key not in self._sessions:
            assert self._browser is not None, "use Runner as an async context manager"
            context = await self._browser.new_context(
                locale=target.locale,
                viewport={"width": 1280, "height": 900},
                # A service worker's requests bypass the page's request mapping.
                service_workers="block" if self.traffic else "allow",
            )
            # Every Playwright wait (click, fill, screenshot, locator) is bounded by the run's timeout.
            context.set_default_timeout(self.options.timeout_s * 1000)
            try:
                page = await context.new_page()
                mapped = await self.traffic.attach(context, page) if self.traffic else None
            except BaseException:
                await context.close()
                raise
            if self.traffic:
                # Only the session's page is mapped; a page the site opens itself would not be.
                context.on("page", _close_unless(page))
            self._sessions[key] = AccountSession(
                platform=target.flow.platform,
                username=target.username,
                password=target.password,
                context=context,
                page=page,
                origins=tuple(target.flow.origins),
                mapped=mapped,
            )
        return self._sessions[key]

    async def run(self, mode: Mode, targets: Sequence[AccountTarget], evidence: RunEvidence) -> list[Result]:
        results: list[Result] = []
        for target in targets:
            for setting in target.flow.settings:
                label = f"{mode.value} · {target.flow.name} · {target.username}"
                self.reporter.status(label)
                result = await self._run_one(mode, target, setting, evidence, label)
                evidence.record(result)
                self.reporter.result(result)
                results.append(result)
        return results

    async def _run_one(
        self, mode: Mode, target: AccountTarget, setting: Setting, evidence: RunEvidence, label: str
    ) -> Result:
        started = utc_now()
        try:
            session = await self.session(target)
        except Exception as exc:  # noqa: BLE001 - reported as this account's failure
            return Result(
                platform=target.flow.platform,
                account=target.username,
                setting=setting.id,
                state=State.UNKNOWN,
                outcome=Outcome.FAILED,
                verified=False,
                reason=f"could not open a browser context: {first_line(exc)}",
                url=None,
                started_at=started,
                finished_at=utc_now(),
                evidence=[],
            )
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


def _close_unless(keep: Page) -> Callable[[Page], Coroutine[Any, Any, None]]:
    async def close_other(page: Page) -> None:
        if page != keep:
            with contextlib.suppress(PlaywrightError):
                await page.close()

    return close_other
