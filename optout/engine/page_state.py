"""Recognising what a page says about the session (signed in, rejected, PIN, CAPTCHA, …).

Only URLs, stable hooks, h1 headings, titles and alerts are read, never body text: a feed post that
mentions "restricted accounts" must not be taken for a restriction notice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from optout.engine.locate import mark_seen, wait_for_change
from optout.language import names
from optout.language.targets import PageState, Recognition, Signal
from optout.results import where

_READ_PAGE = """(selectors) => {
  const visible = el => {
    const style = getComputedStyle(el);
    return style.visibility !== 'hidden' && style.display !== 'none' &&
      !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  };
  const texts = sel => [...document.querySelectorAll(sel)].filter(visible).map(el => el.innerText || '');
  // For each selector: null when no visible element matches, else the (bounded) texts of those that do.
  const found = selectors.map(sel => {
    try {
      const shown = [...document.querySelectorAll(sel)].filter(visible);
      return shown.length ? shown.slice(0, 20).map(el => (el.innerText || '').slice(0, 2000)) : null;
    } catch (e) { return null; }
  });
  return {
    url: location.href,
    title: document.title,
    headings: texts('h1, [role=heading][aria-level="1"]'),
    alerts: texts('[role=alert]').filter(t => t.trim()),
    found,
  };
}"""


@dataclass(frozen=True)
class PageFacts:
    url: str
    title: str
    headings: list[str]
    alerts: list[str]
    # selector -> texts of its visible elements; absent when none is visible
    found: dict[str, list[str]]


def _selectors(signals: Iterable[Signal]) -> list[str]:
    return sorted({s.selector for s in signals if s.selector})


async def read_facts(page: Page, signals: Iterable[Signal]) -> PageFacts:
    selectors = _selectors(signals)
    raw = await page.evaluate(_READ_PAGE, selectors)
    return PageFacts(
        url=raw["url"],
        title=raw["title"],
        headings=raw["headings"],
        alerts=raw["alerts"],
        found={sel: texts for sel, texts in zip(selectors, raw["found"], strict=True) if texts is not None},
    )


def _holds(signal: Signal, facts: PageFacts) -> bool:
    checks = []
    if signal.url is not None:
        # Not the query: "?next=/login" must not make a page look like the sign-in page.
        checks.append(any(url in where(facts.url) for url in signal.url))
    if signal.selector is not None:
        shown = facts.found.get(signal.selector)
        checks.append(shown is not None)
        if signal.text is not None:
            checks.append(any(names.contains(t, signal.text.all()) for t in shown or []))
    if signal.heading is not None:
        checks.append(any(names.contains(h, signal.heading.all()) for h in facts.headings))
    if signal.title is not None:
        checks.append(names.contains(facts.title, signal.title.all()))
    if signal.alert is not None:
        checks.append(any(names.contains(a, signal.alert.all()) for a in facts.alerts))
    return all(checks)


def classify(facts: PageFacts, recognise: Sequence[Recognition]) -> Recognition | None:
    """The first recognised state whose signals (any) hold, in the flow's order."""
    return next((r for r in recognise if any(_holds(s, facts) for s in r.when)), None)


def any_holds(facts: PageFacts, signals: Iterable[Signal]) -> bool:
    return any(_holds(s, facts) for s in signals)


async def shows(page: Page, signals: Sequence[Signal]) -> bool:
    """Whether the page shows any of `signals` now (False while it is between documents)."""
    if not signals:
        return False
    try:
        return any_holds(await read_facts(page, signals), signals)
    except PlaywrightError:
        return False


async def wait_for_state(
    page: Page,
    recognise: Sequence[Recognition],
    timeout_s: float,
    *,
    ignore: Collection[PageState] = (),
) -> Recognition | None:
    """Wait until the page is in a recognised state not in `ignore`; None when the time runs out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        remaining = max(deadline - loop.time(), 0.1)
        await mark_seen(page)
        try:
            facts = await asyncio.wait_for(read_facts(page, [s for r in recognise for s in r.when]), remaining)
            found = classify(facts, recognise)
        except (PlaywrightError, asyncio.TimeoutError):
            found = None  # navigating (the next document will be read), or a page too busy to answer
        if found is not None and found.state not in ignore:
            return found
        remaining = deadline - loop.time()
        if remaining <= 0:
            return None
        await wait_for_change(page, remaining)
