"""What every part of one setting's run shares: the account's session, the flow and setting, the run's
options and evidence, and what has been learnt so far (the trusted reading, whether it was clicked)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Protocol

from playwright.async_api import Locator, Page

from optout.engine.capture import ShownControl
from optout.engine.friction import FrictionMeter
from optout.engine.screenshots import screenshot
from optout.evidence.recorder import RunEvidence
from optout.language.flow import Flow, Setting
from optout.language.targets import Target
from optout.patterns.naming import Observations
from optout.results import EvidenceRef, State, utc_now, where

__all__ = ["Mode", "Notify", "Options", "RunContext", "Watch", "where"]
from optout.engine.account_session import AccountSession

Notify = Callable[[str], None]


class Watch(Protocol):
    """Someone watching the run step by step (a walkthrough): told before each action, with the element it
    acts on, and when something is seen. A run without one behaves the same, only unwatched."""

    async def step(self, ctx: RunContext, kind: str, what: str, element: Locator | None = None) -> None: ...


class Mode(str, Enum):
    CHECK = "check"
    OFF = "off"


@dataclass(frozen=True)
class Options:
    timeout_s: float = 15.0
    interactive: bool = False  # a person watches a headed window and can clear a challenge there
    human_timeout_s: float = 300.0
    # Never prompt nor wait for a person (scheduled re-checks): wins over `interactive`.
    unattended: bool = False
    # `off` may send a request setting's form in the person's name (`--submit-objection`), with this text.
    send_requests: bool = False
    request_reason: str | None = None
    # What the person chose beyond the default (`off --choose NAME`, a flow's `choices`).
    choices: frozenset[str] = frozenset()
    # Reach the setting the way a person does, through the menus (a flow's `open_fallback`), not the deep link.
    by_menus: bool = False
    watch: Watch | None = None

    @property
    def asks_person(self) -> bool:
        """Whether a page only a person can clear is waited for, rather than reported at once."""
        return self.interactive and not self.unattended


@dataclass
class RunContext:
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
    acted: bool = False  # another element was clicked while changing it (a menu, a confirmation)
    trusted: State | None = None  # the settled reading a click may act on
    name_state: State | None = None  # what a row's accessible name said, to cross-check the control
    show_control: Callable[[], Awaitable[ShownControl | None]] | None = None  # once the control was found
    started: datetime = field(default_factory=utc_now)
    # What reaching and changing it asks of a person, and what was seen for the dark patterns.
    observed: Observations = field(default_factory=Observations)
    friction: FrictionMeter = field(init=False)
    _watch_failed: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.friction = FrictionMeter(lambda: self.session.page)

    async def watched(self, kind: str, what: str, element: Locator | None = None) -> None:
        """Tell the watcher, if any. Its time is not the setting's friction, and nothing it does (a full
        disk, a closed pipe) may change the run's outcome: a watcher that fails is not told again."""
        watch = self.options.watch
        if watch is None or self._watch_failed:
            return
        with self.friction.not_timed():
            try:
                await watch.step(self, kind, what, element)
            except Exception as exc:  # noqa: BLE001 - whatever it raised, the run goes on unwatched
                self._watch_failed = True
                self.notify(f"the walkthrough stopped following this run: {exc}")

    @property
    def page(self) -> Page:
        return self.session.page

    @property
    def untouched(self) -> str:
        """What a stop message says about the control: people need to know whether it was changed."""
        if self.setting.request is not None:
            return "the form was sent once, and not again" if self.clicked else "nothing was sent"
        if self.clicked:
            return "the switch had been clicked once"
        return "the switch was not clicked" if self.acted else "nothing was clicked"

    @property
    def pii(self) -> list[Target]:
        """What screenshots mask besides the username: the flow's own list, and a request's form fields (the
        e-mail it shows need not contain the username; the reason is the person's own words)."""
        listed = list(self.flow.evidence.pii) if self.flow.evidence else []
        request = self.setting.request
        if request is not None:
            listed += [request.email, *([request.reason] if request.reason else [])]
        return listed

    async def shot(self, step: str) -> None:
        control = await self.show_control() if self.show_control is not None else None
        self.shots.append(
            await screenshot(
                self.evidence,
                self.page,
                platform=self.flow.platform,
                account=self.session.username,
                setting=self.setting.id,
                step=f"{self.mode.value}-{step}",
                control=control,
                pii=self.pii,
            )
        )
