"""Listing the controls of a page that look like an AI-training setting: what a person (or a flow's
maintainer) needs when a flow's control is gone. Reads only: nothing is clicked, typed or focused."""

from __future__ import annotations

import asyncio
import contextlib

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from optout.engine.scan_terms import action_state, score
from optout.results import Candidate

#: How many candidates are kept, best first.
MOST = 10

# Every visible control a setting can be: its role, accessible name (as far as a script can tell: label,
# aria-label, aria-labelledby, the wrapping label, its text), state, the text of its row, and the heading
# above it. Nothing on the page is changed.
_CONTROLS = """() => {
  const SELECTOR = '[role=switch],[role=checkbox],[role=radio],[role=menuitemcheckbox],input[type=checkbox],'
    + 'input[type=radio],[aria-pressed],select';
  // Any other control: a row ends before a container that holds one.
  const ANY = SELECTOR + ',button,[role=button],a[href],input:not([type=hidden]),textarea';
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const text = el => (el ? (el.innerText || el.textContent || '') : '').replace(/\\s+/g, ' ').trim();
  const nameOf = el => {
    if (el.getAttribute('aria-label')) return el.getAttribute('aria-label');
    const by = el.getAttribute('aria-labelledby');
    if (by) return by.split(/\\s+/).map(id => text(document.getElementById(id))).join(' ');
    if (el.id) { const l = document.querySelector(`label[for="${CSS.escape(el.id)}"]`); if (l) return text(l); }
    const wrap = el.closest('label'); if (wrap) return text(wrap);
    return text(el);
  };
  const roleOf = el => el.getAttribute('role') || (el.type === 'checkbox' ? 'checkbox' : el.type === 'radio' ? 'radio'
    : el.localName === 'select' ? 'combobox' : el.hasAttribute('aria-pressed') ? 'button' : el.localName);
  const stateOf = el => {
    const aria = el.getAttribute('aria-checked') || el.getAttribute('aria-pressed');
    const on = 'checked' in el && (el.type === 'checkbox' || el.type === 'radio') ? el.checked : aria === 'true';
    if (aria === null && !('checked' in el && (el.type === 'checkbox' || el.type === 'radio'))) return 'unknown';
    return on ? 'on' : 'off';
  };
  const heading = el => {
    const all = [...document.querySelectorAll('h1,h2,h3,[role=heading]')];
    let found = '';
    for (const h of all) if (h.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) found = text(h);
    return found;
  };
  // The control's own row: up to three levels out, stopping before a container that holds another control,
  // so a dark-mode switch never borrows the training switch's words from the section around both.
  const row = el => { let n = el;
    for (let i = 0; i < 3 && n.parentElement && n.parentElement !== document.body; i++) {
      const up = n.parentElement;
      if ([...up.querySelectorAll(ANY)].some(other => other !== el && !el.contains(other) && !other.contains(el)
          && visible(other))) break;
      n = up;
    }
    return text(n).slice(0, 400); };
  const toggles = [...document.querySelectorAll(SELECTOR)]
    .filter(el => visible(el) || (el.labels && [...el.labels].some(visible)))
    .map(el => ({role: roleOf(el), name: nameOf(el).slice(0, 200), state: stateOf(el), nearby: row(el),
                 where: heading(el).slice(0, 120), kind: 'toggle'}));
  // A way out that is a form (an objection): its send button, judged by the heading above it.
  const sends = [...document.querySelectorAll('form button, form input[type=submit], form [role=button]')]
    .filter(el => visible(el) && !el.matches(SELECTOR) && (el.type || 'submit') === 'submit')
    .map(el => ({role: 'button', name: (nameOf(el) || el.value || '').slice(0, 200), state: 'form',
                 nearby: heading(el).slice(0, 200), where: heading(el).slice(0, 120), kind: 'form'}));
  // A button that is the switch (Google's "Turn off" under "Keep Activity"): judged by its heading and row.
  const actions = [...document.querySelectorAll('button, [role=button]')]
    .filter(el => visible(el) && !el.matches(SELECTOR) && !el.closest('form') && nameOf(el).length <= 40)
    .map(el => ({role: 'button', name: nameOf(el), state: 'unknown',
                 nearby: `${heading(el)} ${row(el)}`.slice(0, 400), where: heading(el).slice(0, 120), kind: 'action'}));
  return [...toggles, ...sends, ...actions];
}"""


async def candidates(page: Page, timeout_s: float = 5.0) -> list[Candidate]:
    """The page's controls that look like an AI-training setting, best first (at most MOST); an empty list
    when none does or the page cannot be read."""
    try:
        found = await asyncio.wait_for(page.evaluate(_CONTROLS), timeout_s)
    except (PlaywrightError, asyncio.TimeoutError):
        return []
    listed: list[Candidate] = []
    for control in found:
        name, nearby = str(control.get("name") or ""), str(control.get("nearby") or "")
        kind = control.get("kind")
        seen = score(name, nearby, kind=kind if kind in ("form", "action") else "toggle")
        if seen is None:
            continue
        with contextlib.suppress(ValueError):
            listed.append(
                Candidate(
                    role=str(control.get("role") or ""),
                    name=name,
                    state=(kind == "action" and action_state(name)) or str(control.get("state") or "unknown"),
                    where=str(control.get("where") or "") or None,
                    confidence=seen.confidence,
                    why=list(seen.why),
                    language=seen.language,
                    training=seen.training,
                )
            )
    listed.sort(key=lambda c: (c.training, c.confidence), reverse=True)
    return listed[:MOST]


def best_named(found: list[Candidate]) -> str:
    """The best candidate in a reason's words, or that none was found."""
    if not found or not found[0].training:
        return "nothing on the page looks like an AI-training setting"
    best = found[0]
    return f'the closest on the page: {best.role} "{best.name}" ({best.state}), never clicked'
