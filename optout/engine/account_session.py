"""One account's browser context for a run, and what it knows of the platform's own traffic."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from playwright.async_api import BrowserContext, Frame, Page, Request, Response

from optout.browser.traffic import MappedPage
from optout.engine.tracing import Trace
from optout.language.targets import Recognition


@dataclass
class AccountSession:
    """One account's browser context for the whole run; it remembers the sign-in so that a second
    setting or a second pass (the demo's check then off) reuses it instead of re-submitting."""

    platform: str
    username: str
    password: Callable[[], str]
    context: BrowserContext
    page: Page
    origins: tuple[str, ...] = ()  # the platform's origins: only their data requests are waited for
    mapped: MappedPage | None = None
    password_submitted: bool = False
    login_stopped: Recognition | None = None  # why the one sign-in attempt did not succeed
    restored: bool = False  # the context started from a saved session
    # Called once the flow's signed-in signals show after a sign-in (the runner saves the session).
    on_signed_in: Callable[[], Awaitable[None]] | None = None
    owns_context: bool = True  # False in the person's own browser: only our tab is closed at the end
    no_sign_in: str | None = None  # why this session may not be signed in to (the reason a run gives)
    # Reads the account's authenticator secret from the keyring; None: it has none to read.
    totp_secret: Callable[[], str] | None = None
    # Why the sign-in left a step for a person (no authenticator secret stored, say): added to its reason.
    sign_in_hint: str | None = None
    login_options: tuple[str, ...] = ()  # what `optout login` needs for this run (--origin ...)
    locale: str | None = None  # the account's language, as the context was made with it
    # The HTTP status of the last document the page's main frame received, however it was reached.
    document_status: int | None = None
    # When (loop time) each of the last documents of the main frame arrived, and from where: a page
    # reloading itself (or redirecting to itself) shows.
    document_times: list[tuple[float, str]] = field(default_factory=list)
    trace: Trace | None = None  # `--trace`: recorded only while nothing secret is typed
    in_flight: set[Request] = field(default_factory=set)
    activity: asyncio.Event = field(default_factory=asyncio.Event)
    # When (loop time) the page last did something a quiet period counts from: a platform data request
    # started or answered, a document arrived or finished loading, optout clicked, typed or pressed.
    last_activity: float = field(default_factory=lambda: asyncio.get_running_loop().time())

    def __post_init__(self) -> None:
        self.page.on("request", self._started)
        self.page.on("response", self._response)
        self.page.on("requestfinished", self._answered)
        self.page.on("requestfailed", self._answered)
        # A page may start loading its values only once it has loaded (or a moment after): the quiet
        # period starts again at each of these.
        self.page.on("framenavigated", self._navigated)
        self.page.on("domcontentloaded", lambda _: self.acted())
        self.page.on("load", lambda _: self.acted())

    def acted(self) -> None:
        """Something happened that the page may answer with requests (optout clicked, typed or pressed
        a key; a document arrived): a quiet period counts from now."""
        self.last_activity = asyncio.get_running_loop().time()
        self.activity.set()

    def _navigated(self, frame: Frame) -> None:
        if frame == self.page.main_frame:
            # The new document is the page's now: whatever of it was still pending is answered.
            self.in_flight = {r for r in self.in_flight if not r.is_navigation_request()}
            self.acted()

    def _response(self, response: Response) -> None:
        # A new document is answered once it is the page's (see _navigated) or has loaded, not at its
        # headers: until then a click would land on the page it replaces.
        if not response.request.is_navigation_request():
            self._answered(response.request)
        if response.request.resource_type == "document" and response.frame == self.page.main_frame:
            self.document_status = response.status
            loaded = (asyncio.get_running_loop().time(), response.url)
            self.document_times = [*self.document_times[-19:], loaded]

    def reloads_since(self, seconds: float) -> int:
        """The most times one URL's document reached the main frame in the last `seconds` (a chain of
        redirects through different pages counts each once)."""
        since = asyncio.get_running_loop().time() - seconds
        urls = [url for at, url in self.document_times if at >= since]
        return max((urls.count(url) for url in urls), default=0)

    def _tracked(self, request: Request) -> bool:
        # Only the platform's own data requests (loading a value, saving a change) and a new document for
        # the page itself say whether the page has settled; trackers, beacons and images from elsewhere
        # may never finish. A document is pending from its request, not only from when it arrives: the
        # page shown is about to be replaced, whatever its origin.
        if request.is_navigation_request():
            return request.frame == self.page.main_frame
        return request.resource_type in ("fetch", "xhr") and any(request.url.startswith(o) for o in self.origins)

    def _started(self, request: Request) -> None:
        if self._tracked(request):
            self.in_flight.add(request)
            self.acted()

    def _answered(self, request: Request) -> None:
        # Headers count as an answer: a long-lived (streaming, realtime) request must not hold us up.
        if self._tracked(request):
            self.in_flight.discard(request)
            self.acted()

    async def quiet(self, quiet_s: float, deadline: float) -> bool:
        """Wait until no platform data request is pending and nothing happened (see `acted`) for
        `quiet_s` (a value loaded late, a debounced save), counted from this call at the earliest: a
        page may do what is not seen here (a timer, a script loaded late, a call elsewhere) and draw a
        control whose value it only then asks for, so a period that looks over already is not trusted.
        False if that did not happen by `deadline`."""
        loop = asyncio.get_running_loop()
        asked = loop.time()
        while True:
            now = loop.time()
            still = quiet_s - (now - max(self.last_activity, asked))
            if not self.in_flight and still <= 0:
                return True
            remaining = deadline - now
            if remaining <= 0:
                return False
            self.activity.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.activity.wait(), remaining if self.in_flight else min(still, remaining))

    async def signed_in(self) -> None:
        if self.on_signed_in is not None:
            await self.on_signed_in()
        if self.trace is not None:
            await self.trace.release()

    async def secret_next(self) -> None:
        """A password or a code may be typed next (by optout, or a person in the window): the trace
        keeps what it has and records nothing until the account is signed in."""
        if self.trace is not None:
            await self.trace.hold()

    async def close(self) -> None:
        if self.mapped is not None:
            await self.mapped.close()
        if self.owns_context:
            await self.context.close()
        else:
            await self.page.close()
