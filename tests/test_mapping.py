"""Traffic mapping in real Chromium: the address bar keeps the real URL, redirect hops stay mapped,
Secure cookies work as on the real site, and every other non-local host is refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.async_api import Error as PlaywrightError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from optout.browser.traffic import OriginSpec, OriginSpecError, TrafficMap, build_traffic_map
from optout.sandbox import SandboxServer, find_account
from tests.conftest import FLOWS, Sandbox


@pytest.mark.parametrize(
    "text",
    [
        "linkedin",
        "linkedin=",
        "=http://127.0.0.1:1",
        "linkedin=https://127.0.0.1:8000",
        "linkedin=127.0.0.1:8000",
        "linkedin=http://127.0.0.1:99999",
        "linkedin=http://127.0.0.1:8000/?x=1",
    ],
)
def test_malformed_origin_is_refused(text: str) -> None:
    with pytest.raises(OriginSpecError, match="--origin"):
        OriginSpec.parse(text)


@pytest.mark.parametrize(
    "url",
    [
        "http://sandbox.example.invalid:8000",
        "http://localhost.example.invalid",
        "http://[fe80::1]:80",
        "http://0.0.0.0:8000",
    ],
)
def test_only_this_machine_may_answer_for_a_platform(url: str) -> None:
    # The real password would travel to the mapped server unencrypted.
    with pytest.raises(OriginSpecError, match="only this machine"):
        OriginSpec.parse(f"linkedin={url}")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000", "http://127.4.5.6:80/x", "http://[::1]:8000", "http://localhost:1"]
)
def test_loopback_origins_are_accepted(url: str) -> None:
    assert OriginSpec.parse(f"linkedin={url}").base_url == url


def test_origin_with_path_prefix() -> None:
    spec = OriginSpec.parse("LinkedIn=http://127.0.0.1:8000/linkedin/")
    assert spec == OriginSpec("linkedin", "http://127.0.0.1:8000/linkedin")
    traffic = build_traffic_map([spec], {"linkedin": FLOWS["linkedin"].origins})
    assert traffic is not None
    assert traffic.target("https://linkedin.com/feed/?a=1") == "http://127.0.0.1:8000/linkedin/feed/?a=1"
    assert traffic.target("https://www.linkedin.com") == "http://127.0.0.1:8000/linkedin/"
    assert traffic.target("https://evil.example/") is None


def test_unknown_platform_in_origin() -> None:
    with pytest.raises(OriginSpecError, match="unknown platform"):
        build_traffic_map([OriginSpec("myspace", "http://127.0.0.1:1")], {"linkedin": []})


@pytest.fixture
async def mapped_page(browser: Any, sandbox: Sandbox) -> Any:
    traffic = build_traffic_map([OriginSpec("linkedin", sandbox.origin())], {"linkedin": FLOWS["linkedin"].origins})
    assert isinstance(traffic, TrafficMap)
    context = await browser.new_context(service_workers="block")
    page = await context.new_page()
    mapped = await traffic.attach(context, page)
    yield page, traffic
    await mapped.close()
    await context.close()


async def test_sign_in_redirect_hop_stays_mapped_with_secure_cookies(mapped_page: Any, sandbox: Sandbox) -> None:
    page, _ = mapped_page
    alice = find_account("linkedin", "alice@example.com")
    assert alice is not None
    # The second real origin maps too; the sandbox's CSRF check needs the JSESSIONID cookie to round-trip.
    await page.goto("https://linkedin.com/login")
    assert page.url == "https://linkedin.com/login"
    await page.goto("https://www.linkedin.com/login")
    await page.get_by_label("Email or phone").fill(alice.username)
    await page.get_by_label("Password").fill(alice.password)
    async with page.expect_navigation(url="https://www.linkedin.com/feed/"):
        await page.get_by_role("button", name="Sign in").click()
    # The sandbox answered 303 Location: https://www.linkedin.com/feed/; that hop came back to it.
    assert page.url == "https://www.linkedin.com/feed/"
    assert await page.locator("#global-nav").is_visible()
    cookies = {c["name"]: c for c in await page.context.cookies("https://www.linkedin.com/feed/")}
    assert cookies["li_at"]["secure"] and cookies["li_at"]["httpOnly"]
    assert cookies["li_at"]["domain"].endswith("www.linkedin.com")
    assert sandbox.account(alice.username)["password_submissions"] == 1


async def test_other_hosts_are_blocked_while_mapping(mapped_page: Any) -> None:
    page, traffic = mapped_page
    with pytest.raises(PlaywrightError, match="ERR_BLOCKED_BY_CLIENT"):
        await page.goto("https://www.example.org/")
    assert traffic.blocked == ["https://www.example.org/"]


async def test_web_sockets_are_refused_while_mapping(mapped_page: Any) -> None:
    page, traffic = mapped_page
    await page.goto("https://www.linkedin.com/login")
    closed = await page.evaluate("""() => new Promise(resolve => {
        const ws = new WebSocket('wss://realtime.example.org/socket');
        ws.onopen = () => resolve('open');
        ws.onclose = event => resolve('closed ' + event.code);
    })""")
    assert closed.startswith("closed")
    assert "wss://realtime.example.org/socket" in traffic.blocked


async def _cookies(request: Request) -> Response:
    if request.url.path == "/echo":
        return JSONResponse({"cookie": request.headers.get("cookie")})
    response = HTMLResponse("<!doctype html><title>Home</title><h1>Home</h1>")
    response.set_cookie("kept", "1", path="/")
    return response


@pytest.fixture(scope="module")
def cookie_site() -> Iterator[str]:
    with SandboxServer(app=Starlette(routes=[Route("/{rest:path}", _cookies)])) as server:
        yield server.base_url


async def test_the_browser_alone_keeps_the_cookies(browser: Any, cookie_site: str) -> None:
    app = "https://app.example.invalid"
    traffic = build_traffic_map([OriginSpec("site", cookie_site)], {"site": [app]})
    assert traffic is not None
    context = await browser.new_context(service_workers="block")
    page = await context.new_page()
    mapped = await traffic.attach(context, page)
    try:
        await page.goto(f"{app}/")
        echo = "() => fetch('/echo').then(r => r.json()).then(d => d.cookie)"
        assert await page.evaluate(echo) == "kept=1"
        # Deleted by the page: the browser sends it no more, and the mapping never adds it back.
        await page.evaluate("() => { document.cookie = 'kept=; max-age=0; path=/'; }")
        assert await page.evaluate(echo) is None
    finally:
        await mapped.close()
        await context.close()
