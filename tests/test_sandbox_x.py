"""The sandbox's X replica: over real HTTP as the product's traffic mapper sends it, then in real Chromium
on https://x.com (mapped), driving the pages by role and name. Every test reads the server's own state."""

from __future__ import annotations

import html
import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pyotp
import pytest
from playwright.async_api import expect

from optout.browser.traffic import OriginSpec, build_traffic_map
from optout.sandbox import SandboxServer, accounts_for
from optout.sandbox.catalog import SHARED_VARIANTS
from optout.sandbox.x.accounts import DEMO_CODE, EXTRA_VARIANTS, find_account
from optout.sandbox.x.catalog import MUTATIONS, SCREEN_QUERY, TASK_PATH
from optout.sandbox.x.text import texts
from tests.conftest import Sandbox

MAPPED = {"X-Forwarded-Host": "x.com", "X-Forwarded-Proto": "https"}
GROK = "/settings/grok_settings"
TRAINING, PERSONALIZATION, MEMORY = "allow_xai_data_sharing", "allow_xai_personalization", "allow_grok_memory"
DELETE = "delete_conversation_history"
MUTATION = {op.key: op for op in MUTATIONS}
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
    return state["x"][username]  # type: ignore[no-any-return]


def set_cookie(response: httpx.Response, name: str) -> str:
    return next(raw for raw in response.headers.get_list("set-cookie") if raw.startswith(f"{name}="))


def body(page: str) -> str:
    """The page's markup without the styles in its head."""
    return page[page.index("<body>") :]


