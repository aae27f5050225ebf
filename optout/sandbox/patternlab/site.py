"""The Pattern Lab's handlers: a landing page, a sign-in form, a home, the settings and privacy pages
(each account's pattern), the switch's JSON API, a help link that leads nowhere, and `/show/{pattern}`
that signs a pattern's account in for a class to open without typing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from optout.patterns.catalogue import CATALOGUE, pattern

from ..catalog import DemoAccount
from ..platform import SandboxContext
from ..web import Site, delete_cookie, form_fields, found, route_path, same_site_path, see_other, set_cookie, site_of
from .accounts import CLEAN, PASSWORD, PLATFORM, find, for_variant
from .text import language_of, texts

SESSION_COOKIE = "lab_session"
TRAINING_KEY = "ai_training"
SETTINGS_API = "/api/settings/ai-training"
PRIVACY = "/settings/privacy"
DATA = "/settings/privacy/data"
DATA_AI = "/settings/privacy/data/ai"
HELP = "/help/ai-training"

#: Variants whose switch asks for a confirmation before it saves off, and the dialog each shows:
#: (text key of the dialog's words, opt-out button, keep button, whether the buttons look alike).
DIALOGS: dict[str, tuple[str, str, str, bool]] = {
    "extra_confirmation": ("dialog_text", "turn_off", "cancel", True),
    "confirmshaming": ("dialog_text", "shame_off", "shame_keep", True),
    "feature_threat": ("threat_text", "turn_off", "threat_keep", True),
    "asymmetric_choice": ("dialog_text", "turn_off", "asym_keep", False),
}


@dataclass(frozen=True)
class Visit:
    site: Site
    account: DemoAccount | None
    token: str | None


class PatternLabSite:
    def __init__(self, context: SandboxContext) -> None:
        self.state = context.state
        self.templates = context.templates
        self.settings = context.settings

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/", self.landing),
            Route("/login", self.login, methods=["GET", "POST"]),
            Route("/logout", self.logout),
            Route("/home", self.home),
            Route("/settings", self.settings_page),
            Route(PRIVACY, self.privacy),
            Route(DATA, self.privacy),
            Route(DATA_AI, self.privacy),
            Route(SETTINGS_API, self.api, methods=["GET", "POST"]),
            Route("/show/{name}", self.show),
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
        full = {
            "base": visit.site.base,
            "lang": language,
            "t": texts(language),
            "account": visit.account,
            **(context or {}),
        }
        return self.templates.page(f"{name}.html", full, status)

    def _signed_in_only(self, visit: Visit, request: Request) -> Response | None:
        if visit.account is not None:
            return None
        return found(visit.site.link(f"/login?next={quote(route_path(request), safe='')}"))

    def _revert(self, account: DemoAccount) -> None:
        """The silent-revert account's switch is on again whenever a visit starts: at every new sign-in, and
        at home or the settings home (a browser that kept its session comes back through them, as optout's
        saved sessions do, and the verifying reload after a change never does)."""
        if account.variant == "silent_revert" and not self.state.setting(PLATFORM, account.username, TRAINING_KEY):
            # The platform's doing, not a write the person made: not in the write log.
            self.state.platform_sets(PLATFORM, account.username, TRAINING_KEY, True)

    def _open_session(self, account: DemoAccount) -> str:
        self._revert(account)
        return self.state.open_session(PLATFORM, account.username, prefix="lab-")

    def _signed_in(self, visit: Visit, account: DemoAccount, next_path: str) -> Response:
        response = see_other(visit.site.link(next_path))
        set_cookie(response, visit.site, SESSION_COOKIE, self._open_session(account), http_only=True)
        return response

    # ----- signed out ----------------------------------------------------------------------

    async def landing(self, request: Request) -> Response:
        visit = self._visit(request)
        if visit.account is not None:
            return found(visit.site.link("/home"))
        return self._page(visit, "landing", self._language(visit, request))

    async def login(self, request: Request) -> Response:
        visit = self._visit(request)
        language = self._language(visit, request)
        source = request.query_params if request.method == "GET" else await form_fields(request)
        next_path = same_site_path(source.get("next"), "/home")
        if visit.account is not None:
            return found(visit.site.link(next_path))
        context = {"next": next_path, "error": "", "email": ""}
        if request.method == "GET":
            return self._page(visit, "login", language, context)
        email = source.get("email", "")
        account = find(email)
        if account is not None:
            self.state.count_password(PLATFORM, account.username)
        if account is None or source.get("password", "") != PASSWORD:
            error = texts(language)["err_credentials"]
            return self._page(visit, "login", language, context | {"error": error, "email": email})
        return self._signed_in(visit, account, next_path)

    async def logout(self, request: Request) -> Response:
        visit = self._visit(request)
        self.state.close_session(PLATFORM, visit.token)
        response = found(visit.site.link("/"))
        delete_cookie(response, visit.site, SESSION_COOKIE)
        return response

    async def show(self, request: Request) -> Response:
        """Sign the account showing this pattern (a name or an alias) in, and open its home."""
        visit = self._visit(request)
        name = request.path_params["name"]
        known = pattern(name)
        variant = CLEAN if name.strip().lower() == CLEAN else (known.name if known else None)
        account = for_variant(variant) if variant else None
        if account is None:
            names = [CLEAN, *(p.name for p in CATALOGUE)]
            language = self._language(visit, request)
            return self._page(visit, "unknown_pattern", language, {"name": name, "names": names}, status=404)
        return self._signed_in(visit, account, "/home")

    # ----- signed in -----------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        visit = self._visit(request)
        redirect = self._signed_in_only(visit, request)
        if redirect is not None or visit.account is None:
            return redirect or self._not_found(visit, request)
        self._revert(visit.account)
        return self._page(visit, "home", visit.account.language)

    async def settings_page(self, request: Request) -> Response:
        visit = self._visit(request)
        redirect = self._signed_in_only(visit, request)
        if redirect is not None or visit.account is None:
            return redirect or self._not_found(visit, request)
        self._revert(visit.account)
        return self._page(visit, "settings", visit.account.language)

    async def privacy(self, request: Request) -> Response:
        """The privacy page, and for the buried account the two pages below it. What each shows is the
        account's pattern (see the package's docstring)."""
        visit = self._visit(request)
        redirect = self._signed_in_only(visit, request)
        account = visit.account
        if redirect is not None or account is None:
            return redirect or self._not_found(visit, request)
        path = route_path(request)
        variant = account.variant
        buried = variant == "buried"
        if path != PRIVACY and not buried:
            return self._not_found(visit, request)
        language = account.language
        if variant == "language_discontinuity" and path == PRIVACY:
            language = "en"  # the one page left untranslated
        stored = self.state.setting(PLATFORM, account.username, TRAINING_KEY)
        switch_here = not (variant == "dead_end" or (buried and path != DATA_AI))
        dialog = DIALOGS.get(variant)
        context = {
            "path": path,
            "heading": {PRIVACY: "privacy_heading", DATA: "data_heading", DATA_AI: "ai_heading"}[path],
            "link": _link(variant, path),
            "switch": switch_here,
            "switch_name": "switch_double_negative" if variant == "double_negative" else "switch",
            "checked": stored,
            "dialog": dialog,
            "nag": variant == "nag_after_optout",
            "caveat": variant == "scope_caveat",
            "config": {"api": visit.site.link(SETTINGS_API), "confirm": dialog is not None},
        }
        return self._page(visit, "privacy", language, context)

    # ----- API -----------------------------------------------------------------------------

    async def api(self, request: Request) -> Response:
        """GET: `{"value": bool}`, the stored setting. POST `{"value": bool}`: saved, answered with what is stored."""
        account = self._visit(request).account
        if account is None:
            return JSONResponse({"error": "not signed in"}, status_code=401)
        if account.variant == "dead_end":
            return JSONResponse({"error": "not available"}, status_code=404)
        if request.method == "GET":
            return await self.settings.read_response(account.username, account.variant, TRAINING_KEY)
        return await self.settings.write_response(request, account.username, account.variant, TRAINING_KEY)

    # ----- errors --------------------------------------------------------------------------

    def _not_found(self, visit: Visit, request: Request) -> HTMLResponse:
        return self._page(visit, "not_found", self._language(visit, request), status=404)

    async def not_found(self, request: Request) -> Response:
        return self._not_found(self._visit(request), request)


def _link(variant: str, path: str) -> tuple[str, str] | None:
    """The link a page shows instead of the switch (its text key and path): the buried account's way
    down, and the dead end's link to a help page that does not exist."""
    if variant == "buried":
        return {PRIVACY: ("data_link", DATA), DATA: ("ai_link", DATA_AI)}.get(path)
    if variant == "dead_end":
        return ("ai_link", HELP)
    return None
