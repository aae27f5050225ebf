"""The replica's routes: the real paths of chatgpt.com and auth.openai.com under one mount."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..platform import SandboxContext
from .catalog import AUTH_HOST, CHAT_HOST, SETTINGS_API, WRITE_API
from .shell import Shell
from .signin import CALLBACK_PATH, CSRF_PATH, LANDING_PATH, SIGN_IN_PATH, SignIn
from .site import Pages


def build_routes(context: SandboxContext) -> list[BaseRoute]:
    pages = Pages(context)
    shell = Shell(pages)
    signin = SignIn(pages)
    chat, auth = CHAT_HOST, AUTH_HOST

    async def not_found(request: Request) -> Response:
        return pages.not_found(pages.visit(request))

    return [
        # chatgpt.com
        Route("/", pages.on_host(chat, shell.home)),
        Route(LANDING_PATH, pages.on_host(chat, signin.landing)),
        Route(CSRF_PATH, pages.on_host(chat, signin.csrf)),
        Route(SIGN_IN_PATH, pages.on_host(chat, signin.start), methods=["POST"]),
        Route(CALLBACK_PATH, pages.on_host(chat, signin.callback)),
        Route("/api/auth/error", pages.on_host(chat, signin.auth_error)),
        Route("/api/auth/session", pages.on_host(chat, shell.session)),
        Route("/api/auth/signout", pages.on_host(chat, shell.sign_out), methods=["POST"]),
        Route(SETTINGS_API, pages.on_host(chat, shell.read_settings), methods=["GET"]),
        Route(WRITE_API, pages.on_host(chat, shell.write_setting), methods=["PATCH"]),
        Route("/cdn-cgi/challenge-platform/{rest:path}", pages.on_host(chat, signin.cloudflare_widget)),
        # auth.openai.com
        Route("/api/accounts/authorize", pages.on_host(auth, signin.authorize)),
        Route("/log-in", pages.on_host(auth, signin.email_step), methods=["GET", "POST"]),
        Route("/log-in/password", pages.on_host(auth, signin.password_step), methods=["GET", "POST"]),
        Route("/email-verification", pages.on_host(auth, signin.code_step), methods=["GET", "POST"]),
        Route("/{path:path}", not_found, methods=None),
    ]
