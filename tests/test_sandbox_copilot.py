"""The sandbox's Copilot replica over real HTTP, as the product's traffic mapper sends it (one
X-Forwarded-Host per real host): the Microsoft sign-in on login.live.com and login.microsoftonline.com,
"Stay signed in?", the app's settings API, and the accounts table. Every test reads the server's state."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from optout.sandbox import SandboxServer, accounts_for
from optout.sandbox.catalog import SHARED_VARIANTS
from optout.sandbox.copilot.accounts import EXTRA_VARIANTS, find_account
from optout.sandbox.copilot.text import texts

LIVE, ORG, COPILOT = "login.live.com", "login.microsoftonline.com", "copilot.microsoft.com"
TEXT, VOICE, MEMORY, ADS = "model_training_text", "model_training_voice", "personalization_memory", "ad_personalization"
EN, FR = texts("en"), texts("fr")


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running


@pytest.fixture
def fresh(server: SandboxServer) -> SandboxServer:
    httpx.post(f"{server.base_url}/__sandbox__/reset").raise_for_status()
    return server


def account_state(server: SandboxServer, username: str) -> dict[str, Any]:
    state: dict[str, Any] = httpx.get(f"{server.base_url}/__sandbox__/state").json()
    return state["copilot"][username]  # type: ignore[no-any-return]


class Browser:
    """What the browser plus the mapper send: each request to one real host, cookies kept per host."""

    def __init__(self, server: SandboxServer, language: str = "en-US") -> None:
        self.client = httpx.Client(base_url=server.origin_url("copilot"), headers={"Accept-Language": language})
        self.cookies: dict[str, dict[str, str]] = {}
        self.raw_cookies: list[str] = []
        self.host = LIVE

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        # A root-relative link stays on the host that gave it.
        url = f"https://{self.host}{url}" if url.startswith("/") else url
        host, _, path = url.removeprefix("https://").partition("/")
        self.host = host
        headers = {"X-Forwarded-Host": host, "X-Forwarded-Proto": "https", **kw.pop("headers", {})}
        jar = self.cookies.setdefault(host, {})
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        response = self.client.request(method, "/" + path, headers=headers, **kw)
        for raw in response.headers.get_list("set-cookie"):
            self.raw_cookies.append(raw)
            name, _, rest = raw.partition("=")
            jar[name] = rest.split(";", 1)[0]
        return response

    def sign_in(self, username: str, password: str, *, kmsi: str | None = "3") -> httpx.Response:
        """E-mail, password and (when asked) the "Stay signed in?" answer; returns the last answer."""
        self.request("GET", f"https://{LIVE}/oauth20_authorize.srf?client_id=x")
        moved = self.request("POST", f"https://{LIVE}/oauth20_authorize.srf", data={"loginfmt": username})
        assert moved.status_code == 303, moved.text
        location = moved.headers["location"]
        page = self.request("GET", location)
        ctx = re.search(r'name="ctx" value="([^"]+)"', page.text)
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert ctx and action, page.text
        host = self.host  # login.live.com, or the organisation's sign-in it was sent to
        answer = self.request("POST", f"https://{host}{action[1]}", data={"ctx": ctx[1], "passwd": password})
        if kmsi is None or EN["ms_kmsi_heading"] not in answer.text:
            return answer
        kmsi_ctx = re.search(r'name="ctx" value="([^"]+)"', answer.text)
        assert kmsi_ctx
        return self.request("POST", f"https://{host}/kmsi", data={"ctx": kmsi_ctx[1], "LoginOptions": kmsi})

    def follow(self, response: httpx.Response) -> httpx.Response:
        while response.status_code in (302, 303):
            response = self.request("GET", response.headers["location"])
        return response


def test_every_account_uses_a_known_variant_and_says_what_to_expect() -> None:
    accounts = accounts_for("copilot")
    assert accounts and {a.variant for a in accounts} <= SHARED_VARIANTS | EXTRA_VARIANTS
    tessa = find_account("tessa@outlook.com")
    assert tessa is not None
    text_check, text_off = tessa.expected("model-training-text")
    voice_check, voice_off = tessa.expected("model-training-voice")
    assert (text_check.state, text_off.outcome) == ("off", "already_off")
    assert (voice_check.state, voice_off.outcome) == ("on", "switched_off")


def test_sign_in_answers_stay_signed_in_no_with_a_session_cookie_that_ends_with_the_browser(
    fresh: SandboxServer,
) -> None:
    browser = Browser(fresh)
    done = browser.sign_in("cora@outlook.com", "cora-demo-pass", kmsi="3")
    assert done.status_code == 303 and done.headers["location"].startswith(f"https://{COPILOT}/auth/callback?code=")
    home = browser.request("GET", done.headers["location"])
    session = next(raw for raw in browser.raw_cookies if raw.startswith("copilot_session="))
    assert "max-age" not in session.lower() and "expires" not in session.lower()
    app = browser.follow(home)
    assert 'data-testid=\\"profile-button\\"' in app.text or "profile-button" in app.text
    state = account_state(fresh, "cora@outlook.com")
    assert state["settings"]["stay_signed_in_no"] and not state["settings"]["stay_signed_in_yes"]
    assert state["password_submissions"] == 1 and state["signins"] == 1
    assert sum(state["writes_by_key"].values()) == 0  # the prompt's answer is not a setting's write


def test_stay_signed_in_yes_keeps_a_lasting_cookie(fresh: SandboxServer) -> None:
    browser = Browser(fresh)
    browser.request("GET", browser.sign_in("cora@outlook.com", "cora-demo-pass", kmsi="1").headers["location"])
    session = next(raw for raw in browser.raw_cookies if raw.startswith("copilot_session="))
    assert "max-age" in session.lower()
    assert account_state(fresh, "cora@outlook.com")["settings"]["stay_signed_in_yes"]


@pytest.mark.parametrize(("language", "t"), [("en-US", EN), ("fr-FR", FR)])
def test_wrong_password_is_an_alert_on_the_password_page(
    fresh: SandboxServer, language: str, t: dict[str, str]
) -> None:
    page = Browser(fresh, language).sign_in("will@outlook.com", "will-typo-pass")
    assert page.status_code == 200 and 'role="alert"' in page.text
    assert t["ms_wrong_password"].split(".")[0] in page.text.replace("&#39;", "'")
    assert account_state(fresh, "will@outlook.com")["password_submissions"] == 1


def test_unknown_address_is_an_alert_on_the_e_mail_page(fresh: SandboxServer) -> None:
    page = Browser(fresh).request("POST", f"https://{LIVE}/oauth20_authorize.srf", data={"loginfmt": "nobody@x.test"})
    assert page.status_code == 200 and 'role="alert"' in page.text and "doesn&#39;t exist" in page.text


def test_a_work_address_is_sent_to_the_organisations_sign_in(fresh: SandboxServer) -> None:
    browser = Browser(fresh)
    moved = browser.request("POST", f"https://{LIVE}/oauth20_authorize.srf", data={"loginfmt": "olga@contoso.example"})
    assert moved.headers["location"].startswith(f"https://{ORG}/common/oauth2/v2.0/authorize?ctx=")
    done = browser.sign_in("olga@contoso.example", "olga-demo-pass")
    app = browser.follow(browser.request("GET", done.headers["location"]))
    assert "aren't available for work or school accounts" in app.text.replace("\\u0027", "'")
    assert TEXT not in app.text and VOICE not in app.text
    # The settings API has nothing for an organisation's account.
    assert browser.request("GET", f"https://{COPILOT}/c/api/user/settings/{TEXT}").status_code == 404


def test_the_password_is_received_only_on_the_sign_in_hosts(fresh: SandboxServer) -> None:
    browser = Browser(fresh)
    browser.request("GET", f"https://{LIVE}/oauth20_authorize.srf")
    moved = browser.request("POST", f"https://{LIVE}/oauth20_authorize.srf", data={"loginfmt": "cora@outlook.com"})
    ctx = moved.headers["location"].split("ctx=", 1)[1]
    for host in (COPILOT, ORG):
        wrong = browser.request("POST", f"https://{host}/ppsecure/post.srf", data={"ctx": ctx, "passwd": "x"})
        assert wrong.status_code == 404
    assert account_state(fresh, "cora@outlook.com")["password_submissions"] == 0


def signed_in(server: SandboxServer, username: str) -> Browser:
    browser = Browser(server)
    browser.request("GET", browser.sign_in(username, f"{username.split('@')[0]}-demo-pass").headers["location"])
    return browser


def test_settings_default_on_and_each_write_lands_on_its_own_key(fresh: SandboxServer) -> None:
    browser = signed_in(fresh, "cora@outlook.com")
    api = f"https://{COPILOT}/c/api/user/settings"
    assert [browser.request("GET", f"{api}/{k}").json()["value"] for k in (TEXT, VOICE, MEMORY, ADS)] == [True] * 4
    answer = browser.request("POST", f"{api}/{VOICE}", json={"value": False})
    assert answer.json() == {"value": False}
    state = account_state(fresh, "cora@outlook.com")
    assert state["writes_by_key"] == {**state["writes_by_key"], VOICE: 1, TEXT: 0, MEMORY: 0, ADS: 0}
    assert state["settings"][VOICE] is False and state["settings"][TEXT] is True
    assert browser.request("GET", f"{api}/unknown").status_code == 404
    # Signed out, nothing is read or written.
    assert Browser(fresh).request("GET", f"{api}/{TEXT}").status_code == 401


def test_a_change_that_does_not_stick_is_answered_ok_and_kept_on(fresh: SandboxServer) -> None:
    browser = signed_in(fresh, "stan@outlook.com")
    api = f"https://{COPILOT}/c/api/user/settings/{TEXT}"
    assert browser.request("POST", api, json={"value": False}).json() == {"value": False}
    assert browser.request("GET", api).json() == {"value": True}


def test_the_redesigned_privacy_tab_has_only_the_look_alikes(fresh: SandboxServer) -> None:
    browser = signed_in(fresh, "remi@outlook.com")
    app = browser.request("GET", f"https://{COPILOT}/").text
    assert MEMORY in app and ADS in app and TEXT not in app and VOICE not in app


def test_the_french_account_sees_french_labels(fresh: SandboxServer) -> None:
    app = signed_in(fresh, "camille@outlook.fr").request("GET", f"https://{COPILOT}/").text
    for key in ("training_text", "training_voice", "tab_privacy", "settings"):
        # In the page's markup, or in its script's JSON (non-ASCII escaped).
        assert FR[key] in app or json.dumps(FR[key])[1:-1] in app, key


def test_stay_signed_in_is_not_asked_of_every_account(fresh: SandboxServer) -> None:
    done = Browser(fresh).sign_in("nico@outlook.com", "nico-demo-pass", kmsi=None)
    assert done.status_code == 303 and "/auth/callback?code=" in done.headers["location"]


def test_the_demo_holds_each_setting_to_its_own_expectation() -> None:
    # tessa's text switch is already off and her voice switch is on: the demo compares each result with
    # the expectation of its own setting, so the same pair of results swapped is not as designed.
    from datetime import datetime, timezone

    from optout.cli.demo import DemoRow
    from optout.results import Outcome, Result, State

    tessa = find_account("tessa@outlook.com")
    assert tessa is not None

    def result(setting: str, state: State, outcome: Outcome, verified: bool) -> Result:
        now = datetime.now(timezone.utc)
        return Result(
            platform="copilot", account=tessa.username, setting=setting, state=state, outcome=outcome,
            verified=verified, reason=None, url=None, started_at=now, finished_at=now, evidence=[],
        )  # fmt: skip

    text = DemoRow(
        tessa,
        result("model-training-text", State.OFF, Outcome.CHECKED, False),
        result("model-training-text", State.OFF, Outcome.ALREADY_OFF, False),
    )
    voice = DemoRow(
        tessa,
        result("model-training-voice", State.ON, Outcome.CHECKED, False),
        result("model-training-voice", State.OFF, Outcome.SWITCHED_OFF, True),
    )
    assert text.as_designed and voice.as_designed
    swapped = DemoRow(tessa, voice.check.model_copy(update={"setting": "model-training-text"}), voice.off)
    assert not swapped.as_designed
