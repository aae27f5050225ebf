"""The sandbox's ASGI app: every platform under its own prefix, plus control endpoints."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from .accounts import accounts_for
from .linkedin import LinkedInSite
from .linkedin_catalog import default_settings
from .state import SandboxState
from .web import Templates

PLATFORMS = ("linkedin",)


def create_app() -> Starlette:
    """A fresh sandbox app with its own in-memory state."""
    state = SandboxState(
        {"linkedin": {account.username: default_settings(account) for account in accounts_for("linkedin")}}
    )
    templates = Templates()
    linkedin = LinkedInSite(state, templates)

    async def index(request: Request) -> Response:
        platforms = [(platform, accounts_for(platform)) for platform in PLATFORMS]
        return templates.page("index.html", {"platforms": platforms})

    async def show_state(request: Request) -> Response:
        return JSONResponse(state.snapshot())

    async def reset(request: Request) -> Response:
        state.reset()
        return JSONResponse({"reset": True})

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/__sandbox__/state", show_state),
            Route("/__sandbox__/reset", reset, methods=["POST"]),
            Mount("/linkedin", routes=linkedin.routes()),
        ]
    )
    app.state.sandbox = state
    return app


def sandbox_state(app: Starlette) -> SandboxState:
    """The state object behind an app made by `create_app` (for in-process inspection)."""
    state = app.state.sandbox
    if not isinstance(state, SandboxState):
        raise TypeError("not a sandbox app")
    return state
