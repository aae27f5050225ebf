"""A reading is trusted once the platform's data requests have been quiet for the flow's quiet period,
counted from the last thing that happened on the page (a request started or answered, a document
loaded, optout's own click or key) and never from before it was asked for: a page also works unseen (a
timer, a script loaded late) and may draw a control only then asking for its value."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from optout.engine.account_session import AccountSession
from optout.sandbox import SandboxServer

SLOW_S = 0.8
LATER_S = 1.5


async def answer(request: Request) -> Response:
    if request.url.path == "/slow":
        await asyncio.sleep(SLOW_S)
        return JSONResponse({"value": True})
    if request.url.path == "/later":
        await asyncio.sleep(LATER_S)
        return RedirectResponse("/again", status_code=302)
    return HTMLResponse("<!doctype html><html lang=en><h1>Settings</h1>")


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with SandboxServer(app=Starlette(routes=[Route("/{rest:path}", answer)])) as server:
        yield server.base_url


@pytest.fixture
async def session(browser: Any, site: str) -> AsyncIterator[AccountSession]:
    context = await browser.new_context()
    page = await context.new_page()
    made = AccountSession("site", "pat@example.com", lambda: "", context, page, origins=(site,))
    await page.goto(site)
    yield made
    await context.close()


def soon(seconds: float) -> float:
    return asyncio.get_running_loop().time() + seconds


async def test_a_page_that_looks_still_is_given_the_whole_period_from_the_question(session: AccountSession) -> None:
    await asyncio.sleep(0.4)
    # Nothing seen for 0.4 s: the 0.3 s period still starts now, so 0.1 s is not enough.
    assert not await session.quiet(0.3, soon(0.1))
    asked = asyncio.get_running_loop().time()
    assert await session.quiet(0.3, soon(5))
    assert asyncio.get_running_loop().time() - asked >= 0.3


def now() -> float:
    return asyncio.get_running_loop().time()


async def test_optout_s_own_action_starts_the_period_again(session: AccountSession) -> None:
    waiting = asyncio.ensure_future(session.quiet(0.3, soon(5)))
    await asyncio.sleep(0.2)
    acted = now()
    session.acted()  # a click while waiting: the page may answer it with a save, later (a debounce)
    assert await waiting
    assert now() - acted >= 0.3


async def test_a_data_request_in_flight_is_waited_for_then_the_period_after_its_answer(
    session: AccountSession,
) -> None:
    await asyncio.sleep(0.4)
    async with session.page.expect_request("**/slow"):
        await session.page.evaluate("() => { window.done = fetch('/slow').then(r => r.json()); }")
    assert not await session.quiet(0.1, soon(SLOW_S / 2))  # still pending
    assert await session.quiet(0.1, soon(10))
    assert await session.page.evaluate("() => window.done.then(v => v.value)") is True


async def test_a_document_loading_starts_the_period_again(session: AccountSession, site: str) -> None:
    # A page may ask for its values a moment after it loaded: the period restarts with the new document,
    # and is held from the moment it is asked for (the page is about to be replaced), however slowly it
    # arrives (a slow redirect here).
    async with session.page.expect_request("**/later"):
        going = asyncio.ensure_future(session.page.goto(f"{site}/later"))
    assert not await session.quiet(0.6, soon(LATER_S / 2))  # asked for, not there yet: held
    assert await session.quiet(0.6, soon(10))
    await going
    arrived, url = session.document_times[-1]
    assert url.endswith("/again")
    assert now() - arrived >= 0.6
