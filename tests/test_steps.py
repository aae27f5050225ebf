"""Each step type and each safety rule of the step language, alone, in real Chromium against a small
two-origin site (tests/stepsite.py) reached through optout's own traffic mapping. Every test reads the
site's server-side record (writes per control, passwords received) to prove what happened."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from optout.browser.traffic import OriginSpec, build_traffic_map
from optout.engine.context import Mode, Options
from optout.evidence.recorder import RunEvidence
from optout.language.flow import Flow
from optout.results import ExitCode, Outcome, Result, State, exit_code
from optout.sandbox import SandboxServer
from tests.stepsite import APP, LOGIN, PASSWORD, StepSite
from tests.stepsite import SIGN_IN_PAGE as SIGN_IN

BASE = yaml.safe_load(
    f"""
schema_version: 2
platform: steps
name: Step site
version: "1"
origins: [{APP}, {LOGIN}]
login:
  url: {LOGIN}/sign-in
  origins: [{LOGIN}]
  page: [{{url: login.example.invalid/sign-in, selector: "input[autocomplete=current-password]"}}]
  steps:
    - fill: username
      origin: {LOGIN}
      into: {{label: {{en: Email, fr: E-mail}}}}
    - fill: password
      origin: {LOGIN}
      into: {{label: {{en: Password, fr: Mot de passe}}}}
    - click: {{role: button, name: {{en: Sign in, fr: Se connecter}}}}
recognise:
  - state: rejected
    reason: the site rejected the password
    when: [{{url: login.example.invalid/session, alert: {{en: Wrong password, fr: Mot de passe incorrect}}}}]
  - state: signed_in
    reason: signed in
    when: [{{selector: "nav#account"}}]
  - state: signed_out
    reason: not signed in
    when: [{{url: login.example.invalid/sign-in}}]
