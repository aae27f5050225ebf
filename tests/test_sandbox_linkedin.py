"""The sandbox's LinkedIn replica over real HTTP, as the product's traffic mapper sees it."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from optout.sandbox import DEMO_ACCOUNTS, Expectation, SandboxServer, accounts_for
from optout.sandbox.linkedin.accounts import VARIANTS
from optout.sandbox.linkedin.text import texts

MAPPED = {"X-Forwarded-Host": "www.linkedin.com", "X-Forwarded-Proto": "https"}
LOGIN_SUBMIT = "/checkpoint/lg/login-submit"
AI_PAGE = "/mypreferences/d/settings/data-for-ai-improvement"
MOVED_PAGE = "/mypreferences/d/settings/data-for-generative-ai-improvement"
AI_API = "/mypreferences/d/api/settings/allowDataForGenerativeAI"
AI_SWITCH = re.compile(r'<input type="checkbox" role="switch"[^>]*aria-labelledby="allowDataForGenerativeAI"[^>]*>')


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_state(server: SandboxServer) -> None:
    httpx.post(f"{server.base_url}/__sandbox__/reset").raise_for_status()


class Browser:
    """The browser plus the product's mapper: forwarding headers, and cookies kept by name.

    The sandbox scopes mapped cookies to .www.linkedin.com, which an HTTP client talking to
    127.0.0.1 would refuse to store, so they are kept here as the browser would.
    """

    def __init__(self, server: SandboxServer, language: str = "en-US") -> None:
        self.client = httpx.Client(
            base_url=server.origin_url("linkedin"), headers={**MAPPED, "Accept-Language": language}
        )
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = self.client.request(method, path, headers=sent, **kw)
        for raw in response.headers.get_list("set-cookie"):
            name, _, rest = raw.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in raw.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def submit_login(self, username: str, password: str) -> httpx.Response:
        self.get("/login")
        form = {"csrfToken": self.cookies["JSESSIONID"], "session_key": username, "session_password": password}
        return self.post(LOGIN_SUBMIT, data=form)

    def sign_in(self, username: str) -> None:
        password = next(a.password for a in DEMO_ACCOUNTS if a.username == username)
        assert self.submit_login(username, password).status_code == 303
        assert "li_at" in self.cookies

    def write(self, value: bool, api: str = AI_API) -> httpx.Response:
        return self.post(api, json={"value": value}, headers={"csrf-token": self.cookies["JSESSIONID"]})

    def read(self, api: str = AI_API) -> httpx.Response:
        return self.get(api, headers={"csrf-token": self.cookies["JSESSIONID"]})


def body(page: str) -> str:
    """The page's markup without the shared styles in its head."""
    return page[page.index("<body>") :]


def timed_read(browser: Browser) -> tuple[float, httpx.Response]:
    started = time.monotonic()
    response = browser.read()
    return time.monotonic() - started, response


def set_cookie(response: httpx.Response, name: str) -> str:
    return next(raw for raw in response.headers.get_list("set-cookie") if raw.startswith(f"{name}="))


def alert(page: str, element_id: str) -> str:
    found = re.search(rf'<div id="{element_id}"[^>]*>(.*?)</div>', page, re.S)
    assert found, element_id
    return html.unescape(found.group(1)).strip()


def account_state(server: SandboxServer, username: str) -> dict[str, Any]:
    state: dict[str, Any] = httpx.get(f"{server.base_url}/__sandbox__/state").json()
    return state["linkedin"][username]  # type: ignore[no-any-return]


