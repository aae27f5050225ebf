"""Faults the sandbox can inject into any platform's pages, per account and per request: what a real
site does on a bad day, for the tests (and `optout sandbox --fault`) to prove that a run ends in bounded
time with one clear reason, clicks nothing it should not, and leaves the other accounts alone.

A fault plan is a list of `Fault`s, each naming what goes wrong (`kind`), and where: the platform, the
account (the username of the signed-in session the request carries; None: any request, signed in or
not), a path (a regular expression searched in the real site's path, without the mount prefix) and
optionally only the `nth` request that matches (1-based; None: every one). The first fault that matches
a request fires. `POST /__sandbox__/faults` sets the plan (a JSON list of faults), `GET` shows it with
how often each fault fired; a reset clears it.

The kinds:

- `slow`: the answer comes `delay_s` late;
- `http_500`: the server answers HTTP 500 (an error page of its own);
- `drop`: the connection is closed without an answer (the browser sees the connection closed);
- `expire_session`: the account's sessions end server-side just before the request is served, so the
  request (and every later one) finds itself signed out: a session that expires in the middle of a flow;
- `overlay`: the page comes with an element over all of it that no flow declares (a promotion);
- `reload_loop`: the page reloads itself as soon as it is shown, again and again;
- `spinner`: the page's switches and checkboxes never render; a busy placeholder stands in their place;
- `language`: the page answers in German (`lang="de"`, the known texts translated), whatever the
  account's language.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import asdict, dataclass, field
from http.cookies import SimpleCookie
from typing import Any

from .state import SandboxState

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SLOW = "slow"
HTTP_500 = "http_500"
DROP = "drop"
EXPIRE_SESSION = "expire_session"
OVERLAY = "overlay"
RELOAD_LOOP = "reload_loop"
SPINNER = "spinner"
LANGUAGE = "language"
FAULT_KINDS = (SLOW, HTTP_500, DROP, EXPIRE_SESSION, OVERLAY, RELOAD_LOOP, SPINNER, LANGUAGE)
#: The kinds that rewrite an HTML page (other answers pass unchanged).
_PAGE_KINDS = frozenset({OVERLAY, RELOAD_LOOP, SPINNER, LANGUAGE})

#: The element the overlay fault lays over the page: no flow declares it.
OVERLAY_ID = "sandbox-fault-overlay"

_OVERLAY_HTML = (
    f'<div id="{OVERLAY_ID}" style="position:fixed;inset:0;z-index:2147483647;background:rgba(20,20,20,.6);'
    'display:flex;align-items:center;justify-content:center">'
    '<div style="background:#fff;padding:2em;font:20px sans-serif;border-radius:8px">'
    "Try Premium free for one month</div></div>"
)
# Each time it is shown, as soon as it is: a page's own script reloading it.
_RELOAD_HTML = "<script>location.reload();</script>"
# Every switch and checkbox hidden (so out of the accessibility tree), a busy spinner in its place; kept so
# when the page's own script renders it again.
_SPINNER_HTML = """<style>[role=switch], [role=checkbox], input[type=checkbox] { display: none !important; }</style>
<script>
(() => {
  const mark = () => {
    for (const el of document.querySelectorAll('[role=switch], [role=checkbox], input[type=checkbox]')) {
      if (el.previousElementSibling && el.previousElementSibling.dataset.sandboxSpinner) continue;
      const spinner = document.createElement('span');
      spinner.dataset.sandboxSpinner = '1';
      spinner.setAttribute('role', 'progressbar');
      spinner.setAttribute('aria-busy', 'true');
      spinner.setAttribute('aria-label', 'Loading');
      spinner.textContent = '\u231b';
      el.before(spinner);
    }
  };
  document.addEventListener('DOMContentLoaded', mark);
  new MutationObserver(mark).observe(document.documentElement, {childList: true, subtree: true});
})();
</script>"""

#: The texts the language fault translates into German: the platforms' own words for their AI-training
#: settings and the way to them (EN and FR), so that none of a flow's EN/FR names match any more.
GERMAN: dict[str, str] = {
    "Data for Generative AI Improvement": "Daten zur Verbesserung generativer KI",
    "Données pour l’amélioration de l’IA générative": "Daten zur Verbesserung generativer KI",
    "Données pour l'amélioration de l'IA générative": "Daten zur Verbesserung generativer KI",
    "Use my data for training content creation AI models": "Meine Daten für das Training von KI-Modellen zur "
    "Erstellung von Inhalten verwenden",
    "Data privacy": "Datenschutz",
    "Confidentialité des données": "Datenschutz",
    "Settings": "Einstellungen",
    "Sign in": "Anmelden",
    "Improve the model for everyone": "Das Modell für alle verbessern",
    "Data controls": "Datenkontrollen",
}


@dataclass(frozen=True)
class Fault:
    """One fault: what goes wrong, and for which requests."""

    kind: str
    platform: str | None = None
    account: str | None = None
    path: str | None = None
    nth: int | None = None
    delay_s: float = 3.0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r} (known: {', '.join(FAULT_KINDS)})")
        if self.nth is not None and self.nth < 1:
            raise ValueError("nth counts from 1")
        if self.path is not None:
            re.compile(self.path)

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
            raise ValueError('a fault is an object with a "kind"')
        known = {"kind", "platform", "account", "path", "nth", "delay_s"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        return cls(**data)

    @classmethod
    def parse(cls, text: str) -> Fault:
        """`KIND[:ACCOUNT]`, the form `optout sandbox --fault` takes."""
        kind, _, account = text.partition(":")
        return cls(kind=kind.strip().lower().replace("-", "_"), account=account.strip() or None)

    def matches(self, platform: str, account: str | None, path: str) -> bool:
        if self.platform is not None and self.platform != platform:
            return False
        if self.account is not None and (account is None or account.lower() != self.account.strip().lower()):
            return False
        return self.path is None or re.search(self.path, path) is not None


@dataclass
class FaultPlan:
    """The faults in force and how many requests each matched and fired on; read and set from any thread."""

    faults: list[Fault] = field(default_factory=list)
    matched: list[int] = field(default_factory=list)
    fired: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set(self, faults: Sequence[Fault]) -> None:
        with self._lock:
            self.faults = list(faults)
            self.matched = [0] * len(self.faults)
            self.fired = [0] * len(self.faults)

    def clear(self) -> None:
        self.set([])

    def take(self, platform: str, account: str | None, path: str) -> Fault | None:
        """The fault that fires on this request, if any; counts every fault the request matches."""
        chosen = None
        with self._lock:
            for index, fault in enumerate(self.faults):
                if not fault.matches(platform, account, path):
                    continue
                self.matched[index] += 1
                if chosen is None and (fault.nth is None or fault.nth == self.matched[index]):
                    self.fired[index] += 1
                    chosen = fault
        return chosen

    def as_json(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {**asdict(fault), "matched": matched, "fired": fired}
                for fault, matched, fired in zip(self.faults, self.matched, self.fired, strict=True)
            ]


class FaultInjector:
    """The ASGI middleware that applies a plan to every platform's requests (never to `/__sandbox__/`)."""

    def __init__(self, app: ASGIApp, plan: FaultPlan, state: SandboxState, platforms: Sequence[str]) -> None:
        self.app = app
        self.plan = plan
        self.state = state
        self.platforms = frozenset(platforms)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.plan.faults:
            await self.app(scope, receive, send)
            return
        prefix, _, rest = str(scope["path"]).lstrip("/").partition("/")
        if prefix not in self.platforms:
            await self.app(scope, receive, send)
            return
        account = self._account(scope, prefix)
        fault = self.plan.take(prefix, account, "/" + rest)
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.kind == SLOW:
            await asyncio.sleep(fault.delay_s)
            await self.app(scope, receive, send)
        elif fault.kind == HTTP_500:
            await _server_error(send)
        elif fault.kind == DROP:
            await _drop(receive)
        elif fault.kind == EXPIRE_SESSION:
            if account is not None:
                self.state.expire_sessions(prefix, account)
            await self.app(scope, receive, send)
        else:
            await self.app(scope, receive, _rewriting(send, fault.kind))

    def _account(self, scope: Scope, platform: str) -> str | None:
        """The username of the session one of the request's cookies opens on this platform, if any."""
        header = next((v for k, v in scope.get("headers", []) if k == b"cookie"), b"")
        cookies: SimpleCookie = SimpleCookie()
        with contextlib.suppress(Exception):  # a malformed cookie header: no session
            cookies.load(header.decode("latin-1"))
        for morsel in cookies.values():
            username = self.state.session_user(platform, morsel.value)
            if username is not None:
                return username
        return None