settings:
  - id: training
    title: {{en: Training, fr: Entraînement}}
    url: {APP}/settings
    page: [{{heading: {{en: Training, fr: Entraînement}}}}]
    open: [{{goto: {APP}/settings}}]
    control:
      target: {{role: checkbox, name: {{en: Use my data for training, fr: Utiliser mes données pour l'entraînement}}}}
    # The step site saves at once (no debounce, no value loaded late): a short quiet is enough.
    quiet_ms: 100
"""
)

SAVE = "<script>function save(k, v) { fetch('/api/set?key=' + k + '&value=' + v, {method: 'POST'}); }</script>"
HEAD = "@signed-in<!doctype html><html lang=en><title>Settings</title><nav id=account>Pat</nav>"
CHECKBOX = (
    "<label><input type=checkbox {checked:training} onchange=\"save('training', this.checked)\">"
    " Use my data for training</label>"
)
SETTINGS = f"{HEAD}<h1>Training</h1>{CHECKBOX}{SAVE}"
# The same checkbox, same name, saving another setting: a look-alike.
TWIN = CHECKBOX.replace("'training'", "'personalisation'").replace(":training}", ":personalisation}")


def make_flow(**setting: Any) -> Flow:
    """The base flow with the setting's fields replaced (a field set to None is removed)."""
    data = copy.deepcopy(BASE)
    for key, value in setting.items():
        if key.startswith("flow_"):
            data[key.removeprefix("flow_")] = value
        elif value is None:
            data["settings"][0].pop(key, None)
        else:
            data["settings"][0][key] = value
    return Flow.model_validate(data)


def steps(text: str) -> Any:
    return yaml.safe_load(text)


@pytest.fixture(scope="session")
def site_server() -> Iterator[tuple[StepSite, SandboxServer]]:
    site = StepSite()
    with SandboxServer(app=site.app()) as server:
        yield site, server


@pytest.fixture
def site(site_server: tuple[StepSite, SandboxServer]) -> StepSite:
    site_server[0].reset()
    site_server[0].pages["/"] = f"{HEAD}<h1>Home</h1>"
    site_server[0].pages["/settings"] = SETTINGS
    site_server[0].settings["training"] = True
    return site_server[0]


@pytest.fixture
async def run_flow(browser: Any, site_server: tuple[StepSite, SandboxServer], tmp_path: Path) -> AsyncIterator[Any]:
    from optout.engine.runner import AccountTarget, Runner

    evidence = RunEvidence(tmp_path / "out", "test", {"steps": "1"})
    runners: list[Runner] = []

    async def run(
        flow: Flow, mode: Mode = Mode.OFF, *, options: dict[str, Any] | None = None, username: str = "pat@example.com"
    ) -> Result:
        traffic = build_traffic_map([OriginSpec("steps", site_server[1].base_url)], {"steps": flow.origins})
        runner = Runner(traffic=traffic, options=Options(timeout_s=3.0, **(options or {})), browser=browser)
        runners.append(await runner.__aenter__())
        (result,) = await runner.run(mode, [AccountTarget(flow, username, lambda: PASSWORD)], evidence)
        return result

    yield run
    for runner in runners:
        await runner.__aexit__(None, None, None)


# -- each step type ------------------------------------------------------------------------------------


async def test_goto_signs_in_then_the_control_is_read_and_switched_off(run_flow: Any, site: StepSite) -> None:
    result = await run_flow(make_flow())
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True)
    assert site.passwords == [PASSWORD] and site.writes == {"training": 1}
    assert site.settings["training"] is False


async def test_one_account_s_unexpected_error_stops_the_others(
    browser: Any, site_server: tuple[StepSite, SandboxServer], site: StepSite, tmp_path: Path
) -> None:
    from optout.engine.runner import AccountTarget, Runner

    fast = make_flow()
    # The second account's page never shows what its flow waits for: it is still at work when the first
    # account's result meets an error nobody foresaw (here, in the step that annotates results).
    slow = make_flow(open=[{"goto": f"{APP}/settings"}, {"wait_for": {"selector": "p#never"}}])

    def annotate(result: Result) -> Result:
        if result.account == "first@example.com":
            raise RuntimeError("unforeseen")
        return result

    traffic = build_traffic_map([OriginSpec("steps", site_server[1].base_url)], {"steps": fast.origins})
    evidence = RunEvidence(tmp_path / "out", "test", {"steps": "1"})
    targets = [
        AccountTarget(fast, "first@example.com", lambda: PASSWORD),
        AccountTarget(slow, "second@example.com", lambda: PASSWORD),
    ]
    async with Runner(traffic=traffic, options=Options(timeout_s=20.0), browser=browser) as runner:
        with pytest.raises(RuntimeError, match="unforeseen"):
            await runner.run(Mode.OFF, targets, evidence, parallel=2, annotate=annotate)
        # Stopped with the run, not left waiting in the background: what it got to is on record.
        (second,) = [r for r in evidence.manifest.results if r.account == "second@example.com"]
        assert second.reason.startswith("interrupted before this setting's result was recorded"), second.reason
        assert "the switch was not clicked" in second.reason
    assert site.writes == {"training": 1}  # the first account's own click, nothing from the second


@pytest.mark.parametrize("skipped", [False, True])
async def test_the_trackers_a_flow_names_are_never_requested(
    browser: Any, site_server: tuple[StepSite, SandboxServer], site: StepSite, tmp_path: Path, skipped: bool
) -> None:
    from optout.engine.runner import AccountTarget, Runner

    pixel = "https://px.tracker.example.invalid/collect.gif"
    site.pages["/settings"] = SETTINGS.replace("<h1>", f'<img src="{pixel}" alt=""><h1>')
    flow = make_flow(flow_skip_hosts=["tracker.example.invalid"] if skipped else [])
    traffic = build_traffic_map([OriginSpec("steps", site_server[1].base_url)], {"steps": flow.origins})
    evidence = RunEvidence(tmp_path / "out", "test", {"steps": "1"})
    async with Runner(traffic=traffic, options=Options(timeout_s=3.0), browser=browser) as runner:
        (result,) = await runner.run(Mode.CHECK, [AccountTarget(flow, "pat@example.com", lambda: PASSWORD)], evidence)
    assert (result.outcome, result.state) == (Outcome.CHECKED, State.ON), result.reason
    # Named by the flow: refused by the browser before it left the page, so the mapping never saw it.
    assert (pixel in traffic.blocked) is not skipped, traffic.blocked


async def test_the_click_is_recorded_before_it_is_made(
    browser: Any, site_server: tuple[StepSite, SandboxServer], site: StepSite, tmp_path: Path
) -> None:
    """As the site receives the write the click sent, the manifest and the history already say that the
    switch was being clicked; once verified, that record gives way to the result."""
    from optout.engine.runner import AccountTarget, Runner
    from optout.evidence.history import History

    history = History.open(tmp_path / "history.db")
    evidence = RunEvidence(tmp_path / "out", "off", {"steps": "1"}, history=history)
    seen: list[tuple[list[str | None], list[str | None]]] = []

    def as_the_write_arrives(key: str) -> None:
        manifest = json.loads(evidence.manifest_path.read_text())
        rows = History.open(tmp_path / "history.db")  # another connection: what is committed
        try:
            seen.append(([r["label"] for r in manifest["results"]], [r.label for r in rows.results()]))
        finally:
            rows.close()

    site.on_write = as_the_write_arrives
    flow = make_flow()
    traffic = build_traffic_map([OriginSpec("steps", site_server[1].base_url)], {"steps": flow.origins})
    async with Runner(traffic=traffic, options=Options(timeout_s=3.0), browser=browser) as runner:
        (result,) = await runner.run(Mode.OFF, [AccountTarget(flow, "pat@example.com", lambda: PASSWORD)], evidence)
    evidence.finish()
    assert (result.outcome, result.verified) == (Outcome.SWITCHED_OFF, True), result.reason
    assert seen == [(["click_unverified"], ["click_unverified"])]
    # Afterwards the setting has its one result, in both.
    assert [(r.outcome, r.label) for r in history.results()] == [(Outcome.SWITCHED_OFF, None)]
    manifest = json.loads(evidence.manifest_path.read_text())
    assert [(r["outcome"], r["label"]) for r in manifest["results"]] == [("switched_off", None)]
    history.close()


async def test_click_uses_real_pointer_events(run_flow: Any, site: StepSite) -> None:
    # Like a Radix menu, the button reacts to pointerdown only: a synthetic click() would not open it.
    site.pages["/home"] = (
        f"{HEAD}<h1>Home</h1><button onpointerdown=\"location.href='/settings'\">Open settings</button>"
    )
    opened = steps(f"[{{goto: {APP}/home}}, {{click: {{role: button, name: {{en: Open settings, fr: Ouvrir}}}}}}]")
    result = await run_flow(make_flow(open=opened), Mode.CHECK)
    assert (result.outcome, result.state) == (Outcome.CHECKED, State.ON)
    assert result.url == f"{APP}/settings"


async def test_press_submits_the_sign_in_with_enter(run_flow: Any, site: StepSite) -> None:
    flow = make_flow()
    login = copy.deepcopy(BASE["login"])
    login["steps"][2] = {"press": "Enter", "on": {"label": {"en": "Password", "fr": "Mot de passe"}}}
    flow = make_flow(flow_login=login)
    result = await run_flow(flow, Mode.CHECK)
    assert (result.outcome, result.state) == (Outcome.CHECKED, State.ON)
    assert site.passwords == [PASSWORD]


async def test_a_control_drawn_late_is_read_only_once_its_value_has_loaded(run_flow: Any, site: StepSite) -> None:
    # A timer (nothing the run can see) draws the switch as a placeholder, Off and not marked busy; the
    # page asks for its value only 300 ms later. The quiet period starts when the reading is asked for.
    site.pages["/settings"] = (
        f"{HEAD}<h1>Training</h1><div id=slot></div><script>setTimeout(() => {{"
        " slot.innerHTML = '<label><input type=checkbox id=sw> Use my data for training</label>';"
        " setTimeout(() => fetch('/').then(() => { sw.checked = {aria:training}; }), 300); }, 1200);</script>"
    )
    result = await run_flow(make_flow(quiet_ms=500), Mode.CHECK)
    assert (result.outcome, result.state) == (Outcome.CHECKED, State.ON), result.reason


async def test_wait_for_a_step_the_page_renders_later(run_flow: Any, site: StepSite) -> None:
    # The password field appears only after the page has asked its server (a multi-step sign-in).
    site.pages["login.example.invalid/sign-in"] = (
        "<!doctype html><title>Sign in</title><form method=post action=/session>"
        "<label>Email <input name=username autocomplete=username></label>"
        "<button type=button id=next>Next</button><div id=step2></div></form><script>"
        "next.onclick = async () => { await fetch('/api/set?key=next&value=true', {method: 'POST'});"
        " step2.innerHTML = '<label>Password <input name=password type=password "
        "autocomplete=current-password></label><button>Sign in</button>'; };</script>"
    )
    login = copy.deepcopy(BASE["login"])
    login["steps"][1:1] = steps(
        """
        - click: {role: button, name: {en: Next, fr: Suivant}}
        - wait_for: {selector: "input[autocomplete=current-password]"}
        """
    )
    result = await run_flow(make_flow(flow_login=login), Mode.CHECK)
    assert (result.outcome, result.state) == (Outcome.CHECKED, State.ON)
    assert site.passwords == [PASSWORD]


@pytest.mark.parametrize("extra_page", [True, False])
async def test_when_runs_steps_only_when_their_page_is_shown(run_flow: Any, site: StepSite, extra_page: bool) -> None:
    # An optional "confirm it's you" page between sign-in and the app, shown to some accounts only.
    site.pages["/confirm"] = (
        "<!doctype html><title>Confirm</title><h1>Confirm it's you</h1>"
        "<form method=post action=/confirmed><button>Continue</button></form>"
    )
    site.pages["/confirmed"] = SETTINGS.removeprefix("@signed-in")
    site.pages["/start"] = f"{HEAD}<h1>Start</h1><a href={'/confirm' if extra_page else '/settings'}>Go</a>"
    opened = steps(
        f"""
        - goto: {APP}/start
        - click: {{role: link, name: {{en: Go, fr: Aller}}}}
        - when: {{heading: {{en: "Confirm it's you", fr: "Confirmez votre identité"}}}}
          steps:
            - click: {{role: button, name: {{en: Continue, fr: Continuer}}}}
        """
    )
    result = await run_flow(make_flow(open=opened), Mode.CHECK)
    assert (result.outcome, result.state) == (Outcome.CHECKED, State.ON), result.reason
    assert site.posts == (["app.example.invalid/confirmed"] if extra_page else [])


async def test_within_scopes_a_control_among_look_alikes(run_flow: Any, site: StepSite) -> None:
    # Two checkboxes with the same name; only the one in the "Training" group may be touched.
    site.settings["personalisation"] = True
    site.pages["/settings"] = (
        f"{HEAD}<h1>Training</h1><div role=group aria-label=Training>{CHECKBOX}</div>"
        f"<div role=group aria-label=Personalisation>{TWIN}</div>{SAVE}"
    )
    control = {
        "target": {
            "role": "checkbox",
            "name": {"en": "Use my data for training", "fr": "Utiliser mes données pour l'entraînement"},
            "within": {"role": "group", "name": {"en": "Training", "fr": "Entraînement"}},
        }
    }
    result = await run_flow(make_flow(control=control))
    assert (result.outcome, result.state) == (Outcome.SWITCHED_OFF, State.OFF)
    assert site.writes == {"training": 1} and site.settings["personalisation"] is True


async def test_without_within_look_alikes_are_refused(run_flow: Any, site: StepSite) -> None:
    site.settings["personalisation"] = True
    site.pages["/settings"] = f"{HEAD}<h1>Training</h1>{CHECKBOX}{TWIN}{SAVE}"
    result = await run_flow(make_flow())
    assert result.outcome is Outcome.FAILED and result.reason and "nothing was clicked" in result.reason
    assert site.writes == {}


TOUR = (
    "<div role=dialog aria-label=Tour id=tour style='position:fixed;inset:0;background:#0008'>"
    "<h2>Welcome tour</h2><button onclick='tour.remove()'>Skip tour</button></div>"
)
TOUR_OVERLAY = {
    "name": "product tour",
    "when": [{"selector": "[role=dialog]#tour"}],
    "close": {"role": "button", "name": {"en": "Skip tour", "fr": "Passer la visite"}, "within": {"selector": "#tour"}},
}


async def test_declared_overlay_is_dismissed_before_the_click(run_flow: Any, site: StepSite) -> None:
    site.pages["/settings"] = SETTINGS + TOUR
    result = await run_flow(make_flow(flow_overlays=[TOUR_OVERLAY]))
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True)
    assert site.writes == {"training": 1}


async def test_dismiss_step_and_escape_key(run_flow: Any, site: StepSite) -> None:
    site.pages["/settings"] = SETTINGS + TOUR + "<script>onkeydown = e => e.key === 'Escape' && tour.remove();</script>"
    overlay = {"name": "product tour", "when": [{"selector": "[role=dialog]#tour"}], "press": "Escape"}
    opened = steps(f"[{{goto: {APP}/settings}}, {{dismiss: product tour}}]")
    result = await run_flow(make_flow(open=opened, flow_overlays=[overlay]), Mode.CHECK)
    assert (result.outcome, result.state) == (Outcome.CHECKED, State.ON)


async def test_undeclared_overlay_is_never_clicked_through(run_flow: Any, site: StepSite) -> None:
    site.pages["/settings"] = SETTINGS + TOUR
    result = await run_flow(make_flow())
    assert result.outcome is Outcome.FAILED and result.reason
    assert 'covered by div[role=dialog] "Tour"' in result.reason and "not clicked through" in result.reason
    assert site.writes == {} and site.settings["training"] is True


SWITCH_DIALOG = (
    f"{HEAD}<h1>Settings</h1><button id=row onclick='dialog.hidden = false'>Improve the model "
    "{row}</button><div role=dialog aria-label='Model improvement' id=dialog hidden>"
    "<button role=switch id=sw aria-checked={aria:training} aria-label='Improve the model for everyone'></button>"
    "<button onclick='dialog.hidden = true'>Done</button></div><script>"
    "sw.onclick = async () => { const next = sw.getAttribute('aria-checked') !== 'true';"
    " const r = await fetch('/api/set?key=training&value=' + next, {method: 'POST'});"
    " if (r.ok) sw.setAttribute('aria-checked', String(next)); };</script>"
)


def dialog_flow() -> Flow:
    """A switch in a dialog opened from a row whose name carries the state; verified by opening it all
    again after Done."""
    opened = steps(
        f"""
        - goto: {APP}/settings
        - read_name_state:
            target: {{role: button, name: {{en: Improve the model, fr: Améliorer le modèle}}}}
            on_words: {{en: "On", fr: Activé}}
            off_words: {{en: "Off", fr: Désactivé}}
        - click: {{role: button, name: {{en: Improve the model, fr: Améliorer le modèle}}}}
        """
    )
    return make_flow(
        page=[{"selector": "[role=dialog][aria-label='Model improvement']"}],
        open=opened,
        control={
            "target": {
                "role": "switch",
                "name": {"en": "Improve the model for everyone", "fr": "Améliorer le modèle pour tous"},
                "within": {"role": "dialog", "name": {"en": "Model improvement", "fr": "Amélioration du modèle"}},
            }
        },
        commit=[{"click": {"role": "button", "name": {"en": "Done", "fr": "OK"}}}],
        verify=["reopen"],
    )


async def test_aria_switch_in_a_dialog_reopened_to_verify(run_flow: Any, site: StepSite) -> None:
    # A button switch (aria-checked flips when the server answers) in a dialog opened from a row whose
    # name carries the state; verified by opening it all again after Done.
    site.pages["/settings"] = SWITCH_DIALOG.replace("{row}", "{onoff:training}")
    result = await run_flow(dialog_flow())
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True), result.reason
    assert site.writes == {"training": 1} and site.settings["training"] is False


async def test_row_name_contradicting_the_control_stops_the_run(run_flow: Any, site: StepSite) -> None:
    site.pages["/settings"] = SWITCH_DIALOG.replace("{row}", "Off")
    result = await run_flow(dialog_flow())
    assert result.outcome is Outcome.FAILED and result.reason and "contradicts" in result.reason
    assert site.writes == {}


async def test_not_offered_is_a_positive_signal(run_flow: Any, site: StepSite, tmp_path: Path) -> None:
    site.pages["/settings"] = (
        f"{HEAD}<h1>Training</h1><p data-testid=workspace-note>Your workspace is excluded from training.</p>"
    )
    excluded = {"en": "excluded from training", "fr": "exclues de l'entraînement"}
    flow = make_flow(not_offered=[{"selector": "[data-testid=workspace-note]", "text": excluded}])
    checked = await run_flow(flow, Mode.CHECK)
    switched = await run_flow(flow, Mode.OFF)
    assert (checked.outcome, checked.state) == (Outcome.CHECKED, State.NOT_OFFERED)
    assert (switched.outcome, switched.state) == (Outcome.ALREADY_OFF, State.NOT_OFFERED)
    assert checked.evidence and Path(checked.evidence[0].path).is_file()
    assert site.writes == {}


async def test_a_signal_url_list_matches_on_any_of_its_urls(run_flow: Any, site: StepSite) -> None:
    # The setting's page named under two URLs: the one it is served on matches. With only the other
    # URL, the page is not recognised and nothing is clicked.
    heading = {"en": "Training", "fr": "Entraînement"}
    listed = make_flow(
        page=[{"url": ["app.example.invalid/moved", "app.example.invalid/settings"], "heading": heading}]
    )
    result = await run_flow(listed)
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True), result.reason
    assert site.writes == {"training": 1}
    site.settings["training"] = True
    elsewhere = make_flow(
        page=[{"url": ["app.example.invalid/moved", "other.example.invalid/settings"], "heading": heading}]
    )
    missed = await run_flow(elsewhere)
    assert missed.outcome is Outcome.FAILED and site.writes == {"training": 1}