def test_login_page_sets_a_csrf_cookie_equal_to_the_form_token(server: SandboxServer) -> None:
    browser = Browser(server)
    response = browser.get("/login")
    assert response.status_code == 200
    cookie = set_cookie(response, "JSESSIONID")
    assert re.match(r"JSESSIONID=ajax:\d{19};", cookie)
    assert "Domain=.www.linkedin.com" in cookie and "Secure" in cookie and "Path=/;" in cookie
    assert "samesite=none" in cookie.lower() and "HttpOnly" not in cookie
    page = response.text
    assert f'name="csrfToken" value="{browser.cookies["JSESSIONID"]}"' in page
    assert 'class="login__form" method="post" action="/checkpoint/lg/login-submit"' in page
    assert '<label for="username" class="form__label--floating">Email or phone</label>' in page
    password = re.search(r'<input id="password"[^>]*>', page)
    assert password and "value=" not in password.group(0)
    assert "127.0.0.1" not in page and str(server.port) not in page
    assert browser.get("/uas/login").status_code == 200


def test_login_page_follows_accept_language(server: SandboxServer) -> None:
    page = Browser(server, language="fr-FR,fr;q=0.9").get("/login").text
    assert '<html lang="fr">' in page
    assert "E-mail ou téléphone" in page and "Mot de passe" in page
    assert "S&#39;identifier</button>" in page


def test_sign_in_sets_li_at_and_redirects_to_the_absolute_feed_url(server: SandboxServer) -> None:
    browser = Browser(server)
    response = browser.submit_login("Alice@Example.com ", "alice-demo-pass")
    assert response.status_code == 303
    assert response.headers["location"] == "https://www.linkedin.com/feed/"
    li_at = set_cookie(response, "li_at")
    assert "HttpOnly" in li_at and "Secure" in li_at and "Domain=.www.linkedin.com" in li_at
    assert len(browser.cookies["li_at"]) > 10
    feed = browser.get("/feed/")
    assert feed.status_code == 200
    assert '<header id="global-nav"' in feed.text and '<nav class="global-nav__nav" aria-label="Primary">' in feed.text
    assert 'href="/mypreferences/d/categories/account"' in feed.text and "restricted accounts" in feed.text
    assert account_state(server, "alice@example.com")["password_submissions"] == 1
    assert browser.get("/").headers["location"] == "/feed/"
    assert browser.get("/login").headers["location"] == "/feed/"


def test_login_submit_rejects_a_csrf_token_that_does_not_match_the_cookie(server: SandboxServer) -> None:
    browser = Browser(server)
    browser.get("/login")
    form = {
        "csrfToken": "ajax:0000000000000000000",
        "session_key": "alice@example.com",
        "session_password": "alice-demo-pass",
    }
    response = browser.post(LOGIN_SUBMIT, data=form)
    assert response.status_code == 403
    assert "Something went wrong (CSRF check failed)" in response.text
    assert "li_at" not in browser.cookies
    stranger = Browser(server).post(LOGIN_SUBMIT, data={**form, "csrfToken": browser.cookies["JSESSIONID"]})
    assert stranger.status_code == 403
    assert account_state(server, "alice@example.com")["password_submissions"] == 0


def test_wrong_password_rerenders_the_form_and_counts_each_submission(server: SandboxServer) -> None:
    browser = Browser(server)
    for attempt in (1, 2):
        response = browser.submit_login("wes@example.com", "wes-typo-pass")
        assert response.status_code == 200
        assert alert(response.text, "error-for-password") == (
            "That's not the right password. Try again or sign in with a one-time link"
        )
        assert 'value="wes@example.com"' in response.text
        assert account_state(server, "wes@example.com")["password_submissions"] == attempt
    assert "li_at" not in browser.cookies
    french = Browser(server, language="fr").submit_login("wes@example.com", "nope")
    assert alert(french.text, "error-for-password").startswith("Ce n'est pas le bon mot de passe.")


def test_unknown_user_gets_the_username_error(server: SandboxServer) -> None:
    response = Browser(server).submit_login("nobody@example.com", "whatever")
    assert response.status_code == 200
    assert alert(response.text, "error-for-username").startswith("Couldn't find a LinkedIn account")
    assert 'id="error-for-password" class="error__label" role="alert" aria-live="assertive" hidden' in response.text


