"""A run loads no media, no common third-party analytics and none of the trackers its flow names
(nothing a setting's state or its screenshot needs), and everything else as before."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.async_api import Route
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route as Path

from optout.browser.lean import skip_unneeded
from optout.sandbox import SandboxServer

SEEN: Counter[str] = Counter()

PAGE = """<!doctype html><html lang=en><h1>Settings</h1>
<video src="/clip.mp4" autoplay muted></video><audio src="/sound.mp3?v=2" autoplay></audio>
<img src="/logo.png" alt=""><script src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>
<img src="https://px.ads.linkedin.com/collect?pid=1" alt=""><link rel=stylesheet href="/style.css">"""


def page(request: Request) -> Response:
    SEEN[request.url.path] += 1
    body = {"/": PAGE, "/style.css": "h1 { color: #123 }"}.get(request.url.path, "x")
    return HTMLResponse(body) if request.url.path == "/" else Response(body)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    app = Starlette(routes=[Path("/{rest:path}", page)])
    with SandboxServer(app=app) as server:
        yield server.base_url


async def load(browser: Any, site: str, hosts: tuple[str, ...]) -> dict[str, str]:
    """Why each request of the page failed, once the page is loaded with `hosts` skipped."""
    context = await browser.new_context()
    failed: dict[str, str] = {}
    try:
        # Nothing may leave the machine even if the blocker missed: every other address fails here first.
        async def elsewhere(route: Route) -> None:
            await route.abort("addressunreachable")

        await context.route(lambda url: not url.startswith(site), elsewhere)
        tab = await context.new_page()
        await skip_unneeded(context, tab, hosts)
        tab.on("requestfailed", lambda request: failed.__setitem__(request.url, request.failure or ""))
        SEEN.clear()
        await tab.goto(site, wait_until="load")
        await tab.wait_for_timeout(300)
    finally:
        await context.close()
    return failed


async def test_media_and_analytics_are_never_requested_the_rest_is(browser: Any, site: str) -> None:
    failed = await load(browser, site, ("ads.linkedin.com",))
    assert SEEN["/"] == 1 and SEEN["/logo.png"] == 1 and SEEN["/style.css"] == 1  # what a screenshot needs
    assert SEEN["/clip.mp4"] == 0 and SEEN["/sound.mp3"] == 0
    # Refused by the browser's own request blocking ("inspector"), before anything else could see them:
    # a common analytics host, and a subdomain of the host the flow named.
    analytics = {u: why for u, why in failed.items() if "googletagmanager" in u or "px.ads" in u}
    assert len(analytics) == 2 and set(analytics.values()) == {"inspector"}, failed


async def test_a_platform_s_own_tracker_is_requested_unless_its_flow_names_it(browser: Any, site: str) -> None:
    failed = await load(browser, site, ())
    (pixel,) = (why for u, why in failed.items() if "px.ads" in u)
    assert pixel != "inspector"  # asked for, refused only by this test's guard