# New terms to accept, the training switch preset On inside the dialog (Claude's Aug 2025 pop-up), over
# the settings page: either at once, or drawn once a request answered (after the page looked settled).
TERMS_DIALOG = (
    "<div role=dialog aria-modal=true aria-labelledby=terms><h2 id=terms>Updates to our terms</h2>"
    "<label><input type=checkbox checked onchange=\"save('terms-training', this.checked)\"> Use my data for training"
    "</label><button onclick=\"save('terms-accepted', true)\">Accept</button></div>"
)
TERMS_SIGNAL = {"selector": "[role=dialog] h2", "text": {"en": "Updates to our terms", "fr": "Mise à jour"}}


@pytest.mark.parametrize("late", [False, True], ids=["at-once", "drawn-late"])
async def test_terms_pending_stops_without_clicking_anything_in_the_dialog(
    run_flow: Any, site: StepSite, late: bool
) -> None:
    drawn = f"<div id=later></div><script>fetch('/consent').then(() => later.outerHTML = `{TERMS_DIALOG}`);</script>"
    site.pages["/consent"] = "{}"
    site.pages["/settings"] = SETTINGS + (drawn if late else TERMS_DIALOG)
    flow = make_flow(terms_pending=[TERMS_SIGNAL])
    for mode in (Mode.CHECK, Mode.OFF):
        result = await run_flow(flow, mode)
        assert (result.outcome, result.state, result.label) == (
            Outcome.NEEDS_ATTENTION,
            State.UNKNOWN,
            "terms_pending",
        ), result.reason
        assert result.reason and "never accepts terms" in result.reason and f"{APP}/settings" in result.reason
        assert result.evidence and Path(result.evidence[-1].path).name.endswith("terms-pending.png")
        assert exit_code([result]) is ExitCode.PROBLEM
    # Neither the preset switch in the dialog, nor its Accept button, nor the page's own switch.
    assert site.writes == {}
    assert site.settings == {"training": True}


ACTIVITY = (
    f"{HEAD}<h1>Training</h1><div id=ctl></div><script>"
    "const render = on => ctl.innerHTML = on ? '<button id=off>Turn off</button>' : '<button>Turn on</button>';"
    "render({aria:training}); ctl.onclick = async e => { if (e.target.id !== 'off') return;"
    " await fetch('/api/set?key=training&value=false', {method: 'POST'}); render(false); };</script>"
)


async def test_state_shown_by_which_control_is_present(run_flow: Any, site: StepSite) -> None:
    # Google's activity controls: "Turn off" while on, "Turn on" while off; only "Turn off" is clicked.
    site.pages["/settings"] = ACTIVITY
    control = {
        "shown_by": {
            "while_on": {"role": "button", "name": {"en": "Turn off", "fr": "Désactiver"}},
            "while_off": {"role": "button", "name": {"en": "Turn on", "fr": "Activer"}},
        }
    }
    result = await run_flow(make_flow(control=control))
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True), result.reason
    assert site.writes == {"training": 1}
    again = await run_flow(make_flow(control=control))
    assert (again.outcome, again.state) == (Outcome.ALREADY_OFF, State.OFF)
    assert site.writes == {"training": 1}