def test_pin_checkpoint_signs_in_after_the_right_pin(server: SandboxServer) -> None:
    browser = Browser(server)
    response = browser.submit_login("pat@example.com", "pat-demo-pass")
    assert response.status_code == 303 and "li_at" not in browser.cookies
    location = response.headers["location"]
    assert location.startswith("/checkpoint/challenge/verify?challengeId=")
    page = browser.get(location).text
    assert '<form id="email-pin-challenge" method="post" action="' + html.escape(location) in page
    assert 'name="pin" type="text" inputmode="numeric" autocomplete="one-time-code"' in page
    assert "Enter the code we sent to p•••@example.com" in page and "security" not in page.lower()
    wrong = browser.post(location, data={"csrfToken": browser.cookies["JSESSIONID"], "pin": "111111"})
    assert wrong.status_code == 200 and "isn&#39;t valid" in wrong.text
    right = browser.post(location, data={"csrfToken": browser.cookies["JSESSIONID"], "pin": "424242"})
    assert right.status_code == 303 and right.headers["location"] == "https://www.linkedin.com/feed/"
    assert browser.get("/feed/").status_code == 200
    assert account_state(server, "pat@example.com")["code_submissions"] == 2


def test_captcha_and_restricted_accounts_stop_at_their_checkpoint(server: SandboxServer) -> None:
    casey = Browser(server)
    location = casey.submit_login("casey@example.com", "casey-demo-pass").headers["location"]
    assert location.startswith("/checkpoint/challengesV2/AQH")
    page = casey.get(location).text
    assert "<title>Security Verification | LinkedIn</title>" in page
    assert "Let&#39;s do a quick security check" in page and '<iframe id="captcha-internal"' in page
    assert "li_at" not in casey.cookies
    rita = Browser(server)
    location = rita.submit_login("rita@example.com", "rita-demo-pass").headers["location"]
    assert location == "/checkpoint/rp/restricted"
    assert "<h1>Your account has been restricted</h1>" in rita.get(location).text
    assert "li_at" not in rita.cookies


def test_signed_out_requests_go_to_the_authwall(server: SandboxServer) -> None:
    browser = Browser(server)
    assert browser.get("/").headers["location"] == "/login"
    response = browser.get(AI_PAGE)
    assert response.status_code == 303
    assert response.headers["location"] == (
        "/authwall?sessionRedirect=%2Fmypreferences%2Fd%2Fsettings%2Fdata-for-ai-improvement"
    )
    wall = browser.get(response.headers["location"]).text
    assert "Join LinkedIn or sign in to continue" in wall and 'href="/login"' in wall
    assert browser.post(AI_API, json={"value": False}).status_code == 403


def test_switch_write_is_recorded_and_persists(server: SandboxServer) -> None:
    browser = Browser(server)
    browser.sign_in("alice@example.com")
    switch = AI_SWITCH.search(browser.get(AI_PAGE).text)
    assert switch and " checked" in switch.group(0)
    assert browser.post(AI_API, json={"value": False}, headers={"csrf-token": "ajax:1"}).status_code == 403
    response = browser.write(False)
    assert response.status_code == 200 and response.json() == {"value": False}
    switch = AI_SWITCH.search(browser.get(AI_PAGE).text)
    assert switch and " checked" not in switch.group(0)
    privacy = browser.get("/mypreferences/d/categories/privacy").text
    assert "How LinkedIn uses your data" in privacy
    assert re.search(r"Data for Generative AI Improvement</span>\s*<span class=\"settings-row__value\">Off<", privacy)
    state = account_state(server, "alice@example.com")
    assert state["settings"]["allowDataForGenerativeAI"] is False
    assert state["settings"]["allowAnonymizedDataResearch"] is True
    [write] = state["writes"]
    assert write["key"] == "allowDataForGenerativeAI" and write["requested"] is False and write["stored"] is False


