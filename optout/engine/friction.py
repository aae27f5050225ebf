"""Counting what reaching and switching off a setting asks of a person, from the steps the engine runs:
clicks, keystrokes, page loads, how deep the control sits, how long it took to reach, confirmations.

Counted from the first step that reaches the setting until the change is committed. Not counted: the
sign-in (a saved session skips it, and its keystrokes would tell the password's length), a person
clearing a challenge, and optout's own reload to verify.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from playwright.async_api import Page

from optout.results import Friction, State


class FrictionMeter:
    def __init__(self, page: Callable[[], Page], clock: Callable[[], float] = time.monotonic) -> None:
        self._page = page
        self._clock = clock
        self.counting = False
        self._paused = 0
        self._started: float | None = None
        self._paused_since: float | None = None
        self._paused_s = 0.0
        self.clicks = 0
        self.keystrokes = 0
        self.page_loads = 0
        self.confirmations = 0
        self._depth = 0
        self.depth: int | None = None
        self.seconds_to_control: float | None = None

    def close(self) -> None:
        if self._started is not None:
            self._page().remove_listener("domcontentloaded", self._loaded)

    @property
    def active(self) -> bool:
        return self.counting and not self._paused

    def _loaded(self, _page: Page) -> None:
        if self.active:
            self.page_loads += 1

    def start(self) -> None:
        """The first step towards the setting (again after a reopen: counting goes on)."""
        if self._started is None:
            self._started = self._clock()
            self.counting = True
            # Listened to only from here (a sign-in's own context never starts, so never listens).
            self._page().on("domcontentloaded", self._loaded)

    def restart_path(self) -> None:
        """The deep link did not lead there and the menus are followed: depth counts the path that did."""
        if self.depth is None:
            self._depth = 0

    def moved(self) -> None:
        """A page opened or a menu clicked on the way to the control."""
        if self.active and self.depth is None:
            self._depth += 1

    @property
    def path_so_far(self) -> int:
        """Pages opened and menus clicked so far on the way to the control."""
        return self.depth if self.depth is not None else self._depth

    def control_found(self) -> None:
        if self.depth is None and self._started is not None:
            self.depth = self._depth
            self.seconds_to_control = round(self._clock() - self._started - self._paused_s, 2)

    def click(self) -> None:
        if self.active:
            self.clicks += 1

    def keys(self, count: int) -> None:
        if self.active:
            self.keystrokes += count

    def confirmation(self) -> None:
        if self.active:
            self.confirmations += 1

    def stop(self) -> None:
        """The change is committed: what follows (optout's reload to verify) is optout's, not a person's."""
        self.counting = False

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Around a sign-in or a person clearing a challenge: neither counted nor timed."""
        if self._paused == 0:
            self._paused_since = self._clock()
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1
            if self._paused == 0 and self._paused_since is not None:
                self._paused_s += self._clock() - self._paused_since
                self._paused_since = None

    @contextmanager
    def not_timed(self) -> Iterator[None]:
        """Around someone watching (a walkthrough's pause): not the page's time, though counting goes on."""
        started = self._clock()
        try:
            yield
        finally:
            if not self._paused:  # a pause already leaves it out
                self._paused_s += self._clock() - started

    def friction(self, first_state: State | None) -> Friction | None:
        """What was counted; None when reaching the setting never started."""
        if self._started is None:
            return None
        return Friction(
            clicks=self.clicks,
            keystrokes=self.keystrokes,
            page_loads=self.page_loads,
            depth=self.depth,
            seconds_to_control=self.seconds_to_control,
            confirmations=self.confirmations,
            first_state=first_state,
        )