@pytest.mark.parametrize("choices", [frozenset(), frozenset({"extra"})], ids=["not-chosen", "chosen"])
async def test_a_step_marked_chosen_runs_only_when_the_person_chose_it(
    run_flow: Any, site: StepSite, choices: frozenset[str]
) -> None:
    extra = (
        "<button onclick=\"save('extra', true)\">Extra</button><button onclick=\"save('plain', true)\">Plain</button>"
    )
    site.pages["/settings"] = f"{HEAD}<h1>Training</h1>{CHECKBOX}{extra}{SAVE}"
    flow = make_flow(
        flow_choices={"extra": "do the extra thing"},
        change=[
            {"click": "control"},
            {"click": {"role": "button", "name": {"en": "Extra", "fr": "Extra"}}, "chosen": "extra"},
            {"click": {"role": "button", "name": {"en": "Plain", "fr": "Simple"}}, "unless_chosen": "extra"},
        ],
    )
    result = await run_flow(flow, options={"choices": choices})
    assert result.outcome is Outcome.SWITCHED_OFF, result.reason
    assert site.writes == {"training": 1, **({"extra": 1} if choices else {"plain": 1})}


def test_a_choice_is_declared_and_never_makes_the_control_conditional() -> None:
    with pytest.raises(ValueError, match="not one of the flow's choices"):
        make_flow(change=[{"click": "control"}, {"reload": True, "chosen": "nope"}])
    with pytest.raises(ValueError, match="never conditional"):
        make_flow(flow_choices={"x": "y"}, change=[{"click": "control", "chosen": "x"}])


# -- a request (an objection form) instead of a switch -----------------------------------------------

REQUEST = yaml.safe_load(
    """
email: {label: {en: Email address, fr: Adresse e-mail}}
reason: {label: {en: Your reason (optional), fr: Votre raison (facultatif)}}
submit: {role: button, name: {en: Send, fr: Envoyer}}
sent: [{selector: "#outcome", text: {en: applied from now on, fr: appliquée désormais}}]
already_sent: [{selector: "#outcome", text: {en: already received your objection, fr: déjà reçu}}]
code_asked: [{heading: {en: Enter the code we e-mailed, fr: Saisissez le code}}]
refused: [{alert: {en: Something went wrong, fr: Un problème est survenu}}]
"""
)
OBJECTION = (
    f"{HEAD}<h1>Training</h1><form method=post action=/object>"
    "<label>Email address <input name=email value='{email}'></label>"
    "<label>Your reason (optional) <textarea name=reason></textarea></label>"
    "<button>Send</button></form>"
)
SENT = f"{HEAD}<h1>Thank you</h1><p id=outcome>Your objection will be applied from now on.</p>"


def request_flow() -> Flow:
    return make_flow(control=None, request=REQUEST, quiet_ms=None)


def objection_site(site: StepSite, *, email: str = "pat@example.com", answer: str = SENT) -> None:
    site.pages["/settings"] = OBJECTION.replace("{email}", email)
    site.pages["/object"] = answer


async def test_a_request_is_reported_on_and_never_sent_by_check_or_an_off_not_asked_to(
    run_flow: Any, site: StepSite
) -> None:
    objection_site(site)
    checked = await run_flow(request_flow(), Mode.CHECK)
    assert (checked.outcome, checked.state, checked.verified) == (Outcome.CHECKED, State.ON, False)
    assert checked.label == "objection_not_sent" and checked.reason
    assert f"{APP}/settings" in checked.reason and "--submit-objection" in checked.reason
    unasked = await run_flow(request_flow())
    assert (unasked.outcome, unasked.state) == (Outcome.NEEDS_ATTENTION, State.ON)
    assert unasked.reason and "nothing was sent" in unasked.reason and "--submit-objection" in unasked.reason
    assert exit_code([unasked]) is ExitCode.PROBLEM and exit_code([checked]) is ExitCode.SETTING_ON
    assert site.forms == [] and site.writes == {}


async def test_a_request_asked_for_is_sent_once_keeping_the_prefilled_e_mail_then_is_on_record(
    browser: Any, site_server: tuple[StepSite, SandboxServer], site: StepSite, tmp_path: Path
) -> None:
    from optout.engine.runner import AccountTarget, Runner
    from optout.evidence.history import History

    objection_site(site, email="pat.private@example.org")
    history = History.open(tmp_path / "history.db")
    traffic = build_traffic_map([OriginSpec("steps", site_server[1].base_url)], {"steps": request_flow().origins})

    async def run(mode: Mode, **options: Any) -> Result:
        evidence = RunEvidence(tmp_path / "out", mode.value, {"steps": "1"}, history=history, mappings=traffic.routes)
        async with Runner(traffic=traffic, options=Options(timeout_s=3.0, **options), browser=browser) as runner:
            target = AccountTarget(request_flow(), "pat@example.com", lambda: PASSWORD)
            (result,) = await runner.run(mode, [target], evidence)
        evidence.finish()
        return result

    sent = await run(Mode.OFF, send_requests=True, request_reason="I do not want my posts used to train AI.")
    assert (sent.outcome, sent.state, sent.verified) == (Outcome.REQUESTED, State.OFF, False), sent.reason
    assert sent.label == "objection_sent" and exit_code([sent]) is ExitCode.OK
    assert site.forms == [{"email": "pat.private@example.org", "reason": "I do not want my posts used to train AI."}]
    shots = [e.path for e in sent.evidence if e.path.endswith(".png")]
    assert shots[-2].endswith("-off-filled-form.png") and shots[-1].endswith("-off-after-sending.png"), shots
    # The page shows the form again as if nothing was sent: the history is the record.
    checked = await run(Mode.CHECK)
    assert (checked.outcome, checked.state, checked.verified) == (Outcome.CHECKED, State.OFF, False)
    assert checked.label == "objection_sent" and checked.reason and sent.started_at.date().isoformat() in checked.reason
    again = await run(Mode.OFF, send_requests=True)
    assert (again.outcome, again.state) == (Outcome.ALREADY_OFF, State.OFF)
    assert len(site.forms) == 1
    history.close()


async def test_a_send_the_platform_never_confirmed_is_never_sent_again_by_a_later_run(
    browser: Any, site_server: tuple[StepSite, SandboxServer], site: StepSite, tmp_path: Path
) -> None:
    from optout.engine.runner import AccountTarget, Runner
    from optout.evidence.history import History

    objection_site(site, answer=f"{HEAD}<h1>Training</h1><p>Thanks</p>")  # no confirmation comes
    history = History.open(tmp_path / "history.db")
    traffic = build_traffic_map([OriginSpec("steps", site_server[1].base_url)], {"steps": request_flow().origins})

    async def run(mode: Mode) -> Result:
        evidence = RunEvidence(tmp_path / "out", mode.value, {"steps": "1"}, history=history, mappings=traffic.routes)
        async with Runner(traffic=traffic, options=Options(timeout_s=3.0, send_requests=True), browser=browser) as r:
            (result,) = await r.run(
                mode, [AccountTarget(request_flow(), "pat@example.com", lambda: PASSWORD)], evidence
            )
        evidence.finish()
        return result

    first = await run(Mode.OFF)
    assert (first.outcome, first.label) == (Outcome.FAILED, "objection_maybe_sent"), first.reason
    objection_site(site)  # the platform would confirm now: optout still does not send it twice
    checked = await run(Mode.CHECK)
    assert (checked.outcome, checked.state, checked.label) == (
        Outcome.NEEDS_ATTENTION,
        State.UNKNOWN,
        "objection_maybe_sent",
    )
    assert checked.reason and "may have been sent" in checked.reason and f"{APP}/settings" in checked.reason
    again = await run(Mode.OFF)
    assert (again.outcome, again.label) == (Outcome.NEEDS_ATTENTION, "objection_maybe_sent")
    assert len(site.forms) == 1
    history.close()


@pytest.mark.parametrize(
    ("page", "words"),
    [
        (OBJECTION.replace("{email}", "p***@e***.com"), "not an e-mail address"),
        (OBJECTION.replace("{email}", "pat@example.com") + "<p id=outcome>applied from now on</p>", "already shows"),
    ],
    ids=["masked-e-mail", "answer-before-sending"],
)
async def test_a_form_that_is_not_what_it_should_be_is_not_sent(
    run_flow: Any, site: StepSite, page: str, words: str
) -> None:
    site.pages["/settings"] = page
    site.pages["/object"] = SENT
    result = await run_flow(request_flow(), options={"send_requests": True})
    assert result.outcome in (Outcome.NEEDS_ATTENTION, Outcome.FAILED)
    assert result.reason and words in result.reason and "nothing was sent" in result.reason
    assert site.forms == []


def test_a_requests_form_fields_are_masked_like_the_username(tmp_path: Path) -> None:
    from optout.engine.context import RunContext

    flow = request_flow()
    setting = flow.settings[0]
    ctx = RunContext(None, flow, setting, Options(), RunEvidence(tmp_path, "t", {}), print, print, Mode.OFF)  # type: ignore[arg-type]
    assert setting.request is not None
    assert setting.request.email in ctx.pii and setting.request.reason in ctx.pii