@pytest.mark.parametrize(("username", "language"), [("alice@example.com", "en"), ("camille@example.fr", "fr")])
def test_the_settings_app_shows_its_own_menu_and_no_global_navigation(
    server: SandboxServer, username: str, language: str
) -> None:
    browser = Browser(server)
    browser.sign_in(username)
    t = texts(language)
    category = browser.get("/mypreferences/d/categories/account").text
    setting = browser.get(AI_PAGE).text
    for page in (category, setting):
        assert '<header id="global-nav"' not in page and 'id="meMenuV2WideComponentRef"' not in page
        assert f'<a class="settings-header__back" href="/feed/">{html.escape(t["back_to_linkedin"])}</a>' in page
    # The category pages: the app's menu of categories; a setting's page: its back link.
    menu = re.search(r'<nav class="card settings-nav" aria-label="([^"]+)">(.*?)</nav>', category, re.S)
    assert menu and menu.group(1) == html.escape(t["settings_nav_label"])
    privacy = f'<a href="/mypreferences/d/categories/privacy">{html.escape(t["cat_privacy"])}</a>'
    assert privacy in menu.group(2)
    assert re.search(r'<a class="banner-link--back" data-control-name="back_link" href="/mypreferences/d/', setting)
    # The rest of LinkedIn keeps its global navigation.
    assert '<header id="global-nav"' in browser.get("/feed/").text


def test_sticky_variant_answers_as_accepted_but_keeps_the_setting_on(server: SandboxServer) -> None:
    browser = Browser(server)
    browser.sign_in("sam@example.com")
    assert browser.write(False).json() == {"value": False}
    switch = AI_SWITCH.search(browser.get(AI_PAGE).text)
    assert switch and " checked" in switch.group(0)
    state = account_state(server, "sam@example.com")
    assert state["settings"]["allowDataForGenerativeAI"] is True
    assert state["writes"][0]["stored"] is True


def test_moved_variant_serves_the_setting_only_under_the_other_slug(server: SandboxServer) -> None:
    mo = Browser(server)
    mo.sign_in("mo@example.com")
    assert mo.get(AI_PAGE).status_code == 404
    assert "This page doesn&#39;t exist" in mo.get(AI_PAGE).text
    assert AI_SWITCH.search(mo.get(MOVED_PAGE).text)
    assert f'href="{MOVED_PAGE}"' in mo.get("/mypreferences/d/categories/privacy").text
    alice = Browser(server)
    alice.sign_in("alice@example.com")
    assert alice.get(MOVED_PAGE).status_code == 404
    assert alice.get("/mypreferences/d/settings/no-such-setting").status_code == 404


def test_layout_changed_variant_has_no_ai_switch_only_a_decoy(server: SandboxServer) -> None:
    browser = Browser(server)
    browser.sign_in("lou@example.com")
    page = browser.get(AI_PAGE).text
    assert "<h1>Data for Generative AI Improvement</h1>" in page
    assert "allowDataForGenerativeAI" not in page and "We&#39;re updating this setting." in page
    assert 'aria-labelledby="aiWritingSuggestions"' in page
    assert browser.write(False, "/mypreferences/d/api/settings/aiWritingSuggestions").json() == {"value": False}


def test_late_variant_renders_the_switch_by_script_and_answers_slowly(server: SandboxServer) -> None:
    browser = Browser(server)
    browser.sign_in("lena@example.com")
    page = browser.get(AI_PAGE).text
    template = page.index('<template id="late-setting">')
    assert AI_SWITCH.search(page, template) and not AI_SWITCH.search(page[:template])
    started = time.monotonic()
    assert browser.write(False).json() == {"value": False}
    assert time.monotonic() - started >= 0.75


def test_french_account_sees_french_pages_and_the_drifted_label(server: SandboxServer) -> None:
    browser = Browser(server)
    browser.sign_in("camille@example.fr")
    page = browser.get(AI_PAGE).text
    assert '<html lang="fr">' in page
    assert "<h1>Données pour l&#39;amélioration de l&#39;IA générative</h1>" in page
    assert "Utiliser mes données pour entraîner les modèles d&#39;IA de création de contenu" in page
    assert 'data-control-name="back_link"' in page and "Retour" in page
    feed = browser.get("/feed/").text
    assert "Préférences et confidentialité" in feed and "Accueil" in feed


