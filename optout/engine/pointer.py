"""Clicking as a person does: a real pointer click at the element's centre, only when the element is
enabled and is what the pointer would hit there. Never through an overlay (a declared one is dismissed
first); by script only where the flow allows it and only when what covers the element is its own label.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator

from optout.browser.errors import first_line
from optout.engine.context import RunContext
from optout.engine.locate import mark_seen, wait_for_change
from optout.engine.overlays import Overlays
from optout.engine.stop import Stop
from optout.results import Outcome

# Disabled itself, by a disabled fieldset, or inside anything marked aria-disabled.
_DISABLED = "el.matches(':disabled') || !!el.closest('[aria-disabled=\"true\"]')"

# Where a pointer would land on the element, and what it would hit there. With `frames`, the element
# must also have stayed where it is over two animation frames (a dialog still sliding in moves).
_AIM = f"""async (el, frames) => {{
  if ({_DISABLED}) return {{how: 'disabled'}};
  const before = el.getBoundingClientRect();
  for (let i = 0; i < frames; i++) await new Promise(resolve => requestAnimationFrame(resolve));
  const r = el.getBoundingClientRect();
  if (r.x !== before.x || r.y !== before.y || r.width !== before.width || r.height !== before.height)
    return {{how: 'moving', by: 'its own movement'}};
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  let hit = r.width && r.height ? document.elementFromPoint(x, y) : null;
  // The document answers with the shadow host for what its (open) shadow root shows there: look inside.
  while (hit && hit.shadowRoot) {{
    const inner = hit.shadowRoot.elementFromPoint(x, y);
    if (!inner || inner === hit) break;
    hit = inner;
  }}
  if (!hit) return {{how: 'hidden', by: 'nothing on screen'}};
  if (hit === el || el.contains(hit)) return {{how: 'pointer', x, y}};
  const inside = node => node && (node === hit || node.contains(hit));
  const labelledBy = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
    .map(id => (el.getRootNode().getElementById ? el.getRootNode() : document).getElementById(id));
  const own = [...(el.labels || [])].some(inside) || labelledBy.some(inside);
  const role = hit.getAttribute('role');
  const name = hit.getAttribute('aria-label') || (hit.innerText || '').trim().slice(0, 60);
  const by = hit.tagName.toLowerCase() + (role ? `[role=${{role}}]` : '') + (name ? ` "${{name}}"` : '');
  return {{how: own ? 'own-label' : 'covered', by, x, y}};
}}"""

# The click by script, refused at the last moment if the element became disabled meanwhile.
_CLICK_BY_SCRIPT = f"el => {{ if ({_DISABLED}) return false; el.click(); return true; }}"

# Resolves once nothing disables the element any more (its own attributes or an ancestor's).
_UNTIL_ENABLED = f"""el => new Promise(resolve => {{
  const enabled = () => !({_DISABLED});
  if (enabled()) return resolve(true);
  const observer = new MutationObserver(() => {{ if (enabled()) {{ observer.disconnect(); resolve(true); }} }});
  observer.observe(document, {{attributes: true, subtree: true}});
}})"""

# A declared overlay that keeps coming back this many times around one click is not going away.
_MAX_DISMISSALS = 3


class Pointer:
    def __init__(self, ctx: RunContext, overlays: Overlays) -> None:
        self.ctx = ctx
        self.overlays = overlays

    async def click(
        self,
        element: Locator,
        what: str,
        *,
        script_ok: bool = False,
        just_before: Callable[[], Awaitable[None]] | None = None,
        clicking: Callable[[bool], None] | None = None,
    ) -> None:
        """Click `element` once. `just_before` runs immediately before the click (a last reading; it
        may stop the run, and then nothing is clicked); the element is aimed at again after it, and
        clicked only if it is still where it was and still what the pointer hits. `clicking(True)` is
        called as the click is sent, `clicking(False)` if it was then refused."""
        await self.ctx.watched("click", what, element)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.ctx.options.timeout_s
        dismissals = 0
        while True:
            if await self.overlays.clear():
                dismissals += 1
                if dismissals > _MAX_DISMISSALS:
                    raise Stop(Outcome.FAILED, f"an overlay keeps covering {what}; it was not clicked")
            aim = await self._aim(element, what, deadline, frames=2)
            if aim["how"] == "pointer" or (aim["how"] == "own-label" and script_ok):
                if just_before is not None:
                    await just_before()
                again = await self._aim(element, what, deadline, frames=0)
                if again["how"] == aim["how"] and abs(again["x"] - aim["x"]) < 1 and abs(again["y"] - aim["y"]) < 1:
                    break
                if loop.time() > deadline:
                    raise Stop(Outcome.FAILED, f"{what} kept moving or being covered; it was not clicked")
                continue  # it moved or was covered meanwhile: look again
            remaining = deadline - loop.time()
            if aim["how"] == "disabled":
                await self._until_enabled(element, what, remaining)
                continue
            if remaining <= 0 and aim["how"] == "hidden":
                raise Stop(Outcome.FAILED, f"{what} is not on screen; it was not clicked")
            if remaining <= 0 and aim["how"] == "moving":
                raise Stop(Outcome.FAILED, f"{what} kept moving; it was not clicked")
            if remaining <= 0:
                raise Stop(Outcome.FAILED, f"{what} is covered by {aim['by']}; it was not clicked through")
            # Something passing over it (an animation, a toast): look again at the next change.
            await mark_seen(self.ctx.page)
            await wait_for_change(self.ctx.page, min(remaining, 1.0))
        if clicking is not None:
            clicking(True)
        try:
            if aim["how"] == "pointer":
                await self.ctx.page.mouse.click(aim["x"], aim["y"])
            elif not await asyncio.wait_for(element.evaluate(_CLICK_BY_SCRIPT), self.ctx.options.timeout_s):
                if clicking is not None:
                    clicking(False)
                raise Stop(Outcome.FAILED, f"{what} became disabled; it was not clicked")
        except (PlaywrightError, asyncio.TimeoutError) as exc:
            raise Stop(Outcome.FAILED, f"could not click {what}: {first_line(exc)}") from None
        finally:
            self.ctx.session.acted()  # a click that raised may have landed all the same
        self.ctx.friction.click()

    async def _aim(self, element: Locator, what: str, deadline: float, *, frames: int) -> dict[str, Any]:
        timeout_s = max(deadline - asyncio.get_running_loop().time(), 1.0)
        try:
            await element.scroll_into_view_if_needed(timeout=timeout_s * 1000)
            aim: dict[str, Any] = await asyncio.wait_for(element.evaluate(_AIM, frames), timeout_s)
        except (PlaywrightError, asyncio.TimeoutError) as exc:
            raise Stop(Outcome.FAILED, f"could not reach {what}: {first_line(exc)}") from None
        return aim

    async def _until_enabled(self, element: Locator, what: str, timeout_s: float) -> None:
        try:
            await asyncio.wait_for(element.evaluate(_UNTIL_ENABLED), max(timeout_s, 0.1))
        except (PlaywrightError, asyncio.TimeoutError):
            raise Stop(Outcome.FAILED, f"{what} stayed disabled; it was not clicked") from None