async def test_an_empty_e_mail_field_gets_the_username_only_when_it_is_an_e_mail(run_flow: Any, site: StepSite) -> None:
    objection_site(site, email="")
    sent = await run_flow(request_flow(), options={"send_requests": True})
    assert sent.outcome is Outcome.REQUESTED, sent.reason
    assert site.forms == [{"email": "pat@example.com", "reason": ""}]  # no reason asked for: left empty
    site.forms.clear()
    stopped = await run_flow(request_flow(), options={"send_requests": True}, username="+33612345678")
    assert (stopped.outcome, stopped.state) == (Outcome.NEEDS_ATTENTION, State.ON)
    assert stopped.reason and "not an e-mail address; nothing was sent" in stopped.reason
    assert site.forms == []


@pytest.mark.parametrize(
    ("answer", "outcome", "words"),
    [
        (f"{HEAD}<h1>Training</h1><p role=alert>Something went wrong</p>", Outcome.FAILED, "with an error"),
        (f"{HEAD}<h1>Enter the code we e-mailed</h1><input name=code>", Outcome.NEEDS_ATTENTION, "code it e-mailed"),
        (f"{HEAD}<h1>Training</h1><p>Thanks</p>", Outcome.FAILED, "no confirmation came"),
    ],
    ids=["error", "code", "no-answer"],
)
async def test_a_request_that_is_not_confirmed_is_never_sent_twice(
    run_flow: Any, site: StepSite, answer: str, outcome: Outcome, words: str
) -> None:
    objection_site(site, answer=answer)
    result = await run_flow(request_flow(), options={"send_requests": True})
    assert (result.outcome, result.state) == (outcome, State.UNKNOWN)
    assert result.reason and words in result.reason and "the form was sent once, and not again" in result.reason
    assert len(site.forms) == 1


async def test_a_page_that_says_the_request_was_received_is_off_and_nothing_is_sent(
    run_flow: Any, site: StepSite
) -> None:
    site.pages["/settings"] = f"{HEAD}<h1>Training</h1><p id=outcome>We already received your objection.</p>"
    checked = await run_flow(request_flow(), Mode.CHECK)
    assert (checked.outcome, checked.state, checked.verified) == (Outcome.CHECKED, State.OFF, True)
    off = await run_flow(request_flow(), options={"send_requests": True})
    assert (off.outcome, off.state, off.verified) == (Outcome.ALREADY_OFF, State.OFF, True)
    assert off.label == "objection_sent" and site.forms == []


async def test_a_saved_session_platform_never_types_anything(run_flow: Any, site: StepSite) -> None:
    login = {"method": "saved_session", "url": f"{LOGIN}/sign-in", "origins": [LOGIN], "page": BASE["login"]["page"]}
    result = await run_flow(make_flow(flow_login=login), Mode.CHECK)
    assert result.outcome is Outcome.NEEDS_ATTENTION and result.reason and "types nothing" in result.reason
    assert site.passwords == []


async def test_origin_constraint_on_a_step(run_flow: Any, site: StepSite) -> None:
    flow = make_flow(open=[{"goto": f"{APP}/settings"}, {"reload": True, "origin": LOGIN}])
    result = await run_flow(flow, Mode.CHECK)
    assert result.outcome is Outcome.FAILED and result.reason
    assert f"expected {LOGIN}" in result.reason and f"{APP}/settings" in result.reason


# -- safety rules ----------------------------------------------------------------------------------------


async def test_password_is_never_typed_off_the_sign_in_origin(run_flow: Any, site: StepSite) -> None:
    # The flow's sign-in URL now lands on the app's origin, which shows a look-alike password form.
    site.pages["/sign-in"] = SIGN_IN
    login = copy.deepcopy(BASE["login"])
    login["url"] = f"{APP}/sign-in"
    login["page"] = [{"selector": "input[autocomplete=current-password]"}]
    flow = make_flow(
        flow_login=login,
        flow_recognise=[
            *BASE["recognise"][:2],
            {"state": "signed_out", "reason": "out", "when": [{"url": "/sign-in"}]},
        ],
    )
    result = await run_flow(flow, Mode.CHECK)
    assert result.outcome is Outcome.FAILED and result.reason
    assert f"asked for on {APP}/sign-in" in result.reason and "nothing was typed" in result.reason
    assert site.passwords == []


async def test_password_is_never_typed_on_a_page_not_recognised_as_sign_in(run_flow: Any, site: StepSite) -> None:
    login = copy.deepcopy(BASE["login"])
    login["page"] = [{"url": "login.example.invalid/sign-in", "heading": {"en": "Log in to Steps", "fr": "Connexion"}}]
    result = await run_flow(make_flow(flow_login=login), Mode.CHECK)
    assert result.outcome is Outcome.FAILED and result.reason and "not Step site's sign-in page" in result.reason
    assert site.passwords == []


async def test_disabled_control_is_never_clicked(run_flow: Any, site: StepSite) -> None:
    site.pages["/settings"] = SETTINGS.replace("<input type=checkbox", "<input type=checkbox aria-disabled=true")
    result = await run_flow(make_flow())
    assert result.outcome is Outcome.FAILED and result.reason and "stayed disabled" in result.reason
    assert site.writes == {}


async def test_state_changed_since_the_trusted_read_stops_before_the_click(run_flow: Any, site: StepSite) -> None:
    # Entering edit mode re-renders the switch with another value: the last reading before the click
    # disagrees with the trusted one, so nothing is clicked.
    site.pages["/settings"] = SETTINGS.replace(
        "<h1>Training</h1>",
        "<h1>Training</h1><button onclick=\"document.querySelector('input').checked = false\">Edit</button>",
    )
    change = steps("[{click: {role: button, name: {en: Edit, fr: Modifier}}}, {click: control}]")
    result = await run_flow(make_flow(change=change))
    assert result.outcome is Outcome.FAILED and result.reason
    assert "since it was read; not clicked" in result.reason
    assert site.writes == {}


# A switch under its own styled label (LinkedIn's artdeco toggle), named by a separate text.
COVERED = (
    "<div style='position:relative'><input type=checkbox id=t aria-labelledby=name {checked:training}"
    " onchange=\"save('training', this.checked)\"><label for=t style='position:absolute;inset:-8px;"
    "background:#ccc'></label><span id=name>Use my data for training</span></div>"
)


@pytest.mark.parametrize(("script_click", "own_label"), [(True, True), (False, True), (True, False)])
async def test_click_by_script_only_when_allowed_and_covered_by_its_own_label(
    run_flow: Any, site: StepSite, script_click: bool, own_label: bool
) -> None:
    cover = COVERED if own_label else COVERED.replace("<label for=t", "<div").replace("</label>", "</div>")
    site.pages["/settings"] = f"{HEAD}<h1>Training</h1>{cover}{SAVE}"
    flow = make_flow(control={"target": BASE["settings"][0]["control"]["target"], "script_click": script_click})
    result = await run_flow(flow)
    if script_click and own_label:
        assert (result.outcome, result.state) == (Outcome.SWITCHED_OFF, State.OFF), result.reason
        assert site.writes == {"training": 1}
    else:
        assert result.outcome is Outcome.FAILED and result.reason and "not clicked through" in result.reason
        assert site.writes == {}


async def test_urls_kept_in_results_and_manifests_drop_query_and_fragment(run_flow: Any, site: StepSite) -> None:
    flow = make_flow(open=[{"goto": f"{APP}/settings?code=s3cret#frag"}])
    result = await run_flow(flow, Mode.CHECK)
    assert result.url == f"{APP}/settings"
    manifest = Path(result.evidence[0].path).parents[2] / "manifest.json"
    assert "s3cret" not in manifest.read_text() and "frag" not in manifest.read_text()


# -- found in review: each of these once typed, clicked or reported what it must not --------------------


async def test_password_never_follows_the_page_to_another_origin(run_flow: Any, site: StepSite) -> None:
    # The field is disabled (typing must wait) and the page moves itself to a look-alike on another
    # origin meanwhile: the check made on the sign-in page must not carry over to the new document.
    site.pages["login.example.invalid/sign-in"] = (
        SIGN_IN.replace("autocomplete=current-password>", "autocomplete=current-password disabled>")
        + f"<script>setTimeout(() => location.href = '{APP}/phish', 500);</script>"
    )
    site.pages["/phish"] = (
        "<!doctype html><title>Sign in</title><label>Password <input name=password type=password "
        "autocomplete=current-password oninput=\"fetch('/api/set?key=STOLEN-' + this.value + '&value=true',"
        " {method: 'POST'})\"></label>"
    )
    result = await run_flow(make_flow(), Mode.CHECK)
    assert result.outcome is Outcome.FAILED
    assert not any(key.startswith("STOLEN") for key in site.writes) and site.passwords == []