async def _server_error(send: Send) -> None:
    body = b"<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Something went wrong</h1></body></html>"
    headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _drop(receive: Receive) -> None:
    """Close the connection without a byte of answer. ASGI has no word for it: the server's transport is
    reached through `receive` (uvicorn's request cycle, which Starlette passes on as it is)."""
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    if transport is None:
        raise RuntimeError("the sandbox cannot drop this connection (not served by uvicorn)")
    transport.close()
    # Until the server has seen its connection lost: returning earlier would make it answer a 500.
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(_until_disconnected(receive), 5.0)


async def _until_disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _rewriting(send: Send, kind: str) -> Send:
    """A `send` that holds an HTML answer until it is whole, rewrites it for `kind`, then sends it."""
    start: Message | None = None
    chunks: list[bytes] = []

    async def rewritten(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            kinds = [v for k, v in message.get("headers", []) if k.lower() == b"content-type"]
            if not (kinds and kinds[0].startswith(b"text/html")):
                await send(message)
                return
            start = message
            return
        if start is None or message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = rewrite(b"".join(chunks).decode("utf-8", errors="replace"), kind).encode("utf-8")
        kept = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        kept.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": kept})
        await send({"type": "http.response.body", "body": body})

    return rewritten


def rewrite(html: str, kind: str) -> str:
    """An HTML page as the fault `kind` serves it."""
    if kind == OVERLAY:
        return _before_body_end(html, _OVERLAY_HTML)
    if kind == RELOAD_LOOP:
        return _before_body_end(html, _RELOAD_HTML)
    if kind == SPINNER:
        return _after_head_start(html, _SPINNER_HTML)
    if kind == LANGUAGE:
        html = re.sub(r'(<html\b[^>]*\blang=")[^"]*(")', r"\g<1>de\g<2>", html, count=1)
        for text, german in GERMAN.items():
            html = html.replace(text, german)
        return html
    return html


def _before_body_end(html: str, fragment: str) -> str:
    at = html.lower().rfind("</body>")
    return html + fragment if at < 0 else html[:at] + fragment + html[at:]


def _after_head_start(html: str, fragment: str) -> str:
    match = re.search(r"<head\b[^>]*>", html, re.IGNORECASE)
    return fragment + html if match is None else html[: match.end()] + fragment + html[match.end() :]