def test_already_off_account_starts_off(server: SandboxServer) -> None:
    browser = Browser(server)
    browser.sign_in("olivia@example.com")
    switch = AI_SWITCH.search(browser.get(AI_PAGE).text)
    assert switch and " checked" not in switch.group(0)


def test_read_api_needs_a_session_and_the_csrf_header_and_returns_the_stored_value(server: SandboxServer) -> None:
    browser = Browser(server)
    browser.get("/login")
    signed_out = browser.read()
    assert signed_out.status_code == 403 and signed_out.json() == {"error": "not signed in"}
    browser.sign_in("alice@example.com")
    assert browser.get(AI_API).status_code == 403
    assert browser.get(AI_API, headers={"csrf-token": "ajax:1"}).json() == {"error": "CSRF check failed"}
    started = time.monotonic()
    response = browser.read()
    assert time.monotonic() - started < 0.5  # only the hydrating variant is slow
    assert response.status_code == 200 and response.json() == {"value": True}
    browser.write(False)
    assert browser.read().json() == {"value": False}
    assert browser.read("/mypreferences/d/api/settings/allowAnonymizedDataResearch").json() == {"value": True}
    assert browser.read("/mypreferences/d/api/settings/noSuchSetting").status_code == 404
    assert len(account_state(server, "alice@example.com")["writes"]) == 1  # reads are not logged as writes


def test_hydrating_variant_renders_a_busy_placeholder_on_and_answers_the_read_slowly(server: SandboxServer) -> None:
    browser = Browser(server)
    browser.sign_in("hana@example.com")
    page = browser.get(AI_PAGE).text
    switch = AI_SWITCH.search(page)
    assert switch and " checked" in switch.group(0)
    assert 'aria-busy="true"' in switch.group(0) and " disabled" in switch.group(0)
    assert '<span class="setting-switch__text" aria-hidden="true" data-toggled="true">On</span>' in page
    assert account_state(server, "hana@example.com")["settings"]["allowDataForGenerativeAI"] is False
    started = time.monotonic()
    assert browser.read().json() == {"value": False}
    assert time.monotonic() - started >= 0.75
    alice = Browser(server)
    alice.sign_in("alice@example.com")
    plain = AI_SWITCH.search(alice.get(AI_PAGE).text)
    assert plain and "aria-busy" not in plain.group(0) and "disabled" not in plain.group(0)


def test_covered_variant_puts_an_empty_label_over_the_real_switch(server: SandboxServer) -> None:
    browser = Browser(server)
    browser.sign_in("nora@example.com")
    page = browser.get(AI_PAGE).text
    switch = AI_SWITCH.search(page)
    assert switch and " checked" in switch.group(0) and 'class="artdeco-toggle__button"' in switch.group(0)
    toggle_id = re.search(r'id="(adToggle_ember\d+)"', switch.group(0))
    assert toggle_id
    assert '<div class="artdeco-toggle artdeco-toggle--32dp artdeco-toggle--default artdeco-toggle--toggled">' in page
    label = re.search(rf'<label class="artdeco-toggle__label" for="{toggle_id.group(1)}"[^>]*>(.*?)</label>', page)
    # No text of its own, so the accessible name stays the one aria-labelledby points at.
    assert label and re.sub(r"<[^>]*>", "", label.group(1)).strip() == ""
    assert 'aria-hidden="true"' in label.group(1)
    assert '<span id="allowDataForGenerativeAI" class="setting-switch__label">' in page
    assert ".artdeco-toggle__label{position:absolute;inset:0;z-index:1;" in page
    assert switch.end() < label.start()  # the label comes later, so it paints over the input
    assert browser.write(False).json() == {"value": False}
    assert account_state(server, "nora@example.com")["settings"]["allowDataForGenerativeAI"] is False
    alice = Browser(server)
    alice.sign_in("alice@example.com")
    assert '<div class="artdeco-toggle' not in alice.get(AI_PAGE).text


