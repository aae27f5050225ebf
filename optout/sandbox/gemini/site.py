"""The Gemini replica's handlers: Google's sign-in on accounts.google.com and the Gemini activity page on
myactivity.google.com, at their real paths (docs/platforms/gemini.md §6.1, §6.2). The app mounts
them under /gemini; a request names its host when mapped (`site.on_host`)."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..behaviours import LATE, LATE_RENDER_MS, page_behaviour
from ..catalog import DemoAccount
from ..platform import SandboxContext
from ..web import Site, form_fields, see_other, set_cookie, site_of
from .accounts import PLATFORM, display_name_of, find_account
from .catalog import (
    ACCOUNTS_HOST,
    ACTIVITY_HOST,
    AUDIO_KEY,
    DELETE_ACTIVITY_KEY,
    KEEP_ACTIVITY_KEY,
    PRODUCT_PATH,
    STATE_PATH,
    WRITE_PATH,
)
from .text import language_of, texts

SESSION_COOKIE = "SID"
#: The activity card's data call takes this long, so that its "Loading" is really seen.
READ_DELAY_SECONDS = 0.2
#: Between the menu's "Turn off" and its confirmation dialog, the page asks its server [unverified].
CONFIRM_DELAY_MS = 500
_WRITABLE = (KEEP_ACTIVITY_KEY, AUDIO_KEY)
_SESSION_MAX_AGE = 2 * 365 * 24 * 3600


def _continue_url(site: Site, value: str | None) -> str:
    """Where to go after sign-in: a myactivity.google.com page only (its path), else the Gemini page."""
    parts = urlsplit(value or "")
    path = parts.path if parts.hostname in (None, ACTIVITY_HOST) and parts.path.startswith("/") else PRODUCT_PATH
    return site.absolute(path, host=ACTIVITY_HOST)


class GeminiSite:
    """Handlers of the Gemini replica, bound to one sandbox state."""

    def __init__(self, context: SandboxContext) -> None:
        self.state = context.state
        self.templates = context.templates
        self.settings = context.settings

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/ServiceLogin", self.service_login),
            Route("/v3/signin/identifier", self.identifier, methods=["GET", "POST"]),
            Route("/v3/signin/challenge/pwd", self.password, methods=["GET", "POST"]),
            Route("/v3/signin/challenge/ipp", self.two_step),
            Route("/v3/signin/rejected", self.rejected),
            Route("/accounts/SetSID", self.set_sid),
            Route("/", self.root),
            Route(PRODUCT_PATH, self.activity_page),
            Route(STATE_PATH, self.read_state),
            Route(WRITE_PATH, self.write, methods=["POST"]),
            Route("/{path:path}", self.not_found, methods=None),
        ]

    # ----- plumbing -----------------------------------------------------------------------------

    def _account(self, request: Request) -> DemoAccount | None:
        username = self.state.session_user(PLATFORM, request.cookies.get(SESSION_COOKIE))
        return find_account(username) if username else None

    def _page(self, request: Request, name: str, language: str, **context: Any) -> HTMLResponse:
        site = site_of(request)
        full = {"base": site.base, "lang": language, "t": texts(language), **context}
        return self.templates.page(f"{name}.html", full)

    def _visitor_language(self, request: Request) -> str:
        return language_of(request.headers.get("accept-language", ""))

    async def not_found(self, request: Request) -> Response:
        html = "<!doctype html><title>Error 404 (Not Found)</title><h1>404. That’s an error.</h1>"
        return HTMLResponse(html, status_code=404)

    # ----- accounts.google.com ------------------------------------------------------------------

    async def service_login(self, request: Request) -> Response:
        site = site_of(request)
        if not site.on_host(ACCOUNTS_HOST):
            return await self.not_found(request)
        target = quote(request.query_params.get("continue", ""), safe="")
        return RedirectResponse(site.link(f"/v3/signin/identifier?continue={target}"), status_code=302)

    async def identifier(self, request: Request) -> Response:
        site = site_of(request)
        if not site.on_host(ACCOUNTS_HOST):
            return await self.not_found(request)
        language = self._visitor_language(request)
        follow = request.query_params.get("continue", "")
        if request.method == "GET":
            return self._page(request, "identifier", language, follow=follow, error="", email="")
        fields = await form_fields(request)
        account = find_account(fields.get("identifier", ""))
        if account is None:
            return self._page(
                request,
                "identifier",
                language,
                follow=follow,
                error="unknown_account",
                email=fields.get("identifier", ""),
            )
        if account.variant == "insecure_browser":
            # Google refuses the browser before any password is asked for.
            return see_other(site.link("/v3/signin/rejected"))
        token = self.state.open_challenge(PLATFORM, account.username, "pwd", prefix="AVq")
        return see_other(site.link(f"/v3/signin/challenge/pwd?TL={token}&continue={quote(follow, safe='')}"))

    async def password(self, request: Request) -> Response:
        site = site_of(request)
        if not site.on_host(ACCOUNTS_HOST):
            return await self.not_found(request)
        token = request.query_params.get("TL")
        paused = self.state.challenge(PLATFORM, token, "pwd")
        account = find_account(paused.username) if paused else None
        if account is None or token is None:
            return see_other(site.link("/v3/signin/identifier"))
        follow = request.query_params.get("continue", "")
        language = self._visitor_language(request)
        if request.method == "GET":
            return self._page(request, "password", language, email=account.username, error="")
        self.state.count_password(PLATFORM, account.username)
        fields = await form_fields(request)
        if fields.get("Passwd", "") != account.password:
            return self._page(request, "password", language, email=account.username, error="wrong_password")
        self.state.close_challenge(PLATFORM, token)
        if account.variant == "two_step":
            return see_other(site.link("/v3/signin/challenge/ipp"))
        session = self.state.open_session(PLATFORM, account.username)
        # Google hands the session over to each of its hosts; here, through SetSID [unverified path].
        path = urlsplit(_continue_url(site, follow)).path
        hop = f"/accounts/SetSID?ticket={quote(session)}&continue={quote(path, safe='')}"
        response = see_other(site.absolute(hop, host=ACTIVITY_HOST))
        set_cookie(response, site, SESSION_COOKIE, session, http_only=True, max_age=_SESSION_MAX_AGE)
        return response

    async def two_step(self, request: Request) -> Response:
        return self._page(
            request, "challenge", self._visitor_language(request), heading="two_step", text="two_step_text"
        )

    async def rejected(self, request: Request) -> Response:
        return self._page(
            request, "challenge", self._visitor_language(request), heading="rejected", text="rejected_text"
        )

    # ----- myactivity.google.com -----------------------------------------------------------------

    async def set_sid(self, request: Request) -> Response:
        site = site_of(request)
        ticket = request.query_params.get("ticket", "")
        if self.state.session_user(PLATFORM, ticket) is None:
            return await self.not_found(request)
        path = request.query_params.get("continue", PRODUCT_PATH)
        response = see_other(site.link(path if path.startswith("/") and not path.startswith("//") else PRODUCT_PATH))
        set_cookie(response, site, SESSION_COOKIE, ticket, http_only=True, max_age=_SESSION_MAX_AGE)
        return response

    def _sign_in_first(self, request: Request, path: str) -> Response:
        site = site_of(request)
        follow = quote(site.absolute(path, host=ACTIVITY_HOST), safe="")
        return RedirectResponse(site.absolute(f"/ServiceLogin?continue={follow}", host=ACCOUNTS_HOST), status_code=302)

    async def root(self, request: Request) -> Response:
        site = site_of(request)
        if site.on_host(ACCOUNTS_HOST) and site.mapped:
            return RedirectResponse(site.link("/ServiceLogin"), status_code=302)
        return RedirectResponse(site.link(PRODUCT_PATH), status_code=302)

    async def activity_page(self, request: Request) -> Response:
        site = site_of(request)
        if not site.on_host(ACTIVITY_HOST):
            return await self.not_found(request)
        account = self._account(request)
        if account is None:
            return self._sign_in_first(request, PRODUCT_PATH)
        behaviour = page_behaviour(account.variant)
        config = {
            "state": site.link(STATE_PATH),
            "write": site.link(WRITE_PATH),
            "lateMs": LATE_RENDER_MS if account.variant == LATE else 0,
            "confirm": account.variant != "no_confirm",
            "confirmDelayMs": CONFIRM_DELAY_MS,
            "offered": behaviour.offered,
            "managed": account.variant == "workspace",
        }
        t = texts(account.language)
        return self._page(
            request,
            "activity",
            account.language,
            title=t["title_old" if account.variant == "old_wording" else "title"],
            person=display_name_of(account),
            email=account.username,
            config=config,
        )

    async def read_state(self, request: Request) -> Response:
        account = self._account(request)
        if account is None:
            return JSONResponse({"error": "signed out"}, status_code=401)
        await asyncio.sleep(READ_DELAY_SECONDS)
        settings = self.state.settings(PLATFORM, account.username)
        return JSONResponse({key: settings[key] for key in _WRITABLE})

    async def write(self, request: Request) -> Response:
        account = self._account(request)
        if account is None:
            return JSONResponse({"error": "signed out"}, status_code=401)
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        key = body.get("key") if isinstance(body, dict) else None
        value = body.get("value") if isinstance(body, dict) else None
        if key == DELETE_ACTIVITY_KEY and value is True:
            # "Turn off and delete activity": deletes, and turns it off.
            self.state.write(PLATFORM, account.username, DELETE_ACTIVITY_KEY, True)
            key, value = KEEP_ACTIVITY_KEY, False
        if key not in _WRITABLE or not isinstance(value, bool):
            return JSONResponse({"error": "bad request"}, status_code=400)
        if account.variant == "workspace":
            return JSONResponse({"error": "managed by your administrator"}, status_code=403)
        stored = await self.settings.write(account.username, account.variant, key, value)
        return JSONResponse({"key": key, "value": stored})
