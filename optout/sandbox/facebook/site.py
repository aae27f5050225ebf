"""Meta's replica, the same handlers for Facebook and Instagram (each a `MetaBrand`): the landing page,
the sign-in form and its challenges, the cookie dialog, the home page and the objection form, at the
real paths (docs/platforms/facebook.md §6; Instagram's own facts page has the same sections). The app
mounts them under /<platform>; a request names its host when mapped (`site.on_host`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from ..behaviours import LATE, LATE_RENDER_MS
from ..catalog import DemoAccount
from ..platform import SandboxContext
from ..web import Site, Templates, form_fields, found, route_path, same_site_path, see_other, set_cookie, site_of
from .accounts import email_on_file
from .catalog import AI_USE_KEY, CODE_FIELD, EMAIL_FIELD, OBJECTION_FORM, REASON_FIELD, MetaBrand
from .text import language_of

#: Every form page hydrates after load; the `late` account's much later [unverified timing].
HYDRATE_MS = 300
_SESSION_MAX_AGE = 365 * 24 * 3600
_CONSENT_MAX_AGE = 400 * 24 * 3600
#: The objection form's answers, as recorded in the state's `submissions`.
RECEIVED = "received"


class MetaSite:
    """Handlers of one Meta site, bound to one sandbox state."""

    def __init__(
        self,
        context: SandboxContext,
        brand: MetaBrand,
        find: Callable[[str], DemoAccount | None],
        templates: Templates | None = None,
    ) -> None:
        self.state = context.state
        self.brand = brand
        self.find = find
        self.templates = templates or context.templates

    def routes(self) -> list[BaseRoute]:
        b = self.brand
        routes: list[BaseRoute] = [
            Route("/", self.root),
            Route(b.login_path, self.login, methods=["GET", "POST"]),
            Route(b.two_factor_path, self.two_factor, methods=["GET", "POST"]),
            Route(b.checkpoint_path, self.checkpoint),
            Route(b.locked_path, self.locked),
            Route(b.consent_path, self.consent, methods=["POST"]),
            Route(b.form_path, self.objection_form, methods=["GET", "POST"]),
        ]
        if b.onetap_path:
            routes.append(Route(b.onetap_path, self.onetap, methods=["GET", "POST"]))
        return [*routes, Route("/{path:path}", self.not_found, methods=None)]

    # ----- plumbing -----------------------------------------------------------------------------

    def _account(self, request: Request) -> DemoAccount | None:
        username = self.state.session_user(self.brand.platform, request.cookies.get(self.brand.session_cookie))
        return self.find(username) if username else None

    def _language(self, request: Request, account: DemoAccount | None = None) -> str:
        if account is not None:
            return account.language
        return language_of(request.headers.get("accept-language", ""))

    def _page(self, request: Request, name: str, language: str, status: int = 200, **context: Any) -> HTMLResponse:
        site = site_of(request)
        here = route_path(request)
        query = f"?{request.url.query}" if request.url.query else ""
        full = {
            "base": site.base,
            "lang": language,
            "t": self.brand.texts(language),
            "brand": self.brand,
            # The cookie dialog covers every page until answered, then a cookie remembers it [unverified].
            "consent_needed": self.brand.consent_cookie not in request.cookies,
            "here": here + query,
            **context,
        }
        return self.templates.page(f"{name}.html", full, status)

    def _set_cookie(
        self, response: Response, site: Site, name: str, value: str, max_age: int, *, http_only: bool
    ) -> None:
        if site.mapped:
            # On the parent domain, as Meta's: a session from www.instagram.com counts on help.instagram.com.
            response.set_cookie(
                name,
                value,
                max_age=max_age,
                path="/",
                domain=self.brand.cookie_domain,
                secure=True,
                httponly=http_only,
                samesite="none",
            )
        else:
            set_cookie(response, site, name, value, http_only=http_only, max_age=max_age)

    def _after_sign_in(self, site: Site, value: str | None) -> str:
        """Where `next` leads after sign-in: a page of this site's own hosts only, else home."""
        parts = urlsplit(value or "")
        hosts = (None, self.brand.main_host, self.brand.form_host)
        if parts.hostname not in hosts or not parts.path.startswith("/") or parts.path.startswith("//"):
            return site.absolute("/", host=self.brand.main_host)
        query = f"?{parts.query}" if parts.query else ""
        return site.absolute(parts.path + query, host=parts.hostname or self.brand.main_host)

    def _sign_in_first(self, request: Request) -> Response:
        site = site_of(request)
        # Mapped, the form's full URL, as Meta's `next`; direct, its real path (the prefix is added once, after).
        form = site.absolute(self.brand.form_path, host=self.brand.form_host) if site.mapped else self.brand.form_path
        back = quote(form, safe="")
        return found(site.absolute(f"{self.brand.login_path}?next={back}", host=self.brand.main_host))

    async def not_found(self, request: Request) -> Response:
        return self._page(request, "not_found", self._language(request, self._account(request)), status=404)

    # ----- the site's own pages -----------------------------------------------------------------

    async def root(self, request: Request) -> Response:
        site = site_of(request)
        if not site.on_host(self.brand.main_host):
            return await self.not_found(request)
        account = self._account(request)
        if account is None:
            return self._page(request, "landing", self._language(request), follow="", error="", user="")
        handle = account.username.split("@", 1)[0].lstrip("+")
        return self._page(request, "home", account.language, account=account, handle=handle)

    async def consent(self, request: Request) -> Response:
        """The cookie dialog's answer (either button): remembered for the parent domain, back to the page."""
        site = site_of(request)
        fields = await form_fields(request)
        response = see_other(site.link(same_site_path(fields.get("next"), "/")))
        choice = "all" if fields.get("choice") == "allow" else "essential"
        self._set_cookie(response, site, self.brand.consent_cookie, choice, _CONSENT_MAX_AGE, http_only=False)
        return response

    async def login(self, request: Request) -> Response:
        site = site_of(request)
        if not site.on_host(self.brand.main_host):
            return await self.not_found(request)
        language = self._language(request)
        follow = request.query_params.get("next", "")
        if request.method == "GET":
            if self._account(request) is not None:
                return found(self._after_sign_in(site, follow))
            return self._page(request, "login", language, follow=follow, error="", user="")
        fields = await form_fields(request)
        follow = fields.get("next", follow)
        typed = fields.get(self.brand.user_field, "")
        account = self.find(typed)
        if account is None:
            return self._page(request, "login", language, follow=follow, error="unknown_user", user=typed)
        self.state.count_password(self.brand.platform, account.username)
        if fields.get(self.brand.password_field, "") != account.password:
            return self._page(request, "login", language, follow=follow, error="wrong_password", user=typed)
        if account.variant in ("two_factor", "checkpoint", "locked"):
            path = {
                "two_factor": self.brand.two_factor_path,
                "checkpoint": self.brand.checkpoint_path,
                "locked": self.brand.locked_path,
            }[account.variant]
            token = self.state.open_challenge(self.brand.platform, account.username, account.variant, prefix="")
            return see_other(site.link(f"{path}?c={token}"))
        session = self.state.open_session(self.brand.platform, account.username)
        target = self._after_sign_in(site, follow)
        if self.brand.onetap_path:
            # Instagram asks "Save your login info?" before anything else [unverified]; it checks `next` itself.
            target = site.link(f"{self.brand.onetap_path}?next={quote(follow, safe='')}")
        response = see_other(target)
        self._set_cookie(response, site, self.brand.session_cookie, session, _SESSION_MAX_AGE, http_only=True)
        return response

    async def two_factor(self, request: Request) -> Response:
        """The authentication-app code: counted and always refused, since only the person has the app."""
        token = request.query_params.get("c")
        paused = self.state.challenge(self.brand.platform, token, "two_factor")
        language = self._language(request)
        error = ""
        if request.method == "POST" and paused is not None:
            self.state.count_code(self.brand.platform, paused.username)
            error = "code_wrong"
        return self._page(
            request, "challenge", language, heading="two_factor_title", text="two_factor_text", code=True, error=error
        )

    async def checkpoint(self, request: Request) -> Response:
        return self._page(
            request, "challenge", self._language(request), heading="checkpoint_title", text="checkpoint_text"
        )

    async def locked(self, request: Request) -> Response:
        return self._page(request, "challenge", self._language(request), heading="locked_title", text="locked_text")

    async def onetap(self, request: Request) -> Response:
        site = site_of(request)
        account = self._account(request)
        follow = request.query_params.get("next", "")
        if account is None:
            return found(site.link(self.brand.login_path))
        if request.method == "POST":
            # "Save info" and "Not now" both go on; what was chosen changes nothing here.
            return see_other(self._after_sign_in(site, follow))
        return self._page(request, "onetap", account.language, follow=follow)

    # ----- the objection form ---------------------------------------------------------------------

    async def objection_form(self, request: Request) -> Response:
        site = site_of(request)
        if not site.on_host(self.brand.form_host):
            return await self.not_found(request)
        account = self._account(request)
        if account is None:
            return self._sign_in_first(request)
        if request.method == "POST":
            return await self._submitted(request, account)
        return self._form_page(request, account, self._first_view(account))

    def _first_view(self, account: DemoAccount) -> str:
        # Nothing on the page remembers an objection sent through it (optout's history is the record);
        # only the already_objected account's page says one was received [unverified].
        return {"not_offered": "not_offered", "already_objected": "already", "layout_changed": "redesign"}.get(
            account.variant, "form"
        )

    def _form_page(
        self, request: Request, account: DemoAccount, view: str, *, email: str | None = None, error: str = ""
    ) -> HTMLResponse:
        prefill = email_on_file(account) if email is None else email
        return self._page(
            request,
            "form",
            account.language,
            view=view,
            email=prefill or "",
            error=error,
            hydrate_ms=LATE_RENDER_MS if account.variant == LATE else HYDRATE_MS,
            action=site_of(request).link(self.brand.form_path),
        )

    async def _submitted(self, request: Request, account: DemoAccount) -> Response:
        """Every POST is recorded with what it carried; only an accepted objection is stored."""
        platform, username = self.brand.platform, account.username
        fields = await form_fields(request)
        if CODE_FIELD in fields:
            # The e-mailed code: only the person has it, so every code is refused.
            self.state.count_code(platform, username)
            self.state.record_submission(platform, username, OBJECTION_FORM, {CODE_FIELD: "…"}, "code_wrong")
            return self._form_page(request, account, "code", error="code_wrong")
        sent = {EMAIL_FIELD: fields.get(EMAIL_FIELD, "").strip(), REASON_FIELD: fields.get(REASON_FIELD, "")}
        answer, view, error = self._answer(account, sent[EMAIL_FIELD])
        self.state.record_submission(platform, username, OBJECTION_FORM, sent, answer)
        self.state.write(platform, username, AI_USE_KEY, False, store=answer == RECEIVED)
        if answer == "code_required":
            self.state.count_email(platform, username)
        # Received and recorded; answered once a test holding writes lets it (a send still in flight).
        await self.state.until_writes_answered()
        return self._form_page(request, account, view, email=sent[EMAIL_FIELD], error=error)

    def _answer(self, account: DemoAccount, email: str) -> tuple[str, str, str]:
        """(the answer recorded, the view shown, its alert) for one objection sent by this account."""
        variant = account.variant
        if variant == "not_offered":
            return "not_offered", "not_offered", ""
        if variant == "already_objected":
            return "already_received", "already", ""
        if variant == "form_error":
            # The form stays filled in under the alert: a second "Send" would be a second objection.
            return "error", "form", "form_error"
        if "@" not in email:
            return "invalid_email", "form", "invalid_email"
        if variant == "email_code":
            return "code_required", "code", ""
        return RECEIVED, "confirmation", ""