def test_unmarked_placeholder_variant_renders_a_plain_off_and_only_its_read_is_slow(server: SandboxServer) -> None:
    browser = Browser(server)
    browser.sign_in("uma@example.com")
    page = browser.get(AI_PAGE).text
    switch = AI_SWITCH.search(page)
    assert switch and " checked" not in switch.group(0)
    assert "aria-busy" not in switch.group(0) and "disabled" not in switch.group(0)
    assert 'data-hydrate-after-load="300"' in switch.group(0) and "data-hydrate " not in switch.group(0)
    assert '<span class="setting-switch__text" aria-hidden="true" data-toggled="false">Off</span>' in page
    assert account_state(server, "uma@example.com")["settings"]["allowDataForGenerativeAI"] is True
    elapsed, response = timed_read(browser)
    assert response.json() == {"value": True}
    assert 0.25 <= elapsed < 0.75
    for username in ("nora@example.com", "dev@example.com", "ray@example.com", "alice@example.com"):
        other = Browser(server)
        other.sign_in(username)
        plain = AI_SWITCH.search(other.get(AI_PAGE).text)
        assert plain and "data-hydrate" not in plain.group(0)
        elapsed, response = timed_read(other)
        assert response.json() == {"value": True} and elapsed < 0.25, username


def test_debounced_variant_delays_the_save_in_the_page_and_stores_it_normally(server: SandboxServer) -> None:
    browser = Browser(server)
    browser.sign_in("dev@example.com")
    page = browser.get(AI_PAGE).text
    assert "var saveDelay = 400;" in page
    switch = AI_SWITCH.search(page)
    assert switch and " checked" in switch.group(0) and "disabled" not in switch.group(0)
    assert browser.write(False).json() == {"value": False}
    state = account_state(server, "dev@example.com")
    assert state["settings"]["allowDataForGenerativeAI"] is False and len(state["writes"]) == 1
    alice = Browser(server)
    alice.sign_in("alice@example.com")
    assert "var saveDelay = 0;" in alice.get(AI_PAGE).text


def test_refused_variant_records_the_write_but_answers_and_keeps_on(server: SandboxServer) -> None:
    browser = Browser(server)
    browser.sign_in("ray@example.com")
    started = time.monotonic()
    response = browser.write(False)
    assert response.status_code == 200 and response.json() == {"value": True}
    assert time.monotonic() - started < 0.5
    state = account_state(server, "ray@example.com")
    assert state["settings"]["allowDataForGenerativeAI"] is True
    [write] = state["writes"]
    assert write["key"] == "allowDataForGenerativeAI" and write["requested"] is False and write["stored"] is True
    switch = AI_SWITCH.search(browser.get(AI_PAGE).text)
    assert switch and " checked" in switch.group(0)
    assert browser.read().json() == {"value": True}


def test_app_approval_variant_waits_on_a_checkpoint_with_no_way_past(server: SandboxServer) -> None:
    browser = Browser(server)
    response = browser.submit_login("abe@example.com", "abe-demo-pass")
    assert response.status_code == 303 and "li_at" not in browser.cookies
    location = response.headers["location"]
    assert re.fullmatch(r"/checkpoint/challenge/AgH[\w-]+\?ut=[\w-]+", location)
    page = browser.get(location)
    assert page.status_code == 200
    text = html.unescape(body(page.text))
    assert "<h1>Check your LinkedIn app</h1>" in text
    assert (
        "We sent a notification to your signed in devices. "
        "Open your LinkedIn app and tap Yes, it's me to verify it's you." in text
    )
    assert "<input" not in text and "<form" not in text and 'id="global-nav"' not in text
    assert "captcha" not in text.lower() and "verification code" not in text.lower()
    assert browser.get(location).status_code == 200 and "li_at" not in browser.cookies
    assert browser.get("/feed/").headers["location"].startswith("/authwall")
    assert browser.get("/checkpoint/challenge/AgHnoSuchChallenge").headers["location"] == "/login"
    assert texts("fr")["app_heading"] == "Consultez votre application LinkedIn"
    assert account_state(server, "abe@example.com")["password_submissions"] == 1


