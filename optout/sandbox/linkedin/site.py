"""The LinkedIn replica: sign-in, checkpoints, feed and the settings app.

Routes use the real site's paths; the app mounts them under /linkedin. Signed-in pages show the global
navigation bar (`#global-nav`), except the settings app (`/mypreferences/d/...`), which shows its own
header, its menu of categories (`nav` "Settings"/"Préférences") and, on a setting's page, the back link
(`a[data-control-name=back_link]`).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..behaviours import page_behaviour
from ..catalog import DemoAccount, match_account
from ..platform import SandboxContext
from ..web import Site, delete_cookie, form_fields, route_path, see_other, set_cookie, site_of
from .accounts import ACCOUNTS, DEMO_PIN, PLATFORM
from .catalog import (
    AI_KEY,
    AI_SLUG,
    API_PREFIX,
    CATEGORIES,
    CATEGORY_PREFIX,
    INFO_SLUGS,
    MOVED_AI_SLUG,
    PARENT_CATEGORY,
    RESEARCH_KEY,
    RESEARCH_SLUG,
    SETTING_KEYS,
    SETTINGS_PREFIX,
    WRITING_KEY,
    Switch,
    ai_slug_for,
    row_shows_value,
    row_slug,
)
from .text import language_of, texts

AUTH_COOKIE = "li_at"
CSRF_COOKIE = "JSESSIONID"
_AUTH_MAX_AGE = 30 * 24 * 3600
_JSESSIONID = re.compile(r"^ajax:\d{19}$")


@dataclass(frozen=True)
class Visit:
    """One request as the site sees it: where it came from, who is signed in, its CSRF token."""

    site: Site
    account: DemoAccount | None
    token: str | None
    csrf: str
    csrf_is_new: bool


def _new_csrf() -> str:
    return "ajax:" + "".join(secrets.choice("0123456789") for _ in range(19))


def _masked_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}"


class LinkedInSite:
    """Handlers of the LinkedIn replica, bound to one sandbox state."""

    def __init__(self, context: SandboxContext) -> None:
        self.state = context.state
        self.templates = context.templates
        self.settings = context.settings

    def routes(self) -> list[BaseRoute]:
        placeholders = [
            "/mynetwork/",
            "/jobs/",
            "/messaging/",
            "/notifications/",
            "/in/{slug}/",
            "/help/linkedin/{rest:path}",
            "/signup",
            "/checkpoint/rp/request-password-reset",
        ]
        return [
            Route("/", self.home),
            Route("/login", self.login_page),
            Route("/uas/login", self.login_page),
            Route("/checkpoint/lg/login-submit", self.login_submit, methods=["POST"]),
            Route("/checkpoint/lg/remember-me-submit", self.remember_me_submit, methods=["POST"]),
            # Before the app challenge's catch-all id, so that "verify" stays the PIN page.
            Route("/checkpoint/challenge/verify", self.pin_challenge, methods=["GET", "POST"]),
            Route("/checkpoint/challenge/{challenge_id}", self.app_challenge),
            Route("/checkpoint/challengesV2/{challenge_id}", self.captcha_page),
            Route("/checkpoint/rp/restricted", self.restricted_page),
            Route("/authwall", self.authwall),
            Route("/feed", self.feed_slash),
            Route("/feed/", self.feed),
            Route("/m/logout/", self.logout),
            Route(CATEGORY_PREFIX + "{category}", self.category_page),
            Route(SETTINGS_PREFIX + "{slug}", self.setting_page),
            Route(API_PREFIX + "{key}", self.read_setting, methods=["GET"]),
            Route(API_PREFIX + "{key}", self.write_setting, methods=["POST"]),
            *(Route(path, self.placeholder) for path in placeholders),
            Route("/{path:path}", self.not_found, methods=None),
        ]

    # ----- request plumbing -------------------------------------------------------------

    def _visit(self, request: Request) -> Visit:
        token = request.cookies.get(AUTH_COOKIE)
        username = self.state.session_user(PLATFORM, token)
        account = match_account(ACCOUNTS, username) if username else None
        cookie = request.cookies.get(CSRF_COOKIE, "").strip('"')
        fresh = not _JSESSIONID.match(cookie)
        return Visit(
            site=site_of(request),
            account=account,
            token=token if account else None,
            csrf=_new_csrf() if fresh else cookie,
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
        always_set_csrf: bool = False,
    ) -> HTMLResponse:
        account = visit.account
        full = {
            "base": visit.site.base,
            "lang": language,
            "t": texts(language),
            "account": account,
            "display_name": account.username.split("@")[0].capitalize() if account else "",
            "active": "",
            **(context or {}),
        }
        response = self.templates.page(f"{name}.html", full, status_code)
        if visit.csrf_is_new or always_set_csrf:
            set_cookie(response, visit.site, CSRF_COOKIE, visit.csrf, http_only=False)
        return response

    def _language(self, visit: Visit, request: Request) -> str:
        if visit.account is not None:
            return visit.account.language
        return language_of(request.headers.get("accept-language", ""))

    def _authwall_redirect(self, visit: Visit, request: Request) -> Response:
        original = route_path(request) + (f"?{request.url.query}" if request.url.query else "")
        target = quote(visit.site.link(original), safe="")
        return see_other(visit.site.link(f"/authwall?sessionRedirect={target}"))

    def _open_session(self, response: Response, visit: Visit, account: DemoAccount) -> None:
        # "AQEDA" mimics the prefix of real li_at values.
        token = self.state.open_session(PLATFORM, account.username, prefix="AQEDA")
        set_cookie(response, visit.site, AUTH_COOKIE, token, http_only=True, max_age=_AUTH_MAX_AGE)
        set_cookie(response, visit.site, "liap", "true", http_only=False, max_age=_AUTH_MAX_AGE)

    def _sign_in(self, visit: Visit, account: DemoAccount) -> Response:
        # Absolute on purpose when mapped: the real site redirects to another full URL.
        response = see_other(visit.site.absolute("/feed/"))
        self._open_session(response, visit, account)
        if visit.csrf_is_new:
            set_cookie(response, visit.site, CSRF_COOKIE, visit.csrf, http_only=False)
        return response

    def _csrf_failed(self, visit: Visit, language: str) -> HTMLResponse:
        return self._page(visit, "csrf_failed", language, status_code=403)

    def _not_found_page(self, visit: Visit, request: Request) -> HTMLResponse:
        return self._page(visit, "not_found", self._language(visit, request), status_code=404)

    # ----- signed out ---------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        visit = self._visit(request)
        return see_other(visit.site.link("/feed/" if visit.account else "/login"))

    async def login_page(self, request: Request) -> Response:
        visit = self._visit(request)
        if visit.account is not None:
            return see_other(visit.site.link("/feed/"))
        return self._login_form(visit, language_of(request.headers.get("accept-language", "")))

    def _login_form(
        self, visit: Visit, language: str, username: str = "", error_username: str = "", error_password: str = ""
    ) -> HTMLResponse:
        context = {
            "csrf_token": visit.csrf,
            "username": username,
            "error_username": error_username,
            "error_password": error_password,
        }
        # The token in the form must equal the cookie, so the cookie is (re)sent with every form.
        return self._page(visit, "login", language, context, always_set_csrf=True)

    async def login_submit(self, request: Request) -> Response:
        visit = self._visit(request)
        language = language_of(request.headers.get("accept-language", ""))
        form = await form_fields(request)
        if visit.csrf_is_new or form.get("csrfToken") != visit.csrf:
            return self._csrf_failed(visit, language)
        username = form.get("session_key", "").strip()
        password = form.get("session_password", "")
        t = texts(language)
        account = match_account(ACCOUNTS, username) if username else None
        if account is None:
            error = t["err_unknown_user"] if username else t["err_no_username"]
            return self._login_form(visit, language, username, error_username=error)
        self.state.count_password(PLATFORM, account.username)
        if password != account.password:
            error = t["err_wrong_password"] if password else t["err_no_password"]
            return self._login_form(visit, language, username, error_password=error)
        if account.variant == "pin":
            challenge = self.state.open_challenge(PLATFORM, account.username, "pin")
            return see_other(visit.site.link(f"/checkpoint/challenge/verify?challengeId={challenge}"))
        if account.variant == "captcha":
            challenge = self.state.open_challenge(PLATFORM, account.username, "captcha")
            return see_other(visit.site.link(f"/checkpoint/challengesV2/{challenge}"))
        if account.variant == "restricted":
            return see_other(visit.site.link("/checkpoint/rp/restricted"))
        if account.variant == "app_approval":
            challenge = self.state.open_challenge(PLATFORM, account.username, "app", prefix="AgH")
            ut = secrets.token_urlsafe(16)
            return see_other(visit.site.link(f"/checkpoint/challenge/{challenge}?ut={ut}"))
        if account.variant == "remember_me":
            # Already signed in (li_at is set), yet answered in place: the URL stays on login-submit.
            context = {"account": None, "csrf_token": visit.csrf}
            response = self._page(visit, "remember_me", account.language, context)
            self._open_session(response, visit, account)
            return response
        return self._sign_in(visit, account)

    async def remember_me_submit(self, request: Request) -> Response:
        visit = self._visit(request)
        if visit.account is None:
            return see_other(visit.site.link("/login"))
        form = await form_fields(request)
        if visit.csrf_is_new or form.get("csrfToken") != visit.csrf:
            return self._csrf_failed(visit, visit.account.language)
        # Either answer goes on to the feed: the sandbox keeps no per-browser memory.
        return see_other(visit.site.absolute("/feed/"))

    async def pin_challenge(self, request: Request) -> Response:
        visit = self._visit(request)
        form = await form_fields(request) if request.method == "POST" else {}
        challenge_id = form.get("challengeId") or request.query_params.get("challengeId", "")
        challenge = self.state.challenge(PLATFORM, challenge_id, "pin")
        account = match_account(ACCOUNTS, challenge.username) if challenge else None
        if account is None:
            return see_other(visit.site.link("/login"))
        error = ""
        if request.method == "POST":
            if visit.csrf_is_new or form.get("csrfToken") != visit.csrf:
                return self._csrf_failed(visit, account.language)
            self.state.count_code(PLATFORM, account.username)
            if form.get("pin", "").strip() == DEMO_PIN:
                self.state.close_challenge(PLATFORM, challenge_id)
                return self._sign_in(visit, account)
            error = texts(account.language)["err_wrong_pin"]
        context = {
            "challenge_id": challenge_id,
            "csrf_token": visit.csrf,
            "email": _masked_email(account.username),
            "error": error,
        }
        return self._page(visit, "pin", account.language, context)

    async def captcha_page(self, request: Request) -> Response:
        visit = self._visit(request)
        challenge = self.state.challenge(PLATFORM, request.path_params["challenge_id"], "captcha")
        account = match_account(ACCOUNTS, challenge.username) if challenge else None
        language = account.language if account else self._language(visit, request)
        # Nothing on this page leads anywhere: a CAPTCHA is for a person.
        return self._page(visit, "captcha", language)

    async def app_challenge(self, request: Request) -> Response:
        visit = self._visit(request)
        challenge = self.state.challenge(PLATFORM, request.path_params["challenge_id"], "app")
        account = match_account(ACCOUNTS, challenge.username) if challenge else None
        if account is None:
            return see_other(visit.site.link("/login"))
        # Only a tap in the phone app would go on, and the sandbox has no app: nothing here leads anywhere.
        return self._page(visit, "app_approval", account.language)

    async def restricted_page(self, request: Request) -> Response:
        visit = self._visit(request)
        return self._page(visit, "restricted", self._language(visit, request))

    async def authwall(self, request: Request) -> Response:
        visit = self._visit(request)
        return self._page(visit, "authwall", self._language(visit, request))

    async def logout(self, request: Request) -> Response:
        visit = self._visit(request)
        self.state.close_session(PLATFORM, visit.token)
        response = see_other(visit.site.link("/login"))
        delete_cookie(response, visit.site, AUTH_COOKIE)
        delete_cookie(response, visit.site, "liap")
        return response

    async def placeholder(self, request: Request) -> Response:
        visit = self._visit(request)
        return self._page(visit, "placeholder", self._language(visit, request))

    async def not_found(self, request: Request) -> Response:
        return self._not_found_page(self._visit(request), request)

    # ----- signed in ----------------------------------------------------------------------

    async def feed_slash(self, request: Request) -> Response:
        return see_other(site_of(request).link("/feed/"))

    async def feed(self, request: Request) -> Response:
        visit = self._visit(request)
        if visit.account is None:
            return self._authwall_redirect(visit, request)
        return self._page(visit, "feed", visit.account.language, {"active": "feed"})

    async def category_page(self, request: Request) -> Response:
        visit = self._visit(request)
        account = visit.account
        if account is None:
            return self._authwall_redirect(visit, request)
        category = request.path_params["category"]
        if category not in CATEGORIES:
            return self._not_found_page(visit, request)
        t = texts(account.language)
        settings = self.state.settings(PLATFORM, account.username)
        sections = [
            {
                "heading": t[section.heading_key],
                "rows": [
                    {
                        "href": SETTINGS_PREFIX + row_slug(row, account),
                        "title": t[row.title_key],
                        "value": (t["on"] if settings[row.value_key] else t["off"])
                        if row.value_key and row_shows_value(row, account)
                        else None,
                    }
                    for row in section.rows
                ],
            }
            for section in CATEGORIES[category]
        ]
        context = {"categories": list(CATEGORIES), "category": category, "sections": sections}
        return self._page(visit, "settings_category", account.language, context)

    async def setting_page(self, request: Request) -> Response:
        visit = self._visit(request)
        account = visit.account
        if account is None:
            return self._authwall_redirect(visit, request)
        slug = request.path_params["slug"]
        t = texts(account.language)
        settings = self.state.settings(PLATFORM, account.username)
        context: dict[str, Any] = {
            "back_href": CATEGORY_PREFIX + PARENT_CATEGORY.get(slug, "privacy"),
            "api_base": visit.site.link(API_PREFIX),
            "late_render_ms": 0,
            "save_delay_ms": 0,
            "notice": "",
            "switches": [],
        }
        if slug == ai_slug_for(account):
            context |= self._ai_setting(account, settings)
        elif slug in (AI_SLUG, MOVED_AI_SLUG):
            return self._not_found_page(visit, request)
        elif slug == RESEARCH_SLUG:
            context |= {
                "title": t["research_title"],
                "question": t["research_question"],
                "switches": [
                    Switch(RESEARCH_KEY, t["research_switch"], t["research_description"], settings[RESEARCH_KEY])
                ],
            }
        elif slug in INFO_SLUGS:
            context |= {"title": t[f"row_{slug}"], "question": t["info_text"]}
        else:
            return self._not_found_page(visit, request)
        return self._page(visit, "setting", account.language, context)

    def _ai_setting(self, account: DemoAccount, settings: dict[str, bool]) -> dict[str, Any]:
        t = texts(account.language)
        behaviour = page_behaviour(account.variant)
        if not behaviour.offered:
            # The redesign dropped the AI switch and shows an unrelated one in its place.
            return {
                "title": t["ai_title"],
                "question": "",
                "notice": t["updating"],
                "switches": [Switch(WRITING_KEY, t["writing_switch"], t["writing_description"], settings[WRITING_KEY])],
            }
        # Ember ids change on every render, so nothing may rely on a covered toggle's id.
        toggle_id = f"adToggle_ember{100 + secrets.randbelow(900)}" if behaviour.covered else None
        switch = Switch(
            AI_KEY,
            t["ai_switch"],
            t["ai_description"],
            behaviour.shown(settings[AI_KEY]),
            hydrating=behaviour.hydrate == "busy",
            late_hydration_ms=behaviour.hydrate_after_load_ms,
            toggle_id=toggle_id,
        )
        return {
            "title": t["ai_title"],
            "question": t["ai_question"],
            "late_render_ms": behaviour.late_render_ms,
            "save_delay_ms": behaviour.save_delay_ms,
            "switches": [switch],
        }

    def _api_call(self, request: Request) -> tuple[DemoAccount, str] | JSONResponse:
        """The account and setting key of a settings API call, or the error to answer with."""
        visit = self._visit(request)
        account = visit.account
        if account is None:
            return JSONResponse({"error": "not signed in"}, status_code=403)
        if visit.csrf_is_new or request.headers.get("csrf-token", "").strip('"') != visit.csrf:
            return JSONResponse({"error": "CSRF check failed"}, status_code=403)
        key = request.path_params["key"]
        if key not in SETTING_KEYS:
            return JSONResponse({"error": "unknown setting"}, status_code=404)
        return account, key

    async def read_setting(self, request: Request) -> Response:
        call = self._api_call(request)
        if isinstance(call, Response):
            return call
        account, key = call
        return await self.settings.read_response(account.username, account.variant, key)

    async def write_setting(self, request: Request) -> Response:
        call = self._api_call(request)
        if isinstance(call, Response):
            return call
        account, key = call
        return await self.settings.write_response(request, account.username, account.variant, key)
