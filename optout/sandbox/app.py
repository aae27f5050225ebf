"""The sandbox's ASGI app: every platform under its own prefix, plus control endpoints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from .faults import Fault, FaultInjector, FaultPlan
from .platform import PlatformSandbox, SandboxContext
from .registry import PLATFORMS, SANDBOXES, check_sandboxes
from .state import SandboxState
from .web import Templates, form_fields

__all__ = ["PLATFORMS", "create_app", "sandbox_state"]


def create_app(sandboxes: Sequence[PlatformSandbox] = SANDBOXES, faults: Sequence[Fault] = ()) -> Starlette:
    """A fresh sandbox app with its own in-memory state, serving every registered platform.

    `sandboxes` lets a test serve a platform of its own instead; `faults` is the fault plan it starts with
    (faults.py; a reset clears it).
    """
    check_sandboxes(sandboxes)
    defaults = {
        sandbox.platform: {account.username: dict(sandbox.default_settings(account)) for account in sandbox.accounts}
        for sandbox in sandboxes
    }
    state = SandboxState(defaults)
    templates = Templates()
    plan = FaultPlan()
    plan.set(faults)

    async def index(request: Request) -> Response:
        platforms = [(sandbox.platform, sandbox.accounts) for sandbox in sandboxes]
        return templates.page("index.html", {"platforms": platforms, "now": state.snapshot()})

    async def show_state(request: Request) -> Response:
        return JSONResponse(state.snapshot())

    async def reset(request: Request) -> Response:
        state.reset()
        plan.clear()
        return JSONResponse({"reset": True})

    async def fault_plan(request: Request) -> Response:
        """GET: the faults in force, with how often each matched and fired; POST a JSON list: the new plan."""
        if request.method == "POST":
            body = await request.json()
            try:
                if not isinstance(body, list):
                    raise ValueError("expected a JSON list of faults")
                plan.set([Fault.from_json(item) for item in body])
            except (ValueError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(plan.as_json())

    async def platform_sets(request: Request) -> Response:
        """What a re-check must notice: the platform turning a setting back on by itself. A JSON body
        `{platform, username, key, value}` (optout sandbox set), or the index page's form (value "on" or
        "off"), which goes back to the index."""
        from_page = request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
        body: Any = await form_fields(request) if from_page else await request.json()
        try:
            value = body["value"] in ("on", "true") if from_page else bool(body["value"])
            state.platform_sets(body["platform"], body["username"], body["key"], value)
        except (KeyError, TypeError):
            return JSONResponse({"error": "unknown platform, account or setting"}, status_code=404)
        if from_page:
            row = quote(f"{body['platform']}:{body['username']}", safe=":@")
            return RedirectResponse(f"/#{row}", status_code=303)
        return JSONResponse({"set": True})

    async def hold_writes(request: Request) -> Response:
        """`{"hold": true}`: setting writes are stored at once but answered only after `{"hold": false}`."""
        body = await request.json()
        hold = body.get("hold") if isinstance(body, dict) else None
        if not isinstance(hold, bool):
            return JSONResponse({"error": 'expected {"hold": true|false}'}, status_code=400)
        state.hold_writes(hold)
        return JSONResponse({"hold": hold})

    async def expire_sessions(request: Request) -> Response:
        """End an account's sessions server-side: `?platform=P&username=U`."""
        platform = request.query_params.get("platform", "")
        username = request.query_params.get("username", "")
        try:
            ended = state.expire_sessions(platform, username)
        except KeyError:
            return JSONResponse({"error": f"no {platform!r} account {username!r}"}, status_code=404)
        return JSONResponse({"expired": ended})

    async def person_signs_in(request: Request) -> Response:
        """A session a person opened by hand (an e-mailed code, SSO) on a platform optout never signs in to:
        `?platform=P&username=U` gives the cookie their browser then holds, `{"name", "value"}`; 404 when
        the platform has no such sessions or this person never signed in."""
        platform = request.query_params.get("platform", "")
        username = request.query_params.get("username", "")
        sandbox = next((s for s in sandboxes if s.platform == platform), None)
        opener = getattr(sandbox, "person_session", None)
        account = next((a for a in sandbox.accounts if a.username == username), None) if sandbox else None
        cookie = opener(state, account) if opener is not None and account is not None else None
        if cookie is None:
            return JSONResponse({"error": f"no {platform!r} session for {username!r}"}, status_code=404)
        return JSONResponse({"name": cookie[0], "value": cookie[1]})

    mounts = [
        Mount(f"/{sandbox.platform}", routes=sandbox.routes(SandboxContext.for_platform(sandbox.platform, state)))
        for sandbox in sandboxes
    ]
    app = Starlette(
        routes=[
            Route("/", index),
            Route("/__sandbox__/state", show_state),
            Route("/__sandbox__/reset", reset, methods=["POST"]),
            Route("/__sandbox__/platform-sets", platform_sets, methods=["POST"]),
            Route("/__sandbox__/expire-sessions", expire_sessions, methods=["POST"]),
            Route("/__sandbox__/hold-writes", hold_writes, methods=["POST"]),
            Route("/__sandbox__/person-signs-in", person_signs_in, methods=["POST"]),
            Route("/__sandbox__/faults", fault_plan, methods=["GET", "POST"]),
            *mounts,
        ],
        middleware=[
            Middleware(FaultInjector, plan=plan, state=state, platforms=[sandbox.platform for sandbox in sandboxes])
        ],
    )
    app.state.sandbox = state
    app.state.faults = plan
    return app


def sandbox_state(app: Starlette) -> SandboxState:
    """The state object behind an app made by `create_app` (for in-process inspection)."""
    state = app.state.sandbox
    if not isinstance(state, SandboxState):
        raise TypeError("not a sandbox app")
    return state
