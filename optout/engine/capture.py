"""What is drawn into the page for the length of one screenshot, and taken away right after: an outline
around the setting's control, and a caption bar with the page's URL (no query string), the capture time
and, for a page served by a local server instead of the real site, an unmistakable SANDBOX mark.

Everything drawn carries one attribute (`data-optout-evidence`), so that removing it is certain; it is
absolutely positioned (it moves nothing), ignores the pointer, and is never clicked or focused.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from playwright.async_api import ElementHandle, Locator, Page
from playwright.async_api import Error as PlaywrightError

MARK = "data-optout-evidence"

# The outline's colour (a strong orange, with a white halo on both sides so it shows on light and dark
# pages) and the sandbox mark's background. Tests look for these pixels.
OUTLINE_RGB = (255, 80, 0)
SANDBOX_RGB = (204, 0, 0)

# Drawing and removing are small scripts; a page that stops answering must not hold the run.
DRAW_TIMEOUT_S = 5.0

# [control or null, caption] → {box, caption}. Coordinates are the document's (what a full-page
# screenshot shows: Chromium keeps fixed elements where the scrolled viewport shows them).
_DRAW = """([control, caption]) => {
  const MARK = 'data-optout-evidence';
  const root = document.documentElement;
  const pageHeight = Math.max(root.scrollHeight, document.body ? document.body.scrollHeight : 0, innerHeight);
  const pageWidth = Math.max(root.scrollWidth, innerWidth);
  const host = (kind, css) => {
    const el = document.createElement('div');
    el.setAttribute(MARK, kind);
    el.setAttribute('aria-hidden', 'true');
    el.style.cssText = 'all: initial !important; display: block !important; position: absolute !important; '
      + 'z-index: 2147483647 !important; pointer-events: none !important; margin: 0 !important; '
      + 'box-sizing: border-box !important; ' + css;
    root.appendChild(el);
    return el;
  };
  let box = null;
  if (control && control.isConnected) {
    const r = control.getBoundingClientRect();
    box = {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height};
    const [red, green, blue] = caption.outline;
    // A ring 3 px wide, 3 to 6 px outside the control (close, so as to hide little of what is around it).
    host('outline', `left: ${box.x - 6}px !important; top: ${box.y - 6}px !important; `
      + `width: ${box.width + 12}px !important; height: ${box.height + 12}px !important; `
      + `border: 3px solid rgb(${red}, ${green}, ${blue}) !important; border-radius: 5px !important; `
      + 'box-shadow: 0 0 0 2px #fff, inset 0 0 0 2px #fff !important;');
  }
  const bar = host('caption', `left: 0 !important; top: 0 !important; width: ${pageWidth}px !important;`);
  const shadow = bar.attachShadow({mode: 'open'});
  const [red, green, blue] = caption.sandbox;
  const background = caption.mark ? `rgb(${red}, ${green}, ${blue})` : '#111';
  const style = document.createElement('style');
  style.textContent = `:host { all: initial; }
    div { background: ${background}; color: #fff; font: 13px/1.45 monospace; padding: 6px 10px;
          border-bottom: 2px solid #fff; border-top: 2px solid #fff; white-space: pre-wrap; word-break: break-all; }
    strong { font-size: 16px; letter-spacing: 0.04em; }`;
  const body = document.createElement('div');
  if (caption.mark) {
    const mark = document.createElement('strong');
    mark.textContent = caption.mark;
    body.append(mark, '\\n');
  }
  // In its own element: a PII mask matching the account's name in the URL covers this line only, never the
  // SANDBOX mark above it.
  const line = document.createElement('span');
  line.textContent = `${caption.url}  ·  ${caption.time}`;
  body.append(line);
  shadow.append(style, body);
  // At the top of the document, unless it would hide the control: then at its bottom.
  const height = bar.getBoundingClientRect().height;
  let top = 0;
  if (box && box.y < height + 10) {
    top = Math.max(0, pageHeight - height);
    bar.style.setProperty('top', `${top}px`, 'important');
  }
  return {box, caption: {top, height}};
}"""

_REMOVE = "mark => document.querySelectorAll(`[${mark}]`).forEach(el => el.remove())"


class Box(TypedDict):
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class ShownControl:
    """The setting's control as the page shows it at capture time, as the engine reads it."""

    element: Locator
    role: str
    name: str
    state: str


@dataclass(frozen=True)
class Caption:
    url: str  # without query string or fragment
    taken: datetime  # UTC
    served_by: str | None = None  # host:port of the local server answering for the page's origin

    @property
    def time(self) -> str:
        return self.taken.strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def mark(self) -> str | None:
        if self.served_by is None:
            return None
        return f"SANDBOX — served by {self.served_by}, not the real site"


@dataclass
class Drawn:
    """What was drawn: the control's box (document coordinates), None when no control was outlined."""

    box: Box | None = None


@contextlib.asynccontextmanager
async def drawn(page: Page, caption: Caption, control: ShownControl | None) -> AsyncIterator[Drawn]:
    """The outline and the caption, drawn for the body of the `async with` and removed after it,
    whatever happens there (a page that navigated meanwhile has nothing left to remove)."""
    result = Drawn()
    try:
        handle = await _handle(control)
        args: list[Any] = [
            handle,
            {
                "url": caption.url,
                "time": caption.time,
                "mark": caption.mark,
                "outline": list(OUTLINE_RGB),
                "sandbox": list(SANDBOX_RGB),
            },
        ]
        with contextlib.suppress(PlaywrightError, asyncio.TimeoutError):
            shown = await asyncio.wait_for(page.evaluate(_DRAW, args), DRAW_TIMEOUT_S)
            result.box = shown["box"]
        yield result
    finally:
        with contextlib.suppress(PlaywrightError, asyncio.TimeoutError):
            await asyncio.wait_for(page.evaluate(_REMOVE, MARK), DRAW_TIMEOUT_S)


async def _handle(control: ShownControl | None) -> ElementHandle | None:
    if control is None:
        return None
    try:
        return await control.element.element_handle(timeout=DRAW_TIMEOUT_S * 1000)
    except PlaywrightError:
        return None  # gone since it was found: no outline rather than a wrong one