def test_remember_me_variant_signs_in_but_answers_the_submit_with_a_prompt(server: SandboxServer) -> None:
    alice = Browser(server)
    normal = set_cookie(alice.submit_login("alice@example.com", "alice-demo-pass"), "li_at")
    browser = Browser(server)
    response = browser.submit_login("rem@example.com", "rem-demo-pass")
    assert response.status_code == 200 and response.url.path.endswith(LOGIN_SUBMIT)
    li_at = set_cookie(response, "li_at")
    # Same attributes as a normal sign-in's cookie; only the token differs.
    assert li_at.split(";", 1)[1] == normal.split(";", 1)[1]
    assert len(browser.cookies["li_at"]) > 10 and browser.cookies["liap"] == "true"
    page = html.unescape(body(response.text))
    assert '<form id="remember-me-prompt__form-primary" method="post"' in page
    assert "<h1>Remember me on this browser?</h1>" in page
    assert ">Remember me</button>" in page and ">Not now</button>" in page
    assert 'id="global-nav"' not in page and "global-nav__" not in page
    action = re.search(r'<form id="remember-me-prompt__form-primary" method="post" action="([^"]+)"', page)
    assert action and action.group(1) == "/checkpoint/lg/remember-me-submit"
    for choice in ("true", "false"):
        answer = browser.post(
            action.group(1), data={"csrfToken": browser.cookies["JSESSIONID"], "rememberMeOptIn": choice}
        )
        assert answer.status_code == 303 and answer.headers["location"] == "https://www.linkedin.com/feed/"
    assert browser.post(action.group(1), data={"csrfToken": "ajax:1"}).status_code == 403
    assert browser.get("/feed/").status_code == 200
    assert AI_SWITCH.search(browser.get(AI_PAGE).text)
    assert Browser(server).post(action.group(1)).headers["location"] == "/login"


def test_state_lists_every_account_and_reset_restores_defaults(server: SandboxServer) -> None:
    state = httpx.get(f"{server.base_url}/__sandbox__/state").json()
    assert set(state["linkedin"]) == {a.username for a in accounts_for("linkedin")}
    browser = Browser(server)
    browser.sign_in("alice@example.com")
    browser.write(False)
    assert account_state(server, "alice@example.com")["settings"]["allowDataForGenerativeAI"] is False
    httpx.post(f"{server.base_url}/__sandbox__/reset").raise_for_status()
    fresh = account_state(server, "alice@example.com")
    assert fresh == {
        "settings": {
            "allowDataForGenerativeAI": True,
            "allowAnonymizedDataResearch": True,
            "aiWritingSuggestions": True,
        },
        "writes": [],
        "writes_by_key": {"allowDataForGenerativeAI": 0, "allowAnonymizedDataResearch": 0, "aiWritingSuggestions": 0},
        "password_submissions": 0,
        "signins": 0,
        "code_submissions": 0,
        "emails_sent": 0,
        "submissions": [],
    }
    assert browser.get("/feed/").status_code == 303  # sessions were dropped


def test_direct_access_keeps_the_mount_prefix(server: SandboxServer) -> None:
    with httpx.Client(base_url=server.base_url) as client:
        login = client.get("/linkedin/login")
        cookie = set_cookie(login, "JSESSIONID")
        assert "Path=/linkedin" in cookie and "Secure" not in cookie and "Domain" not in cookie
        assert 'action="/linkedin/checkpoint/lg/login-submit"' in login.text
        form = {
            "csrfToken": client.cookies["JSESSIONID"],
            "session_key": "alice@example.com",
            "session_password": "alice-demo-pass",
        }
        response = client.post(f"/linkedin{LOGIN_SUBMIT}", data=form)
        assert response.status_code == 303 and response.headers["location"] == "/linkedin/feed/"
        feed = client.get("/linkedin/feed/")
        assert feed.status_code == 200
        assert 'href="/linkedin/mypreferences/d/categories/account"' in feed.text
        index = client.get("/").text
    assert all(account.username in index for account in DEMO_ACCOUNTS)


