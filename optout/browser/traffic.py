"""Traffic mapping (`--origin PLATFORM=URL`): the browser keeps the platform's real https URLs while a
local server answers them.

Playwright's `route()` does not see redirect hops, so a login that answers `303 Location:
https://www.example.com/home` would escape the mapping. Chromium's DevTools `Fetch` domain pauses
every request, hops included, with the browser's own cookies attached; fulfilling it from the mapped
server makes Chromium store Set-Cookie for the real origin, so Secure/SameSite cookies and CSRF checks
behave as on the real site. While a mapping is active every other non-local host is refused.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import ipaddress
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any
from urllib.parse import urlsplit

import httpx
from playwright.async_api import BrowserContext, CDPSession, Page, WebSocketRoute
from playwright.async_api import Error as PlaywrightError

_HOP_BY_HOP = {"content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive"}


class OriginSpecError(ValueError):
    """A malformed `--origin` value; the message is meant for the person who typed it."""


@dataclass(frozen=True)
class OriginSpec:
    platform: str
    base_url: str

    @classmethod
    def parse(cls, text: str) -> OriginSpec:
        if _has_credentials(text):
            # Checked first, and the value never repeated: it would print the password, and a URL that was
            # accepted would carry it into the manifest, the report and the bundle.
            raise OriginSpecError(
                "--origin: a URL with a user name or password (user:password@) is refused; give "
                "PLATFORM=http://127.0.0.1:PORT without them"
            )
        platform, sep, url = text.partition("=")
        if not sep or not platform.strip() or not url.strip():
            raise OriginSpecError(f"--origin {text!r}: expected PLATFORM=URL, e.g. linkedin=http://127.0.0.1:8000")
        try:
            parts = urlsplit(url.strip())
        except ValueError as exc:
            raise OriginSpecError(f"--origin {text!r}: {exc}") from None
        if parts.scheme != "http" or not parts.hostname or parts.query or parts.fragment:
            raise OriginSpecError(
                f"--origin {text!r}: URL must be a plain-HTTP base URL, optionally with a path prefix"
            )
        try:
            parts.port  # noqa: B018 - raises on a bad port
        except ValueError:
            raise OriginSpecError(f"--origin {text!r}: invalid port") from None
        if not is_loopback_address(parts.hostname):
            # The mapped server receives the real password in clear: it must be this machine.
            raise OriginSpecError(
                f"--origin {text!r}: only this machine may answer for a platform (127.0.0.1, ::1 or localhost), "
                "since the real password would travel to it unencrypted"
            )
        return cls(platform=platform.strip().lower(), base_url=url.strip().rstrip("/"))


def _has_credentials(text: str) -> bool:
    """Whether a URL in `text` has a userinfo part (`user:pw@host`): an "@" before the end of the
    authority, which ends at the first "/", "?" or "#" after "//"."""
    _, sep, rest = text.partition("//")
    if not sep:
        return False
    authority = rest
    for end in "/?#":
        authority = authority.split(end, 1)[0]
    return "@" in authority


def is_loopback_address(host: str | None) -> bool:
    """127.0.0.0/8, ::1 or the name localhost itself: what Python's own resolver always keeps on this
    machine (a name under .localhost may be sent to DNS)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address((host or "").strip("[]")).is_loopback
    except ValueError:
        return False


