"""The sandbox's platform-independent parts over real HTTP: counters, several hosts per platform,
cookies per host, the shared behaviours (server side and, in real Chromium, page side) and the
registry's checks. A small two-host platform written against the interface stands in for ChatGPT."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from optout.sandbox import DemoAccount, SandboxServer, find_account
from optout.sandbox.behaviours import page_behaviour, starts_on
from optout.sandbox.catalog import ON, SWITCHED, Expectation
from optout.sandbox.platform import PlatformSandbox, SandboxContext
from optout.sandbox.registry import SANDBOXES, check_sandboxes
from optout.sandbox.web import Site, see_other, set_cookie, site_of

APP = "app.example.invalid"
AUTH = "auth.example.invalid"
PLATFORM = "duo"
KEY, LOOKALIKE = "train", "lookalike"


# -- a two-host platform written against the interface ---------------------------------------------


def duo_account(name: str, variant: str) -> DemoAccount:
    return DemoAccount(
        platform=PLATFORM,
        username=f"{name}@example.com",
        password=f"{name}-pass",
        demo_password=f"{name}-pass",
        language="en",
        variant=variant,
        description=variant,
        expect_check=ON,
        expect_off=SWITCHED,
    )


class DuoSite:
    """Sign-in on the auth host, settings on the app host, like chatgpt.com and auth.openai.com."""

    def __init__(self, context: SandboxContext) -> None:
        self.context = context

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/go", self.go),
            Route("/login", self.login),
            Route("/callback", self.callback),
            Route("/settings", self.settings_page),
            Route("/api/{key}", self.read, methods=["GET"]),
            Route("/api/{key}", self.write, methods=["POST"]),
            Route("/echo", self.echo),
        ]

    def _account(self, request: Request) -> DemoAccount | None:
        username = self.context.state.session_user(PLATFORM, request.cookies.get("session"))
        return find_duo(username) if username else None

    async def go(self, request: Request) -> Response:
        return see_other(site_of(request).absolute("/login", host=AUTH))

    async def login(self, request: Request) -> Response:
        site = site_of(request)
        if not site.on_host(AUTH):
            return PlainTextResponse("not on this host", status_code=404)
        account = find_duo(request.query_params.get("user", ""))
        if account is None:
            return PlainTextResponse("unknown user", status_code=404)
        self.context.state.count_password(PLATFORM, account.username)
        response = see_other(site.absolute(f"/callback?user={account.username}", host=APP))
        set_cookie(response, site, "auth_session", "a1", http_only=True)
        return response

    async def callback(self, request: Request) -> Response:
        site = site_of(request)
        account = find_duo(request.query_params.get("user", ""))
        if not site.on_host(APP) or account is None:
            return PlainTextResponse("no", status_code=404)
        response = see_other(site.link("/settings"))
        token = self.context.state.open_session(PLATFORM, account.username)
        set_cookie(response, site, "session", token, http_only=True)
        return response

    async def settings_page(self, request: Request) -> Response:
        site, account = site_of(request), self._account(request)
        if account is None:
            return PlainTextResponse("signed out", status_code=403)
        behaviour = page_behaviour(account.variant)
        shown = behaviour.shown(self.context.state.setting(PLATFORM, account.username, KEY))
        busy = ' aria-busy="true" disabled' if behaviour.hydrate == "busy" else ""
        script = self.context.templates.render("_shared/behaviours.js", {})
        options = json.dumps(behaviour.script_options())
        return HTMLResponse(
            f"""<!DOCTYPE html><html><head><title>Duo</title></head><body>
<span id="label">Train models on my data</span> <span id="text">{"On" if shown else "Off"}</span>
<button type="button" role="switch" id="switch" aria-labelledby="label" aria-checked="{str(shown).lower()}"
 data-state="{"checked" if shown else "unchecked"}"{busy}></button>
