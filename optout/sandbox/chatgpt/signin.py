"""Sign-in across both origins:

chatgpt.com/auth/login, a landing page whose "Log in" button (NextAuth's signIn: GET /api/auth/csrf, then
a form POST to /api/auth/signin/openai) → auth.openai.com/api/accounts/authorize → /log-in (e-mail) →
/log-in/password [→ /email-verification] → chatgpt.com/api/auth/callback/openai (session cookies) →
chatgpt.com/. From the POST on, every hop is a real redirect.

CSRF is checked at every step: the sign-in POST carries the token of chatgpt.com's csrf cookie,
auth.openai.com's forms carry a token from its signed `login_session` cookie, and chatgpt.com's callback
accepts only the OAuth `state` it set in its own cookie.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from ..catalog import DemoAccount
from ..web import form_fields, see_other
from .accounts import DEMO_CODE, PLATFORM, display_name, find
from .catalog import AUTH_HOST, CHAT_HOST
from .site import (
    AUTH_INFO_COOKIE,
    CSRF_COOKIE,
    LOGIN_COOKIE,
    LOGIN_MAX_AGE,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    STATE_COOKIE,
    Pages,
    Visit,
    cookie_name,
)
from .text import texts

LANDING_PATH = "/auth/login"
CSRF_PATH = "/api/auth/csrf"
SIGN_IN_PATH = "/api/auth/signin/openai"
CALLBACK_PATH = "/api/auth/callback/openai"
#: How long /api/auth/csrf takes to answer: the landing page's buttons render only then, after load.
SIGN_IN_OPTIONS_DELAY_SECONDS = 0.4
CLIENT_ID = "app_sandbox_chatgpt_web"
_JWE_PREFIX = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.."
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _masked(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}"


class SignIn:
    """The sign-in hops of both hosts."""

    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.state = pages.state

    # ----- chatgpt.com ----------------------------------------------------------------------

    async def landing(self, request: Request) -> Response:
        """chatgpt.com/auth/login: the landing page (no form); its buttons render once it has the token."""
        visit = self.pages.visit(request)
        if visit.account is not None:
            return see_other(visit.site.absolute("/", host=CHAT_HOST))
        return self.pages.page(visit, "landing.html", {"boot": signed_out_boot(visit)})

    async def csrf(self, request: Request) -> Response:
        """NextAuth's /api/auth/csrf: the token the sign-in POST must echo, also kept in a cookie."""
        visit = self.pages.visit(request)
        await asyncio.sleep(SIGN_IN_OPTIONS_DELAY_SECONDS)
        name = cookie_name(visit.site, CSRF_COOKIE)
        token = request.cookies.get(name) or secrets.token_hex(32)
        response = JSONResponse({"csrfToken": token})
        if name not in request.cookies:
            self.pages.set_cookie(response, visit.site, CSRF_COOKIE, token, max_age=None)
        return response

    async def start(self, request: Request) -> Response:
        """POST chatgpt.com/api/auth/signin/openai: remember a fresh OAuth state, send the browser to
        auth.openai.com. Without the csrf cookie's token, back to the landing page, as NextAuth does."""
        visit = self.pages.visit(request)
        if visit.account is not None:
            return see_other(visit.site.absolute("/", host=CHAT_HOST))
        form = await form_fields(request)
        expected = request.cookies.get(cookie_name(visit.site, CSRF_COOKIE), "")
        if not expected or not secrets.compare_digest(expected, form.get("csrfToken", "")):
            return see_other(visit.site.absolute(LANDING_PATH, host=CHAT_HOST))
        state = secrets.token_urlsafe(24)
        query = urlencode(
            {
                "client_id": CLIENT_ID,
                "scope": "openid email profile offline_access",
                "response_type": "code",
                "redirect_uri": self._callback_uri(visit),
                "state": state,
                "prompt": "login",
            }
        )
        response = see_other(visit.site.absolute(f"/api/accounts/authorize?{query}", host=AUTH_HOST))
        self.pages.set_cookie(response, visit.site, STATE_COOKIE, state, max_age=LOGIN_MAX_AGE)
        return response

    async def callback(self, request: Request) -> Response:
        """chatgpt.com's OAuth callback: check the state, trade the one-use code for a session."""
        visit = self.pages.visit(request)
        params = request.query_params
        expected = request.cookies.get(cookie_name(visit.site, STATE_COOKIE))
        sent = params.get("state", "")
        if not expected or not secrets.compare_digest(expected, sent):
            return see_other(visit.site.absolute("/api/auth/error?error=OAuthCallback", host=CHAT_HOST))
        code = params.get("code", "")
        grant = self.state.challenge(PLATFORM, code, "oauth_code")
        account = find(grant.username) if grant else None
        if account is None:
            return see_other(visit.site.absolute("/api/auth/error?error=OAuthCallback", host=CHAT_HOST))
        if account.variant == "captcha":
            # Cloudflare stops the request before chatgpt.com sees it: no session, the code stays unused.
            ray = secrets.token_hex(8)
            return see_other(visit.site.absolute(f"/api/auth/error?__cf_chl_rt_tk={ray}", host=CHAT_HOST))
        self.state.close_challenge(PLATFORM, code)
        response = see_other(visit.site.absolute("/", host=CHAT_HOST))
        # NextAuth's session cookie holds a JWE; the sandbox's holds a random token that looks alike.
        token = self.state.open_session(PLATFORM, account.username, prefix=_JWE_PREFIX)
        self.pages.set_cookie(response, visit.site, SESSION_COOKIE, token, max_age=SESSION_MAX_AGE)
        info = quote(json.dumps(_auth_info(account), separators=(",", ":")), safe="")
        self.pages.set_cookie(response, visit.site, AUTH_INFO_COOKIE, info, http_only=False, max_age=SESSION_MAX_AGE)
        self.pages.delete_cookie(response, visit.site, STATE_COOKIE)
        return response

    async def auth_error(self, request: Request) -> Response:
        """chatgpt.com/api/auth/error: NextAuth's error page, or Cloudflare's challenge when it took over."""
        visit = self.pages.visit(request)
        if "__cf_chl_rt_tk" in request.query_params:
            return self._cloudflare(visit, request.query_params["__cf_chl_rt_tk"])
        return self.pages.page(visit, "auth_error.html", status_code=400)

    def _cloudflare(self, visit: Visit, ray: str) -> HTMLResponse:
        widget = f"/cdn-cgi/challenge-platform/h/g/turnstile/if/ov2/av0/rcv0/0/{ray}/challenges.cloudflare.com/"
        context = {"host": CHAT_HOST, "ray_id": ray[:16], "widget_url": visit.site.link(widget)}
        response = self.pages.page(visit, "cf_challenge.html", context, status_code=403)
        # What Cloudflare's interstitials send with their 403.
        response.headers["cf-mitigated"] = "challenge"
        response.headers["server"] = "cloudflare"
        response.headers["cache-control"] = "private, max-age=0, no-store, no-cache, must-revalidate"
        return response

    async def cloudflare_widget(self, request: Request) -> Response:
        """The Turnstile widget's frame (served locally: no request leaves the sandbox)."""
        return self.pages.page(self.pages.visit(request), "cf_widget.html")

    # ----- auth.openai.com ------------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        """Open a sign-in for chatgpt.com's client and its registered callback only."""
        visit = self.pages.visit(request)
        params = request.query_params
        if (
            params.get("client_id") != CLIENT_ID
            or params.get("response_type") != "code"
            or params.get("redirect_uri") != self._callback_uri(visit)
            or not params.get("state")
        ):
            return self._expired(visit)
        login = {"state": params["state"], "csrf": secrets.token_urlsafe(24), "email": None, "code": None}
        response = see_other(visit.site.link("/log-in"))
        self._save(response, visit, login)
        return response

    async def email_step(self, request: Request) -> Response:
        visit = self.pages.visit(request)
        login = self._login(request, visit)
        if login is None:
            return self._expired(visit)
        if request.method == "GET":
            return self._email_form(visit, login, login.get("email") or "", "")
        form = await form_fields(request)
        if not secrets.compare_digest(form.get("csrf_token", ""), login["csrf"]):
            return self._expired(visit, status_code=403)
        email = form.get("email", "").strip()
        t = texts(visit.browser_language)
        if not _EMAIL.match(email):
            return self._email_form(visit, login, email, t["err_email_invalid"])
        account = find(email)
        if account is None:
            return self._email_form(visit, login, email, t["err_unknown_email"])
        login = {**login, "email": account.username, "code": None}
        response = see_other(visit.site.link("/log-in/password"))
        self._save(response, visit, login)
        return response

    def _email_form(self, visit: Visit, login: dict[str, Any], email: str, error: str) -> HTMLResponse:
        context = {"csrf_token": login["csrf"], "email": email, "error": error}
        return self.pages.page(visit, "log_in.html", context, language=visit.browser_language)

    async def password_step(self, request: Request) -> Response:
        visit = self.pages.visit(request)
        login = self._login(request, visit)
        account = find(login["email"]) if login and login.get("email") else None
        if login is None or account is None:
            return self._expired(visit) if login is None else see_other(visit.site.link("/log-in"))
        if request.method == "GET":
            return self._password_form(visit, login, account, "")
        form = await form_fields(request)
        if not secrets.compare_digest(form.get("csrf_token", ""), login["csrf"]):
            return self._expired(visit, status_code=403)
        password = form.get("password", "")
        t = texts(account.language)
        if not password:
            return self._password_form(visit, login, account, t["err_no_password"])
        self.state.count_password(PLATFORM, account.username)
        if not secrets.compare_digest(password.encode(), account.password.encode()):
            return self._password_form(visit, login, account, t["err_wrong_password"])
        if account.variant == "verification":
            challenge = self.state.open_challenge(PLATFORM, account.username, "email_code", prefix="ev_")
            response = see_other(visit.site.link("/email-verification"))
            self._save(response, visit, {**login, "code": challenge})
            return response
        return self._complete(visit, login, account)

    def _password_form(self, visit: Visit, login: dict[str, Any], account: DemoAccount, error: str) -> HTMLResponse:
        context = {"csrf_token": login["csrf"], "email": account.username, "error": error}
        return self.pages.page(visit, "password.html", context, language=account.language)

    async def code_step(self, request: Request) -> Response:
        visit = self.pages.visit(request)
        login = self._login(request, visit)
        if login is None:
            return self._expired(visit)
        challenge = self.state.challenge(PLATFORM, login.get("code"), "email_code")
        account = find(challenge.username) if challenge else None
        if account is None or account.username != login.get("email"):
            return see_other(visit.site.link("/log-in"))
        error = ""
        if request.method == "POST":
            form = await form_fields(request)
            if not secrets.compare_digest(form.get("csrf_token", ""), login["csrf"]):
                return self._expired(visit, status_code=403)
            if form.get("intent") != "resend":
                self.state.count_code(PLATFORM, account.username)
                if form.get("code", "").strip() == DEMO_CODE:
                    self.state.close_challenge(PLATFORM, login["code"])
                    return self._complete(visit, login, account)
                error = texts(account.language)["err_wrong_code"]
        context = {"csrf_token": login["csrf"], "masked_email": _masked(account.username), "error": error}
        return self.pages.page(visit, "email_verification.html", context, language=account.language)

    def _complete(self, visit: Visit, login: dict[str, Any], account: DemoAccount) -> Response:
        """Hand chatgpt.com a one-use code for this account, with the state it sent."""
        code = self.state.open_challenge(PLATFORM, account.username, "oauth_code", prefix="ac_")
        query = urlencode({"code": code, "state": login["state"]})
        response = see_other(visit.site.absolute(f"{CALLBACK_PATH}?{query}", host=CHAT_HOST))
        self.pages.delete_cookie(response, visit.site, LOGIN_COOKIE)
        return response

    # ----- plumbing ------------------------------------------------------------------------

    def _callback_uri(self, visit: Visit) -> str:
        return visit.site.absolute(CALLBACK_PATH, host=CHAT_HOST)

    def _login(self, request: Request, visit: Visit) -> dict[str, Any] | None:
        return self.pages.signer.loads(request.cookies.get(cookie_name(visit.site, LOGIN_COOKIE)))

    def _save(self, response: Response, visit: Visit, login: dict[str, Any]) -> None:
        login = {key: value for key, value in login.items() if key != "exp"}
        value = self.pages.signer.dumps(login, LOGIN_MAX_AGE)
        self.pages.set_cookie(response, visit.site, LOGIN_COOKIE, value, max_age=LOGIN_MAX_AGE)

    def _expired(self, visit: Visit, *, status_code: int = 400) -> HTMLResponse:
        """No sign-in in progress, a forged or stale form: start again from chatgpt.com."""
        return self.pages.page(visit, "auth_error.html", language=visit.browser_language, status_code=status_code)


def signed_out_boot(visit: Visit) -> dict[str, Any]:
    """What a signed-out page's script needs: where NextAuth's token and sign-in live."""
    return {"base": visit.site.base, "signedIn": False, "signIn": {"csrf": CSRF_PATH, "start": SIGN_IN_PATH}}


def _auth_info(account: DemoAccount) -> dict[str, Any]:
    """What chatgpt.com's readable `oai-client-auth-info` cookie holds (docs/platforms/chatgpt.md §5.5)."""
    issued = datetime.now(timezone.utc)
    return {
        "user": {
            "name": display_name(account),
            "email": account.username,
            "image": None,
            "picture": None,
            "idp": "auth0",
            "iat": int(issued.timestamp()),
            "mfa": False,
        },
        "loggedInWithGoogleOneTap": False,
        "isOptedOut": False,
        "expires": (issued + timedelta(days=30)).isoformat(),
    }
