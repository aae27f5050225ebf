"""Overlays a flow declares (a product tour, say): dismissed with their own button or key whenever they
are shown before a step, never clicked through."""

from __future__ import annotations

import asyncio

from playwright.async_api import Error as PlaywrightError

from optout.browser.errors import first_line
from optout.engine.context import RunContext
from optout.engine.locate import Ambiguous, NotFound, find, mark_seen, wait_for_change
from optout.engine.page_state import shows
from optout.engine.stop import Stop
from optout.language.flow import Overlay
from optout.results import Outcome

# An overlay that keeps coming back after this many dismissals in a row is not going away.
_MAX_ROUNDS = 3


class Overlays:
    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx

    def named(self, name: str) -> Overlay:
        return next(o for o in self.ctx.flow.overlays if o.name == name)

    async def clear(self) -> bool:
        """Dismiss every declared overlay the page shows now. True when one was dismissed."""
        dismissed = False
        for _ in range(_MAX_ROUNDS):
            shown = [o for o in self.ctx.flow.overlays if await shows(self.ctx.page, o.when)]
            if not shown:
                return dismissed
            for overlay in shown:
                await self.dismiss(overlay)
            dismissed = True
        raise Stop(Outcome.FAILED, f"the page keeps showing {shown[0].name} after {_MAX_ROUNDS} dismissals")

    async def dismiss_if_shown(self, name: str) -> None:
        overlay = self.named(name)
        if await shows(self.ctx.page, overlay.when):
            await self.dismiss(overlay)

    async def dismiss(self, overlay: Overlay) -> None:
        self.ctx.status(f"dismissing {overlay.name}")
        page, timeout_s = self.ctx.page, self.ctx.options.timeout_s
        try:
            if overlay.close is not None:
                button = await find(page, overlay.close, timeout_s)
                await button.click()
            elif overlay.press is not None:
                await page.keyboard.press(overlay.press)
        except (NotFound, Ambiguous, PlaywrightError) as exc:
            raise Stop(Outcome.FAILED, f"could not dismiss {overlay.name}: {first_line(exc)}") from None
        finally:
            self.ctx.session.acted()
        if not await self._gone(overlay, timeout_s):
            raise Stop(Outcome.FAILED, f"{overlay.name} stayed on the page after it was dismissed")

    async def _gone(self, overlay: Overlay, timeout_s: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            await mark_seen(page := self.ctx.page)
            if not await shows(page, overlay.when):
                return True
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            await wait_for_change(page, remaining)
