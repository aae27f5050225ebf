"""Finding controls by role and name in real Chromium: tolerant, visible only, never ambiguous."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from optout.engine.locate import Ambiguous, NotFound, find, find_now
from optout.language.targets import Target, Texts

SWITCH = Target(
    role="switch",
    name=Texts.model_validate(
        {
            "en": "Use my data for training content creation AI models",
            "fr": "Utiliser mes données pour entraîner des modèles d'IA de création de contenu",
        }
    ),
)


def switch(label: str, key: str, extra: str = "") -> str:
    return (
        f'<div {extra}><input type="checkbox" role="switch" aria-labelledby="{key}" checked>'
        f'<span id="{key}">{label}</span></div>'
    )


@pytest.fixture
async def page(browser: Any) -> Any:
    context = await browser.new_context()
    yield await context.new_page()
    await context.close()


async def test_finds_the_one_visible_switch_despite_a_hidden_duplicate(page: Any) -> None:
    await page.set_content(
        switch("Use my data for training content creation AI models", "a", "hidden")
        + switch("use my data for training content-creation AI models", "b")
        + switch("Use my data for social, economic and workplace research", "c")
    )
    found = await find_now(page, SWITCH)
    assert found is not None and await found.get_attribute("aria-labelledby") == "b"


async def test_two_look_alike_switches_are_ambiguous(page: Any) -> None:
    await page.set_content(
        switch("Use my data for training content creation AI models", "a")
        + switch("Use my data for training the content creation AI models", "b")
    )
    with pytest.raises(Ambiguous, match="several elements look like switch"):
        await find_now(page, SWITCH)


async def test_two_identical_names_are_ambiguous(page: Any) -> None:
    label = "Use my data for training content creation AI models"
    await page.set_content(switch(label, "a") + switch(label, "b"))
    with pytest.raises(Ambiguous, match="2 elements"):
        await find_now(page, SWITCH)


async def test_waits_for_a_late_control_then_gives_up_on_a_missing_one(page: Any) -> None:
    late = switch("Use my data for training content creation AI models", "late").replace('"', '\\"')
    await page.set_content(f'<div id=root></div><script>setTimeout(() => root.innerHTML = "{late}", 700)</script>')
    assert await (await find(page, SWITCH, timeout_s=5)).get_attribute("aria-labelledby") == "late"
    await page.set_content(switch("Show me AI-powered writing suggestions", "w"))
    with pytest.raises(NotFound):
        await find(page, SWITCH, timeout_s=0.5)


async def test_french_field_label_with_typographic_apostrophe(page: Any) -> None:
    await page.set_content(
        "<label for=u>Adresse e‑mail ou téléphone</label><input id=u>"
        "<label for=p>Mot de passe</label><input id=p type=password>"
    )
    field = Target(label=Texts.model_validate({"en": "Password", "fr": "mot  de passe"}))
    found = await find_now(page, field)
    assert found is not None and await found.get_attribute("id") == "p"


async def test_names_with_colons_are_seen_and_compared(page: Any) -> None:
    # The aria snapshot quotes such names; both must still be found, so the pair is ambiguous.
    await page.set_content(
        switch("Use my data for training: content creation AI models", "a")
        + switch("Use my data for training content creation AI models", "b")
    )
    with pytest.raises(Ambiguous):
        await find_now(page, SWITCH)


async def test_a_document_not_yet_read_counts_as_a_change(page: Any) -> None:
    # A navigation between a read and the wait must not leave the waiter watching a quiet new page.
    from optout.engine.locate import mark_seen, wait_for_change

    await page.goto("data:text/html,<p>read</p>")
    await mark_seen(page)
    await page.goto("data:text/html,<p>a new document nobody has read</p>")
    await asyncio.wait_for(wait_for_change(page, timeout_s=60), timeout=10)
    await mark_seen(page)
    with pytest.raises(asyncio.TimeoutError):  # a read, quiet document: nothing to report
        await asyncio.wait_for(wait_for_change(page, timeout_s=60), timeout=1)


async def test_a_change_between_the_read_and_the_wait_wakes_the_waiter(page: Any) -> None:
    # An answer that lands while the page is being read (X's next sign-in step, say) must not leave the
    # waiter watching for a second change that never comes.
    from optout.engine.locate import changed_since_seen, mark_seen, wait_for_change

    await page.set_content("<div id=step>identifier</div>")
    await mark_seen(page)
    assert await changed_since_seen(page) is False
    await page.evaluate("document.getElementById('step').textContent = 'password'")
    assert await changed_since_seen(page) is True  # what find_any asks before calling two controls "both"
    assert await wait_for_change(page, timeout_s=60) is True
    await mark_seen(page)
    assert await wait_for_change(page, timeout_s=0.5) is False  # read since, and quiet: a timeout
    await mark_seen(page)
    await mark_seen(page)  # a second mark (a nested read) still sees a change made after it
    await page.evaluate("document.body.append(document.createElement('p'))")
    assert await wait_for_change(page, timeout_s=60) is True
