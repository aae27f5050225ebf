"""Finding elements the way people see them, and waiting for pages without fixed sleeps.

An element is found by ARIA role and accessible name (tolerantly matched, see `names`), else by the
visible label of a form field, else by a stable hook the flow names. Finding two candidates is an
error, never a guess: the engine must not act on a control it cannot identify unambiguously.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

import yaml
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Locator, Page

from optout.language import names
from optout.language.targets import Target
from optout.results import where

_SNAPSHOT_ENTRY = re.compile(r'^(?P<role>[a-z]+) "(?P<name>(?:[^"\\]|\\.)*)"')

# A document is marked just before it is read, and from that moment an observer notes any DOM change:
# a change that lands while the page is being read (an answer arriving between the read and the wait)
# must wake the wait at once rather than leave it waiting for a second change that may never come.
# Waiting resolves at once on an unmarked document (a navigation happened since the read) or on one
# changed since its mark, else at the next change; a navigation while waiting destroys the context and
# rejects it, which counts as a change too. Either way the caller looks again.
_MARK_SEEN = """() => {
  const key = Symbol.for('optout.seen');
  const previous = window[key];
  if (previous) {
    previous.observer.disconnect();
    previous.waiters.splice(0).forEach(resolve => resolve(true));
  }
  const seen = {changed: false, waiters: [], observer: null};
  seen.observer = new MutationObserver(() => {
    seen.changed = true;
    seen.observer.disconnect();
    seen.waiters.splice(0).forEach(resolve => resolve(true));
  });
  seen.observer.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  window[key] = seen;
}"""
_CHANGED_SINCE_SEEN = """() => {
  const seen = window[Symbol.for('optout.seen')];
  return !seen || seen.changed;
}"""
_NEXT_DOM_CHANGE = """() => new Promise(resolve => {
  const seen = window[Symbol.for('optout.seen')];
  if (!seen || seen.changed) return resolve(true);
  seen.waiters.push(resolve);
})"""


class NotFound(LookupError):
    pass


class Ambiguous(LookupError):
    pass


class GaveUp(LookupError):
    """The page positively shows that the target will not come (the caller said what to look for)."""


async def mark_seen(page: Page) -> None:
    """Call just before reading a page, so that `wait_for_change` knows a later document is new."""
    with contextlib.suppress(PlaywrightError):
        await page.evaluate(_MARK_SEEN)


async def changed_since_seen(page: Page) -> bool:
    """Whether the page changed (or is another document) since `mark_seen`."""
    try:
        changed: bool = await page.evaluate(_CHANGED_SINCE_SEEN)
    except PlaywrightError:
        return True  # the document went away: it changed
    return changed


async def wait_for_change(page: Page, timeout_s: float) -> bool:
    """Return at the page's next DOM change or navigation since `mark_seen` (True), or after
    `timeout_s` (False)."""
    if timeout_s <= 0:
        return False
    try:
        await asyncio.wait_for(page.evaluate(_NEXT_DOM_CHANGE), timeout_s)
    except asyncio.TimeoutError:
        return False
    except PlaywrightError:
        # The document went away mid-wait (navigation): wait for the next one to be parsed.
        with contextlib.suppress(PlaywrightError):
            await page.wait_for_load_state("domcontentloaded", timeout=timeout_s * 1000)
    return True


Root = Page | Frame | Locator


async def accessible_names(root: Root, role: str) -> list[str]:
    """Accessible names of the visible elements with `role` under `root`, as Playwright computes them."""
    region = root.locator("body") if isinstance(root, (Page, Frame)) else root
    snapshot = _parsed(await region.aria_snapshot())
    found = []
    for entry in _snapshot_entries(snapshot):
        match = _SNAPSHOT_ENTRY.match(entry)
        if match and match["role"] == role:
            found.append(json.loads(f'"{match["name"]}"'))
    return found


async def accessible_name(element: Locator) -> str:
    """The element's own accessible name, as Playwright computes it ("" when it has none)."""
    return (await accessible_role_and_name(element))[1]


async def accessible_role_and_name(element: Locator) -> tuple[str, str]:
    """The element's own ARIA role and accessible name, as Playwright computes them (("", "") when it
    has no name)."""
    snapshot = _parsed(await element.aria_snapshot())
    for entry in _snapshot_entries(snapshot):
        match = _SNAPSHOT_ENTRY.match(entry)
        if match:
            return match["role"], str(json.loads(f'"{match["name"]}"'))
    return "", ""


# libyaml's parser when PyYAML has it: a page's snapshot is parsed at every look for a control, and the
# pure-Python parser took a tenth of a re-check's own time.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parsed(snapshot: str) -> object:
    try:
        return yaml.load(snapshot, Loader=_LOADER) or []  # a safe loader, libyaml's or Python's
    except (yaml.YAMLError, UnicodeError):
        # libyaml refuses some text the Python parser reads (a name cut in the middle of an emoji).
        return yaml.load(snapshot, Loader=yaml.SafeLoader) or []


