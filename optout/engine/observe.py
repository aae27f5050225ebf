"""What the engine looks at for the dark patterns, as it works: the setting page's language and words,
a confirmation dialog's words and how its choices are drawn, what the page shows once the setting is off.
Only reads; never fails a run (a page that cannot be read for this leaves the observation empty)."""

from __future__ import annotations

import asyncio
import contextlib

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

from optout.patterns.naming import Choice, Dialog

_READ_S = 3.0
_TEXT_LIMIT = 20_000

_PAGE_FACTS = f"""() => ({{
  lang: (document.documentElement.getAttribute('lang') || '').trim(),
  text: (document.body ? document.body.innerText : '').slice(0, {_TEXT_LIMIT}),
}})"""

# The dialog around a confirmation's button, and each choice it offers as drawn: area, text contrast
# (WCAG, against the first opaque background behind it), weight. Nothing is changed on the page.
_DIALOG = """el => {
  const dialog = el.closest('[role=dialog],[role=alertdialog],dialog');
  // Without a dialog, the button's surroundings are no choice: only its own words are kept.
  if (!dialog) return {text: (el.innerText || '').slice(0, 4000), choices: []};
  const box = dialog;
  const rgb = c => { const m = c.match(/[\\d.]+/g) || []; return m.map(Number); };
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  const background = node => {
    for (let n = node; n && n.nodeType === 1; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c;
    }
    return [255, 255, 255];
  };
  const choices = [...box.querySelectorAll('button,[role=button],a[href],input[type=submit],input[type=button]')]
    .filter(b => { const r = b.getBoundingClientRect(); return r.width > 0 && r.height > 0; })
    .map(b => {
      const r = b.getBoundingClientRect(), s = getComputedStyle(b);
      const a = lum(rgb(s.color)), z = lum(background(b));
      return {
        name: (b.getAttribute('aria-label') || b.innerText || b.value || '').trim().replace(/\\s+/g, ' '),
        area: r.width * r.height,
        contrast: (Math.max(a, z) + 0.05) / (Math.min(a, z) + 0.05),
        weight: Number(s.fontWeight) || 400,
        chosen: b === el || b.contains(el),
      };
    });
  return {text: (box.innerText || '').slice(0, 4000), choices};
}"""

# What the page shows over or beside the setting once it is off: dialogs, alerts, status lines, asides.
_PROMPTS = """() => [...document.querySelectorAll(
  '[role=dialog],[role=alertdialog],[role=alert],[role=status],dialog[open],aside,[role=complementary]')]
  .filter(n => { const r = n.getBoundingClientRect(); return r.width > 0 && r.height > 0; })
  .map(n => n.innerText.trim()).filter(Boolean).join('\\n').slice(0, 4000)"""


async def page_facts(page: Page) -> tuple[str | None, str]:
    """The page's language (primary subtag, lower case; None when it declares none) and its visible text."""
    with contextlib.suppress(PlaywrightError, asyncio.TimeoutError):
        facts = await asyncio.wait_for(page.evaluate(_PAGE_FACTS), _READ_S)
        lang = str(facts.get("lang") or "").split("-")[0].lower() or None
        return lang, str(facts.get("text") or "")
    return None, ""


async def dialog_of(element: Locator) -> Dialog | None:
    """The dialog holding a confirmation's button, with its choices; None when it cannot be read."""
    with contextlib.suppress(PlaywrightError, asyncio.TimeoutError):
        seen = await asyncio.wait_for(element.evaluate(_DIALOG), _READ_S)
        choices = [
            Choice(
                name=str(c["name"]),
                area=float(c["area"]),
                contrast=float(c["contrast"]),
                weight=float(c["weight"]),
                chosen=bool(c["chosen"]),
            )
            for c in seen.get("choices", [])
        ]
        return Dialog(text=str(seen.get("text") or ""), choices=choices)
    return None


async def texts_of(locator: Locator) -> list[str]:
    """The visible texts of what `locator` finds (bounded): a flow's PII regions, for quotes to hide."""
    with contextlib.suppress(PlaywrightError, asyncio.TimeoutError):
        return [t.strip() for t in await asyncio.wait_for(locator.all_inner_texts(), _READ_S) if t.strip()]
    return []


async def prompts(page: Page) -> str:
    """The words of the dialogs, alerts and banners shown now."""
    with contextlib.suppress(PlaywrightError, asyncio.TimeoutError):
        return str(await asyncio.wait_for(page.evaluate(_PROMPTS), _READ_S))
    return ""


def language_of(locale: str | None) -> str | None:
    return locale.split("-")[0].lower() if locale else None