async def test_password_never_typed_into_a_field_that_is_not_a_password_field(run_flow: Any, site: StepSite) -> None:
    # Typed there, it would show in clear in every screenshot.
    site.pages["login.example.invalid/sign-in"] = SIGN_IN.replace("name=password type=password", "name=password")
    result = await run_flow(make_flow(), Mode.CHECK)
    assert result.outcome is Outcome.FAILED and result.reason and "not a password field" in result.reason
    assert site.passwords == []


@pytest.mark.parametrize("wrapper", ["<fieldset disabled>{}</fieldset>", "<div aria-disabled=true>{}</div>"])
async def test_a_control_disabled_by_its_container_is_never_clicked(
    run_flow: Any, site: StepSite, wrapper: str
) -> None:
    site.pages["/settings"] = f"{HEAD}<h1>Training</h1>{wrapper.format(COVERED)}{SAVE}"
    flow = make_flow(control={"target": BASE["settings"][0]["control"]["target"], "script_click": True})
    result = await run_flow(flow)
    assert result.outcome is Outcome.FAILED and result.reason and "stayed disabled" in result.reason
    assert site.writes == {}


async def test_an_overlay_that_keeps_coming_back_stops_the_run(run_flow: Any, site: StepSite) -> None:
    # Back at once after each dismissal: it never lets the control be reached.
    back_again = "onclick='const t = this.parentNode; t.remove(); setTimeout(() => document.body.append(t), 0)'"
    comeback = TOUR.replace("onclick='tour.remove()'", back_again)
    site.pages["/settings"] = SETTINGS + comeback
    result = await run_flow(make_flow(flow_overlays=[TOUR_OVERLAY]))
    assert result.outcome is Outcome.FAILED and result.reason
    assert "keeps" in result.reason or "stayed on the page" in result.reason
    assert site.writes == {}


async def test_not_offered_is_no_answer_once_the_setting_was_read(run_flow: Any, site: StepSite) -> None:
    # A page that shows a "not offered" note once the value is off must not turn a click into "not offered".
    site.pages["/settings"] = SETTINGS + (
        "<p id=note hidden>Your workspace is excluded from training.</p><script>"
        "const box = document.querySelector('input'); note.hidden = box.checked;</script>"
    )
    flow = make_flow(not_offered=[{"selector": "#note", "text": {"en": "excluded", "fr": "exclues"}}])
    result = await run_flow(flow)
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True), result.reason
    assert site.writes == {"training": 1}


async def test_reasons_never_carry_a_query_string(run_flow: Any, site: StepSite) -> None:
    flow = make_flow(
        open=[
            {"goto": f"{APP}/settings?code=s3cret#frag"},
            {"click": {"role": "button", "name": {"en": "Nope", "fr": "Non"}}},
        ]
    )
    result = await run_flow(flow, Mode.CHECK)
    assert result.outcome is Outcome.FAILED and result.reason and f"{APP}/settings" in result.reason
    assert "s3cret" not in result.reason and "frag" not in result.reason


async def test_password_goes_into_its_own_field_even_when_the_page_moves_the_focus(
    run_flow: Any, site: StepSite
) -> None:
    # Keys go to whatever has the focus: a page that sends it to a visible text field must not get the
    # password there (it would also show in clear in the screenshots).
    site.pages["login.example.invalid/sign-in"] = (
        SIGN_IN.replace(
            "<button>",
            "<input id=plain name=note oninput=\"fetch('/api/set?key=STOLEN&value=true', {method: 'POST'})\"><button>",
        )
        + "<script>document.querySelector('[type=password]').onfocus = () => plain.focus();</script>"
    )
    result = await run_flow(make_flow(), Mode.CHECK)
    assert (result.outcome, result.state) == (Outcome.CHECKED, State.ON), result.reason
    assert site.passwords == [PASSWORD] and "STOLEN" not in site.writes


async def test_a_later_step_on_the_controls_own_label_is_refused(run_flow: Any, site: StepSite) -> None:
    # Clicking a switch's <label for> toggles it: after the one click, a commit step that aims at the
    # label would switch sharing back on.
    site.pages["/settings"] = (
        f"{HEAD}<h1>Training</h1><input type=checkbox id=t {{checked:training}}"
        " onchange=\"save('training', this.checked)\"><label for=t>Use my data for training</label>" + SAVE
    )
    commit = [{"click": {"selector": "label[for=t]"}}]
    result = await run_flow(make_flow(commit=commit))
    assert result.outcome is Outcome.FAILED and result.reason
    assert "would act on the control itself" in result.reason and "clicked once" in result.reason
    assert site.writes == {"training": 1} and site.settings["training"] is False


CONTROL = BASE["settings"][0]["control"]["target"]


@pytest.mark.parametrize(
    "step",
    [
        # The same switch, named through a region: not the control's own target, but the same element.
        {"click": {**CONTROL, "within": {"selector": "main"}}},
        # A key on the page goes to the focused element: Space toggles a focused switch.
        {"press": "Space"},
        # A value set on a switch fires its change event, which saves it.
        {"fill": "username", "origin": APP, "into": {"label": CONTROL["name"]}},
    ],
    ids=["click-within", "press-on-the-page", "fill"],
)
async def test_a_step_that_acts_on_the_control_another_way_is_refused_while_reaching_it(
    run_flow: Any, site: StepSite, step: dict[str, Any]
) -> None:
    # Done while reaching the setting, a check would change it.
    focus = "<script>document.querySelector('input').focus();</script>"
    site.pages["/settings"] = f"{HEAD}<h1>Training</h1><main>{CHECKBOX}</main>{SAVE}{focus}"
    result = await run_flow(make_flow(open=[{"goto": f"{APP}/settings"}, step]), Mode.CHECK)
    assert result.outcome is Outcome.FAILED and result.reason, result
    assert "would act on the control itself" in result.reason and "nothing was clicked" in result.reason
    assert site.writes == {} and site.settings["training"] is True


# A setting shown by which of two buttons the page offers (Google's activity controls): "Turn off" opens a
# confirmation dialog whose own button bears the same name.
CONFIRMED = (
    f"{HEAD}<h1>Training</h1><button id=ctl data-on={{aria:training}}></button>"
    "<div role=dialog aria-label='Turn off training?' id=ask hidden>"
    "<button onclick=\"save('training', false); ask.hidden = true; ctl.dataset.on = 'false'; show()\">"
    "Turn off</button></div>"
    "<script>function show() { ctl.textContent = ctl.dataset.on === 'true' ? 'Turn off' : 'Turn on'; }"
    "show(); ctl.onclick = () => { if (ctl.dataset.on === 'true') ask.hidden = false; };</script>" + SAVE
)
TURN_OFF = {"en": "Turn off", "fr": "Désactiver"}
SHOWN_BY = {
    "shown_by": {
        "while_on": {"role": "button", "name": TURN_OFF},
        "while_off": {"role": "button", "name": {"en": "Turn on", "fr": "Activer"}},
    }
}
# The control's click, then the dialog's own "Turn off" (Gemini's confirmation).
CONFIRM = [
    {"click": "control"},
    {
        "click": {
            "role": "button",
            "name": TURN_OFF,
            "within": {"role": "dialog", "name": {"en": "Turn off training?", "fr": "Désactiver ?"}},
        }
    },
]


async def test_a_dialog_button_bearing_the_controls_name_is_not_the_control(run_flow: Any, site: StepSite) -> None:
    site.pages["/settings"] = CONFIRMED
    result = await run_flow(make_flow(control=SHOWN_BY, change=CONFIRM))
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True), result.reason
    assert site.writes == {"training": 1} and site.settings["training"] is False


async def test_the_control_itself_named_through_a_region_is_refused_after_its_click(
    run_flow: Any, site: StepSite
) -> None:
    # The same page, but the commit step names the control again (through a region): a second click.
    site.pages["/settings"] = CONFIRMED.replace("<button id=ctl", "<main><button id=ctl").replace(
        "</button><div role=dialog", "</button></main><div role=dialog"
    )
    commit = [{"click": {"role": "button", "name": {"en": "Turn on", "fr": "Activer"}, "within": {"selector": "main"}}}]
    result = await run_flow(make_flow(control=SHOWN_BY, change=CONFIRM, commit=commit))
    assert result.outcome is Outcome.FAILED and result.reason, result
    assert "would act on the control itself" in result.reason and "clicked once" in result.reason
    assert site.writes == {"training": 1} and site.settings["training"] is False


