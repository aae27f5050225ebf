"""A small site for testing each step type alone: a test sets the pages (HTML with the stored settings
filled in) and reads back what the server saw. It answers for two made-up origins, an app and its
sign-in service, through optout's own traffic mapping, like a real two-origin platform.

Placeholders in a page: `{checked:KEY}` → `checked` or nothing, `{aria:KEY}` → `true`/`false`,
`{onoff:KEY}` → `On`/`Off`.
A page saves a setting with `fetch('/api/set?key=K&value=true|false', {method: 'POST'})`; the
sign-in form posts `username` and `password` to `/session` on the sign-in origin.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

APP = "https://app.example.invalid"
LOGIN = "https://login.example.invalid"
PASSWORD = "step-site-pass"

SIGN_IN_PAGE = """<!doctype html><html lang=en><title>Sign in</title><h1>Sign in</h1>
<form method=post action="/session">
<label>Email <input name=username autocomplete=username></label>
<label>Password <input name=password type=password autocomplete=current-password></label>
<button>Sign in</button></form>"""

_PLACEHOLDER = re.compile(r"\{(checked|aria|onoff):([a-z-]+)\}")


@dataclass
class StepSite:
    """What the site serves (set by a test) and what it saw."""

    pages: dict[str, str] = field(default_factory=dict)  # "host/path" or "/path" (app) -> HTML
    settings: dict[str, bool] = field(default_factory=dict)
    writes: dict[str, int] = field(default_factory=dict)
    passwords: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # one-time codes posted with the sign-in form
    posts: list[str] = field(default_factory=list)  # "host/path" of every form post
    forms: list[dict[str, str]] = field(default_factory=list)  # the fields of every other form post
    sessions: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    on_write: Callable[[str], None] | None = None  # called with the key as a write arrives, before it is stored

    def reset(self) -> None:
        with self.lock:
            self.pages.clear()
            self.settings.clear()
            self.writes.clear()
            self.passwords.clear()
            self.codes.clear()
            self.posts.clear()
            self.forms.clear()
            self.sessions.clear()
            self.on_write = None
            self.pages[f"{LOGIN.removeprefix('https://')}/sign-in"] = SIGN_IN_PAGE

    def render(self, html: str) -> str:
        def fill(match: re.Match[str]) -> str:
            on = self.settings.get(match[2], False)
            shown = {"checked": ("checked", ""), "aria": ("true", "false"), "onoff": ("On", "Off")}[match[1]]
            return shown[0] if on else shown[1]

        return _PLACEHOLDER.sub(fill, html)

    def app(self) -> Starlette:
        async def page(request: Request) -> Response:
            host = request.headers.get("x-forwarded-host", "")
            path = request.url.path
            if host == LOGIN.removeprefix("https://") and path == "/session" and request.method == "POST":
                return self._session(dict(parse_qs((await request.body()).decode())))
            if path == "/callback":
                token = request.query_params.get("sid", "")
                response = RedirectResponse(request.query_params.get("next", "/"), status_code=303)
                response.set_cookie("sid", token, secure=True, httponly=True, samesite="none")
                return response
            if path == "/api/set" and request.method == "POST":
                return self._write(request)
            if request.method == "POST":
                body = (await request.body()).decode()
                fields = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
                with self.lock:
                    self.posts.append(f"{host}{path}")
                    self.forms.append(fields)
            html = self.pages.get(f"{host}{path}") or (self.pages.get(path) if host.startswith("app.") else None)
            if html is None:
                return HTMLResponse("<!doctype html><title>Not found</title><h1>Not found</h1>", status_code=404)
            signed_in = request.cookies.get("sid") in self.sessions
            if html.startswith("@signed-in") and not signed_in:
                return RedirectResponse(f"{LOGIN}/sign-in?next={path}", status_code=303)
            return HTMLResponse(self.render(html.removeprefix("@signed-in")))

        return Starlette(routes=[Route("/{path:path}", page, methods=["GET", "POST"])])

    def _session(self, form: dict[str, list[str]]) -> Response:
        password = form.get("password", [""])[0]
        with self.lock:
            self.passwords.append(password)
            self.codes.extend(form.get("code", []))
        if password != PASSWORD:
            return HTMLResponse(
                SIGN_IN_PAGE.replace("</form>", "</form><p role=alert>Wrong password</p>"), status_code=401
            )
        token = secrets.token_urlsafe(16)
        with self.lock:
            self.sessions.add(token)
        return RedirectResponse(f"{APP}/callback?sid={token}&next=/", status_code=303)

    def _write(self, request: Request) -> Response:
        key = request.query_params["key"]
        value = request.query_params["value"] == "true"
        if self.on_write is not None:
            self.on_write(key)
        with self.lock:
            self.settings[key] = value
            self.writes[key] = self.writes.get(key, 0) + 1
        return JSONResponse({"key": key, "value": value})
