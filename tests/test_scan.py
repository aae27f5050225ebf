"""Finding where a setting went: the controls of a page that look like an AI-training setting, in seven
languages, ranked above look-alikes (personalisation, ads, memory), none on a page of unrelated switches,
and never clicked; through `optout scan URL` and in a failed run's result."""

from __future__ import annotations

import json
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from optout.engine.context import Mode
from optout.engine.scan import candidates
from optout.evidence.recorder import RunEvidence
from optout.sandbox import SandboxServer
from tests.conftest import FLOWS, Cli, demo_target

# language: (the training switch, a personalised-ads switch, a dark-mode switch, the heading)
PAGES = {
    "en": ("Use my data to train AI models", "Personalised ads", "Dark mode", "Data privacy"),
    "fr": ("Utiliser mes données pour entraîner les modèles d'IA", "Publicités personnalisées", "Mode sombre",
           "Confidentialité des données"),
    "de": ("Meine Daten zum Trainieren von KI-Modellen verwenden", "Personalisierte Werbung", "Dunkelmodus",
           "Datenschutz"),
    "es": ("Usar mis datos para entrenar modelos de IA", "Anuncios personalizados", "Modo oscuro", "Privacidad"),
    "it": ("Usa i miei dati per addestrare i modelli di IA", "Annunci personalizzati", "Modalità scura", "Privacy"),
    "nl": ("Mijn gegevens gebruiken om AI-modellen te trainen", "Gepersonaliseerde advertenties", "Donkere modus",
           "Privacy"),
    "pt": ("Usar meus dados para treinar modelos de IA", "Anúncios personalizados", "Modo escuro", "Privacidade"),
}  # fmt: skip

# Every click anywhere is counted: a scan must leave the count at zero.
COUNT_CLICKS = (
    "<script>window.clicks = 0; document.addEventListener('click', () => { window.clicks++; }, true);</script>"
)


STATES = """() => [...document.querySelectorAll('[role=switch], input')]
  .map(el => el.getAttribute('aria-checked') || String(el.checked))"""


def switch(name: str, on: bool, kind: str) -> str:
    if kind == "input":  # a native checkbox named by its label
        ident = f"c{abs(hash(name))}"
        checked = " checked" if on else ""
        field = f'<input type="checkbox" id="{ident}"{checked}><label for="{ident}">{escape(name)}</label>'
        return f'<div class="row">{field}</div>'
    state = "true" if on else "false"
    button = f'<button role="switch" aria-checked="{state}" aria-label="{escape(name)}"></button>'
    return f'<div class="row"><span>{escape(name)}</span>{button}</div>'


def settings(request: Request) -> HTMLResponse:
    lang = request.path_params["lang"]
    training, ads, dark, heading = PAGES[lang]
    body = (
        f"<h2>{escape(heading)}</h2>"
        + switch(ads, True, "button")  # first on the page, to be ranked below
        + switch(dark, False, "input")
        + switch(training, True, "input" if lang in ("fr", "nl") else "button")
    )
    return HTMLResponse(f'<!doctype html><html lang="{lang}"><body>{body}{COUNT_CLICKS}</body></html>')


def unrelated(request: Request) -> HTMLResponse:
    body = (
        "<h2>Preferences</h2>"
        + switch("Dark mode", True, "button")
        + switch("Email notifications", True, "input")
        + switch("Two-step verification", False, "button")
    )
    return HTMLResponse(f'<!doctype html><html lang="en"><body>{body}{COUNT_CLICKS}</body></html>')


@pytest.fixture(scope="module")
def pages() -> Iterator[str]:
    app = Starlette(routes=[Route("/settings/{lang}", settings), Route("/unrelated", unrelated)])
    with SandboxServer(app=app) as server:
        yield server.base_url


@pytest.mark.parametrize("lang", sorted(PAGES))
async def test_the_training_switch_is_found_first_in_each_language_and_never_clicked(
    page: Any, pages: str, lang: str
) -> None:
    await page.goto(f"{pages}/settings/{lang}")
    before = await page.evaluate(STATES)
    found = await candidates(page)
    training, ads, dark, heading = PAGES[lang]
    assert found, lang
    best = found[0]
    assert (best.name, best.state, best.training, best.language, best.where) == (training, "on", True, lang, heading)
    assert best.confidence >= 0.9 and any("training words in its name" in why for why in best.why)
    # The look-alike is listed below, as a data setting that is not training; the dark mode not at all.
    names = [c.name for c in found]
    assert ads in names and names.index(ads) > 0 and not found[names.index(ads)].training
    assert dark not in names
    assert await page.evaluate("window.clicks") == 0 and await page.evaluate(STATES) == before


async def test_a_page_of_unrelated_switches_has_no_candidate(page: Any, pages: str) -> None:
    await page.goto(f"{pages}/unrelated")
    assert await candidates(page) == []
    assert await page.evaluate("window.clicks") == 0


def test_scan_url_lists_them_and_says_when_there_is_none(cli: Cli, pages: str) -> None:
    done = cli("scan", f"{pages}/settings/de", "--json")
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert listed[0]["name"] == PAGES["de"][0] and listed[0]["language"] == "de" and listed[0]["training"] is True
    text = cli("scan", f"{pages}/settings/en", env={"COLUMNS": "80"})
    assert text.returncode == 0 and "Use my data to train AI models" in text.stdout
    assert "None of them was clicked." in text.stdout
    assert all(len(line) <= 80 for line in text.stdout.splitlines())
    none = cli("scan", f"{pages}/unrelated")
    assert none.returncode == 1 and "looks like an AI-training setting" in none.stdout
    bad = cli("scan", "ftp://example.invalid/x")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


async def test_a_run_whose_control_is_gone_carries_what_the_page_has_instead(runner: Any, tmp_path: Path) -> None:
    """LinkedIn's redesigned page (no switch at all): the failed result says nothing there looks like it."""
    evidence = RunEvidence(tmp_path / "out", "test", {"linkedin": FLOWS["linkedin"].version})
    (result,) = await runner.run(Mode.CHECK, [demo_target("linkedin", "lou@example.com")], evidence)
    assert result.outcome.value == "failed" and result.candidates == []
    assert "nothing on the page looks like an AI-training setting" in (result.reason or "")
