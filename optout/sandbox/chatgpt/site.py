"""What every ChatGPT handler shares: which host was asked, who is signed in, pages, cookies, tokens.

One mount serves both origins. Mapped requests say their host in X-Forwarded-Host; a path that
belongs to one host only answers 404 on the other. Direct requests (no mapper) get every path
under the mount prefix, and cookies without the `__Secure-` prefix, which needs https.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..catalog import DemoAccount
from ..platform import SandboxContext
from ..web import Site, set_cookie, site_of
from .accounts import PLATFORM, find
from .catalog import AUTH_HOST, CHAT_HOST
from .text import language_of, texts

#: The session cookie on chatgpt.com (NextAuth's name).
SESSION_COOKIE = "__Secure-next-auth.session-token"
#: The OAuth `state` that chatgpt.com's callback checks against the one it sent.
STATE_COOKIE = "__Secure-next-auth.state"
#: Readable by the page: URL-encoded JSON with `user.name` (docs/platforms/chatgpt.md §5.5).
AUTH_INFO_COOKIE = "oai-client-auth-info"
#: The token a sign-in POST must echo (NextAuth's is `__Host-`; the sandbox's cookies carry a Domain,
#: which `__Host-` forbids).
CSRF_COOKIE = "__Secure-next-auth.csrf-token"
#: auth.openai.com's signed record of one sign-in in progress [unverified name].
LOGIN_COOKIE = "login_session"

SESSION_MAX_AGE = 30 * 24 * 3600
LOGIN_MAX_AGE = 15 * 60

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Visit:
    """One request as the site sees it: through which host, and who is signed in on chatgpt.com."""

    site: Site
    account: DemoAccount | None
    token: str | None
    browser_language: str

    @property
    def language(self) -> str:
        return self.account.language if self.account else self.browser_language


class Signer:
    """Tamper-proof small records for cookies and tokens (HMAC-SHA256 with a per-app secret)."""

    def __init__(self) -> None:
        self._secret = secrets.token_bytes(32)

    def _mac(self, payload: bytes) -> str:
        return _b64(hmac.new(self._secret, payload, hashlib.sha256).digest())

    def dumps(self, record: dict[str, Any], max_age: int) -> str:
        payload = json.dumps({**record, "exp": int(time.time()) + max_age}, separators=(",", ":")).encode()
        return f"{_b64(payload)}.{self._mac(payload)}"

    def loads(self, value: str | None) -> dict[str, Any] | None:
        """The record, or None when missing, forged or expired."""
        if not value or value.count(".") != 1:
            return None
        encoded, mac = value.split(".")
        try:
            payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except ValueError:
            return None
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        record = json.loads(payload)
        if not isinstance(record, dict) or record.get("exp", 0) < time.time():
            return None
        return record

    def access_token(self, session_token: str) -> str:
        """The bearer token the page gets from /api/auth/session: bound to the session, unguessable."""
        header = _b64(b'{"alg":"HS256","typ":"JWT"}')
        body = _b64(json.dumps({"sid": hashlib.sha256(session_token.encode()).hexdigest()[:16]}).encode())
        return f"{header}.{body}.{self._mac(session_token.encode())}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def cookie_name(site: Site, name: str) -> str:
    # Browsers refuse `__Secure-` cookies without Secure, and direct requests are plain http.
    return name if site.mapped else name.removeprefix("__Secure-")


def link_on(site: Site, host: str, path: str) -> str:
    """A link to `path` on `host`: root-relative on the same host, absolute to the other one when mapped."""
    return site.link(path) if site.on_host(host) else site.absolute(path, host=host)


class Pages:
    """The state, templates and plumbing the ChatGPT handlers share."""

    def __init__(self, context: SandboxContext) -> None:
        self.state = context.state
        self.templates = context.templates
        self.settings = context.settings
        self.signer = Signer()

    def visit(self, request: Request) -> Visit:
        site = site_of(request)
        token = request.cookies.get(cookie_name(site, SESSION_COOKIE))
        username = self.state.session_user(PLATFORM, token)
        account = find(username) if username else None
        return Visit(
            site=site,
            account=account,
            token=token if account else None,
            browser_language=language_of(request.headers.get("accept-language", "")),
        )

    def page(
        self,
        visit: Visit,
        name: str,
        context: dict[str, Any] | None = None,
        *,
        language: str | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        lang = language or visit.language
        site = visit.site
        full = {
            "base": site.base,
            "lang": lang,
            "t": texts(lang),
            "chat_url": lambda path: link_on(site, CHAT_HOST, path),
            "auth_url": lambda path: link_on(site, AUTH_HOST, path),
            "rid": radix_id,
            **(context or {}),
        }
        return self.templates.page(name, full, status_code)

    def not_found(self, visit: Visit) -> HTMLResponse:
        return self.page(visit, "not_found.html", status_code=404)

    def on_host(self, host: str, handler: Handler) -> Handler:
        """`handler` on one host only: when mapped, the other host answers 404, as two real servers would."""

        async def guarded(request: Request) -> Response:
            visit = self.visit(request)
            if not visit.site.on_host(host):
                return self.not_found(visit)
            return await handler(request)

        return guarded

    def set_cookie(
        self, response: Response, site: Site, name: str, value: str, *, http_only: bool = True, max_age: int | None
    ) -> None:
        set_cookie(response, site, cookie_name(site, name), value, http_only=http_only, max_age=max_age)

    def delete_cookie(self, response: Response, site: Site, name: str) -> None:
        set_cookie(response, site, cookie_name(site, name), "", http_only=True, max_age=0)


def radix_id() -> str:
    """An id like Radix's generated ones (`radix-_r_1f_`): different on every render, never to rely on."""
    return f"radix-_r_{secrets.token_hex(1)}_"
