"""chatgpt.com itself: the app shell, the NextAuth session endpoints and the settings backend.

The page reads and writes settings only through the backend, with the session cookie and the bearer
token it got from /api/auth/session: a request from another site has neither, which is the CSRF check.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..behaviours import page_behaviour, read_delay
from ..catalog import DemoAccount
from .accounts import PLATFORM, display_name
from .catalog import (
    CHAT_HISTORY_KEY,
    FOLLOW_UPS_TOGGLE,
    MEMORY_TOGGLE,
    SETTING_KEYS,
    SETTINGS_API,
    TAB_NAMES,
    TABS,
    TRAINING_KEY,
    WRITE_API,
    dialog_rows,
    plan_key,
)
from .signin import signed_out_boot
from .site import AUTH_INFO_COOKIE, SESSION_COOKIE, Pages, Visit
from .text import texts


class Shell:
    """chatgpt.com's page and JSON endpoints."""

    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.state = pages.state

    async def home(self, request: Request) -> Response:
        visit = self.pages.visit(request)
        account = visit.account
        t = texts(visit.language)
        if account is None:
            return self.pages.page(visit, "app.html", {"signed_in": False, "boot": signed_out_boot(visit)})
        boot: dict[str, Any] = {"base": visit.site.base, "signedIn": True}
        name = display_name(account)
        boot |= {
            "texts": {key: t[key] for key in ("on", "off", "save_error", "load_error")},
            "api": {"settings": SETTINGS_API, "write": WRITE_API},
            "tabs": list(TAB_NAMES),
            "trainingKey": TRAINING_KEY,
            "tour": account.variant == "tour",
        }
        context = {
            "signed_in": True,
            "name": name,
            "initials": "".join(part[:1] for part in name.split()[:2]).upper(),
            "plan": t[plan_key(account)],
            "email": account.username,
            "tabs": TABS,
            "rows": dialog_rows(account),
            "workspace": account.variant == "workspace",
            "memory": MEMORY_TOGGLE,
            "follow_ups": FOLLOW_UPS_TOGGLE,
            "chat_history_key": CHAT_HISTORY_KEY,
            "tour": account.variant == "tour",
            "boot": boot,
        }
        return self.pages.page(visit, "app.html", context)

    async def session(self, request: Request) -> Response:
        """NextAuth's session endpoint: `{}` when signed out, else the user and the backend's bearer token."""
        visit = self.pages.visit(request)
        if visit.account is None or visit.token is None:
            return JSONResponse({})
        expires = datetime.now(timezone.utc) + timedelta(days=30)
        return JSONResponse(
            {
                "user": {"name": display_name(visit.account), "email": visit.account.username, "idp": "auth0"},
                "expires": expires.isoformat(),
                "accessToken": self.pages.signer.access_token(visit.token),
                "authProvider": "auth0",
            }
        )

    async def sign_out(self, request: Request) -> Response:
        visit = self.pages.visit(request)
        refused = self._refuse(visit, request)
        if refused is not None:
            return refused
        self.state.close_session(PLATFORM, visit.token)
        response = JSONResponse({"url": visit.site.link("/")})
        self.pages.delete_cookie(response, visit.site, SESSION_COOKIE)
        self.pages.delete_cookie(response, visit.site, AUTH_INFO_COOKIE)
        return response

    async def read_settings(self, request: Request) -> Response:
        visit = self.pages.visit(request)
        refused = self._refuse(visit, request)
        if refused is not None or visit.account is None:
            return refused or _unauthorized()
        # The page renders its settings panes only once this read answered, so a `late` page is
        # made by a late answer: the shared behaviour's render delay, spent on the server.
        variant = visit.account.variant
        delay = read_delay(variant) + page_behaviour(variant).late_render_ms / 1000
        if delay:
            await asyncio.sleep(delay)
        # Read after the delay: the answer is the stored value when it is sent.
        return JSONResponse({"settings": self.state.settings(PLATFORM, visit.account.username)})

    async def write_setting(self, request: Request) -> Response:
        """PATCH /backend-api/settings/account_user_setting?feature=training_allowed&value=false"""
        visit = self.pages.visit(request)
        refused = self._refuse(visit, request)
        if refused is not None or visit.account is None:
            return refused or _unauthorized()
        account = visit.account
        feature = request.query_params.get("feature", "")
        value = request.query_params.get("value", "")
        if feature not in SETTING_KEYS:
            return JSONResponse({"detail": f"Unknown feature {feature!r}"}, status_code=404)
        if value not in ("true", "false"):
            return JSONResponse({"detail": "value must be true or false"}, status_code=422)
        if feature == TRAINING_KEY and account.variant == "workspace":
            return JSONResponse({"detail": "This setting is managed by your workspace."}, status_code=403)
        answered = await self.pages.settings.write(
            account.username, _behaviour(account, feature), feature, value == "true"
        )
        return JSONResponse({"feature": feature, "value": answered})

    def _refuse(self, visit: Visit, request: Request) -> Response | None:
        """401 unless the request has both the session cookie and its bearer token."""
        if visit.account is None or visit.token is None:
            return _unauthorized()
        expected = "Bearer " + self.pages.signer.access_token(visit.token)
        if not secrets.compare_digest(request.headers.get("authorization", ""), expected):
            return _unauthorized()
        return None


def _behaviour(account: DemoAccount, key: str) -> str:
    """The shared behaviour a write of `key` shows: the account's own for the training setting only."""
    return account.variant if key == TRAINING_KEY else "normal"


def _unauthorized() -> JSONResponse:
    return JSONResponse({"detail": "Unauthorized - Access token is missing or invalid"}, status_code=401)