class Browser:
    """What the browser plus the product's mapper send: forwarding headers, and cookies kept by name
    (the sandbox scopes mapped cookies to .x.com, which a client talking to 127.0.0.1 would not store)."""

    def __init__(self, server: SandboxServer, language: str = "en-US") -> None:
        self.client = httpx.Client(base_url=server.origin_url("x"), headers={**MAPPED, "Accept-Language": language})
        self.cookies: dict[str, str] = {}
        self.flow_token: str | None = None

    def request(self, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = self.client.request(method, path, headers=sent, **kw)
        for raw in response.headers.get_list("set-cookie"):
            name, _, rest = raw.partition("=")
            if "max-age=0" in raw.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = rest.split(";", 1)[0]
        return response

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def api(self, method: str, path: str, json: Any = None, csrf: str | None = None) -> httpx.Response:
        token = self.cookies.get("ct0", "") if csrf is None else csrf
        return self.request(method, path, json=json, headers={"x-csrf-token": token})

    # -- the sign-in flow, step by step, as the page's script drives it --

    def start(self) -> httpx.Response:
        assert self.get("/i/flow/login").status_code == 200
        response = self.api("POST", TASK_PATH + "?flow_name=login", json={"input_flow_data": {}})
        self.flow_token = response.json()["flow_token"]
        return response

    def answer(self, step: str, answer: dict[str, Any]) -> httpx.Response:
        payload = {"flow_token": self.flow_token, "subtask_inputs": [{"subtask_id": step, **answer}]}
        response = self.api("POST", TASK_PATH, json=payload)
        if response.status_code == 200:
            self.flow_token = response.json()["flow_token"]
        return response

    def identifier(self, value: str) -> httpx.Response:
        setting = {"key": "user_identifier", "response_data": {"text_data": {"result": value}}}
        return self.answer(
            "LoginEnterUserIdentifierSSO", {"settings_list": {"setting_responses": [setting], "link": "next_link"}}
        )

    def text(self, step: str, value: str) -> httpx.Response:
        return self.answer(step, {"enter_text": {"text": value, "link": "next_link"}})

    def password(self, value: str) -> httpx.Response:
        return self.answer("LoginEnterPassword", {"enter_password": {"password": value, "link": "next_link"}})

    def sign_in(self, username: str) -> httpx.Response:
        account = find_account(username)
        assert account is not None
        self.start()
        step = next_step(self.identifier(username))
        if step == "LoginEnterAlternateIdentifierSubtask":
            step = next_step(self.text(step, username))
        assert step == "LoginEnterPassword"
        return self.password(account.password)

    # -- the Grok page's calls --

    def read(self) -> httpx.Response:
        return self.api("GET", SCREEN_QUERY.path + "?variables=%7B%7D")

    def write(self, key: str, value: bool, csrf: str | None = None) -> httpx.Response:
        op = MUTATION[key]
        return self.api("POST", op.path, json={"variables": {op.variable: value}, "queryId": op.query_id}, csrf=csrf)


def next_step(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    step: str = response.json()["subtasks"][0]["subtask_id"]
    return step


def error_of(response: httpx.Response) -> tuple[int, int, str]:
    (error,) = response.json()["errors"]
    return response.status_code, error["code"], error["message"]


def preferences(browser: Browser) -> dict[str, bool]:
    response = browser.read()
    assert response.status_code == 200, response.text
    prefs: dict[str, bool] = response.json()["data"]["viewer"]["user_preferences"]
    return prefs


def checkbox_labels(page: str) -> list[tuple[str, str]]:
    """(aria-describedby, label text) of each box in the Grok view, in order."""
    view = page[page.index('data-testid="xaiDataSharingSettings"') :]
    view = view[: view.index("</template>")]
    box = r'<span id="(CHECKBOX_\d_LABEL)">(.*?)</span>.*?aria-describedby="(CHECKBOX_\d_LABEL)"'
    found = re.findall(box, view, re.S)
    assert all(first == second for first, _, second in found)
    return [(first, html.unescape(text)) for first, text, _ in found]


# -- signed out -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [GROK, "/settings", "/settings/privacy_and_safety", "/home"])
def test_signed_out_pages_redirect_to_the_login_flow(fresh: SandboxServer, path: str) -> None:
    response = Browser(fresh).get(path)
    assert response.status_code == 302
    assert response.headers["location"] == "/i/flow/login?redirect_after_login=" + path.replace("/", "%2F")


def test_login_page_sets_a_guest_ct0_and_carries_every_step(fresh: SandboxServer) -> None:
    browser = Browser(fresh)
    response = browser.get("/i/flow/login")
    cookie = set_cookie(response, "ct0")
    assert re.match(r"ct0=[0-9a-f]{32};", cookie)
    assert "Domain=.x.com" in cookie and "Secure" in cookie and "HttpOnly" not in cookie
    page = body(response.text)
    assert '<input autocomplete="username" autocapitalize="sentences" name="text" type="text"' in page
    assert 'data-testid="LoginForm_Next_Button">Next</button>' in page
    assert 'name="password" type="password"' in page and 'autocomplete="current-password"' in page
    assert 'data-testid="LoginForm_Login_Button" aria-disabled="true">Log in</button>' in page
    markup = page[: page.index("<script>")]
    for test_id in ("ocfEnterTextTextInput", "ocfEnterTextNextButton"):
        assert markup.count(f'data-testid="{test_id}"') == 2  # the unusual-activity and the code steps
    assert '<iframe id="arkose_iframe"' in page
    assert "Phone, email, or username" in page and "Enter your phone number or username" in page
    assert "127.0.0.1" not in page and str(fresh.port) not in page
    assert browser.get("/login").headers["location"] == "/i/flow/login"
    # Already signed in: the flow sends you on.
    browser.sign_in("xavier@example.com")
    again = browser.get("/i/flow/login?redirect_after_login=%2Fsettings%2Fgrok_settings")
    assert (again.status_code, again.headers["location"]) == (302, GROK)


def test_login_page_follows_accept_language(fresh: SandboxServer) -> None:
    page = Browser(fresh, language="fr-FR,fr;q=0.9").get("/i/flow/login").text
    assert '<html lang="fr"' in page
    for text in ("Connectez-vous à X", "Numéro de téléphone, adresse email ou nom d&#39;utilisateur", "Suivant"):
        assert text in page
    assert 'data-testid="LoginForm_Login_Button" aria-disabled="true">Se connecter</button>' in page


# -- the sign-in flow --------------------------------------------------------------------------------


def test_sign_in_in_steps_sets_the_real_cookies(fresh: SandboxServer) -> None:
    browser = Browser(fresh)
    browser.get("/i/flow/login")
    guest_ct0 = browser.cookies["ct0"]
    browser.start()
    assert next_step(browser.identifier(" Xavier@Example.com ")) == "LoginEnterPassword"
    done = browser.password("xavier-demo-pass")
    assert next_step(done) == "LoginSuccessSubtask"
    user = done.json()["subtasks"][0]["open_account"]["user"]
    assert user["screen_name"] == "xavier"
    assert "HttpOnly" in set_cookie(done, "auth_token") and "Domain=.x.com" in set_cookie(done, "auth_token")
    assert re.fullmatch(r"[0-9a-f]{160}", browser.cookies["ct0"]) and browser.cookies["ct0"] != guest_ct0
    assert browser.cookies["twid"] == f"u%3D{user['id_str']}"
    home = browser.get("/home")
    assert home.status_code == 200
    assert '<a href="/home" aria-label="X" role="link">' in home.text
    assert '<nav aria-label="Primary" role="navigation"' in home.text
    assert 'href="/home" aria-label="Home" role="link" data-testid="AppTabBar_Home_Link"' in home.text
    state = account_state(fresh, "xavier@example.com")
    assert (state["password_submissions"], state["signins"], state["code_submissions"]) == (1, 1, 0)


def test_the_handle_signs_in_too(fresh: SandboxServer) -> None:
    browser = Browser(fresh)
    browser.start()
    step = browser.identifier("@xavier")
    assert next_step(step) == "LoginEnterPassword" and step.json()["subtasks"][0]["identifier"] == "@xavier"


def test_unknown_account_and_wrong_password_are_refused_with_code_399(fresh: SandboxServer) -> None:
    browser = Browser(fresh)
    browser.start()
    assert error_of(browser.identifier("nobody@example.com")) == (400, 399, EN["err_unknown_account"])
    # The flow stays at the step: the same token takes another try.
    assert next_step(browser.identifier("wyatt@example.com")) == "LoginEnterPassword"
    assert error_of(browser.password("wyatt-typo-pass")) == (400, 399, "Wrong password!")
    assert "auth_token" not in browser.cookies
    assert next_step(browser.password("wyatt-demo-pass")) == "LoginSuccessSubtask"
    state = account_state(fresh, "wyatt@example.com")
    assert (state["password_submissions"], state["signins"]) == (2, 1)


def test_errors_follow_the_client_language(fresh: SandboxServer) -> None:
    browser = Browser(fresh, language="fr-FR")
    browser.start()
    assert error_of(browser.identifier("personne@example.fr"))[2] == FR["err_unknown_account"]
    browser.identifier("margaux@example.fr")
    assert error_of(browser.password("faux"))[2] == "Mot de passe incorrect !"


def test_extra_identifier_step_comes_before_the_password(fresh: SandboxServer) -> None:
    browser = Browser(fresh)
    browser.start()
    step = "LoginEnterAlternateIdentifierSubtask"
    assert next_step(browser.identifier("ivy@example.com")) == step
    assert error_of(browser.text(step, "xavier")) == (400, 399, EN["err_wrong_identifier"])
    answered = browser.text(step, "@ivy")
    assert next_step(answered) == "LoginEnterPassword" and answered.json()["subtasks"][0]["identifier"] == "ivy"
    assert next_step(browser.password("ivy-demo-pass")) == "LoginSuccessSubtask"
    # The e-mail given again is accepted as well.
    again = Browser(fresh)
    again.start()
    again.identifier("ivy@example.com")
    assert next_step(again.text(step, "IVY@example.com")) == "LoginEnterPassword"


def test_two_factor_code_step_after_the_password(fresh: SandboxServer) -> None:
    browser = Browser(fresh)
    browser.start()
    browser.identifier("tara@example.com")
    step = "LoginTwoFactorAuthChallenge"
    assert next_step(browser.password("tara-demo-pass")) == step
    assert "auth_token" not in browser.cookies
    assert error_of(browser.text(step, "000000")) == (400, 399, EN["err_wrong_code"])
    assert next_step(browser.text(step, DEMO_CODE)) == "LoginSuccessSubtask"
    assert browser.get("/home").status_code == 200
    state = account_state(fresh, "tara@example.com")
    assert (state["password_submissions"], state["code_submissions"], state["signins"]) == (1, 2, 1)


def test_captcha_stops_the_flow_for_good(fresh: SandboxServer) -> None:
    browser = Browser(fresh)
    browser.start()
    browser.identifier("cass@example.com")
    assert next_step(browser.password("cass-demo-pass")) == "ArkoseLogin"
    assert browser.answer("ArkoseLogin", {"enter_text": {"text": "solved"}}).status_code == 400
    assert "auth_token" not in browser.cookies and account_state(fresh, "cass@example.com")["signins"] == 0


def test_locked_account_is_sent_to_account_access(fresh: SandboxServer) -> None:
    browser = Browser(fresh)
    assert next_step(browser.sign_in("lockie@example.com")) == "LoginSuccessSubtask"
    for path in ("/home", GROK, "/settings/account"):
        response = browser.get(path)
        assert (response.status_code, response.headers["location"]) == (302, "/account/access"), path
    page = browser.get("/account/access").text
    assert "<h1>Your account has been locked</h1>" in page and 'type="submit"' in page and 'value="Start"' in page


def test_a_spent_or_forged_flow_token_is_refused(fresh: SandboxServer) -> None:
    browser = Browser(fresh)
    browser.start()
    spent = browser.flow_token
    browser.identifier("xavier@example.com")
    browser.flow_token = spent
    assert error_of(browser.identifier("xavier@example.com"))[:2] == (400, 366)
    browser.flow_token = "g;forged"
    assert error_of(browser.password("xavier-demo-pass"))[:2] == (400, 366)


def test_csrf_check_on_the_onboarding_api(fresh: SandboxServer) -> None:
    browser = Browser(fresh)
    browser.get("/i/flow/login")
    for token in ("", "0" * 32):
        response = browser.api("POST", TASK_PATH + "?flow_name=login", json={}, csrf=token)
        assert error_of(response) == (403, 353, "This request requires a matching csrf cookie and header.")
    # A header without any cookie fails too.
    bare = httpx.post(fresh.origin_url("x") + TASK_PATH, headers={**MAPPED, "x-csrf-token": "0" * 32}, json={})
    assert bare.status_code == 403


# -- the Grok page and its API -----------------------------------------------------------------------


def test_grok_page_renders_heading_fallback_and_three_boxes_in_order(fresh: SandboxServer) -> None:
    browser = Browser(fresh)
    browser.sign_in("xavier@example.com")
    page = body(browser.get(GROK).text)
    assert '<h2 role="heading" aria-level="2">Grok &amp; Third-party Collaborators</h2>' in page
    assert '<div id="grok-fallback" class="spinner" role="progressbar" aria-label="Loading"' in page
    # Until the script renders it, the view is only a template: no box is in the document.
    assert page.index('data-testid="xaiDataSharingSettings"') > page.index('<template id="grok-view">')
    assert "<h3>Data Sharing</h3>" in page
    assert checkbox_labels(page) == [
        ("CHECKBOX_1_LABEL", EN["grok_training"]),
        ("CHECKBOX_2_LABEL", "Allow X to personalize your experience with Grok"),
        ("CHECKBOX_3_LABEL", "Allow Grok to remember your conversation history"),
    ]
    assert EN["grok_training"].startswith("Allow your public data as well as your interactions, inputs, and results")
    assert re.search(r"<label class=\"checkbox-row\">\s*<span id=\"CHECKBOX_1_LABEL\">", page)
    assert ">Delete conversation history</button>" in page
    assert 'data-testid="confirmationSheetConfirm"' in page


def test_grok_page_variants(fresh: SandboxServer) -> None:
    pages = {}
    for username in ("margaux@example.fr", "owen@example.com", "remy@example.com"):
        browser = Browser(fresh)
        browser.sign_in(username)
        pages[username] = body(browser.get(GROK).text)
    french = pages["margaux@example.fr"]
    assert "Grok et collaborateurs tiers</h2>" in french and "Supprimer l&#39;historique des conversations" in french
    assert [label for _, label in checkbox_labels(french)] == [
        FR["grok_training"],
        FR["grok_personalization"],
        FR["grok_memory"],
    ]
    assert checkbox_labels(pages["owen@example.com"])[0] == (
        "CHECKBOX_1_LABEL",
        "Allow your posts as well as your interactions, inputs, and results with Grok to be used "
        "for training and fine-tuning.",
    )
    # Redesigned: the training box is gone and the look-alikes move up in the numbering.
    assert checkbox_labels(pages["remy@example.com"]) == [
        ("CHECKBOX_1_LABEL", EN["grok_personalization"]),
        ("CHECKBOX_2_LABEL", EN["grok_memory"]),
    ]


def test_preferences_load_after_the_page_and_late_ones_load_slowly(fresh: SandboxServer) -> None:
    timings = {}
    for username in ("xavier@example.com", "leo@example.com"):
        browser = Browser(fresh)
        browser.sign_in(username)
        started = time.monotonic()
        assert preferences(browser) == {TRAINING: True, PERSONALIZATION: False, MEMORY: False}
        timings[username] = time.monotonic() - started
    assert 0.15 <= timings["xavier@example.com"] < 1.0
    assert timings["leo@example.com"] >= 1.4


def test_each_box_is_its_own_key_and_counts_its_writes(fresh: SandboxServer) -> None:
    browser = Browser(fresh)
    browser.sign_in("lily@example.com")
    assert preferences(browser) == {TRAINING: True, PERSONALIZATION: True, MEMORY: True}
    answer = browser.write(TRAINING, False)
    assert answer.json() == {"data": {"user_preferences_put": {TRAINING: False}}}
    state = account_state(fresh, "lily@example.com")
    assert state["settings"] == {TRAINING: False, PERSONALIZATION: True, MEMORY: True, DELETE: False}
    assert state["writes_by_key"] == {TRAINING: 1, PERSONALIZATION: 0, MEMORY: 0, DELETE: 0}
    browser.write(MEMORY, False)
    state = account_state(fresh, "lily@example.com")
    assert state["writes_by_key"] == {TRAINING: 1, PERSONALIZATION: 0, MEMORY: 1, DELETE: 0}
    assert [(w["key"], w["requested"], w["stored"]) for w in state["writes"]] == [
        (TRAINING, False, False),
        (MEMORY, False, False),
    ]
    assert preferences(browser) == {TRAINING: False, PERSONALIZATION: True, MEMORY: False}


def test_refused_and_sticky_writes(fresh: SandboxServer) -> None:
    refused = Browser(fresh)
    refused.sign_in("rex@example.com")
    assert refused.write(TRAINING, False).json()["data"]["user_preferences_put"] == {TRAINING: True}
    sticky = Browser(fresh)
    sticky.sign_in("stella@example.com")
    assert sticky.write(TRAINING, False).json()["data"]["user_preferences_put"] == {TRAINING: False}
    assert preferences(sticky)[TRAINING] is True
    for username in ("rex@example.com", "stella@example.com"):
        state = account_state(fresh, username)
        assert state["settings"][TRAINING] is True and state["writes_by_key"][TRAINING] == 1


def test_late_saves_are_slow(fresh: SandboxServer) -> None:
    browser = Browser(fresh)
    browser.sign_in("leo@example.com")
    started = time.monotonic()
    assert browser.write(TRAINING, False).status_code == 200
    assert time.monotonic() - started >= 0.7


def test_csrf_check_on_the_graphql_api(fresh: SandboxServer) -> None:
    browser = Browser(fresh)
    browser.sign_in("xavier@example.com")
    assert error_of(browser.write(TRAINING, False, csrf=""))[:2] == (403, 353)
    assert error_of(browser.write(TRAINING, False, csrf="f" * 160))[:2] == (403, 353)
    assert error_of(browser.api("GET", SCREEN_QUERY.path, csrf=""))[:2] == (403, 353)
    state = account_state(fresh, "xavier@example.com")
    assert state["writes"] == [] and state["settings"][TRAINING] is True
    assert browser.write(TRAINING, False).status_code == 200


def test_graphql_refuses_strangers_stale_ids_and_bad_variables(fresh: SandboxServer) -> None:
    stranger = Browser(fresh)
    stranger.get("/i/flow/login")
    assert error_of(stranger.write(TRAINING, False))[:2] == (401, 32)
    browser = Browser(fresh)
    browser.sign_in("xavier@example.com")
    stale = "/i/api/graphql/AAAAAAAAAAAAAAAAAAAAAA/XaiDataSharingSettingsMutation"
    assert browser.api("POST", stale, json={"variables": {"allowXaiDataSharing": False}}).status_code == 404
    op = MUTATION[TRAINING]
    assert browser.api("POST", op.path, json={"variables": {"allowXaiDataSharing": "no"}}).status_code == 400
    assert browser.api("POST", op.path, json={"variables": {"allowXaiPersonalization": False}}).status_code == 400
    assert browser.api("GET", op.path).status_code == 405
    assert account_state(fresh, "xavier@example.com")["writes"] == []


# -- menus, other pages ------------------------------------------------------------------------------


def test_menu_path_to_the_grok_page_in_english_and_french(fresh: SandboxServer) -> None:
    for username, t in (("xavier@example.com", EN), ("margaux@example.fr", FR)):
        browser = Browser(fresh)
        browser.sign_in(username)
        root = browser.get("/settings")
        assert (root.status_code, root.headers["location"]) == (302, "/settings/account")
        account = browser.get("/settings/account").text
        privacy = html.escape(t["cat_privacy_and_safety"])
        assert f'<a href="/settings/privacy_and_safety"><span>{privacy}</span>' in account
        page = browser.get("/settings/privacy_and_safety").text
        assert f'<a href="/settings/grok_settings"><span>{html.escape(t["row_grok_settings"])}</span>' in page
        assert f"<h3>{html.escape(t['sec_data_sharing'])}</h3>" in page
        assert browser.get("/settings/location").status_code == 200
        assert browser.get("/settings/no_such_page").status_code == 404


def test_not_found_and_direct_access_keep_the_prefix(fresh: SandboxServer) -> None:
    missing = Browser(fresh).get("/no/such/page")
    assert missing.status_code == 404 and "this page doesn’t exist" in missing.text
    direct = httpx.get(fresh.origin_url("x") + GROK)
    assert direct.headers["location"] == "/x/i/flow/login?redirect_after_login=%2Fsettings%2Fgrok_settings"
    login = httpx.get(fresh.origin_url("x") + "/i/flow/login")
    assert '"task": "/x/i/api/1.1/onboarding/task.json"' in login.text and '"next": "/x/home"' in login.text
    assert "Domain" not in login.headers["set-cookie"] and "Path=/x" in login.headers["set-cookie"]


def test_redirect_after_login_stays_on_the_site(fresh: SandboxServer) -> None:
    for target in ("https://evil.invalid/", "//evil.invalid/", "/\\evil.invalid"):
        page = Browser(fresh).get("/i/flow/login?redirect_after_login=" + target).text
        assert '"next": "/home"' in page, target


def test_logout_ends_the_session(fresh: SandboxServer) -> None:
    browser = Browser(fresh)
    browser.sign_in("xavier@example.com")
    assert browser.api("POST", "/i/api/1.1/account/logout.json", json={}, csrf="").status_code == 403
    assert browser.api("POST", "/i/api/1.1/account/logout.json", json={}).status_code == 200
    assert browser.get("/home").status_code == 302


# -- the account table ------------------------------------------------------------------------------


def test_account_table() -> None:
    accounts = accounts_for("x")
    assert len(accounts) == 15
    assert {a.variant for a in accounts} == {"normal", "already_off", "late", "refused", "sticky", "layout_changed"} | (
        EXTRA_VARIANTS
    )
    assert {a.variant for a in accounts} - EXTRA_VARIANTS <= SHARED_VARIANTS
    assert all(a.username.endswith(("@example.com", "@example.fr")) for a in accounts)
    assert [a.username for a in accounts if a.language == "fr"] == ["margaux@example.fr"]
    assert [a.username for a in accounts if a.demo_password != a.password] == ["wyatt@example.com"]
    for account in accounts:
        assert account.expect_off.verified is not None or account.expect_off.reason is not None, account.username


def _situation(server: SandboxServer, username: str) -> tuple[str, str]:
    """Sign in with what the demo stores, answering the extra-identifier step with the username,
    and say where it ends: (state, training value or "unknown")."""
    account = find_account(username)
    assert account is not None
    browser = Browser(server)
    browser.start()
    step = next_step(browser.identifier(username))
    if step == "LoginEnterAlternateIdentifierSubtask":
        step = next_step(browser.text(step, username))
    response = browser.password(account.demo_password)
    if response.status_code != 200:
        assert error_of(response)[:2] == (400, 399)
        return "rejected", "unknown"
    step = next_step(response)
    if step == "LoginTwoFactorAuthChallenge" and account.totp_secret is not None:
        # What the demo stores: the authenticator secret, whose current code the step accepts.
        step = next_step(browser.text(step, pyotp.TOTP(account.totp_secret).now()))
    if step != "LoginSuccessSubtask":
        return {"LoginTwoFactorAuthChallenge": "verification", "ArkoseLogin": "captcha"}[step], "unknown"
    if browser.get("/home").status_code == 302:
        return "locked", "unknown"
    (_, first_label), *_ = checkbox_labels(browser.get(GROK).text)
    if first_label not in (EN["grok_training"], EN["grok_training_2024"], FR["grok_training"]):
        return "signed_in", "unknown"
    return "signed_in", "on" if preferences(browser)[TRAINING] else "off"


#: Where a sign-in ends, by the reason the account's check expects (no reason: signed in).
PAGE_FOR_REASON = {
    None: "signed_in",
    "nothing was clicked": "signed_in",
    "rejected": "rejected",
    "verification code": "verification",
    "CAPTCHA": "captcha",
    "locked": "locked",
}


@pytest.mark.parametrize("account", accounts_for("x"), ids=lambda a: a.username)
def test_each_account_is_in_the_situation_it_advertises(fresh: SandboxServer, account: Any) -> None:
    state, training = _situation(fresh, account.username)
    assert state == PAGE_FOR_REASON[account.expect_check.reason]
    assert training == account.expect_check.state


# -- in real Chromium, mapped to https://x.com ---------------------------------------------------------

HTTPS = "https://x.com"


@pytest.fixture
async def open_page(browser: Any, sandbox: Sandbox) -> AsyncIterator[Any]:
    """Opens pages on https://x.com, answered by the sandbox through the product's own traffic mapping;
    each in a fresh context, closed at the end of the test."""
    traffic = build_traffic_map([OriginSpec("x", sandbox.origin("x"))], {"x": [HTTPS]})
    assert traffic is not None
    opened: list[tuple[Any, Any]] = []

    async def open_page(locale: str = "en-US") -> Any:
        context = await browser.new_context(locale=locale, service_workers="block")
        context.set_default_timeout(10_000)
        page = await context.new_page()
        opened.append((context, await traffic.attach(context, page)))
        return page

    yield open_page
    for context, mapped in opened:
        await mapped.close()
        await context.close()


async def sign_in(page: Any, username: str, *, t: dict[str, str] = EN, password: str | None = None) -> None:
    """The sign-in flow by role and name, from wherever the page is (the flow's URL if not there yet)."""
    account = find_account(username)
    assert account is not None
    if "/i/flow/login" not in page.url:
        await page.goto(HTTPS + "/i/flow/login")
    await expect(page.get_by_role("heading", name=t["login_heading"], level=1)).to_be_visible()
    await page.get_by_role("textbox", name=t["identifier_label"]).fill(username)
    await page.get_by_role("button", name=t["next"], exact=True).click()
    if account.variant == "extra_identifier":
        await expect(page.get_by_role("heading", name=t["unusual_heading"], level=1)).to_be_visible()
        await page.get_by_test_id("ocfEnterTextTextInput").fill(f"@{username.split('@')[0]}")
        await page.get_by_test_id("ocfEnterTextNextButton").click()
    await expect(page.get_by_role("heading", name=t["password_heading"], level=1)).to_be_visible()
    log_in = page.get_by_role("button", name=t["log_in"], exact=True)
    await expect(log_in).to_be_disabled()
    await page.get_by_label(t["password_label"], exact=True).fill(password or account.password)
    await expect(log_in).to_be_enabled()
    await log_in.click()


async def test_browser_signs_in_in_steps_and_unchecks_training_only(open_page: Any, sandbox: Sandbox) -> None:
    page = await open_page()
    await page.goto(HTTPS + GROK)
    assert page.url == HTTPS + "/i/flow/login?redirect_after_login=%2Fsettings%2Fgrok_settings"
    await sign_in(page, "xavier@example.com")
    await page.wait_for_url(HTTPS + GROK)
    await expect(page.get_by_role("heading", name=EN["grok_heading"], level=2)).to_be_visible()
    training = page.get_by_role("checkbox", name=EN["grok_training"])
    await expect(training).to_be_checked()
    await expect(page.get_by_role("progressbar")).to_have_count(0)
    await expect(page.get_by_test_id("xaiDataSharingSettings").get_by_role("checkbox")).to_have_count(3)
    assert await training.get_attribute("aria-describedby") == "CHECKBOX_1_LABEL"
    await training.click()
    await expect(training).not_to_be_checked()
    await expect(training).to_be_enabled()  # disabled while the save is in flight
    state = sandbox.account("xavier@example.com", "x")
    assert state["settings"][TRAINING] is False
    assert state["writes_by_key"] == {TRAINING: 1, PERSONALIZATION: 0, MEMORY: 0, DELETE: 0}
    await page.reload()
    await expect(page.get_by_role("checkbox", name=EN["grok_training"])).not_to_be_checked()
    cookies = {c["name"]: c for c in await page.context.cookies(HTTPS)}
    assert cookies["auth_token"]["httpOnly"] and not cookies["ct0"]["httpOnly"] and cookies["twid"]["value"]
    assert (state["password_submissions"], state["signins"]) == (1, 1)


async def test_browser_extra_identifier_step_then_home(open_page: Any, sandbox: Sandbox) -> None:
    page = await open_page()
    await sign_in(page, "ivy@example.com")
    await page.wait_for_url(HTTPS + "/home")
    await expect(page.get_by_role("navigation", name="Primary")).to_be_visible()
    for name in ("X", "Home"):
        await expect(page.get_by_role("link", name=name, exact=True)).to_have_attribute("href", "/home")
    assert sandbox.account("ivy@example.com", "x")["signins"] == 1


async def test_browser_wrong_password_shows_the_toast(open_page: Any, sandbox: Sandbox) -> None:
    page = await open_page()
    await sign_in(page, "wyatt@example.com", password="wyatt-typo-pass")
    await expect(page.get_by_role("alert")).to_have_text("Wrong password!")
    await expect(page.get_by_role("heading", name=EN["password_heading"], level=1)).to_be_visible()
    assert page.url == HTTPS + "/i/flow/login"
    state = sandbox.account("wyatt@example.com", "x")
    assert (state["password_submissions"], state["signins"]) == (1, 0)


async def test_browser_two_factor_and_captcha_stay_on_the_flow_url(open_page: Any, sandbox: Sandbox) -> None:
    code = await open_page()
    await sign_in(code, "tara@example.com")
    await expect(code.get_by_role("heading", name=EN["code_heading"], level=1)).to_be_visible()
    await expect(code.get_by_test_id("ocfEnterTextTextInput")).to_be_visible()
    captcha = await open_page()
    await sign_in(captcha, "cass@example.com")
    await expect(captcha.locator("iframe#arkose_iframe")).to_be_visible()
    for page in (code, captcha):
        assert page.url == HTTPS + "/i/flow/login"
    # The person can finish the code step.
    await code.get_by_test_id("ocfEnterTextTextInput").fill(DEMO_CODE)
    await code.get_by_test_id("ocfEnterTextNextButton").click()
    await code.wait_for_url(HTTPS + "/home")
    assert sandbox.account("tara@example.com", "x")["code_submissions"] == 1
    assert sandbox.account("cass@example.com", "x")["signins"] == 0


async def test_browser_french_menu_path(open_page: Any, sandbox: Sandbox) -> None:
    page = await open_page("fr-FR")
    await sign_in(page, "margaux@example.fr", t=FR)
    await page.wait_for_url(HTTPS + "/home")
    await expect(page.get_by_role("link", name="Accueil", exact=True)).to_be_visible()
    await page.get_by_role("button", name="Plus").click()
    await page.get_by_role("menuitem", name=FR["more_settings"]).click()
    await page.wait_for_url(HTTPS + "/settings/account")
    await page.get_by_role("link", name="Confidentialité et sécurité").click()
    await page.get_by_role("link", name="Grok et collaborateurs tiers").click()
    await page.wait_for_url(HTTPS + GROK)
    await expect(page.get_by_role("heading", name="Grok et collaborateurs tiers", level=2)).to_be_visible()
    await expect(page.get_by_role("checkbox", name=FR["grok_training"])).to_be_checked()
    await expect(page.get_by_role("checkbox", name=FR["grok_personalization"])).not_to_be_checked()
    await expect(page.get_by_role("button", name="Supprimer l'historique des conversations")).to_be_visible()
    assert sandbox.account("margaux@example.fr", "x")["writes"] == []


async def test_browser_lookalikes_stay_untouched_and_redesign_has_no_training_box(
    open_page: Any, sandbox: Sandbox
) -> None:
    page = await open_page()
    await page.goto(HTTPS + GROK)
    await sign_in(page, "lily@example.com")
    await page.wait_for_url(HTTPS + GROK)
    training = page.get_by_role("checkbox", name=EN["grok_training"])
    await training.click()
    await expect(training).not_to_be_checked()
    await expect(training).to_be_enabled()
    for name in (EN["grok_personalization"], EN["grok_memory"]):
        await expect(page.get_by_role("checkbox", name=name)).to_be_checked()
    state = sandbox.account("lily@example.com", "x")
    assert state["writes_by_key"] == {TRAINING: 1, PERSONALIZATION: 0, MEMORY: 0, DELETE: 0}
    redesigned = await open_page()
    await redesigned.goto(HTTPS + GROK)
    await sign_in(redesigned, "remy@example.com")
    await expect(redesigned.get_by_role("checkbox", name=EN["grok_personalization"])).to_be_visible()
    await expect(redesigned.get_by_role("checkbox")).to_have_count(2)
    await expect(redesigned.get_by_role("checkbox", name=EN["grok_training"])).to_have_count(0)


async def test_browser_refused_snaps_back_and_sticky_comes_back_on_reload(open_page: Any, sandbox: Sandbox) -> None:
    pages = {}
    for username in ("rex@example.com", "stella@example.com"):
        page = pages[username] = await open_page()
        await page.goto(HTTPS + GROK)
        await sign_in(page, username)
        training = page.get_by_role("checkbox", name=EN["grok_training"])
        await training.click()
        await expect(training).to_be_enabled()
    await expect(pages["rex@example.com"].get_by_role("checkbox", name=EN["grok_training"])).to_be_checked()
    await expect(pages["rex@example.com"].get_by_role("alert")).to_have_text(EN["toast_generic"])
    sticky = pages["stella@example.com"]
    await expect(sticky.get_by_role("checkbox", name=EN["grok_training"])).not_to_be_checked()
    await sticky.reload()
    await expect(sticky.get_by_role("checkbox", name=EN["grok_training"])).to_be_checked()
    for username in pages:
        assert sandbox.account(username, "x")["writes_by_key"][TRAINING] == 1


async def test_browser_late_preference_shows_the_fallback_first(open_page: Any, sandbox: Sandbox) -> None:
    page = await open_page()
    await sign_in(page, "leo@example.com")
    await page.wait_for_url(HTTPS + "/home")
    await page.goto(HTTPS + GROK)
    await expect(page.get_by_role("progressbar", name="Loading")).to_be_visible()
    assert await page.get_by_role("checkbox").count() == 0
    training = page.get_by_role("checkbox", name=EN["grok_training"])
    await expect(training).to_be_checked()
    await expect(page.get_by_role("progressbar")).to_have_count(0)
    # The slow save: busy and disabled until the server answers.
    await training.click()
    await expect(training).to_have_attribute("aria-busy", "true")
    await expect(training).to_be_disabled()
    await expect(training).to_be_enabled()
    await expect(training).not_to_be_checked()
    assert sandbox.account("leo@example.com", "x")["settings"][TRAINING] is False


async def test_browser_save_without_the_csrf_cookie_is_refused(open_page: Any, sandbox: Sandbox) -> None:
    page = await open_page()
    await page.goto(HTTPS + GROK)
    await sign_in(page, "xavier@example.com")
    training = page.get_by_role("checkbox", name=EN["grok_training"])
    await expect(training).to_be_checked()
    await page.context.clear_cookies(name="ct0")
    await training.click()
    await expect(page.get_by_role("alert")).to_have_text(EN["toast_generic"])
    await expect(training).to_be_checked()
    state = sandbox.account("xavier@example.com", "x")
    assert state["writes"] == [] and state["settings"][TRAINING] is True


async def test_browser_delete_history_asks_first_and_is_logged(open_page: Any, sandbox: Sandbox) -> None:
    page = await open_page()
    await page.goto(HTTPS + GROK)
    await sign_in(page, "xavier@example.com")
    delete = page.get_by_role("button", name=EN["grok_delete"])
    await delete.click()
    sheet = page.get_by_role("alertdialog", name=EN["grok_delete_sheet_heading"])
    await sheet.get_by_role("button", name=EN["cancel"]).click()
    await expect(sheet).to_have_count(0)
    assert sandbox.account("xavier@example.com", "x")["writes"] == []
    await delete.click()
    await page.get_by_test_id("confirmationSheetConfirm").click()
    await expect(page.get_by_role("alert")).to_have_text(EN["grok_delete_done"])
    state = sandbox.account("xavier@example.com", "x")
    assert state["writes_by_key"] == {TRAINING: 0, PERSONALIZATION: 0, MEMORY: 0, DELETE: 1}
    assert state["settings"][TRAINING] is True
