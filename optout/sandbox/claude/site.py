"""The Claude replica's handlers: the landing page, the e-mailed-code sign-in, the app, the settings tabs
with the privacy pane, and its API. Routes use claude.ai's real paths; the app mounts them under /claude."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..behaviours import LATE, LATE_RENDER_MS, page_behaviour
from ..catalog import DemoAccount
from ..platform import SandboxContext
from ..state import SandboxState
from ..web import Site, delete_cookie, form_fields, found, route_path, same_site_path, see_other, set_cookie, site_of
from .accounts import DEMO_CODE, ENDED_SESSION, NO_PERSON_SESSION, PLATFORM, display_name, find, initials
from .catalog import (
    CONSENT_API,
    LOCATION_KEY,
    NOTICE_API,
    PRIVACY_TAB,
    SETTINGS_API,
    TABS,
    TERMS_ACCEPT_KEY,
    TERMS_LATER_KEY,
    TERMS_TOGGLE_KEY,
    TRAINING_KEY,
)
from .text import language_of, texts

#: The session cookie (a common name in public API clients of claude.ai; not in the reference) [unverified].
SESSION_COOKIE = "sessionKey"
SESSION_PREFIX = "sk-ant-sid01-"
_MAX_AGE = 30 * 24 * 3600
#: Every read of the account's settings takes this long, so that the pane's loading state is really seen.
READ_DELAY_S = 0.3
#: The pop-up's notice is read after the page, and drawn when it answers: over a page that looked settled.
NOTICE_DELAY_S = 0.3
_CHALLENGE = "email_code"


@dataclass(frozen=True)
class Visit:
    site: Site
    account: DemoAccount | None
    token: str | None


class ClaudeSite:
    def __init__(self, context: SandboxContext) -> None:
        self.state = context.state
        self.templates = context.templates
        self.settings = context.settings

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/", self.landing),
            Route("/login", self.login_page, methods=["GET", "POST"]),
            Route("/login/verify", self.verify, methods=["GET", "POST"]),
            Route("/login/google", self.google),
            Route("/logout", self.logout),
            Route("/new", self.app),
            Route("/settings", self.settings_root),
            Route("/settings/{tab}", self.settings_tab),
            Route(SETTINGS_API, self.settings_api, methods=["GET", "PATCH"]),
            Route(NOTICE_API, self.notice_api),
            Route(CONSENT_API, self.consent_api, methods=["POST"]),
            Route("/{path:path}", self.not_found, methods=None),
        ]

    # ----- plumbing ------------------------------------------------------------------------

    def _visit(self, request: Request) -> Visit:
        token = request.cookies.get(SESSION_COOKIE)
        username = self.state.session_user(PLATFORM, token)
        account = find(username) if username else None
        return Visit(site_of(request), account, token if account else None)

    def _language(self, visit: Visit, request: Request) -> str:
        if visit.account is not None:
            return visit.account.language
        return language_of(request.headers.get("accept-language", ""))

    def _page(
        self, visit: Visit, name: str, language: str, context: dict[str, Any] | None = None, *, status: int = 200
    ) -> HTMLResponse:
        account = visit.account
        full = {
            "base": visit.site.base,
            "lang": language,
            "t": texts(language),
            "account": account,
            "name": display_name(account) if account else "",
            "initials": initials(account) if account else "",
            "terms": account is not None and account.variant == "terms_pending",
            "notice_api": visit.site.link(NOTICE_API),
            "consent_api": visit.site.link(CONSENT_API),
            **(context or {}),
        }
        return self.templates.page(f"{name}.html", full, status)

    def _signed_in_only(self, visit: Visit, request: Request) -> Response | None:
        if visit.account is not None:
            return None
        original = route_path(request)
        return found(visit.site.link(f"/login?returnTo={quote(original, safe='')}"))

    # ----- signed out ----------------------------------------------------------------------

    async def landing(self, request: Request) -> Response:
        visit = self._visit(request)
        if visit.account is not None:
            return found(visit.site.link("/new"))
        return self._page(visit, "landing", self._language(visit, request))

    async def login_page(self, request: Request) -> Response:
        """The e-mail step. A POST is a person asking for a code: counted as an e-mail sent."""
        visit = self._visit(request)
        language = self._language(visit, request)
        next_path = same_site_path(request.query_params.get("returnTo"), "/new")
        if visit.account is not None:
            return found(visit.site.link(next_path))
        context = {"next": next_path, "error": "", "email": ""}
        if request.method == "GET":
            return self._page(visit, "login", language, context)
        form = await form_fields(request)
        email = form.get("email", "").strip()
        account = find(email)
        if account is None:
            t = texts(language)
            return self._page(visit, "login", language, context | {"error": t["err_unknown_email"], "email": email})
        self.state.count_email(PLATFORM, account.username)
        challenge = self.state.open_challenge(PLATFORM, account.username, _CHALLENGE, prefix="")
        query = f"?c={challenge}&returnTo={quote(same_site_path(form.get('next'), '/new'), safe='')}"
        return see_other(visit.site.link("/login/verify" + query))

    async def verify(self, request: Request) -> Response:
        """The code step: the code a person read in the e-mail opens a session."""
        visit = self._visit(request)
        language = self._language(visit, request)
        source = request.query_params if request.method == "GET" else await form_fields(request)
        challenge_id = source.get("c", "")
        challenge = self.state.challenge(PLATFORM, challenge_id, _CHALLENGE)
        t = texts(language)
        if challenge is None:
            return self._page(visit, "login", language, {"next": "/new", "error": t["err_expired"], "email": ""})
        next_path = same_site_path(source.get("returnTo"), "/new")
        context = {"challenge": challenge_id, "next": next_path, "email": challenge.username, "error": ""}
        if request.method == "GET":
            return self._page(visit, "verify", language, context)
        self.state.count_code(PLATFORM, challenge.username)
        if source.get("code", "").strip() != DEMO_CODE:
            return self._page(visit, "verify", language, context | {"error": t["err_code"]}, status=400)
        self.state.close_challenge(PLATFORM, challenge_id)
        token = self.state.open_session(PLATFORM, challenge.username, prefix=SESSION_PREFIX)
        response = see_other(visit.site.link(next_path))
        set_cookie(response, visit.site, SESSION_COOKIE, token, http_only=True, max_age=_MAX_AGE)
        return response

    async def google(self, request: Request) -> Response:
        visit = self._visit(request)
        return self._page(visit, "plain", self._language(visit, request), {"heading": "google_heading"})

    async def logout(self, request: Request) -> Response:
        visit = self._visit(request)
        self.state.close_session(PLATFORM, visit.token)
        response = found(visit.site.link("/login"))
        delete_cookie(response, visit.site, SESSION_COOKIE)
        return response

    # ----- signed in -----------------------------------------------------------------------

    async def app(self, request: Request) -> Response:
        visit = self._visit(request)
        redirect = self._signed_in_only(visit, request)
        if redirect is not None or visit.account is None:
            return redirect or self._not_found(visit, request)
        return self._page(visit, "app", visit.account.language, {"view": "new"})

    async def settings_root(self, request: Request) -> Response:
        visit = self._visit(request)
        return self._signed_in_only(visit, request) or found(visit.site.link("/settings/general"))

    async def settings_tab(self, request: Request) -> Response:
        visit = self._visit(request)
        redirect = self._signed_in_only(visit, request)
        account = visit.account
        if redirect is not None or account is None:
            return redirect or self._not_found(visit, request)
        tab = request.path_params["tab"]
        if tab not in dict(TABS):
            return self._not_found(visit, request)
        behaviour = page_behaviour(account.variant)
        config = {
            "api": visit.site.link(SETTINGS_API),
            "options": behaviour.script_options(),
            "keys": {"training": TRAINING_KEY, "location": LOCATION_KEY},
        }
        context = {
            "view": "settings",
            "tabs": [(slug, key, visit.site.link(f"/settings/{slug}")) for slug, key in TABS],
            "tab": tab,
            "privacy": tab == PRIVACY_TAB,
            "offered": behaviour.offered,
            "organization": account.variant == "organization",
            "config": config,
        }
        return self._page(visit, "app", account.language, context)

    # ----- API -----------------------------------------------------------------------------

    async def settings_api(self, request: Request) -> Response:
        """GET: the account's settings. PATCH {"<key>": bool}: one setting, answered with what is stored."""
        visit = self._visit(request)
        account = visit.account
        if account is None:
            return JSONResponse({"error": {"type": "permission_error"}}, status_code=403)
        if request.method == "GET":
            await asyncio.sleep(LATE_RENDER_MS / 1000 if account.variant == LATE else READ_DELAY_S)
            values = self.state.settings(PLATFORM, account.username)
            return JSONResponse({TRAINING_KEY: values[TRAINING_KEY], LOCATION_KEY: values[LOCATION_KEY]})
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        if not isinstance(body, dict) or len(body) != 1:
            return JSONResponse({"error": "expected one setting"}, status_code=400)
        ((key, value),) = body.items()
        if key not in (TRAINING_KEY, LOCATION_KEY) or not isinstance(value, bool):
            return JSONResponse({"error": "unknown setting"}, status_code=400)
        if account.variant == "organization" and key == TRAINING_KEY:
            return JSONResponse({"error": "managed by your organization"}, status_code=403)
        if account.variant == "refused" and key == TRAINING_KEY:
            # An error answer: the page's optimistic switch reverts (recorded, never stored).
            self.state.write(PLATFORM, account.username, key, value, store=False)
            return JSONResponse({"error": {"type": "api_error"}}, status_code=500)
        answered = await self.settings.write(account.username, account.variant, key, value)
        return JSONResponse({key: answered})

    async def notice_api(self, request: Request) -> Response:
        visit = self._visit(request)
        if visit.account is None:
            return JSONResponse({"error": {"type": "permission_error"}}, status_code=403)
        await asyncio.sleep(NOTICE_DELAY_S)
        show = visit.account.variant == "terms_pending"
        return JSONResponse({"show_notice": show, "notice_is_grace_period": show, "domain_excluded": False})

    async def consent_api(self, request: Request) -> Response:
        """What a click inside the pop-up sends: its switch, Accept, or Not now. Each is recorded."""
        visit = self._visit(request)
        if visit.account is None:
            return JSONResponse({"error": {"type": "permission_error"}}, status_code=403)
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = {}
        action = body.get("action") if isinstance(body, dict) else None
        keys = {"toggle": TERMS_TOGGLE_KEY, "accept": TERMS_ACCEPT_KEY, "later": TERMS_LATER_KEY}
        if action not in keys:
            return JSONResponse({"error": "unknown action"}, status_code=400)
        self.state.write(PLATFORM, visit.account.username, keys[action], True)
        if action == "accept" and isinstance(body.get("grove_enabled"), bool):
            self.state.write(PLATFORM, visit.account.username, TRAINING_KEY, body["grove_enabled"])
        return JSONResponse({"ok": True})

    # ----- errors --------------------------------------------------------------------------

    def _not_found(self, visit: Visit, request: Request) -> HTMLResponse:
        language = self._language(visit, request)
        return self._page(visit, "plain", language, {"heading": "not_found_heading"}, status=404)

    async def not_found(self, request: Request) -> Response:
        return self._not_found(self._visit(request), request)


def person_session_token(state: SandboxState, account: DemoAccount) -> str | None:
    """The session cookie's value a browser holds after this person signed in by hand (e-mailed code): a
    live session, one Claude has since ended, or None when they never signed in."""
    if account.variant in NO_PERSON_SESSION:
        return None
    if account.variant in ENDED_SESSION:
        return SESSION_PREFIX + "ended-by-claude-" + account.username.split("@")[0]
    return state.open_session(PLATFORM, account.username, prefix=SESSION_PREFIX)
