"""A browser on another machine (or a browser grid): a Playwright browser server such as `playwright
run-server`, reached over its WebSocket address. Everything else stays here: the flows, the secrets (typed
through the connection, never stored there), the --origin mapping (this process answers the browser's
paused requests) and the evidence."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from playwright.async_api import Browser, Playwright
from playwright.async_api import Error as PlaywrightError

from optout.browser.errors import first_line
from optout.browser.launch import LAUNCH_ARGS, BrowserNotFound

ENV = "OPTOUT_BROWSER_WS"

#: How long the browser server may take to answer and start a browser.
CONNECT_S = 60.0


class GridAddressError(ValueError):
    """A --browser-ws value optout will not connect to; the message is one line for the person."""


def grid_address(text: str) -> str:
    """The browser server's address, as the person named it: ws:// or wss://, a host, no credentials (the
    address is printed and kept in the run's evidence). Raises GridAddressError."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        # Only the scheme and host are repeated: the rest may be a token.
        raise GridAddressError(
            f"--browser-ws: {parts.scheme or 'no scheme'}://{parts.hostname or ''} is not a browser server's "
            "address (ws://HOST:PORT/PATH)"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        # A schedule carries the address in its entry, which install and status print.
        raise GridAddressError(
            "--browser-ws: put no user, password or query (a token) in the address: it is printed and kept"
        )
    return text.strip()


def shown(address: str) -> str:
    """The address without its path and query (a grid's path may carry an access token)."""
    parts = urlsplit(address)
    return f"{parts.scheme}://{parts.netloc}"


async def connect_grid(playwright: Playwright, address: str) -> Browser:
    """A Chromium started for this run by the browser server at `address`. The launch options ask for
    optout's quiet flags; a server that ignores them starts its own defaults. Raises BrowserNotFound."""
    launch = {"headless": True, "args": list(LAUNCH_ARGS)}
    try:
        return await playwright.chromium.connect(
            address, timeout=CONNECT_S * 1000, headers={"x-playwright-launch-options": json.dumps(launch)}
        )
    except PlaywrightError as exc:
        said = first_line(exc).replace(address, shown(address)).replace(address.rstrip("/"), shown(address))
        raise BrowserNotFound(f"no browser from the server at {shown(address)}: {said}") from None