# A switch that saves as it flips: Space or Enter on it, focused, clicks it.
SWITCH = "<button role=switch id=sw aria-checked={aria:training} aria-label='Use my data for training'></button>"
FLIP = (
    "sw.onclick = () => { const on = sw.getAttribute('aria-checked') !== 'true';"
    " sw.setAttribute('aria-checked', String(on)); save('training', on); };"
)
# Enter, wherever it is pressed in the page, is seen by the server. (In braces: an inline handler that
# returns false cancels the key's default action, and Space would no longer click a switch.)
ON_ENTER = "onkeydown = e => { if (e.key === 'Enter') save('pressed', true); };"
# The page tells, with an element a flow waits for, that its frame has put the focus where it wants it.
FOCUSED = "<script>onmessage = () => document.body.insertAdjacentHTML('beforeend', '<p id=focused>Ready</p>');</script>"
SWITCH_CONTROL = {"target": {"role": "switch", "name": CONTROL["name"]}}


def switch_frame(focus: str = "sw") -> str:
    """A page for a frame: the switch, a search field, and the element `focus` given the focus."""
    return (
        f"<!doctype html><title>Frame</title>{SWITCH}<input id=search aria-label=Search>{SAVE}<script>"
        f"{FLIP} {ON_ENTER} {focus}.focus(); parent.postMessage('focused', '*');</script>"
    )


# The switch in an open shadow root: its host matches :focus too.
IN_SHADOW = (
    f"{HEAD}<h1>Training</h1><div id=host></div>{SAVE}<script>const root = host.attachShadow({{mode: 'open'}});"
    f' root.innerHTML = "{SWITCH}<input id=search aria-label=Search>"; const sw = root.getElementById("sw");'
    f" {ON_ENTER} {FLIP} root.getElementById('{{focus}}').focus();</script>"
)
IN_FRAME = f"{HEAD}<h1>Training</h1><iframe src={{origin}}/frame></iframe>{FOCUSED}"


@pytest.mark.parametrize("where", ["shadow-root", "frame", "cross-origin-frame"])
async def test_a_key_on_the_page_never_reaches_the_control_focused_in_a_shadow_root_or_a_frame(
    run_flow: Any, site: StepSite, where: str
) -> None:
    # A key pressed on the page goes to the element that really has the focus, however deep it sits.
    if where == "shadow-root":
        site.pages["/settings"] = IN_SHADOW.replace("{focus}", "sw")
        ready = []
    else:
        origin = APP if where == "frame" else LOGIN
        site.pages["/settings"] = IN_FRAME.replace("{origin}", origin)
        site.pages[f"{origin.removeprefix('https://')}/frame"] = switch_frame()
        ready = [{"wait_for": {"selector": "p#focused"}}]
    opened = [{"goto": f"{APP}/settings"}, *ready, {"press": "Space"}]
    result = await run_flow(make_flow(control=SWITCH_CONTROL, open=opened), Mode.CHECK)
    assert site.writes == {} and site.settings["training"] is True
    assert result.outcome is Outcome.FAILED and result.reason, result
    assert "would act on the control itself" in result.reason and "nothing was clicked" in result.reason


@pytest.mark.parametrize(
    ("host", "attach"),
    [
        ("<x-toggle id=host></x-toggle>", "host.attachShadow({mode: 'closed'})"),
        # Focusable itself: focusing it (as pressing a key on an element does first) hands the focus on to
        # the switch inside.
        ("<x-toggle id=host tabindex=-1></x-toggle>", "host.attachShadow({mode: 'closed', delegatesFocus: true})"),
        # The body itself: the page's own script sees the focus on the body, where a key goes to the page.
        ("", "document.body.attachShadow({mode: 'closed'})"),
    ],
    ids=["host", "focusable-host", "body"],
)
async def test_a_key_on_the_page_is_not_pressed_when_a_closed_shadow_root_hides_what_has_the_focus(
    run_flow: Any, site: StepSite, host: str, attach: str
) -> None:
    # The focus is on a switch inside a closed shadow root: the page shows optout only the host.
    site.pages["/settings"] = (
        f"{HEAD}<h1>Training</h1>{host}{SAVE}<script>"
        f'const root = {attach}; root.innerHTML = "<slot></slot>{SWITCH}";'
        f" const sw = root.getElementById('sw'); {FLIP} sw.focus();</script>"
    )
    opened = [{"goto": f"{APP}/settings"}, {"press": "Space"}]
    result = await run_flow(make_flow(control=SWITCH_CONTROL, open=opened), Mode.CHECK)
    assert site.writes == {} and site.settings["training"] is True
    assert result.outcome is Outcome.FAILED and result.reason, result
    assert "closed shadow root" in result.reason and "Space was not pressed" in result.reason


# Space, pressed on each of these pages, reaches the switch through a shadow boundary.
ACROSS_A_SHADOW_BOUNDARY = {
    # The switch is a custom element, its role and state on the host; the focus is on a part of its own
    # shadow root, and the key bubbles out to the host.
    "inside-the-control": (
        "<x-switch id=sw role=switch aria-checked={aria:training} aria-label='Use my data for training'></x-switch>"
        "<script>sw.attachShadow({mode: 'open'}).innerHTML = '<span id=knob tabindex=0></span>';"
        " sw.onkeydown = e => { if (e.key === ' ') { e.preventDefault(); sw.click(); } };"
        f" {FLIP} sw.shadowRoot.getElementById('knob').focus();</script>"
    ),
    # A focusable row holds the switch in its shadow root, and flips it on Space.
    "holding-the-control": (
        "<x-row id=row tabindex=0></x-row><script>const root = row.attachShadow({mode: 'open'});"
        f' root.innerHTML = "{SWITCH}"; const sw = root.getElementById("sw"); {FLIP}'
        " row.onkeydown = e => { if (e.key === ' ') { e.preventDefault(); sw.click(); } }; row.focus();</script>"
    ),
    # The switch is named by a text beside it in the same shadow root, which flips it too.
    "its-label": (
        "<div id=host></div><script>const root = host.attachShadow({mode: 'open'});"
        ' root.innerHTML = "<span id=label tabindex=0>Use my data for training</span>'
        '<button role=switch id=sw aria-checked={aria:training} aria-labelledby=label></button>";'
        f" const sw = root.getElementById('sw'); const label = root.getElementById('label'); {FLIP}"
        " label.onkeydown = e => { if (e.key === ' ') { e.preventDefault(); sw.click(); } }; label.focus();</script>"
    ),
}


@pytest.mark.parametrize("focus", list(ACROSS_A_SHADOW_BOUNDARY))
async def test_a_key_on_the_page_never_reaches_the_control_across_a_shadow_boundary(
    run_flow: Any, site: StepSite, focus: str
) -> None:
    # The focused element is inside the control, holds it, or is its label, each through a shadow root.
    site.pages["/settings"] = f"{HEAD}<h1>Training</h1>{SAVE}{ACROSS_A_SHADOW_BOUNDARY[focus]}"
    opened = [{"goto": f"{APP}/settings"}, {"press": "Space"}]
    result = await run_flow(make_flow(control=SWITCH_CONTROL, open=opened), Mode.CHECK)
    assert site.writes == {} and site.settings["training"] is True
    assert result.outcome is Outcome.FAILED and result.reason, result
    assert "would act on the control itself" in result.reason and "nothing was clicked" in result.reason


async def test_a_key_on_the_page_is_not_pressed_where_the_page_moved_the_focus_since_it_was_looked_at(
    run_flow: Any, site: StepSite
) -> None:
    # Nothing has the focus when optout looks, and at once the page puts it on the switch: a timer may
    # fire just then, and this page makes sure it does (the moment its script sees the focus read).
    site.pages["/settings"] = (
        f"{HEAD}<h1>Training</h1>{SWITCH}{SAVE}<script>{FLIP}"
        " const read = Object.getOwnPropertyDescriptor(Document.prototype, 'activeElement').get; let moved = false;"
        " Object.defineProperty(document, 'activeElement', {get() {"
        " if (!moved) { moved = true; setTimeout(() => sw.focus()); } return read.call(this); }});</script>"
    )
    opened = [{"goto": f"{APP}/settings"}, {"press": "Space"}]
    result = await run_flow(make_flow(control=SWITCH_CONTROL, open=opened), Mode.CHECK)
    assert site.writes == {} and site.settings["training"] is True
    assert result.outcome is Outcome.FAILED and result.reason, result
    assert "moved the focus" in result.reason and "Space was not pressed" in result.reason


