"""The page's HTML around where a missing control was expected, for whoever keeps the flow: what the page
has instead, to write the flow's new target from.

Where: the nearest section (or article, region, form, main) around the heading that names the setting's page
(its `page` headings, else its title), else the page's main landmark, else its body; at most `MAX_CHARS`.
What it never holds: what a field holds (every input's and textarea's value, every contenteditable's text),
scripts and styles, and what the masked screenshot masks: the flow's `evidence.pii` regions and any element
showing the username are emptied, and the username (and an e-mail's local part) is replaced wherever it is
written (attributes, links), as the masked screenshot's quotes hide it.
"""

from __future__ import annotations

import asyncio
import contextlib

from playwright.async_api import Error as PlaywrightError

from optout.engine.context import RunContext
from optout.engine.masking import pii_locators
from optout.engine.screenshots import SECRET_FIELDS
from optout.evidence.private_text import hide_username

# Enough for the section a setting lives in; a whole page's markup can run to megabytes.
MAX_CHARS = 60_000
MASKED = "[masked]"
_MARK = "data-optout-mask"

# [headings, mark] -> the excerpt's HTML, from a copy of the page (the page itself is left as it is).
_EXCERPT = """([headings, mark]) => {
  const wanted = headings.map(h => h.toLowerCase()).filter(Boolean);
  const named = [...document.querySelectorAll('h1, h2, h3, [role=heading]')]
    .find(h => wanted.some(w => (h.textContent || '').toLowerCase().includes(w)));
  const around = 'section, article, [role=region], form, main, [role=main]';
  const root = (named && (named.closest(around) || named.parentElement))
    || document.querySelector('main, [role=main]') || document.body;
  if (!root) return '';
  const copy = root.cloneNode(true);
  for (const el of copy.querySelectorAll('script, style, noscript, template, link')) el.remove();
  for (const el of [copy, ...copy.querySelectorAll('*')]) {
    if (el.hasAttribute(mark)) {
      el.textContent = '[masked]';
      const kept = ['id', 'class', 'role'];
      for (const name of el.getAttributeNames()) if (!kept.includes(name)) el.removeAttribute(name);
      continue;
    }
    if (el.localName === 'input') { el.removeAttribute('value'); el.setAttribute('value', ''); }
    if (el.localName === 'textarea') el.textContent = '';
    if (el.isContentEditable || el.hasAttribute('contenteditable')) el.textContent = '';
    for (const name of el.getAttributeNames()) {
      if (name.startsWith('on') || name === 'srcdoc') el.removeAttribute(name);
    }
  }
  return copy.outerHTML;
}"""

_UNMARK = """mark => { for (const el of document.querySelectorAll(`[${mark}]`)) el.removeAttribute(mark); }"""

_MARK_TIMEOUT_S = 5.0


async def dom_excerpt(ctx: RunContext) -> str | None:
    """The excerpt of the page shown now (see the module), or None when the page cannot give one."""
    page = ctx.page
    username = ctx.session.username
    setting = ctx.setting
    headings = [t for signal in setting.page if signal.heading for t in signal.heading.all()] + setting.title.all()
    marks = [page.locator(SECRET_FIELDS), *pii_locators(page, username, ctx.pii)]
    try:
        for locator in marks:
            with contextlib.suppress(PlaywrightError, asyncio.TimeoutError):
                await asyncio.wait_for(
                    locator.evaluate_all("(els, mark) => els.forEach(el => el.setAttribute(mark, ''))", _MARK),
                    _MARK_TIMEOUT_S,
                )
        html = await asyncio.wait_for(page.evaluate(_EXCERPT, [headings, _MARK]), ctx.options.timeout_s)
    except (PlaywrightError, asyncio.TimeoutError):
        return None
    finally:
        with contextlib.suppress(PlaywrightError, asyncio.TimeoutError):
            await asyncio.wait_for(page.evaluate(_UNMARK, _MARK), _MARK_TIMEOUT_S)
    return bounded(hide_username(str(html), username))


def bounded(html: str) -> str:
    """At most MAX_CHARS, cut after a whole tag, and saying so."""
    if len(html) <= MAX_CHARS:
        return html
    cut = html.rfind(">", 0, MAX_CHARS) + 1 or MAX_CHARS
    return f"{html[:cut]}\n<!-- optout: cut here, the excerpt is bounded to {MAX_CHARS} characters -->\n"
