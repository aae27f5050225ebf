"""Clicking as a person does: real pointer events, on an enabled element nothing covers. Never through
an overlay; by script only where the flow allows it and only when what covers the element is its own
label."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator

from optout.context import RunContext
from optout.overlays import Overlays
from optout.results import Outcome
from optout.stop import Stop

# Resolves once the element is enabled: neither `disabled` nor aria-disabled="true".
_UNTIL_ENABLED = """el => new Promise(resolve => {
  const enabled = () => !el.disabled && el.getAttribute('aria-disabled') !== 'true';
  if (enabled()) return resolve(true);
  const observer = new MutationObserver(() => { if (enabled()) { observer.disconnect(); resolve(true); } });
  observer.observe(el, {attributes: true});
})"""

# What a pointer aimed at the element's centre would hit, and whether that is the element's own label.
_COVERED_BY = """el => {
  const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  if (!hit) return {own: false, by: 'nothing on screen'};
  if (hit === el || el.contains(hit)) return {own: true, by: 'itself'};
  const inside = node => node && (node === hit || node.contains(hit));
  const labelledBy = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
    .map(id => document.getElementById(id));
  const own = [...(el.labels || [])].some(inside) || labelledBy.some(inside);
  const role = hit.getAttribute('role');
  const name = hit.getAttribute('aria-label') || (hit.innerText || '').trim().slice(0, 60);
  return {own, by: hit.tagName.toLowerCase() + (role ? `[role=${role}]` : '') + (name ? ` "${name}"` : '')};
}"""

# How long a click may wait for the element to be hit by a real pointer before looking at what covers it.
_ACTIONABLE_MS = 2000


class Pointer:
    def __init__(self, ctx: RunContext, overlays: Overlays) -> None:
        self.ctx = ctx
        self.overlays = overlays

    async def until_enabled(self, element: Locator, what: str) -> None:
        try:
            await asyncio.wait_for(element.evaluate(_UNTIL_ENABLED), self.ctx.options.timeout_s)
        except (PlaywrightError, asyncio.TimeoutError):
            raise Stop(Outcome.FAILED, f"{what} stayed disabled; it was not clicked") from None

    async def click(
        self,
        element: Locator,
        what: str,
        *,
        script_ok: bool = False,
        just_before: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Click `element` once. `just_before` runs immediately before the click (a last reading); it
        may stop the run, and then nothing is clicked."""
        await self.overlays.clear()
        await self.until_enabled(element, what)
        by_script = False
        try:
            await element.click(trial=True, timeout=_ACTIONABLE_MS)
        except PlaywrightError:
            # Something covers it. A declared overlay is dismissed and the click tried again; the
            # element's own styled label may be clicked through by script where the flow allows it.
            if await self.overlays.clear():
                await self.click(element, what, script_ok=script_ok, just_before=just_before)
                return
            cover = await self._covered_by(element)
            if not (script_ok and cover["own"]):
                raise Stop(Outcome.FAILED, f"{what} is covered by {cover['by']}; it was not clicked through") from None
            by_script = True
        if just_before is not None:
            await just_before()
        if by_script:
            await element.dispatch_event("click")
        else:
            await element.click()

    async def _covered_by(self, element: Locator) -> dict[str, str | bool]:
        try:
            found: dict[str, str | bool] = await element.evaluate(_COVERED_BY)
        except PlaywrightError:
            return {"own": False, "by": "something that could not be inspected"}
        return found