def test_demo_accounts_table() -> None:
    linkedin = accounts_for("linkedin")
    assert len(linkedin) == 18
    names = [a.username for a in linkedin]
    assert names.index("hana@example.com") == names.index("olivia@example.com") + 1
    assert [a.username for a in linkedin if a.demo_password != a.password] == ["wes@example.com"]
    assert {a.variant for a in linkedin} >= {"pin", "captcha", "restricted", "sticky", "moved"}


def test_every_variant_has_an_account() -> None:
    assert {a.variant for a in accounts_for("linkedin")} == VARIANTS


def test_new_variant_accounts_sit_between_hana_and_lou_with_their_expectations() -> None:
    names = [a.username for a in accounts_for("linkedin")]
    added = names[names.index("hana@example.com") + 1 : names.index("lou@example.com")][-6:]
    assert added == [
        "nora@example.com",
        "uma@example.com",
        "dev@example.com",
        "ray@example.com",
        "abe@example.com",
        "rem@example.com",
    ]
    on = Expectation(outcome="checked", state="on")
    switched = Expectation(outcome="switched_off", state="off", verified=True)
    app = Expectation(outcome="needs_attention", state="unknown", reason="app")
    expected = {
        "covered": (on, switched),
        "unmarked_placeholder": (on, switched),
        "debounced": (on, switched),
        "refused": (on, Expectation(outcome="failed", state="on", verified=True, reason="refused")),
        "app_approval": (app, app),
        "remember_me": (on, switched),
    }
    for username in added:
        account = next(a for a in DEMO_ACCOUNTS if a.username == username)
        name = username.split("@")[0]
        password = f"{name}-demo-pass"
        assert (account.language, account.password, account.demo_password) == ("en", password, password)
        assert (account.expect_check, account.expect_off) == expected.pop(account.variant), username
        assert account.description
    assert not expected


def test_every_account_expects_a_verification_or_a_reason() -> None:
    for account in DEMO_ACCOUNTS:
        off = account.expect_off
        assert off.verified is not None or off.reason is not None, account.username
    hana = next(a for a in DEMO_ACCOUNTS if a.username == "hana@example.com")
    assert (hana.variant, hana.language, hana.password) == ("hydrating", "en", "hana-demo-pass")
    assert hana.expect_check == Expectation(outcome="checked", state="off")
    assert hana.expect_off == Expectation(outcome="already_off", state="off", verified=False)


def test_expectation_met_by_compares_outcome_state_and_the_optional_fields() -> None:
    plain = Expectation(outcome="checked", state="on")
    assert plain.met_by("checked", "on", verified=False, reason=None)
    assert plain.met_by("checked", "on", verified=True, reason="anything")
    assert not plain.met_by("checked", "off", verified=False, reason=None)
    assert not plain.met_by("switched_off", "on", verified=False, reason=None)
    verified = Expectation(outcome="switched_off", state="off", verified=True)
    assert verified.met_by("switched_off", "off", verified=True, reason=None)
    assert not verified.met_by("switched_off", "off", verified=False, reason=None)
    sticky = Expectation(outcome="failed", state="on", verified=True, reason="did not stick")
    assert sticky.met_by("failed", "on", True, "the change DID NOT STICK: after a reload the setting was on again")
    assert not sticky.met_by("failed", "on", True, "unexpected error: timeout")
    assert not sticky.met_by("failed", "on", True, None)
    assert not sticky.met_by("failed", "on", False, "the change did not stick")
    with pytest.raises(ValueError):
        Expectation(outcome="failed", state="on", reason=" ")