<p id="error" hidden></p>
<script>{script}</script>
<script>
var calls = sandboxBehaviours.jsonApi({json.dumps(site.link("/api/" + KEY))}, function () {{ return {{}}; }});
sandboxBehaviours.bindSetting(document.getElementById("switch"), Object.assign({options}, {{
  read: calls.read,
  write: calls.write,
  show: function (control, value) {{ document.getElementById("text").textContent = value ? "On" : "Off"; }},
  error: function (kind) {{ var e = document.getElementById("error"); e.textContent = kind; e.hidden = !kind; }}
}}));
</script></body></html>"""
        )

    async def read(self, request: Request) -> Response:
        account = self._account(request)
        if account is None:
            return JSONResponse({"error": "signed out"}, status_code=403)
        return await self.context.settings.read_response(account.username, account.variant, request.path_params["key"])

    async def write(self, request: Request) -> Response:
        account = self._account(request)
        if account is None:
            return JSONResponse({"error": "signed out"}, status_code=403)
        key = request.path_params["key"]
        return await self.context.settings.write_response(request, account.username, account.variant, key)

    async def echo(self, request: Request) -> Response:
        site = site_of(request)
        return JSONResponse({"host": site.hostname, "on_app": site.on_host(APP), "cookies": dict(request.cookies)})


class DuoSandbox:
    platform = PLATFORM
    accounts = (
        duo_account("ann", "normal"),
        duo_account("ray", "refused"),
        duo_account("sam", "sticky"),
        duo_account("hana", "hydrating"),
        duo_account("dev", "debounced"),
        duo_account("lena", "late"),
    )
    extra_variants: frozenset[str] = frozenset()

    def default_settings(self, account: DemoAccount) -> Mapping[str, bool]:
        return {KEY: starts_on(account.variant), LOOKALIKE: True}

    def routes(self, context: SandboxContext) -> list[BaseRoute]:
        return DuoSite(context).routes()


DUO: PlatformSandbox = DuoSandbox()


def find_duo(username: str) -> DemoAccount | None:
    return next((a for a in DuoSandbox.accounts if a.username == username.strip().lower()), None)


# -- fixtures and an HTTP client that keeps cookies per host like a browser --------------------------


@pytest.fixture(scope="module")
def duo() -> Iterator[SandboxServer]:
    with SandboxServer(sandboxes=[DUO]) as running:
        yield running


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_state(duo: SandboxServer, server: SandboxServer) -> None:
    for running in (duo, server):
        httpx.post(f"{running.base_url}/__sandbox__/reset").raise_for_status()


class MappedBrowser:
    """The browser behind the product's mapper: every host of the platform reaches the same mount,
    and each cookie is kept for the domain it was set for and sent only to that host."""

    def __init__(self, server: SandboxServer, platform: str) -> None:
        self.client = httpx.Client(base_url=server.origin_url(platform))
        self.jar: dict[str, dict[str, str]] = {}  # cookie domain -> name -> value

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
        host, _, path = url.removeprefix("https://").partition("/")
        domain = "." + host.split(":", 1)[0]
        cookies = self.jar.get(domain, {})
        sent = {"X-Forwarded-Host": host, "X-Forwarded-Proto": "https", **(headers or {})}
        if cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
        response = self.client.get("/" + path, headers=sent)
        for raw in response.headers.get_list("set-cookie"):
            name, _, rest = raw.partition("=")
            attributes = dict(part.strip().lower().partition("=")[::2] for part in rest.split(";")[1:] if "=" in part)
            self.jar.setdefault(attributes["domain"], {})[name] = rest.split(";", 1)[0]
        return response

    def follow(self, url: str) -> httpx.Response:
        response = self.get(url)
        while response.status_code in (302, 303):
            location = response.headers["location"]
            if location.startswith("/"):  # on the same host
                location = url[: url.index("/", len("https://"))] + location
            url = location
            response = self.get(url)
        return response


def state_of(server: SandboxServer, platform: str, username: str) -> dict[str, Any]:
    data: dict[str, Any] = httpx.get(f"{server.base_url}/__sandbox__/state").json()[platform][username]
    return data


def cookie_header(response: httpx.Response, name: str) -> str:
    return next(raw for raw in response.headers.get_list("set-cookie") if raw.startswith(f"{name}="))


# -- several hosts for one platform ---------------------------------------------------------------------


def test_redirect_to_another_host_is_absolute_when_mapped_and_prefixed_when_direct(duo: SandboxServer) -> None:
    mapped = MappedBrowser(duo, PLATFORM).get(f"https://{APP}/go")
    assert mapped.status_code == 303 and mapped.headers["location"] == f"https://{AUTH}/login"
    direct = httpx.get(f"{duo.base_url}/duo/go")
    assert direct.status_code == 303 and direct.headers["location"] == "/duo/login"


def test_a_route_of_one_host_answers_on_that_host_only_and_always_when_direct(duo: SandboxServer) -> None:
    browser = MappedBrowser(duo, PLATFORM)
    assert browser.get(f"https://{APP}/login?user=ann@example.com").status_code == 404
    assert browser.get(f"https://{AUTH}/login?user=ann@example.com").status_code == 303
    assert browser.get(f"https://{AUTH.upper()}:443/login?user=ann@example.com").status_code == 303
    assert httpx.get(f"{duo.base_url}/duo/login?user=ann@example.com").status_code == 303
    echo = browser.get(f"https://{APP}:8443/echo").json()
    assert echo["host"] == APP and echo["on_app"] is True
    assert httpx.get(f"{duo.base_url}/duo/echo").json()["host"] is None


def test_cookies_are_scoped_to_the_host_that_set_them(duo: SandboxServer) -> None:
    browser = MappedBrowser(duo, PLATFORM)
    login = browser.get(f"https://{AUTH}/login?user=ann@example.com")
    assert f"Domain=.{AUTH}" in cookie_header(login, "auth_session") and "Secure" in cookie_header(
        login, "auth_session"
    )
    assert login.headers["location"] == f"https://{APP}/callback?user=ann@example.com"
    callback = browser.get(login.headers["location"])
    assert f"Domain=.{APP}" in cookie_header(callback, "session")
    assert callback.headers["location"] == "/settings"
    assert set(browser.jar) == {f".{AUTH}", f".{APP}"}
    assert set(browser.get(f"https://{APP}/echo").json()["cookies"]) == {"session"}
    assert set(browser.get(f"https://{AUTH}/echo").json()["cookies"]) == {"auth_session"}
    assert browser.get(f"https://{APP}/settings").status_code == 200
    with httpx.Client(base_url=duo.base_url) as client:
        direct = client.get("/duo/login?user=ann@example.com")
        cookie = cookie_header(direct, "auth_session")
        assert "Path=/duo" in cookie and "Domain" not in cookie and "Secure" not in cookie


def test_site_links_and_absolute_urls() -> None:
    mapped = Site(base="", host="Chat.Example.invalid:8443", scheme="https")
    assert mapped.absolute("/a") == "https://Chat.Example.invalid:8443/a"
    assert mapped.absolute("/a", host=AUTH) == f"https://{AUTH}/a"
    assert mapped.cookie_domain == ".chat.example.invalid" and mapped.on_host("chat.example.invalid")
    assert not mapped.on_host(AUTH)
    direct = Site(base="/duo", host=None, scheme="http")
    assert direct.absolute("/a", host=AUTH) == "/duo/a" and direct.on_host(AUTH) and direct.cookie_domain is None


# -- counters ------------------------------------------------------------------------------------------


def test_signins_count_successful_sign_ins_only(duo: SandboxServer) -> None:
    browser = MappedBrowser(duo, PLATFORM)
    assert browser.follow(f"https://{AUTH}/login?user=ann@example.com").status_code == 200
    state = state_of(duo, PLATFORM, "ann@example.com")
    assert (state["password_submissions"], state["signins"], state["code_submissions"]) == (1, 1, 0)
    browser.get(f"https://{AUTH}/login?user=ann@example.com")  # stops before the callback
    assert state_of(duo, PLATFORM, "ann@example.com")["signins"] == 1


def test_linkedin_counts_sign_ins_and_verification_codes(server: SandboxServer) -> None:
    def submit(client: httpx.Client, username: str, password: str) -> httpx.Response:
        client.get("/linkedin/login")
        form = {"csrfToken": client.cookies["JSESSIONID"], "session_key": username, "session_password": password}
        return client.post("/linkedin/checkpoint/lg/login-submit", data=form)

    with httpx.Client(base_url=server.base_url) as alice:
        assert submit(alice, "alice@example.com", "wrong").status_code == 200
        assert submit(alice, "alice@example.com", "alice-demo-pass").status_code == 303
    alice_state = state_of(server, "linkedin", "alice@example.com")
    assert (alice_state["password_submissions"], alice_state["signins"]) == (2, 1)
    with httpx.Client(base_url=server.base_url) as pat:
        location = submit(pat, "pat@example.com", "pat-demo-pass").headers["location"]
        assert state_of(server, "linkedin", "pat@example.com")["signins"] == 0  # held at the checkpoint
        for pin in ("111111", "424242"):
            pat.post(location, data={"csrfToken": pat.cookies["JSESSIONID"], "pin": pin})
    pat_state = state_of(server, "linkedin", "pat@example.com")
    assert (pat_state["password_submissions"], pat_state["code_submissions"], pat_state["signins"]) == (1, 2, 1)


def test_writes_by_key_counts_every_write_and_shows_untouched_look_alikes_as_zero(duo: SandboxServer) -> None:
    browser = MappedBrowser(duo, PLATFORM)
    browser.follow(f"https://{AUTH}/login?user=sam@example.com")
    for value in (False, False):
        assert httpx_post(browser, APP, f"/api/{KEY}", {"value": value}).json() == {"value": False}
    state = state_of(duo, PLATFORM, "sam@example.com")
    assert state["writes_by_key"] == {KEY: 2, LOOKALIKE: 0}
    assert [w["stored"] for w in state["writes"]] == [True, True]  # sticky: answered False, kept True
    httpx.post(f"{duo.base_url}/__sandbox__/reset").raise_for_status()
    assert state_of(duo, PLATFORM, "sam@example.com")["writes_by_key"] == {KEY: 0, LOOKALIKE: 0}


def httpx_post(browser: MappedBrowser, host: str, path: str, body: Any) -> httpx.Response:
    cookies = browser.jar.get("." + host, {})
    headers = {"X-Forwarded-Host": host, "X-Forwarded-Proto": "https"}
    headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return browser.client.post(path, headers=headers, content=json.dumps(body))


# -- the shared behaviours, server side, reached through another platform ------------------------------


def test_shared_write_semantics_for_a_platform_using_the_store(duo: SandboxServer) -> None:
    answers = {}
    for name in ("ann", "ray", "sam"):
        browser = MappedBrowser(duo, PLATFORM)
        browser.follow(f"https://{AUTH}/login?user={name}@example.com")
        assert httpx_post(browser, APP, f"/api/{KEY}", {"value": "no"}).status_code == 400
        answers[name] = httpx_post(browser, APP, f"/api/{KEY}", {"value": False}).json()["value"]
    stored = {name: state_of(duo, PLATFORM, f"{name}@example.com")["settings"][KEY] for name in answers}
    # normal stores it; refused answers with the kept value; sticky claims success but keeps it.
    assert answers == {"ann": False, "ray": True, "sam": False}
    assert stored == {"ann": False, "ray": True, "sam": True}


# -- the shared behaviours, page side, in real Chromium, on a button switch ----------------------------


@pytest.fixture
async def page(browser: Any) -> Any:
    context = await browser.new_context()
    yield await context.new_page()
    await context.close()


async def open_settings(page: Any, duo: SandboxServer, name: str) -> Any:
    await page.goto(f"{duo.base_url}/duo/callback?user={name}@example.com")
    assert page.url.endswith("/duo/settings")
    return page.get_by_role("switch", name="Train models on my data")


async def settled(switch: Any, checked: str) -> None:
    await switch.page.wait_for_function(
        """([el, checked]) => el.getAttribute("aria-checked") === checked && !el.hasAttribute("aria-busy")
            && !el.disabled""",
        arg=[await switch.element_handle(), checked],
        timeout=5000,
    )


async def test_page_side_a_button_switch_saves_and_shows_the_answer(page: Any, duo: SandboxServer) -> None:
    switch = await open_settings(page, duo, "ann")
    assert await switch.get_attribute("aria-checked") == "true"
    await switch.click()
    await settled(switch, "false")
    assert await switch.get_attribute("data-state") == "unchecked"
    assert await page.locator("#text").text_content() == "Off"
    state = state_of(duo, PLATFORM, "ann@example.com")
    assert state["settings"][KEY] is False and state["writes_by_key"] == {KEY: 1, LOOKALIKE: 0}


async def test_page_side_a_refused_change_snaps_back(page: Any, duo: SandboxServer) -> None:
    switch = await open_settings(page, duo, "ray")
    await switch.click()
    await page.wait_for_function("() => document.querySelector('#switch').dataset.state === 'checked'")
    await settled(switch, "true")
    assert await page.locator("#text").text_content() == "On"
    assert state_of(duo, PLATFORM, "ray@example.com")["writes_by_key"][KEY] == 1


async def test_page_side_hydrating_placeholder_is_busy_then_shows_the_stored_value(
    page: Any, duo: SandboxServer
) -> None:
    # What the page showed before any answer could arrive (the read takes 0.8 s).
    await page.add_init_script(
        """document.addEventListener("DOMContentLoaded", () => {
          const s = document.getElementById("switch");
          window.first = [s.getAttribute("aria-checked"), s.getAttribute("aria-busy"), s.disabled];
        });"""
    )
    switch = await open_settings(page, duo, "hana")
    await settled(switch, "false")
    assert await page.evaluate("window.first") == ["true", "true", True]
    assert await page.locator("#text").text_content() == "Off"
    assert state_of(duo, PLATFORM, "hana@example.com")["writes"] == []


async def test_page_side_debounced_save_is_sent_later_and_never_busy(page: Any, duo: SandboxServer) -> None:
    switch = await open_settings(page, duo, "dev")
    before = datetime.now(timezone.utc)
    async with page.expect_response(lambda response: response.request.method == "POST", timeout=5000):
        await switch.click()
        assert await switch.get_attribute("aria-checked") == "false"
        assert await switch.get_attribute("aria-busy") is None and not await switch.is_disabled()
    [write] = state_of(duo, PLATFORM, "dev@example.com")["writes"]
    assert write["requested"] is False and write["stored"] is False
    assert (datetime.fromisoformat(write["at"]) - before).total_seconds() >= 0.4


# -- the registry's checks ------------------------------------------------------------------------------


def test_registry_rejects_foreign_accounts_unknown_variants_and_repeated_ids() -> None:
    check_sandboxes(SANDBOXES)
    assert find_account("linkedin", " Alice@Example.com ") is not None

    class Odd(DuoSandbox):
        pass

    odd = Odd()
    odd.accounts = (duo_account("ann", "pin"),)
    with pytest.raises(ValueError, match="unknown duo variant 'pin'"):
        check_sandboxes([odd])
    odd.extra_variants = frozenset({"pin"})
    check_sandboxes([odd])
    odd.accounts = (duo_account("ann", "normal").model_copy(update={"platform": "linkedin"}),)
    with pytest.raises(ValueError, match="linkedin account in the duo table"):
        check_sandboxes([odd])
    odd.accounts = (duo_account("ann", "normal"), duo_account("ann", "late"))
    with pytest.raises(ValueError, match="twice"):
        check_sandboxes([odd])
    with pytest.raises(ValueError, match="repeated"):
        check_sandboxes([DUO, DUO])


def test_catalogue_accepts_not_offered_and_canonical_usernames_only() -> None:
    assert Expectation(outcome="checked", state="not_offered").state == "not_offered"
    with pytest.raises(ValueError):
        duo_account("Ann", "normal")
