"""The X replica's handlers: the sign-in flow and its onboarding API, home, settings menus, the Grok
page and its GraphQL endpoints. Routes use x.com's real paths; the app mounts them under /x."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pyotp
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..behaviours import LATE, LATE_RENDER_MS, page_behaviour
from ..catalog import DemoAccount
from ..platform import SandboxContext
from ..web import Site, delete_cookie, found, route_path, same_site_path, set_cookie, site_of
from .accounts import (
    DEMO_CODE,
    PLATFORM,
    display_name_of,
    find_account,
    find_by_identifier,
    handle_of,
    user_id_of,
)
from .catalog import (
    CATEGORIES,
    CATEGORY_BY_SLUG,
    DELETE_HISTORY_KEY,
    INFO_PAGES,
    MEMORY_KEY,
    MUTATIONS,
    OPERATIONS,
    PERSONALIZATION_KEY,
    SCREEN_QUERY,
    SETTING_KEYS,
    TASK_PATH,
    TRAINING_KEY,
    WEB_BEARER,
    Operation,
)
from .text import language_of, texts

AUTH_COOKIE = "auth_token"
CSRF_COOKIE = "ct0"
#: Every X page's preference query takes this long, so that the fallback spinner is really seen.
READ_DELAY_SECONDS = 0.2
#: The `late` variant's query: the boxes render this late (the shared late render), on purpose.
LATE_READ_DELAY_SECONDS = LATE_RENDER_MS / 1000
_AUTH_MAX_AGE = 5 * 365 * 24 * 3600
# Real ct0 values: 32 hex digits for a guest, 160 once signed in.
_CT0 = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{160})$")

# Sign-in steps: the onboarding API's subtask ids (real names; ArkoseLogin's is [unverified]).
STEP_IDENTIFIER = "LoginEnterUserIdentifierSSO"
STEP_ALTERNATE = "LoginEnterAlternateIdentifierSubtask"
STEP_PASSWORD = "LoginEnterPassword"
STEP_CODE = "LoginTwoFactorAuthChallenge"
STEP_ARKOSE = "ArkoseLogin"
STEP_SUCCESS = "LoginSuccessSubtask"
_STEPS = (STEP_IDENTIFIER, STEP_ALTERNATE, STEP_PASSWORD, STEP_CODE, STEP_ARKOSE)
#: A step's flow token is a sign-in paused there; its prefix mimics real flow tokens ("g;…").
_FLOW_PREFIX = "g;"

# X's API error codes: 353 CSRF, 399 sign-in refused; 366 for a stale flow token is [unverified].
_CSRF_ERROR = (353, "This request requires a matching csrf cookie and header.")


#: Pages of the signed-in shell that the sandbox does not replicate, and their titles.
_PLACEHOLDERS = {
    "/explore": "nav_explore",
    "/notifications": "nav_notifications",
    "/messages": "nav_messages",
    "/i/grok": "nav_grok",
    "/compose/post": "post",
}


@dataclass(frozen=True)
class Visit:
    """One request as the site sees it: where it came from, who is signed in, its CSRF token."""

    site: Site
    account: DemoAccount | None
    token: str | None
    csrf: str
    csrf_is_new: bool


def _code_accepted(account: DemoAccount, code: str) -> bool:
    if account.totp_secret is not None:  # an authenticator app's code: now, or one step either side
        return pyotp.TOTP(account.totp_secret).verify(code, valid_window=1)
    return code == DEMO_CODE


def _api_error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"code": code, "message": message}]}, status_code=status)


class XSite:
    """Handlers of the X replica, bound to one sandbox state."""

    def __init__(self, context: SandboxContext) -> None:
        self.state = context.state
        self.templates = context.templates
        self.settings = context.settings

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/", self.landing),
            Route("/login", self.login_redirect),
            Route("/i/flow/login", self.login_page),
            Route(TASK_PATH, self.task, methods=["POST"]),
            Route("/home", self.home),
            Route("/logout", self.logout_page),
            Route("/i/api/1.1/account/logout.json", self.logout, methods=["POST"]),
            Route("/account/access", self.locked_page),
            Route("/settings", self.settings_root),
            Route("/settings/grok_settings", self.grok_page),
            Route("/settings/{slug:path}", self.settings_page),
            Route("/i/api/graphql/{query_id}/{name}", self.graphql, methods=["GET", "POST"]),
            *(Route(path, self.placeholder) for path in _PLACEHOLDERS),
            Route("/{path:path}", self.not_found, methods=None),
        ]

    # ----- request plumbing -------------------------------------------------------------

    def _visit(self, request: Request) -> Visit:
        token = request.cookies.get(AUTH_COOKIE)
        username = self.state.session_user(PLATFORM, token)
        account = find_account(username) if username else None
        cookie = request.cookies.get(CSRF_COOKIE, "")
        fresh = not _CT0.match(cookie)
        return Visit(
            site=site_of(request),
            account=account,
            token=token if account else None,
            csrf=secrets.token_hex(16) if fresh else cookie,
            csrf_is_new=fresh,
        )

    def _page(
        self,
        visit: Visit,
        name: str,
        language: str,
        context: dict[str, Any] | None = None,
        *,
        status_code: int = 200,
    ) -> HTMLResponse:
        account = visit.account
        full = {
            "base": visit.site.base,
            "lang": language,
            "t": texts(language),
            "account": account,
            "handle": handle_of(account) if account else "",
            "display_name": display_name_of(account) if account else "",
            "active": "",
            **(context or {}),
        }
        response = self.templates.page(f"{name}.html", full, status_code)
        if visit.csrf_is_new:
            set_cookie(response, visit.site, CSRF_COOKIE, visit.csrf, http_only=False)
        return response

    def _language(self, visit: Visit, request: Request) -> str:
        if visit.account is not None:
            return visit.account.language
        return language_of(request.headers.get("accept-language", ""))

    def _signed_in_only(self, visit: Visit, request: Request) -> Response | None:
        """The redirect a signed-out (or locked) visit gets instead of a signed-in page, if any."""
        if visit.account is None:
            original = route_path(request) + (f"?{request.url.query}" if request.url.query else "")
            return found(visit.site.link(f"/i/flow/login?redirect_after_login={quote(original, safe='')}"))
        if visit.account.variant == "locked":
            return found(visit.site.link("/account/access"))
        return None

    def _csrf_ok(self, visit: Visit, request: Request) -> bool:
        return not visit.csrf_is_new and request.headers.get("x-csrf-token", "") == visit.csrf

    def _not_found_page(self, visit: Visit, request: Request) -> HTMLResponse:
        return self._page(visit, "not_found", self._language(visit, request), status_code=404)

    # ----- signed out ---------------------------------------------------------------------

    async def landing(self, request: Request) -> Response:
        visit = self._visit(request)
        if visit.account is not None:
            return found(visit.site.link("/home"))
        return self._page(visit, "landing", self._language(visit, request))

    async def login_redirect(self, request: Request) -> Response:
        query = f"?{request.url.query}" if request.url.query else ""
        return found(site_of(request).link("/i/flow/login" + query))

    async def login_page(self, request: Request) -> Response:
        visit = self._visit(request)
        next_path = same_site_path(request.query_params.get("redirect_after_login"), "/home")
        if visit.account is not None:
            return found(visit.site.link(next_path))
        language = language_of(request.headers.get("accept-language", ""))
        config = {
            "task": visit.site.link(TASK_PATH),
            "next": visit.site.link(next_path),
            "lang": language,
            "bearer": WEB_BEARER,
        }
        return self._page(visit, "login", language, {"config": config})

    async def task(self, request: Request) -> Response:
        """X's onboarding API: one call per step of the sign-in flow, driven by the page's script."""
        visit = self._visit(request)
        if not self._csrf_ok(visit, request):
            return _api_error(403, *_CSRF_ERROR)
        header = request.headers.get("x-twitter-client-language") or request.headers.get("accept-language", "")
        t = texts(language_of(header))
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _api_error(400, 214, "Bad request.")
        if request.query_params.get("flow_name") == "login":
            # A new flow, paused at its first step; the username is not known yet.
            return self._step(
                self.state.open_challenge(PLATFORM, "", STEP_IDENTIFIER, prefix=_FLOW_PREFIX), STEP_IDENTIFIER
            )
        flow_token = body.get("flow_token")
        inputs = body.get("subtask_inputs")
        answer = inputs[0] if isinstance(inputs, list) and inputs and isinstance(inputs[0], dict) else {}
        step = answer.get("subtask_id")
        paused = (
            self.state.challenge(PLATFORM, flow_token, step) if isinstance(flow_token, str) and step in _STEPS else None
        )
        if paused is None or not isinstance(flow_token, str):
            return _api_error(400, 366, "The flow token is invalid or has expired.")
        if step == STEP_IDENTIFIER:
            return self._identifier_step(flow_token, _text(answer, "settings_list", "setting_responses"), t)
        account = find_account(paused.username)
        if account is None:
            return _api_error(400, 366, "The flow token is invalid or has expired.")
        if step == STEP_ALTERNATE:
            if find_by_identifier(_text(answer, "enter_text", "text")) != account:
                return _api_error(400, 399, t["err_wrong_identifier"])
            return self._advance(flow_token, account, STEP_PASSWORD, identifier=handle_of(account))
        if step == STEP_PASSWORD:
            return self._password_step(visit, flow_token, account, _text(answer, "enter_password", "password"), t)
        if step == STEP_CODE:
            self.state.count_code(PLATFORM, account.username)
            if not _code_accepted(account, _text(answer, "enter_text", "text").strip()):
                return _api_error(400, 399, t["err_wrong_code"])
            return self._signed_in(visit, flow_token, account)
        # Only a person can solve the Arkose puzzle: no answer to that step is ever accepted.
        return _api_error(400, 399, t["toast_generic"])

    def _identifier_step(self, flow_token: str, identifier: str, t: dict[str, str]) -> JSONResponse:
        account = find_by_identifier(identifier)
        if account is None:
            return _api_error(400, 399, t["err_unknown_account"])
        after = STEP_ALTERNATE if account.variant == "extra_identifier" else STEP_PASSWORD
        return self._advance(flow_token, account, after, identifier=identifier.strip())

    def _password_step(
        self, visit: Visit, flow_token: str, account: DemoAccount, password: str, t: dict[str, str]
    ) -> JSONResponse:
        self.state.count_password(PLATFORM, account.username)
        if password != account.password:
            return _api_error(400, 399, t["err_wrong_password"])
        if account.variant in ("two_factor", "authenticator"):
            channel = "app" if account.variant == "authenticator" else "sms"
            return self._advance(flow_token, account, STEP_CODE, channel=channel)
        if account.variant == "captcha":
            return self._advance(flow_token, account, STEP_ARKOSE)
        return self._signed_in(visit, flow_token, account)

    def _step(self, flow_token: str, step: str, **data: str) -> JSONResponse:
        return JSONResponse({"flow_token": flow_token, "status": "success", "subtasks": [{"subtask_id": step, **data}]})

    def _advance(self, flow_token: str, account: DemoAccount, step: str, **data: str) -> JSONResponse:
        """Pause the sign-in at its next step: the old flow token is spent, a new one names the step."""
        self.state.close_challenge(PLATFORM, flow_token)
        new_token = self.state.open_challenge(PLATFORM, account.username, step, prefix=_FLOW_PREFIX)
        return self._step(new_token, step, **data)

    def _signed_in(self, visit: Visit, flow_token: str, account: DemoAccount) -> JSONResponse:
        self.state.close_challenge(PLATFORM, flow_token)
        user = {"id_str": str(user_id_of(account)), "screen_name": handle_of(account)}
        response = JSONResponse(
            {
                "flow_token": None,
                "status": "success",
                "subtasks": [{"subtask_id": STEP_SUCCESS, "open_account": {"user": user}}],
            }
        )
        token = self.state.open_session(PLATFORM, account.username)
        set_cookie(response, visit.site, AUTH_COOKIE, token, http_only=True, max_age=_AUTH_MAX_AGE)
        # A signed-in ct0 replaces the guest one, as on the real site.
        set_cookie(response, visit.site, CSRF_COOKIE, secrets.token_hex(80), http_only=False, max_age=_AUTH_MAX_AGE)
        set_cookie(response, visit.site, "twid", f"u%3D{user_id_of(account)}", http_only=False, max_age=_AUTH_MAX_AGE)
        return response

    async def locked_page(self, request: Request) -> Response:
        visit = self._visit(request)
        # Nothing here leads anywhere: unlocking is for the person (an Arkose puzzle on the real site).
        return self._page(visit, "locked", self._language(visit, request))

    async def placeholder(self, request: Request) -> Response:
        visit = self._visit(request)
        redirect = self._signed_in_only(visit, request)
        if redirect is not None or visit.account is None:
            return redirect or self._not_found_page(visit, request)
        title_key = _PLACEHOLDERS[route_path(request)]
        return self._page(visit, "placeholder", visit.account.language, {"title_key": title_key})

    async def not_found(self, request: Request) -> Response:
        visit = self._visit(request)
        # Any one-segment path is a profile on the real site: the signed-in person's own is a placeholder.
        if visit.account is not None and route_path(request).strip("/").lower() == handle_of(visit.account):
            return self._page(visit, "placeholder", visit.account.language, {"title_key": "nav_profile"})
        return self._not_found_page(visit, request)

    # ----- signed in ----------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        visit = self._visit(request)
        redirect = self._signed_in_only(visit, request)
        if redirect is not None or visit.account is None:
            return redirect or self._not_found_page(visit, request)
        return self._page(visit, "home", visit.account.language, {"active": "home"})

    async def logout_page(self, request: Request) -> Response:
        visit = self._visit(request)
        if visit.account is None:
            return found(visit.site.link("/"))
        config = {
            "api": visit.site.link("/i/api/1.1/account/logout.json"),
            "home": visit.site.link("/"),
            "lang": visit.account.language,
            "bearer": WEB_BEARER,
        }
        return self._page(visit, "logout", visit.account.language, {"config": config})

    async def logout(self, request: Request) -> Response:
        visit = self._visit(request)
        if not self._csrf_ok(visit, request):
            return _api_error(403, *_CSRF_ERROR)
        self.state.close_session(PLATFORM, visit.token)
        response = JSONResponse({"status": "ok"})
        delete_cookie(response, visit.site, AUTH_COOKIE)
        delete_cookie(response, visit.site, "twid")
        return response

    async def settings_root(self, request: Request) -> Response:
        visit = self._visit(request)
        return self._signed_in_only(visit, request) or found(visit.site.link("/settings/account"))

    def _settings_context(self, category: str) -> dict[str, Any]:
        return {"active": "settings", "categories": [c.slug for c in CATEGORIES], "category": category}

    async def settings_page(self, request: Request) -> Response:
        visit = self._visit(request)
        redirect = self._signed_in_only(visit, request)
        if redirect is not None or visit.account is None:
            return redirect or self._not_found_page(visit, request)
        slug = request.path_params["slug"]
        language = visit.account.language
        if slug in CATEGORY_BY_SLUG:
            category = CATEGORY_BY_SLUG[slug]
            context = self._settings_context(slug) | {"title_key": f"cat_{slug}", "intro_key": category.intro_key}
            return self._page(visit, "settings_category", language, context | {"sections": category.sections})
        if slug in INFO_PAGES:
            context = self._settings_context(INFO_PAGES[slug]) | {"title_key": f"row_{slug}", "back": INFO_PAGES[slug]}
            return self._page(visit, "settings_info", language, context)
        return self._not_found_page(visit, request)

    async def grok_page(self, request: Request) -> Response:
        visit = self._visit(request)
        redirect = self._signed_in_only(visit, request)
        account = visit.account
        if redirect is not None or account is None:
            return redirect or self._not_found_page(visit, request)
        t = texts(account.language)
        training_label = t["grok_training_2024" if account.variant == "old_wording" else "grok_training"]
        boxes = [
            (TRAINING_KEY, training_label),
            (PERSONALIZATION_KEY, t["grok_personalization"]),
            (MEMORY_KEY, t["grok_memory"]),
        ]
        behaviour = page_behaviour(account.variant)
        if not behaviour.offered:
            # The redesign dropped the training box; the look-alikes stay and take its place in the numbering.
            boxes = boxes[1:]
        config = {
            "query": visit.site.link(SCREEN_QUERY.path) + "?variables=" + quote("{}"),
            "mutations": {
                op.key: {"url": visit.site.link(op.path), "queryId": op.query_id, "variable": op.variable}
                for op in MUTATIONS
            },
            "deleteKey": DELETE_HISTORY_KEY,
            "keys": [key for key, _ in boxes],
            "saveDelayMs": behaviour.save_delay_ms,
            "lang": account.language,
            "bearer": WEB_BEARER,
        }
        context = self._settings_context("privacy_and_safety") | {"boxes": boxes, "config": config}
        return self._page(visit, "grok_settings", account.language, context)

    async def graphql(self, request: Request) -> Response:
        visit = self._visit(request)
        operation = OPERATIONS.get(request.path_params["query_id"])
        if operation is None or operation.name != request.path_params["name"]:
            return _api_error(404, 34, "Sorry, that page does not exist.")
        account = visit.account
        if account is None:
            return _api_error(401, 32, "Could not authenticate you.")
        if not self._csrf_ok(visit, request):
            return _api_error(403, *_CSRF_ERROR)
        if operation == SCREEN_QUERY:
            if request.method != "GET":
                return _api_error(405, 0, "Method not allowed.")
            return await self._read_preferences(account)
        if request.method != "POST":
            return _api_error(405, 0, "Method not allowed.")
        return await self._mutate(account, operation, request)

    async def _read_preferences(self, account: DemoAccount) -> Response:
        await asyncio.sleep(LATE_READ_DELAY_SECONDS if account.variant == LATE else READ_DELAY_SECONDS)
        # Read after the delay: the answer is the stored value when it is sent.
        settings = self.state.settings(PLATFORM, account.username)
        preferences = {key: settings[key] for key in SETTING_KEYS}
        return JSONResponse({"data": {"viewer": {"user_preferences": preferences}}})

    async def _mutate(self, account: DemoAccount, operation: Operation, request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        variables = body.get("variables") if isinstance(body, dict) else None
        if operation.key == DELETE_HISTORY_KEY:
            self.state.write(PLATFORM, account.username, DELETE_HISTORY_KEY, True)
            return JSONResponse({"data": {"grok_conversations_delete": "Done"}})
        requested = variables.get(operation.variable) if isinstance(variables, dict) else None
        if not isinstance(requested, bool):
            return _api_error(400, 0, f"Variable '{operation.variable}' must be a boolean.")
        value = await self.settings.write(account.username, account.variant, operation.key, requested)
        return JSONResponse({"data": {"user_preferences_put": {operation.key: value}}})


def _text(answer: dict[str, Any], part: str, field: str) -> str:
    """A text a step's answer carries: enter_text.text, enter_password.password, or the identifier."""
    value: Any = answer.get(part)
    if not isinstance(value, dict):
        return ""
    value = value.get(field)
    if part == "settings_list":
        # settings_list.setting_responses[0].response_data.text_data.result
        try:
            value = value[0]["response_data"]["text_data"]["result"]
        except (TypeError, LookupError):
            return ""
    return value if isinstance(value, str) else ""
