"""Flow files are validated data: the bundled ones pass, broken ones fail with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from optout.language.flow import FlowError, Setting, load_flow
from optout.language.registry import flow_files
from optout.language.steps import FillStep, walk
from optout.language.targets import Signal
from tests.conftest import REPO


def test_every_bundled_flow_is_valid() -> None:
    files = flow_files()
    assert [p.stem for p in files] == [
        "chatgpt",
        "claude",
        "copilot",
        "facebook",
        "gemini",
        "instagram",
        "linkedin",
        "x",
    ]
    for path in files:
        flow = load_flow(path)
        assert flow.platform == path.stem
        assert all(url.startswith("https://") for url in (flow.login.url, *(s.url for s in flow.settings)))


def _broken(tmp_path: Path, change: object) -> Path:
    data = yaml.safe_load((REPO / "flows" / "linkedin.yaml").read_text())
    assert callable(change)
    change(data)
    path = tmp_path / "linkedin.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def _set(path: tuple[object, ...], value: object) -> object:
    def change(data: dict[str, object]) -> None:
        node: object = data
        for key in path[:-1]:
            node = node[key]  # type: ignore[index]
        node[path[-1]] = value  # type: ignore[index]

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set(("settings", 0, "control", "colour"), "blue"), "Extra inputs are not permitted"),
        (_set(("settings", 0, "control", "target", "role"), "swich"), "settings.0.control.target.role"),
        (_set(("settings", 0, "title"), {"en": ["Data for Generative AI Improvement"]}), "locale(s): fr"),
        (_set(("settings", 0, "url"), "https://evil.example/settings"), "not on one of the flow's origins"),
        # The title is what people read, never how the page is recognised: the page check is its own field.
        (lambda data: data["settings"][0].pop("page"), "settings.0.page"),
        (_set(("settings", 0, "page"), []), "settings.0.page"),
        (_set(("origins",), ["http://www.linkedin.com"]), "https origin"),
        (
            _set(("login", "steps"), [{"click": {"role": "button", "name": {"en": "Go", "fr": "Aller"}}}]),
            "must fill the password",
        ),
        # A secret typed on an origin that is not a sign-in origin.
        (_set(("login", "steps", 1, "origin"), "https://linkedin.com"), "only be typed on a sign-in origin"),
        (
            _set(("settings", 0, "open_fallback", 1), {"fill": "password", "into": {"selector": "#p"}}),
            "secrets are typed only",
        ),
        # No fixed sleeps, whatever they are called.
        (_set(("settings", 0, "open_fallback", 1), {"sleep": 2}), "'sleep': a flow never sleeps for a fixed time"),
        (_set(("settings", 0, "commit"), [{"wait_ms": 500}]), "never sleeps for a fixed time"),
        (_set(("settings", 0, "open_fallback", 1), {"hover": {"selector": "#x"}}), "unknown step type (hover)"),
        (_set(("settings", 0, "open_fallback", 1), "wait"), "unknown step 'wait'"),
        # Targets: role+name or a stable hook, never a generated class or a position.
        (
            _set(("settings", 0, "open_fallback", 1), {"click": {"selector": "div.css-175oi2r > span"}}),
            "relies on 'div.css-175oi2r'",
        ),
        (
            _set(("settings", 0, "open_fallback", 1), {"click": {"selector": "main section:nth-child(2) input"}}),
            "relies on 'section:nth-child(2)'",
        ),
        (_set(("settings", 0, "open_fallback", 1), {"click": {"selector": "#ember260"}}), "not a stable hook"),
        (_set(("settings", 0, "open_fallback", 1), {"click": {"role": "button"}}), "'role' and 'name' go together"),
        (_set(("settings", 0, "open_fallback", 1), {"click": "control"}), "the control is clicked only in 'change'"),
        (_set(("settings", 0, "open_fallback", 1), {"dismiss": "tour"}), "no overlay named 'tour'"),
        (
            _set(("settings", 0, "open_fallback", 1), {"goto": "https://evil.example/x"}),
            "not on one of the flow's origins",
        ),
        (_set(("settings", 0, "change"), [{"click": "control"}, {"click": "control"}]), "clicked exactly once"),
        (_set(("settings", 0, "title"), {"en": [True], "fr": ["Oui"]}), 'quote "On", "Off"'),
        # Found in review: selectors that looked stable, a second password, the control acted on twice.
        (_set(("settings", 0, "open_fallback", 1), {"click": {"selector": "[class*=css-175oi2r]"}}), "not a stable"),
        (_set(("settings", 0, "open_fallback", 1), {"click": {"selector": "input >> nth=1"}}), "'>>'"),
        (_set(("settings", 0, "open_fallback", 1), {"click": {"selector": "[id^=radix-]"}}), "'radix-'"),
        (_set(("settings", 0, "open_fallback", 1), {"click": {"selector": "text=Save"}}), "'text=Save'"),
        (
            _set(
                ("login", "steps", 2),
                {"fill": "password", "origin": "https://www.linkedin.com", "into": {"selector": "#p"}},
            ),
            "typed once",
        ),
        (_set(("settings", 0, "commit"), [{"press": "Space"}]), "a key other than Escape needs 'on'"),
        (
            _set(
                ("settings", 0, "commit"),
                [
                    {
                        "click": {
                            "role": "switch",
                            "name": {
                                "en": ["Use my data for training content creation AI models"],
                                "fr": ["Utiliser mes données pour entraîner des modèles d'IA de création de contenu"],
                            },
                        }
                    }
                ],
            ),
            "only by 'click: control'",
        ),
        (_set(("settings", 0, "change"), [{"press": "Enter"}]), "clicked exactly once"),
        (_set(("settings", 0, "change"), ["reload", {"click": "control"}]), "no goto or reload before"),
        (_set(("overlays",), [{"name": "tour", "when": [{"selector": "#t"}], "press": "Enter"}]), "Escape"),
        (
            _set(("overlays",), [{"name": "tour", "when": [{"selector": "#t"}], "close": {"selector": "#x"}}]),
            "'within' the overlay",
        ),
        # A tracker to skip is a host name, never the flow's own pages (www.linkedin.com is one of its origins).
        (_set(("skip_hosts",), ["linkedin.com"]), "would refuse the flow's own pages"),
        (_set(("skip_hosts",), ["www.linkedin.com"]), "would refuse the flow's own pages"),
        (_set(("skip_hosts",), ["https://px.ads.linkedin.com/"]), "is not a host name"),
        (_set(("skip_hosts",), ["*.licdn.com"]), "is not a host name"),
        (_set(("skip_hosts",), ["snap.licdn.com\n"]), "is not a host name"),
        (_set(("skip_hosts",), ["LinkedIn.com."]), "would refuse the flow's own pages"),
    ],
)
def test_broken_flows_fail_with_one_line(tmp_path: Path, change: object, message: str) -> None:
    with pytest.raises(FlowError) as caught:
        load_flow(_broken(tmp_path, change))
    text = str(caught.value)
    assert message in text and "\n" not in text and str(tmp_path) in text


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "linkedin.yaml"
    path.write_text("schema_version: 2\nplatform: [unclosed\n")
    with pytest.raises(FlowError, match=r"linkedin.yaml: line \d+ not valid YAML"):
        load_flow(path)


def test_schema_version_1_asks_for_a_rewrite(tmp_path: Path) -> None:
    path = _broken(tmp_path, _set(("schema_version",), 1))
    with pytest.raises(FlowError, match="schema_version 1 is no longer read"):
        load_flow(path)


def test_selectors_in_attributes_may_contain_dots(tmp_path: Path) -> None:
    # Only class selectors are refused: a dot inside an attribute value or a quoted string is not one.
    path = _broken(
        tmp_path,
        _set(("settings", 0, "open_fallback", 1), {"click": {"selector": "a[href='/settings.html'], #username"}}),
    )
    assert load_flow(path).settings[0].open_fallback[1].click.selector  # type: ignore[union-attr]


def test_the_built_in_flows_use_the_shapes_they_are_there_for() -> None:
    copilot = load_flow(REPO / "flows" / "copilot.yaml")
    # Gemini: a button that opens a menu, then a confirmation.
    gemini = load_flow(REPO / "flows" / "gemini.yaml")
    assert gemini.settings[0].the_control.shown_by is not None and len(gemini.settings[0].change) == 3
    assert len(gemini.settings[0].confirmations) == 2 and not gemini.settings[0].commit_after
    # Deleting the activity too only when chosen: one menu item or the other, one dialog button or the other.
    assert list(gemini.choices) == ["delete-activity"]
    assert [(s.chosen, s.unless_chosen) for s in gemini.settings[0].change[1:]] == [
        (None, "delete-activity"),
        ("delete-activity", None),
    ]
    assert [s.id for s in copilot.settings] == ["model-training-text", "model-training-voice"]
    # Its sign-in pages live on two hosts: one signal with a list of URLs says so.
    assert copilot.login.page[0].url == ["login.live.com", "login.microsoftonline.com"]
    # Claude: a saved session only, and the terms pop-up never answered.
    claude = load_flow(REPO / "flows" / "claude.yaml")
    assert claude.login.method == "saved_session" and not claude.login.steps
    assert claude.settings[0].terms_pending and claude.settings[0].not_offered


REQUEST_SETTING = {
    "id": "ai-objection",
    "title": {"en": "Object", "fr": "Objecter"},
    "url": "https://www.example.com/object",
    "page": [{"heading": {"en": "Object", "fr": "Objecter"}}],
    "open": [{"goto": "https://www.example.com/object"}],
    "request": {
        "email": {"label": {"en": "Email address", "fr": "Adresse e-mail"}},
        "submit": {"role": "button", "name": {"en": "Send", "fr": "Envoyer"}},
        "sent": [{"heading": {"en": "Thank you", "fr": "Merci"}}],
    },
}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            {"control": {"target": {"role": "switch", "name": {"en": "Use my data", "fr": "Utiliser mes données"}}}},
            "either a 'control'",
        ),
        ({"request": None}, "either a 'control'"),
        ({"change": [{"click": "control"}]}, "a request setting has no change"),
        ({"verify": [{"reload": True}]}, "a request setting has no verify"),
        ({"request": {**REQUEST_SETTING["request"], "email": {"selector": "input[name=email]"}}}, "by its label"),
        ({"request": {**REQUEST_SETTING["request"], "submit": {"selector": "button[type=submit]"}}}, "by role"),
        ({"request": {**REQUEST_SETTING["request"], "sent": []}}, "sent"),
        ({"open": [{"goto": "https://www.example.com/object"}, {"press": "Enter"}]}, "Enter would send"),
        (
            {"open": [{"goto": "https://www.example.com/object"}, {"click": REQUEST_SETTING["request"]["submit"]}]},
            "sent only by optout",
        ),
    ],
)
def test_a_request_setting_is_a_form_and_nothing_else(change: dict[str, object], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        Setting.model_validate({k: v for k, v in {**REQUEST_SETTING, **change}.items() if v is not None})
    assert Setting.model_validate(REQUEST_SETTING).request is not None


def a_signal(**fields: object) -> Signal:
    return Signal.model_validate(fields)


EN_FR = {"en": ["Verify"], "fr": ["Vérifier"]}


@pytest.mark.parametrize(
    "selector",
    [".cf-turnstile", "iframe[src*=arkoselabs]", "iframe[title*=captcha i]", "a[data-control-name=back_link]",
     "form.login__form", "#global-nav", "[role=dialog] h2, [data-testid=x]"],
)  # fmt: skip
def test_a_signal_selector_may_lean_on_classes_and_attributes(selector: str) -> None:
    assert a_signal(selector=selector).selector == selector


@pytest.mark.parametrize(
    "selector",
    ["nav > a", "li:nth-child(2)", "div:not(.x)", "a + b", "text=Sign in", "xpath=//div", "#ember123", "h1 >> a"],
)
def test_a_signal_selector_never_names_elements_by_position_or_engine(selector: str) -> None:
    with pytest.raises(ValueError, match="names no element in particular"):
        a_signal(selector=selector)


@pytest.mark.parametrize(
    "selector",
    ["h2", "[role=dialog] h2", "#notice", "[data-testid=workspace-training-note]", "[role=alert]",
     "[role=status]", "label", "legend", "[role=dialog] [role=heading]"],
)  # fmt: skip
def test_text_is_read_in_headings_alerts_and_named_elements_anywhere(selector: str) -> None:
    assert a_signal(selector=selector, text=EN_FR).text is not None


@pytest.mark.parametrize(
    "selector", ["p", "p, span", "section", "button", "[role=main]", "[role=dialog]", "div.x", "*"]
)
def test_text_in_elements_anyone_writes_in_needs_a_page_of_the_platforms_own(selector: str) -> None:
    with pytest.raises(ValueError, match="would read any words on the page"):
        a_signal(selector=selector, text=EN_FR)
    with pytest.raises(ValueError, match="would read any words on the page"):
        a_signal(selector=selector, text=EN_FR, url="x.com")  # the whole site: posts too
    with pytest.raises(ValueError, match="would read any words on the page"):
        a_signal(selector=selector, text=EN_FR, url="/i/flow/login")  # a path on any site
    assert a_signal(selector=selector, text=EN_FR, url="x.com/i/flow/login").url == ["x.com/i/flow/login"]
    # In a list, every URL must pin a page: any of them may be the one the words are read on.
    with pytest.raises(ValueError, match="would read any words on the page"):
        a_signal(selector=selector, text=EN_FR, url=["x.com/i/flow/login", "x.com"])
    both = ["login.live.com/login.srf", "login.microsoftonline.com/common/login"]
    assert a_signal(selector=selector, text=EN_FR, url=both).url == both


def test_a_signal_url_may_be_a_list_and_is_never_empty() -> None:
    assert a_signal(url=["login.live.com", "login.microsoftonline.com"]).url == [
        "login.live.com",
        "login.microsoftonline.com",
    ]
    with pytest.raises(ValueError):
        a_signal(url=[])


def test_flows_validate_notes_what_a_signal_leans_on_and_where_it_reads_words() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "optout", "flows", "validate", str(REPO / "flows" / "x.yaml")],
        capture_output=True, text=True, cwd=REPO, env={**os.environ, "COLUMNS": "80"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0].startswith("ok  ") and all(len(line) <= 80 for line in lines[1:]), lines
    said = " ".join(line.strip() for line in lines[1:])
    assert "note: signal reads any words inside 'p', on x.com/i/flow/login only" in said
    assert "leans on 'iframe[src*=arkoselabs]'" in said


def test_the_terms_dialog_cannot_be_declared_an_overlay_to_dismiss(tmp_path: Path) -> None:
    data = yaml.safe_load((REPO / "flows" / "claude.yaml").read_text())
    dialog = data["settings"][0]["terms_pending"][0]
    close = {
        "role": "button",
        "name": {"en": ["Not now"], "fr": ["Pas maintenant"]},
        "within": {"selector": "[role=dialog]"},
    }
    data["overlays"] = [{"name": "the terms", "when": [dialog], "close": close}]
    path = tmp_path / "claude.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(FlowError, match="never an overlay"):
        load_flow(path)


def test_a_login_fill_that_names_no_origin_types_only_on_the_sign_in_origins(tmp_path: Path) -> None:
    """Less repetition, same rule: a `fill` in `login` without `origin` gets `login.origins`, nested
    `when` steps included; one that names its own keeps it (and a secret's must still be a sign-in one)."""
    data = yaml.safe_load((REPO / "flows" / "x.yaml").read_text())
    for step in data["login"]["steps"]:
        step.pop("origin", None)
        for inner in step.get("steps", []):
            inner.pop("origin", None)
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    flow = load_flow(path)
    fills = [s for s in walk(flow.login.steps) if isinstance(s, FillStep)]
    assert {s.fill for s in fills} == {"username", "password", "totp"}
    assert all(s.origin == flow.login.origins for s in fills), [(s.fill, s.origin) for s in fills]
