"""The person's own browser: a persistent Chromium profile (`--browser-profile DIR`), or a Chromium they
started with a DevTools port and are signed in to (`--cdp URL`, this machine only). In both the profile
holds the platform's session: optout keeps no saved-session file of its own for them."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, Playwright
from playwright.async_api import Error as PlaywrightError

from optout.browser.errors import plain_words
from optout.browser.launch import (
    LAUNCH_ARGS,
    OFFLINE_ARGS,
    BrowserNotFound,
    NoDisplay,
    display_available,
    find_browser,
    no_display_message,
)

# Set to 1 to allow --origin in a browser of the person's (tests, demos): the mapped platform's cookies of
# that browser go to the local server, and the local server's replace them.
THROWAWAY_ENV = "OPTOUT_THROWAWAY_BROWSER"

# Playwright's launch switches a person's profile must not get: where its cookies' key is kept.
PROFILE_KEEPS = ("--password-store=basic", "--use-mock-keychain")

# How long reaching a browser's DevTools port may take.
CONNECT_S = 10.0

START_WITH_A_PORT = (
    "start it with: chromium --remote-debugging-port=9222 --remote-debugging-address=127.0.0.1 "
    "--user-data-dir=DIR (see README, 'Your own browser')"
)

# The reason a run gives when the person's browser over --cdp is not signed in: optout never types a
# password into a browser it does not own (the person's autofill, extensions and other tabs live there).
NOT_SIGNED_IN = (
    "not signed in to {name} in that browser: sign in there and run again, or run without --cdp "
    "(optout never types a password into your own browser)"
)


class OwnBrowserError(BrowserNotFound):
    """The person's browser cannot be used (a URL that is not loopback, nothing answering, a locked
    profile); the message is one line for the person."""


def cdp_url(text: str) -> str:
    """`text` if it is a DevTools URL on this machine (http or ws, loopback host, a port). Raises
    OwnBrowserError before anything connects anywhere."""
    from optout.browser.traffic import is_loopback_address

    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        raise OwnBrowserError(f"--cdp {text!r}: not a URL like http://127.0.0.1:9222") from None
    if parts.scheme not in ("http", "ws") or port is None:
        raise OwnBrowserError(f"--cdp {text!r}: expected http://127.0.0.1:PORT (or [::1], localhost)")
    if not is_loopback_address(parts.hostname):
        # A DevTools port is full control of a browser and its cookies: never one on another machine.
        raise OwnBrowserError(
            f"--cdp {text!r}: only a browser on this machine (127.0.0.1, ::1 or localhost) may be attached to"
        )
    return text.strip()


def profile_in_use(profile: Path) -> str | None:
    """Why `profile` cannot be opened now (a running browser holds it), or None. Chromium marks a
    profile in use with a `SingletonLock` link naming `host-pid`."""
    lock = profile / "SingletonLock"
    try:
        target = os.readlink(lock)
    except OSError:
        return None
    host, _, pid_text = target.rpartition("-")
    if host == socket.gethostname() and pid_text.isdigit() and not _alive(int(pid_text)):
        return None  # left behind by a browser that is gone: Chromium takes it over
    return (
        f"the browser profile {profile} is in use by a running browser (pid {pid_text or '?'}): close that browser, "
        "or attach to it with --cdp"
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def launch_profile(
    playwright: Playwright, profile: Path, *, headed: bool = False, slow_mo_ms: float = 0, offline: bool = False
) -> BrowserContext:
    """Chromium on the persistent profile `profile` (made when missing). Raises OwnBrowserError."""
    if headed and not display_available():
        raise NoDisplay(no_display_message())
    busy = profile_in_use(profile)
    if busy:
        raise OwnBrowserError(busy)
    # The whole browser: a person's profile is the whole browser's, and the shell may not read it.
    choice = find_browser(Path(playwright.chromium.executable_path))
    try:
        return await playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(choice.executable) if choice.executable else None,
            headless=not headed,
            slow_mo=slow_mo_ms or None,
            args=[*LAUNCH_ARGS, *(OFFLINE_ARGS if offline else ())],
            viewport={"width": 1280, "height": 900},
            # A service worker's requests bypass the page's request mapping.
            service_workers="block" if offline else "allow",
            # Playwright's own defaults would keep cookies under a fixed key instead of the system's
            # keyring: a profile a person signed in to with their browser would look signed out.
            ignore_default_args=list(PROFILE_KEEPS),
            handle_sigint=False,  # Ctrl-C is optout's to handle (see launch)
        )
    except PlaywrightError as exc:
        busy = profile_in_use(profile)
        if busy:  # taken by a browser that started meanwhile
            raise OwnBrowserError(busy) from None
        raise OwnBrowserError(f"the browser did not start on the profile {profile}: {_first_line(exc)}") from None


async def connect(playwright: Playwright, url: str) -> tuple[Browser, BrowserContext]:
    """The browser at `url` and its default context (the one holding the person's cookies). Raises
    OwnBrowserError when nothing usable answers there."""
    try:
        browser = await playwright.chromium.connect_over_cdp(cdp_url(url), timeout=CONNECT_S * 1000)
    except PlaywrightError as exc:
        raise OwnBrowserError(f"no browser answers at --cdp {url} ({_first_line(exc)}); {START_WITH_A_PORT}") from None
    if not browser.contexts:
        # Never browser.close() here: the caller stops its driver, which only disconnects.
        raise OwnBrowserError(f"the browser at --cdp {url} has no default profile to use")
    return browser, browser.contexts[0]


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip() and not line.strip().startswith("=")]
    return plain_words(lines[0]) if lines else type(exc).__name__