def _snapshot_entries(node: object) -> Iterator[str]:
    """Every `role "name" [attrs]` entry of a parsed aria snapshot, children included. (YAML quotes
    entries that contain ': ', so the snapshot is parsed, not read line by line.)"""
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _snapshot_entries(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str):
                yield key
            yield from _snapshot_entries(value)


def tolerant_pattern(texts: list[str]) -> re.Pattern[str]:
    """A regex accepting each text with any case, spacing and apostrophe style (for field labels)."""
    alternatives = []
    for text in texts:
        words = names.normalise(text).split(" ")
        escaped = [re.escape(w).replace("'", "['’‘ʼ]") for w in words]
        alternatives.append(r"\s+".join(escaped))
    return re.compile(r"^\s*(?:" + "|".join(alternatives) + r")\s*[*:]?\s*$", re.IGNORECASE)


async def _unique(locator: Locator, what: str) -> Locator | None:
    count = await locator.count()
    if count > 1:
        raise Ambiguous(f"{count} elements match {what}; refusing to guess")
    return locator if count == 1 else None


async def find_now(root: Root, target: Target) -> Locator | None:
    """One attempt: the element if it is under `root` now, None if not, Ambiguous if several.
    A `within` region is found first (it must be unique too) and the element is looked for inside."""
    if target.within is not None:
        region = await find_now(root, target.within)
        if region is None:
            return None
        root = region
    if target.role and target.name:
        expected = target.name.all()
        candidates = {n for n in await accessible_names(root, target.role) if names.best_score(n, expected) > 0}
        if len(candidates) > 1:
            listed = "; ".join(sorted(f'"{c}"' for c in candidates))
            raise Ambiguous(f"several elements look like {target.describe()}: {listed}")
        if candidates:
            (name,) = candidates
            found = await _unique(root.get_by_role(target.role, name=name, exact=True), f'{target.role} "{name}"')
            if found is not None:
                return found
    if target.label:
        labelled = root.get_by_label(tolerant_pattern(target.label.all())).filter(visible=True)
        found = await _unique(labelled, target.describe())
        if found is not None:
            return found
    if target.selector:
        return await _unique(root.locator(target.selector).filter(visible=True), f"selector {target.selector}")
    return None


async def find_every(root: Root, target: Target) -> list[Locator]:
    """Every element under `root` now that `target` could name, in any way it names one (role and name,
    label, selector) and in any region its `within` could name: what a step must keep away from. Never
    Ambiguous: several are all returned."""
    regions = [root] if target.within is None else await find_every(root, target.within)
    groups: list[Locator] = []
    for region in regions:
        if target.role and target.name:
            expected = target.name.all()
            matching = {n for n in await accessible_names(region, target.role) if names.best_score(n, expected) > 0}
            groups.extend(region.get_by_role(target.role, name=n, exact=True) for n in sorted(matching))
        if target.label:
            groups.append(region.get_by_label(tolerant_pattern(target.label.all())).filter(visible=True))
        if target.selector:
            groups.append(region.locator(target.selector).filter(visible=True))
    return [group.nth(i) for group in groups for i in range(await group.count())]


GiveUp = Callable[[], Awaitable[bool]]


async def find(page: Page, target: Target, timeout_s: float, *, give_up: GiveUp | None = None) -> Locator:
    """Wait (on DOM changes, not a clock) until `target` is on the page. Raises NotFound or Ambiguous,
    or GaveUp as soon as `give_up` says the page shows why the target will never come."""
    _, found = await find_any(page, [target], timeout_s, give_up=give_up)
    return found


async def find_any(
    page: Page, targets: Sequence[Target], timeout_s: float, *, give_up: GiveUp | None = None
) -> tuple[int, Locator]:
    """Wait until one of `targets` is on the page: its index and the element. Two at once is Ambiguous."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        await mark_seen(page)
        try:
            found = [(i, element) for i, t in enumerate(targets) if (element := await find_now(page, t)) is not None]
        except PlaywrightError:
            found = []  # the page navigated while we looked: look again
        # The targets are looked for one after the other: a page swapping one control for the other
        # meanwhile would seem to show both, so two count only on a page that stood still.
        if len(found) > 1 and not (await changed_since_seen(page) and loop.time() < deadline):
            both = " and ".join(targets[i].describe() for i, _ in found)
            raise Ambiguous(f"the page shows both {both}; refusing to guess")
        if len(found) > 1:
            continue
        if found:
            return found[0]
        if give_up is not None and await give_up():
            raise GaveUp(f"{' or '.join(t.describe() for t in targets)} is not on {where(page.url)}")
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise NotFound(f"{' or '.join(t.describe() for t in targets)} not found on {where(page.url)}")
        await wait_for_change(page, remaining)