@pytest.mark.parametrize("where", ["nothing", "shadow-root", "frame", "cross-origin-frame"])
async def test_a_key_on_the_page_goes_to_what_has_the_focus_when_that_is_not_the_control(
    run_flow: Any, site: StepSite, where: str
) -> None:
    # Nothing focused (the key goes to the page), or a search field beside the switch: Enter is pressed.
    if where == "nothing":
        site.pages["/settings"] = f"{SETTINGS}<script>{ON_ENTER}</script>"
        control, ready = BASE["settings"][0]["control"], []
    elif where == "shadow-root":
        site.pages["/settings"] = IN_SHADOW.replace("{focus}", "search")
        control, ready = SWITCH_CONTROL, []
    else:
        # The control is on the page itself this time (a run reads it there); the frame's switch is a
        # look-alike beside its focused field.
        origin = APP if where == "frame" else LOGIN
        site.pages["/settings"] = IN_FRAME.replace("{origin}", origin) + SWITCH
        site.pages[f"{origin.removeprefix('https://')}/frame"] = switch_frame("search")
        control, ready = SWITCH_CONTROL, [{"wait_for": {"selector": "p#focused"}}]
    opened = [{"goto": f"{APP}/settings"}, *ready, {"press": "Enter"}]
    result = await run_flow(make_flow(control=control, open=opened), Mode.CHECK)
    assert (result.outcome, result.state) == (Outcome.CHECKED, State.ON), result.reason
    assert site.writes == {"pressed": 1} and site.settings["training"] is True


# The same switch twice (a desktop and a mobile copy, the second shown once a menu opens), both showing and
# saving the one setting.
TWO_COPIES = (
    f"{HEAD}<h1>Training</h1><main>{SWITCH}</main><button onclick='menu.hidden = false'>Menu</button>"
    f"<nav id=menu hidden>{SWITCH.replace('id=sw', 'id=copy')}</nav>{SAVE}<script>"
    "let on = {aria:training}; for (const el of [sw, copy]) el.onclick = () => { on = !on;"
    " for (const c of [sw, copy]) c.setAttribute('aria-checked', String(on)); save('training', on); };</script>"
)


async def test_a_second_copy_of_the_control_is_the_control_too(run_flow: Any, site: StepSite) -> None:
    # Another element bearing the control's name may be clicked (a dialog's "Turn off"), but not another
    # copy of the switch itself: that would switch sharing back on.
    site.pages["/settings"] = TWO_COPIES
    commit = [
        {"click": {"role": "button", "name": {"en": "Menu", "fr": "Menu"}}},
        {"click": {**SWITCH_CONTROL["target"], "within": {"selector": "nav#menu"}}},
    ]
    result = await run_flow(make_flow(control=SWITCH_CONTROL, commit=commit))
    assert site.writes == {"training": 1} and site.settings["training"] is False
    assert result.outcome is Outcome.FAILED and result.reason, result
    assert "would act on the control itself" in result.reason and "clicked once" in result.reason


# A disabled, busy placeholder bearing the control's name, swapped for the real checkbox once the page
# has loaded the value (as a settings app renders a skeleton first).
PLACEHOLDER_THEN_REAL = (
    f"{HEAD}<h1>Training</h1><div id=slot><label><input type=checkbox disabled aria-busy=true>"
    " Use my data for training</label></div>"
    f"{SAVE}<script>setTimeout(() => {{ slot.innerHTML = `{CHECKBOX}`; }}, 700)</script>"
)


@pytest.mark.parametrize("mode", [Mode.CHECK, Mode.OFF])
async def test_a_control_the_page_replaces_is_found_again_and_read_once_usable(
    run_flow: Any, site: StepSite, mode: Mode
) -> None:
    site.pages["/settings"] = PLACEHOLDER_THEN_REAL
    result = await run_flow(make_flow(), mode)
    if mode is Mode.CHECK:
        assert (result.outcome, result.state, result.reason) == (Outcome.CHECKED, State.ON, None)
        assert site.writes == {}
    else:
        assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True)
        assert site.writes == {"training": 1} and site.settings["training"] is False


# The same, inside a web component's shadow root: mutations there never reach an observer of the document.
SHADOW_PLACEHOLDER_THEN_REAL = (
    f"{HEAD}<h1>Training</h1><x-setting id=host></x-setting>{SAVE}<script>"
    "const root = host.attachShadow({mode: 'open'});"
    "root.innerHTML = '<label><input type=checkbox disabled aria-busy=true> Use my data for training</label>';"
    f"setTimeout(() => {{ root.innerHTML = `{CHECKBOX}`; }}, 700)</script>"
)


async def test_a_control_the_page_replaces_inside_a_shadow_root_is_found_again(run_flow: Any, site: StepSite) -> None:
    site.pages["/settings"] = SHADOW_PLACEHOLDER_THEN_REAL
    result = await run_flow(make_flow())
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True), result.reason
    assert site.writes == {"training": 1} and site.settings["training"] is False


# Google's pattern: the control's click may be followed, late (after the page asked its server), by a
# modal confirmation dialog whose button bears the control's name. Opening it hides the page behind it
# from assistive technology (aria-hidden, as dialog libraries do), so its "Turn off" is the only element
# so named. Without a dialog the click saves at once.
def late_modal_confirmation(dialog: bool) -> str:
    opens = (
        "setTimeout(() => { main.setAttribute('aria-hidden', 'true'); ask.hidden = false; }, 700);"
        if dialog
        else "save('training', false); ctl.dataset.on = 'false'; show();"
    )
    return (
        f"{HEAD}<main id=main><h1>Training</h1><button id=ctl data-on={{aria:training}}></button></main>"
        "<div role=dialog aria-modal=true aria-label='Turn off training?' id=ask hidden>"
        "<button onclick=\"save('training', false); ask.hidden = true; main.removeAttribute('aria-hidden');"
        " ctl.dataset.on = 'false'; show()\">Turn off</button></div>"
        "<script>function show() { ctl.textContent = ctl.dataset.on === 'true' ? 'Turn off' : 'Turn on'; }"
        f"show(); ctl.onclick = () => {{ if (ctl.dataset.on === 'true') {{ {opens} }} }};</script>" + SAVE
    )


DIALOG_TURN_OFF = CONFIRM[1]["click"]


@pytest.mark.parametrize("dialog", [True, False], ids=["dialog", "no-dialog"])
async def test_a_confirmation_is_clicked_only_when_its_dialog_appears(
    run_flow: Any, site: StepSite, dialog: bool
) -> None:
    site.pages["/settings"] = late_modal_confirmation(dialog)
    result = await run_flow(make_flow(control=SHOWN_BY, commit=[{"confirm": DIALOG_TURN_OFF}]))
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True), result.reason
    assert site.writes == {"training": 1} and site.settings["training"] is False
    # The dialog confirmed is in the evidence; none is pictured when none was asked for.
    assert any(Path(shot.path).name.endswith("-confirmation.png") for shot in result.evidence) is dialog


async def test_without_confirm_a_modal_dialogs_button_passes_for_the_control(run_flow: Any, site: StepSite) -> None:
    # The same page with the dialog's button clicked by a plain step: the page behind the modal dialog is
    # hidden, so its button is the only "Turn off" and is taken for the control; nothing is confirmed.
    site.pages["/settings"] = late_modal_confirmation(True)
    result = await run_flow(make_flow(control=SHOWN_BY, change=CONFIRM))
    assert result.outcome is Outcome.FAILED and result.reason, result
    assert "would act on the control itself" in result.reason
    assert site.writes == {} and site.settings["training"] is True


async def test_a_confirmation_that_is_a_copy_of_the_switch_is_never_clicked(run_flow: Any, site: StepSite) -> None:
    # A "dialog" holding a second copy of the switch: clicking it would switch sharing back on.
    # (here the switch's click opens it at once, as a sheet would).
    site.pages["/settings"] = TWO_COPIES.replace("<nav id=menu", "<nav id=menu role=dialog aria-label=Menu").replace(
        "el.onclick = () => { on = !on;", "el.onclick = () => { menu.hidden = false; on = !on;"
    )
    menu = {"role": "dialog", "name": {"en": "Menu", "fr": "Menu"}}
    confirm = {"confirm": {**SWITCH_CONTROL["target"], "within": menu}}
    result = await run_flow(make_flow(control=SWITCH_CONTROL, commit=[confirm]))
    assert site.writes == {"training": 1} and site.settings["training"] is False
    assert result.outcome is Outcome.FAILED and result.reason, result
    assert "would act on the control itself" in result.reason and "clicked once" in result.reason