def is_local_host(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class TrafficMap:
    """Real origin (`https://www.example.com`) → base URL of the server that answers for it."""

    routes: Mapping[str, str]
    blocked: list[str] = field(default_factory=list)

    def target(self, url: str) -> str | None:
        parts = urlsplit(url)
        base = self.routes.get(f"{parts.scheme}://{parts.netloc}")
        if base is None:
            return None
        path = parts.path or "/"
        return f"{base}{path}" + (f"?{parts.query}" if parts.query else "")

    def allows_unmapped(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme not in ("http", "https") or is_local_host(parts.hostname)

    async def attach(self, context: BrowserContext, page: Page, *, shared: bool = False) -> MappedPage:
        """Start mapping `page`. Call before its first navigation. `shared`: the context is the person's
        own browser, whose other tabs are none of optout's business."""
        # WebSockets do not pass through the Fetch domain: refuse them all (no platform flow needs one),
        # in the whole context when it is optout's own, else from optout's tab only.
        await (page if shared else context).route_web_socket(lambda _: True, self._refuse_web_socket)
        session = await context.new_cdp_session(page)
        mapped = MappedPage(self, session)
        session.on("Fetch.requestPaused", mapped.on_paused)
        await session.send("Fetch.enable", {"patterns": [{"urlPattern": "*", "requestStage": "Request"}]})
        return mapped

    async def _refuse_web_socket(self, socket: WebSocketRoute) -> None:
        self.blocked.append(socket.url)
        await socket.close(code=1008, reason="optout: offline while --origin is active")


class MappedPage:
    """The live mapping of one page: answers each paused request from the mapped server."""

    def __init__(self, traffic: TrafficMap, session: CDPSession) -> None:
        self._traffic = traffic
        self._session = session
        # The browser alone keeps cookies (a jar here would send one the browser deleted or withholds),
        # and the mapped server is this machine's: never through a proxy the environment names. One
        # TLS context for every page (the mapped servers speak plain HTTP, but httpx builds a context
        # for each client it makes: 20 ms of CPU per page, a tenth of optout's own in a re-check).
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            timeout=httpx.Timeout(60.0),
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
            trust_env=False,
            verify=_tls(),
        )
        self._tasks: set[asyncio.Task[None]] = set()

    def on_paused(self, event: dict[str, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self._answer(event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._client.aclose()
        with contextlib.suppress(PlaywrightError):
            await self._session.detach()

    async def _answer(self, event: dict[str, Any]) -> None:
        request_id = event["requestId"]
        request = event["request"]
        url: str = request["url"]
        try:
            target = self._traffic.target(url)
            if target is not None:
                await self._fulfil(request_id, request, target)
            elif self._traffic.allows_unmapped(url):
                await self._session.send("Fetch.continueRequest", {"requestId": request_id})
            else:
                self._traffic.blocked.append(url)
                await self._session.send(
                    "Fetch.failRequest", {"requestId": request_id, "errorReason": "BlockedByClient"}
                )
        except Exception:  # noqa: BLE001 - answered below, or the page is gone
            # Never leave a request paused: fail it (a no-op when the page is already gone).
            with contextlib.suppress(Exception):
                await self._session.send("Fetch.failRequest", {"requestId": request_id, "errorReason": "Failed"})

    async def _fulfil(self, request_id: str, request: dict[str, Any], target: str) -> None:
        original = urlsplit(request["url"])
        headers = {k: v for k, v in request["headers"].items() if k.lower() != "host"}
        headers["X-Forwarded-Host"] = original.netloc
        headers["X-Forwarded-Proto"] = original.scheme
        try:
            response = await self._client.request(request["method"], target, headers=headers, content=_body(request))
        except httpx.HTTPError as exc:
            # As the browser would have seen it: a server that closed the connection without answering is
            # not one that refused it (the reason a person reads says which).
            reason = "ConnectionClosed" if isinstance(exc, httpx.RemoteProtocolError) else "ConnectionRefused"
            await self._session.send("Fetch.failRequest", {"requestId": request_id, "errorReason": reason})
            return
        response_headers = [
            {"name": k, "value": v} for k, v in response.headers.multi_items() if k.lower() not in _HOP_BY_HOP
        ]
        await self._session.send(
            "Fetch.fulfillRequest",
            {
                "requestId": request_id,
                "responseCode": response.status_code,
                "responseHeaders": response_headers,
                "body": base64.b64encode(response.content).decode("ascii"),
            },
        )


@functools.cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


def _body(request: dict[str, Any]) -> bytes | None:
    entries = request.get("postDataEntries")
    if entries:
        return b"".join(base64.b64decode(e.get("bytes", "")) for e in entries)
    data = request.get("postData")
    return data.encode("utf-8") if isinstance(data, str) else None


def build_traffic_map(specs: list[OriginSpec], origins_by_platform: Mapping[str, list[str]]) -> TrafficMap | None:
    """All of a platform's real origins go to its mapped base URL. None when nothing is mapped."""
    if not specs:
        return None
    routes: dict[str, str] = {}
    for spec in specs:
        if spec.platform not in origins_by_platform:
            known = ", ".join(sorted(origins_by_platform))
            raise OriginSpecError(f"--origin {spec.platform}=…: unknown platform (known: {known})")
        for origin in origins_by_platform[spec.platform]:
            routes[origin] = spec.base_url
    return TrafficMap(routes)
