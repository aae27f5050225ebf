"""The Copilot replica's handlers, on the real hosts' paths: copilot.microsoft.com (landing, the app with
its Settings dialog, the settings API) and the Microsoft sign-in on login.live.com (personal accounts)
and login.microsoftonline.com (work or school accounts, sent there by their address)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..behaviours import LATE, page_behaviour
from ..catalog import DemoAccount
from ..platform import SandboxContext
from ..web import Site, delete_cookie, form_fields, see_other, set_cookie, site_of
from .accounts import PLATFORM, display_name_of, find_account, is_organisation
from .catalog import (
    ADS_KEY,
    AUTHORIZE_PATH,
    CALLBACK_PATH,
    COPILOT_HOST,
    KMSI_PATH,
    LIVE_HOST,
    MEMORY_KEY,
    ORG_AUTHORIZE_PATH,
    ORG_HOST,
    ORG_POST_PATH,
    PASSWORD_PATH,
    POST_PATH,
    SETTING_KEYS,
    SETTINGS_API,
    STAY_SIGNED_IN_NO,
    STAY_SIGNED_IN_YES,
    TEXT_KEY,
    TRAINING_KEYS,
    USER_API,
    VOICE_KEY,
)
from .text import language_of, texts

SESSION_COOKIE = "copilot_session"  # [unverified] name
#: The app's user query takes this long: the account button renders after it, as a real app's would.
USER_DELAY_SECONDS = 0.2
#: The settings read; the `late` variant's is slow on purpose (its switches render late).
READ_DELAY_SECONDS = 0.2
LATE_READ_DELAY_SECONDS = 1.5
_SESSION_MAX_AGE = 90 * 24 * 3600

# Sign-in steps, each a paused sign-in (a challenge id in the `ctx` field): password, then the prompt.
STEP_PASSWORD, STEP_KMSI, STEP_CODE = "password", "kmsi", "auth_code"

_LABELS = {TEXT_KEY: "training_text", VOICE_KEY: "training_voice", MEMORY_KEY: "memory", ADS_KEY: "ads"}


@dataclass(frozen=True)
class Visit:
    site: Site
    account: DemoAccount | None
    token: str | None
    language: str


class CopilotSite:
    """Handlers of the Copilot replica, bound to one sandbox state."""

    def __init__(self, context: SandboxContext) -> None:
        self.state = context.state
        self.templates = context.templates
        self.settings = context.settings

    def routes(self) -> list[BaseRoute]:
        copilot, live, org = COPILOT_HOST, LIVE_HOST, ORG_HOST
        return [
            # copilot.microsoft.com
            Route("/", self._on(copilot, self.home)),
            Route(CALLBACK_PATH, self._on(copilot, self.callback)),
            Route("/auth/signout", self._on(copilot, self.sign_out), methods=["POST"]),
            Route(USER_API, self._on(copilot, self.user)),
            Route(SETTINGS_API + "/{key}", self._on(copilot, self.setting), methods=["GET", "POST"]),
            # login.live.com
            Route(AUTHORIZE_PATH, self._on(live, self.email_step), methods=["GET", "POST"]),
            Route(PASSWORD_PATH, self._on(live, self.password_page)),
            Route(POST_PATH, self._on(live, self.password_step), methods=["POST"]),
            # login.microsoftonline.com
            Route(ORG_AUTHORIZE_PATH, self._on(org, self.password_page)),
            Route(ORG_POST_PATH, self._on(org, self.password_step), methods=["POST"]),
            # Both sign-in hosts: the "Stay signed in?" answer.
            Route(KMSI_PATH, self.kmsi, methods=["POST"]),
            Route("/{path:path}", self.not_found, methods=None),
        ]

    def _on(self, host: str, handler: Any) -> Any:
        async def guarded(request: Request) -> Response:
            if not site_of(request).on_host(host):
                return await self.not_found(request)
            response: Response = await handler(request)
            return response

        return guarded

    # ----- plumbing -----------------------------------------------------------------------

    def _visit(self, request: Request) -> Visit:
        token = request.cookies.get(SESSION_COOKIE)
        username = self.state.session_user(PLATFORM, token)
        account = find_account(username) if username else None
        language = account.language if account else language_of(request.headers.get("accept-language", ""))
        return Visit(site_of(request), account, token if account else None, language)

    def _page(self, visit: Visit, name: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
        full = {
            "base": visit.site.base,
            "lang": visit.language,
            "t": texts(visit.language),
            "account": visit.account,
            "display_name": display_name_of(visit.account) if visit.account else "",
            **(context or {}),
        }
        return self.templates.page(f"{name}.html", full, status)

    def _authorize_url(self, site: Site) -> str:
        back = quote(f"https://{COPILOT_HOST}{CALLBACK_PATH}", safe="")
        query = f"?client_id=sandbox-copilot&response_type=code&scope=openid%20profile&redirect_uri={back}"
        return site.absolute(AUTHORIZE_PATH + query, host=LIVE_HOST)

    async def not_found(self, request: Request) -> Response:
        return self._page(self._visit(request), "not_found", status=404)

    # ----- copilot.microsoft.com -------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        visit = self._visit(request)
        if visit.account is None:
            return self._page(visit, "landing", {"authorize": self._authorize_url(visit.site)})
        return self._page(visit, "app", {"config": self._app_config(visit, visit.account)})

    def _app_config(self, visit: Visit, account: DemoAccount) -> dict[str, Any]:
        behaviour = page_behaviour(account.variant)
        if is_organisation(account):
            keys: tuple[str, ...] = ()
        elif not behaviour.offered:
            keys = tuple(k for k in SETTING_KEYS if k not in TRAINING_KEYS)  # the redesign dropped them
        else:
            keys = SETTING_KEYS
        t = texts(account.language)
        return {
            "user": visit.site.link(USER_API),
            "settings": visit.site.link(SETTINGS_API),
            "signOut": visit.site.link("/auth/signout"),
            "home": visit.site.link("/"),
            "switches": [{"key": k, "label": t[_LABELS[k]], "desc": t[_LABELS[k] + "_desc"]} for k in keys],
            "orgNote": t["org_note"] if is_organisation(account) else "",
            "saveDelayMs": behaviour.save_delay_ms,
        }

    async def user(self, request: Request) -> Response:
        visit = self._visit(request)
        if visit.account is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        await asyncio.sleep(USER_DELAY_SECONDS)
        return JSONResponse({"displayName": display_name_of(visit.account), "email": visit.account.username})

    async def setting(self, request: Request) -> Response:
        visit = self._visit(request)
        account, key = visit.account, request.path_params["key"]
        if account is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if key not in SETTING_KEYS or is_organisation(account):
            return JSONResponse({"error": "not found"}, status_code=404)
        if request.method == "GET":
            await asyncio.sleep(LATE_READ_DELAY_SECONDS if account.variant == LATE else READ_DELAY_SECONDS)
            return await self.settings.read_response(account.username, account.variant, key)
        if request.headers.get("origin", "").split("://")[-1] not in ("", visit.site.host or ""):
            return JSONResponse({"error": "cross-origin write"}, status_code=403)
        return await self.settings.write_response(request, account.username, account.variant, key)

    async def callback(self, request: Request) -> Response:
        """Where the sign-in hosts send the browser back: the code opens a Copilot session."""
        site = site_of(request)
        code = request.query_params.get("code", "")
        paused = self.state.challenge(PLATFORM, code, STEP_CODE)
        if paused is None:
            return see_other(site.link("/"))
        self.state.close_challenge(PLATFORM, code)
        token = self.state.open_session(PLATFORM, paused.username)
        response = see_other(site.link("/"))
        persistent = self.state.setting(PLATFORM, paused.username, STAY_SIGNED_IN_YES)
        # "Stay signed in?" No: a session cookie that ends with the browser; Yes: one that lasts.
        max_age = _SESSION_MAX_AGE if persistent else None
        set_cookie(response, site, SESSION_COOKIE, token, http_only=True, max_age=max_age)
        return response

    async def sign_out(self, request: Request) -> Response:
        visit = self._visit(request)
        self.state.close_session(PLATFORM, visit.token)
        response = JSONResponse({"ok": True})
        delete_cookie(response, visit.site, SESSION_COOKIE)
        return response

    # ----- login.live.com / login.microsoftonline.com -----------------------------------------

    def _sign_in_page(
        self, request: Request, name: str, context: dict[str, Any], *, org: bool = False, status: int = 200
    ) -> HTMLResponse:
        language = language_of(request.headers.get("accept-language", ""))
        visit = Visit(site_of(request), None, None, language)
        return self._page(visit, name, {"org": org, "error": "", **context}, status)

    async def email_step(self, request: Request) -> Response:
        site = site_of(request)
        if request.method == "GET":
            return self._sign_in_page(request, "ms_email", {"action": site.link(AUTHORIZE_PATH), "email": ""})
        fields = await form_fields(request)
        typed = fields.get("loginfmt", "")
        account = find_account(typed)
        if account is None:
            t = texts(language_of(request.headers.get("accept-language", "")))
            context = {"action": site.link(AUTHORIZE_PATH), "email": typed.strip(), "error": t["ms_unknown"]}
            return self._sign_in_page(request, "ms_email", context)
        ctx = self.state.open_challenge(PLATFORM, account.username, STEP_PASSWORD, prefix="M.C5")
        if is_organisation(account):
            # A work or school address: Microsoft sends the browser to the organisation's sign-in.
            return see_other(site.absolute(f"{ORG_AUTHORIZE_PATH}?ctx={quote(ctx)}", host=ORG_HOST))
        return see_other(site.link(f"{PASSWORD_PATH}?ctx={quote(ctx)}"))

    async def password_page(self, request: Request) -> Response:
        site = site_of(request)
        ctx = request.query_params.get("ctx", "")
        paused = self.state.challenge(PLATFORM, ctx, STEP_PASSWORD)
        if paused is None:
            return see_other(self._authorize_url(site))
        org = site.on_host(ORG_HOST) and not site.on_host(LIVE_HOST)
        account = find_account(paused.username)
        org = org or (account is not None and is_organisation(account) and not site.mapped)
        post = ORG_POST_PATH if org else POST_PATH
        context = {"action": site.link(post), "ctx": ctx, "email": paused.username}
        return self._sign_in_page(request, "ms_password", context, org=org)

    async def password_step(self, request: Request) -> Response:
        site = site_of(request)
        fields = await form_fields(request)
        ctx = fields.get("ctx", "")
        paused = self.state.challenge(PLATFORM, ctx, STEP_PASSWORD)
        account = find_account(paused.username) if paused else None
        if paused is None or account is None:
            return see_other(self._authorize_url(site))
        org = is_organisation(account)
        self.state.count_password(PLATFORM, account.username)
        if fields.get("passwd", "") != account.password:
            t = texts(language_of(request.headers.get("accept-language", "")))
            context = {
                "action": site.link(ORG_POST_PATH if org else POST_PATH),
                "ctx": ctx,
                "email": account.username,
                "error": t["ms_wrong_password"],
            }
            return self._sign_in_page(request, "ms_password", context, org=org)
        self.state.close_challenge(PLATFORM, ctx)
        if account.variant == "no_kmsi":
            return self._back_to_copilot(site, account)
        kmsi = self.state.open_challenge(PLATFORM, account.username, STEP_KMSI, prefix="M.C5")
        return self._sign_in_page(request, "ms_kmsi", {"action": site.link(KMSI_PATH), "ctx": kmsi}, org=org)

    async def kmsi(self, request: Request) -> Response:
        site = site_of(request)
        if not (site.on_host(LIVE_HOST) or site.on_host(ORG_HOST)):
            return await self.not_found(request)
        fields = await form_fields(request)
        ctx = fields.get("ctx", "")
        paused = self.state.challenge(PLATFORM, ctx, STEP_KMSI)
        account = find_account(paused.username) if paused else None
        answer = fields.get("LoginOptions", "")
        if paused is None or account is None or answer not in ("1", "3"):
            return see_other(self._authorize_url(site))
        self.state.close_challenge(PLATFORM, ctx)
        # Microsoft's LoginOptions: 1 stay signed in, 3 do not [unverified]. Set, not written: not a setting.
        self.state.platform_sets(
            PLATFORM, account.username, STAY_SIGNED_IN_YES if answer == "1" else STAY_SIGNED_IN_NO, True
        )
        return self._back_to_copilot(site, account)

    def _back_to_copilot(self, site: Site, account: DemoAccount) -> RedirectResponse:
        code = self.state.open_challenge(PLATFORM, account.username, STEP_CODE, prefix="M.C5_BAY.2.")
        return see_other(site.absolute(f"{CALLBACK_PATH}?code={quote(code)}", host=COPILOT_HOST))
