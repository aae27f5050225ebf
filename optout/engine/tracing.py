"""`--trace`: a Playwright trace (screenshots and DOM snapshots of every action) of one account's pages,
kept in the run's evidence for whoever keeps the flow.

A trace records what Playwright is asked to do and what the pages hold: the arguments of every call (the
value a sign-in step types is one), the DOM with the values of its fields, and every network request with
its body (the sign-in form's post holds the password). So nothing is recorded while optout signs in:
the trace stops before the flow's sign-in steps type anything, and a new one starts once the account is
signed in (or a person cleared the challenge). Each stretch is a whole trace of its own (`stop`, then
`start`), not a chunk of one: Playwright keeps a context's network log and its bodies across chunks, so a
later chunk would still carry the sign-in's post.

What the signed-in pages send is no typed secret but a key all the same: every request carries the session's
cookies. Those headers (and any Authorization) are removed from a trace before it is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from optout.evidence.recorder import RunEvidence
from optout.results import where

# Stopping a trace writes its zip: seconds at most, unless the browser stopped answering.
_STOP_S = 30.0


class Trace:
    """One account's trace: recording only while nothing secret can be typed."""

    def __init__(self, context: BrowserContext, page: Page, platform: str, account: str) -> None:
        self.context = context
        self.page = page
        self.platform = platform
        self.account = account
        self.evidence: RunEvidence | None = None  # where each stretch is kept (the run's, when it runs)
        self.recording = False
        # Set while signing in (or a person clears a challenge): no stretch starts until it is over.
        self.held = False

    async def start(self) -> None:
        """Record from now on, unless the account is signing in."""
        if self.recording or self.held or self.evidence is None:
            return
        with contextlib.suppress(PlaywrightError):
            await self.context.tracing.start(screenshots=True, snapshots=True, sources=False)
            self.recording = True

    async def hold(self) -> None:
        """Something secret may be typed next: keep what was recorded, and record nothing until `release`."""
        self.held = True
        await self.stop()

    async def release(self) -> None:
        """Signed in: record again."""
        self.held = False
        await self.start()

    async def stop(self) -> None:
        """Keep what was recorded since `start` in the run's evidence (written privately, listed in the
        manifest). A trace that cannot be written is lost, never the run."""
        if not self.recording:
            return
        self.recording = False
        evidence, page_url = self.evidence, self._url()
        # Written by Playwright outside the run folder (whose every file the manifest lists), then kept.
        with tempfile.TemporaryDirectory(prefix="optout-trace-") as folder:
            path = Path(folder) / "trace.zip"
            try:
                # The session's own cookies, whose values a page also sends back in headers or bodies.
                cookies = [c.get("value", "") for c in await self.context.cookies()]
                await asyncio.wait_for(self.context.tracing.stop(path=str(path)), _STOP_S)
                data = scrubbed(path.read_bytes(), cookies)
            except (PlaywrightError, asyncio.TimeoutError, OSError, zipfile.BadZipFile):
                return
        if evidence is None or evidence.write_problem:
            return
        with contextlib.suppress(OSError):  # the recorder keeps the write error: the run stops on it
            evidence.add_file(
                platform=self.platform,
                account=self.account,
                setting=None,
                step="trace",
                url=page_url,
                name="trace.zip",
                kind="trace",
                data=data,
            )

    def _url(self) -> str:
        return "" if self.page.is_closed() else where(self.page.url)


# Headers that carry the session itself, or credentials: never kept in a trace. A CSRF header repeats a
# cookie's value (X's ct0, LinkedIn's JSESSIONID).
_KEYS = frozenset(
    {"cookie", "set-cookie", "authorization", "proxy-authorization", "x-csrf-token", "csrf-token", "x-xsrf-token"}
)
REMOVED = "[removed by optout]"
# Shorter values are too common to be anyone's secret (a "1", an "en"), and replacing them would garble text.
_SECRET_MIN = 8
_IMAGES = (".jpeg", ".jpg", ".png", ".webp", ".gif")


def scrubbed(data: bytes, cookies: list[str] | None = None) -> bytes:
    """The trace zip `data` with every cookie, Set-Cookie, Authorization and CSRF header (and HAR cookie
    list) emptied in its event and network logs (JSON lines), and without its call stacks; then the values
    of the session's `cookies` and of those headers (a bearer token, say) replaced wherever else they
    appear: a response body that hands the page its access token, a URL, a snapshot."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = [(info, source.read(info)) for info in source.infolist() if not info.filename.endswith(".stacks")]
    secrets = {v for v in cookies or [] if len(v) >= _SECRET_MIN}
    for info, member in members:
        if info.filename.endswith((".trace", ".network")):
            secrets |= _header_values(member)
    needles = sorted({form for v in secrets for form in (v, quote(v, safe=""))}, key=len, reverse=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info, member in members:
            if info.filename.endswith((".trace", ".network")):
                member = b"\n".join(_scrub_line(line) for line in member.split(b"\n"))
            if not info.filename.lower().endswith(_IMAGES):
                for needle in needles:
                    member = member.replace(needle.encode("utf-8"), REMOVED.encode("utf-8"))
            target.writestr(info.filename, member)
    return out.getvalue()


def _header_values(log: bytes) -> set[str]:
    """The values of the session-carrying headers in a trace's JSON lines (a bearer token without its
    scheme)."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            name, said = value.get("name"), value.get("value")
            if isinstance(name, str) and name.lower() in _KEYS and isinstance(said, str):
                token = said.split(" ", 1)[1] if name.lower().endswith("authorization") and " " in said else said
                found.update(t for t in (token, said) if len(t) >= _SECRET_MIN)
            for v in value.values():
                walk(v)

    for line in log.split(b"\n"):
        with contextlib.suppress(ValueError):
            walk(json.loads(line))
    return found


def _scrub_line(line: bytes) -> bytes:
    if not line.strip():
        return line
    try:
        event = json.loads(line)
    except ValueError:
        return line
    return json.dumps(_scrub(event), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _scrub(value: Any) -> Any:
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if not isinstance(value, dict):
        return value
    name = value.get("name")
    if isinstance(name, str) and name.lower() in _KEYS and "value" in value:
        return {**value, "value": REMOVED}
    return {k: _scrub_field(k, v) for k, v in value.items()}


def _scrub_field(key: str, value: Any) -> Any:
    if key == "cookies" and isinstance(value, list):
        return []
    if key.lower() in _KEYS and isinstance(value, str):  # headers given as an object
        return REMOVED
    return _scrub(value)
