"""The walkthrough's narrator: watches a run step by step (the engine's `Watch`), outlines the element
before each action, writes a caption over the page ("Step 3 of 7: …"), screenshots it, and waits so a
room (and the video) can follow. A first, counting pass (`Narrator(folder=None)`) learns how many steps
the run takes, so the recorded pass can say "of 7".

What it adds to the page is drawn over it and takes no pointer events, and is taken away before the
action itself: the engine aims and clicks exactly as in any run. Its screenshots are not masked: a
walkthrough runs on sandbox accounts only (public demo passwords; a password field shows its dots)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator

from optout.engine.context import RunContext
from optout.engine.locate import accessible_name

_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")

_SHOW = """([caption, id, top]) => {
  let bar = document.getElementById(id);
  if (!bar) {
    bar = document.createElement('div');
    bar.id = id;
    bar.setAttribute('aria-hidden', 'true');
    bar.style.cssText = 'position:fixed;left:0;right:0;bottom:0;z-index:2147483647;pointer-events:none;' +
      'background:#111;color:#fff;font:600 26px/1.3 system-ui,sans-serif;padding:18px 28px;' +
      'border-top:6px solid #ffd400;box-shadow:0 -4px 18px rgba(0,0,0,.4)';
    document.documentElement.appendChild(bar);
  }
  bar.textContent = caption;
  // Never over the element acted on: at the top when that element sits low on the screen.
  bar.style.top = top ? '0' : 'auto';
  bar.style.bottom = top ? 'auto' : '0';
}"""
_LOW = """el => el.getBoundingClientRect().bottom > window.innerHeight - 160"""
_HIDE = """id => { const bar = document.getElementById(id); if (bar) bar.remove(); }"""
_OUTLINE = """(el, on) => {
  if (on) { el.dataset.optoutOutline = el.style.outline; el.style.outline = '5px solid #ffd400';
            el.style.outlineOffset = '3px'; }
  else { el.style.outline = el.dataset.optoutOutline || ''; el.style.outlineOffset = '';
         delete el.dataset.optoutOutline; }
}"""
_BAR_ID = "optout-walkthrough-caption"
_DIALOG_TITLE = """el => {
  const box = el.closest('[role=dialog],[role=alertdialog],dialog');
  const title = box && box.querySelector('h1,h2,h3,[role=heading]');
  return title ? title.innerText : '';
}"""


def number_words(n: int) -> str:
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)


def describe(ctx: RunContext, kind: str, what: str, name: str | None = None) -> str:
    """What a step does, in the words a room reads; `name` is what the page calls the element acted on."""
    if name and kind == "click":
        what = f"\u201c{name}\u201d"
    if name and kind == "confirm":
        return f"A dialog asks to confirm: \u201c{name}\u201d"
    signing_in = not ctx.friction.active and ctx.friction.depth is None and kind in ("type", "click", "press")
    prefix = "Sign in: " if signing_in else ""
    if kind == "open":
        return f"Open {what}"
    if kind == "click":
        depth = ctx.friction.path_so_far
        where = f" ({number_words(depth)} deep so far)" if ctx.friction.depth is None and depth and not prefix else ""
        return f"{prefix}click {what}{where}" if prefix else f"Click {what}{where}"
    if kind == "type":
        return f"{prefix}{what}" if prefix else what[:1].upper() + what[1:]
    if kind == "press":
        return f"{prefix}{what}" if prefix else what[:1].upper() + what[1:]
    if kind == "found":
        depth = ctx.friction.depth or 0
        menus = "page" if depth == 1 else "pages and menus"
        return f"The setting is {number_words(depth)} {menus} deep"
    if kind == "confirm":
        return "A dialog asks to confirm the change"
    if kind == "read":
        return what[:1].upper() + what[1:]
    if kind == "verify":
        return what[:1].upper() + what[1:]
    return what


async def _name_of(element: Locator | None, kind: str) -> str | None:
    """The accessible name of a clicked element, or a confirmation dialog's title (its first line)."""
    if element is None or kind not in ("click", "confirm"):
        return None
    with contextlib.suppress(PlaywrightError, asyncio.TimeoutError):
        if kind == "confirm":
            title = await asyncio.wait_for(element.evaluate(_DIALOG_TITLE), 2.0)
            return str(title).strip() or None
        name = " ".join((await asyncio.wait_for(accessible_name(element), 2.0)).split())
        return name if 0 < len(name) <= 80 else None
    return None


@dataclass
class NarratedStep:
    kind: str
    caption: str
    screenshot: str | None


@dataclass
class Narrator:
    """`folder` None: a counting pass (no screenshot, no pause)."""

    folder: Path | None
    total: int = 0
    pause_s: float = 1.0
    #: Told each caption as it is shown (the command's progress).
    said: Callable[[str], None] | None = None
    steps: list[NarratedStep] = field(default_factory=list)

    async def step(self, ctx: RunContext, kind: str, what: str, element: Locator | None = None) -> None:
        number = len(self.steps) + 1
        total = max(self.total, number)
        text = describe(ctx, kind, what, await _name_of(element, kind))
        caption = f"Step {number} of {total}: {text}" if self.total else f"Step {number}: {text}"
        if self.folder is None:
            self.steps.append(NarratedStep(kind, caption, None))
            return
        name = f"steps/{number:02d}.png"
        (self.folder / "steps").mkdir(parents=True, exist_ok=True)
        page = ctx.page
        outlined = False
        with contextlib.suppress(PlaywrightError, asyncio.TimeoutError):
            low = False
            if element is not None:
                await asyncio.wait_for(element.evaluate(_OUTLINE, True), 2.0)
                outlined = True
                low = bool(await asyncio.wait_for(element.evaluate(_LOW), 2.0))
            await asyncio.wait_for(page.evaluate(_SHOW, [caption, _BAR_ID, low]), 2.0)
        if self.said is not None:
            self.said(caption)
        shot: str | None = name
        try:
            await page.screenshot(path=str(self.folder / name), timeout=5000)
        except PlaywrightError:
            shot = None
        await asyncio.sleep(self.pause_s)
        with contextlib.suppress(PlaywrightError, asyncio.TimeoutError):
            await asyncio.wait_for(page.evaluate(_HIDE, _BAR_ID), 2.0)
            if outlined and element is not None:
                await asyncio.wait_for(element.evaluate(_OUTLINE, False), 2.0)
        self.steps.append(NarratedStep(kind, caption, shot))
