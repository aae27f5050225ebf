"""What `--mask-pii` (and every bundle's masked images) hides: the account's own name, photo and e-mail.

Three sources: any element whose visible text contains the account's username (case-insensitive), any
field whose value does (what was typed is no text of the page: a sign-in page keeps the e-mail there),
and the regions a flow declares under `evidence.pii` (Targets, matched wherever they are: a mask may
cover several elements, so a target that matches more than one is not an error here).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

from optout.engine.locate import Root, tolerant_pattern
from optout.language.targets import Target


def pii_locators(page: Page, username: str, targets: Sequence[Target]) -> list[Locator]:
    found = [page.get_by_text(username.strip())] if username.strip() else []
    return found + [target_locator(page, target) for target in targets]


# Set, for one screenshot, on every field whose value holds the username, so that a locator can name
# them: a typed value is a property, which no selector reads.
TYPED_MARK = "data-optout-pii"

# [username, mark] → how many fields were marked (in this document and its open shadow roots).
_MARK_TYPED = """([username, mark]) => {
  const wanted = username.toLowerCase();
  let marked = 0;
  const visit = root => {
    for (const el of root.querySelectorAll('input, textarea')) {
      if (String(el.value || '').toLowerCase().includes(wanted)) { el.setAttribute(mark, ''); marked += 1; }
    }
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) visit(el.shadowRoot);
  };
  visit(document);
  return marked;
}"""
_UNMARK_TYPED = """mark => {
  const visit = root => {
    for (const el of root.querySelectorAll(`[${mark}]`)) el.removeAttribute(mark);
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) visit(el.shadowRoot);
  };
  visit(document);
}"""

# Marking and unmarking are small scripts; a frame that stops answering must not hold the run.
_MARK_TIMEOUT_S = 5.0


@contextlib.asynccontextmanager
async def typed_pii(page: Page, username: str) -> AsyncIterator[list[Locator]]:
    """Locators of the fields, in every frame, whose value contains `username` (case-insensitive): marked
    for the body of the `async with`, unmarked after it."""
    wanted = username.strip()
    frames = list(page.frames) if wanted else []
    found: list[Locator] = []
    try:
        for frame in frames:
            with contextlib.suppress(PlaywrightError, asyncio.TimeoutError):  # a frame gone meanwhile
                if await asyncio.wait_for(frame.evaluate(_MARK_TYPED, [wanted, TYPED_MARK]), _MARK_TIMEOUT_S):
                    found.append(frame.locator(f"[{TYPED_MARK}]"))
        yield found
    finally:
        for frame in frames:
            with contextlib.suppress(PlaywrightError, asyncio.TimeoutError):
                await asyncio.wait_for(frame.evaluate(_UNMARK_TYPED, TYPED_MARK), _MARK_TIMEOUT_S)


def target_locator(root: Root, target: Target) -> Locator:
    """Every element `target` describes under `root` (its role+name, label and selector all count)."""
    if target.within is not None:
        root = target_locator(root, target.within)
    parts: list[Locator] = []
    if target.role and target.name:
        parts.append(root.get_by_role(target.role, name=tolerant_pattern(target.name.all())))
    if target.label:
        parts.append(root.get_by_label(tolerant_pattern(target.label.all())))
    if target.selector:
        parts.append(root.locator(target.selector))
    combined = parts[0]
    for part in parts[1:]:
        combined = combined.or_(part)
    return combined
