"""Finds a Chromium to drive and launches it quietly.

Preference: `OPTOUT_BROWSER` (an explicit path), then Playwright's own Chromium when installed, then a
system Chromium or Chrome. A run with no window prefers a system Chromium's headless shell to the whole
browser, as Playwright does with its own build: the whole browser builds a window's interface for every
context, which costs the shell's CPU twice over. Chromium's background services (updates, metrics,
first-run) are switched off: they leak traffic and, on a closed network, flood it with failing connections.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Browser, Playwright

from optout.invocation import optout_command

LAUNCH_ARGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-quic",
)

# Debian's chromium-headless-shell; Playwright's own build picks its shell by itself. The binary before
# /usr/bin's wrapper script, which stays the browser's parent instead of handing over to it.
_SHELL_PATHS = ("/usr/lib/chromium/chromium-headless-shell",)
_SHELL_NAMES = ("chromium-headless-shell",)
_SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
_SYSTEM_PATHS = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/snap/bin/chromium",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
)

HOW_TO_GET_ONE = (
    "no Chromium found. Install one of: Playwright's browser (python -m playwright install chromium); "
    "your system's Chromium (Debian/Ubuntu: apt-get install chromium); Google Chrome. "
    "Or point OPTOUT_BROWSER at a Chromium/Chrome executable."
)


class BrowserNotFound(RuntimeError):
    pass


class NoDisplay(BrowserNotFound):
    """--headed where there is no display to show a window on."""


@dataclass(frozen=True)
class BrowserChoice:
    executable: Path | None  # None: Playwright's own build
    source: str


def find_browser(bundled: Path, *, shell: bool = False) -> BrowserChoice:
    """`bundled` is where Playwright's own Chromium would be (`playwright.chromium.executable_path`).
    `shell`: the run has no window and no profile of the person's, so a headless shell will do."""
    explicit = os.environ.get("OPTOUT_BROWSER")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise BrowserNotFound(f"OPTOUT_BROWSER={explicit} is not a file")
        return BrowserChoice(path, "OPTOUT_BROWSER")
    if bundled.is_file():
        return BrowserChoice(None, "Playwright's Chromium")
    headless = find_headless_shell() if shell else None
    if headless is not None:
        return BrowserChoice(headless, "system headless shell")
    system = find_system_browser()
    if system is not None:
        return BrowserChoice(system, "system browser")
    raise BrowserNotFound(HOW_TO_GET_ONE)


def find_headless_shell() -> Path | None:
    path = next((Path(p) for p in _SHELL_PATHS if Path(p).is_file()), None)
    if path is not None:
        return path
    found = next(filter(None, map(shutil.which, _SHELL_NAMES)), None)
    return Path(found) if found else None


def find_system_browser() -> Path | None:
    for name in _SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return next((Path(p) for p in _SYSTEM_PATHS if Path(p).is_file()), None)


# With traffic mapping, mapped requests are answered before any DNS lookup; every other host name
# resolves to nothing, so a request the mapping did not see (a popup, a worker) cannot leave the machine.
OFFLINE_ARGS = ("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",)


def display_available() -> bool:
    """Whether a headed browser has somewhere to show its window. Only Linux and the BSDs run without
    one; there a window needs an X11 or Wayland display named in the environment."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


HEADED_NEEDS = "--headed needs a display to show the browser window"


def display_advice(argv: list[str] | None = None) -> tuple[str, str, str]:
    """How to get a display: where to run instead, the command under a virtual display (started the way
    this optout was), how to install it."""
    command = " ".join(optout_command(*(sys.argv[1:] if argv is None else argv)))
    return (
        "run it from your desktop session, or under a virtual display:",
        f"xvfb-run -a {command}",
        "(Debian/Ubuntu: apt-get install xvfb)",
    )


def no_display_message(argv: list[str] | None = None, *, needs: str = HEADED_NEEDS) -> str:
    """`needs`: what wants a window, in the words of the command the person typed."""
    return f"{needs}, and this session has none (DISPLAY and WAYLAND_DISPLAY are unset): " + " ".join(
        display_advice(argv)
    )


def browser_version(executable: Path, timeout_s: float = 10) -> str | None:
    """`chromium --version`, when the browser answers it quickly; None otherwise."""
    try:
        done = subprocess.run(
            [str(executable), "--version"], capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    text = done.stdout.strip().splitlines()
    return text[0] if done.returncode == 0 and text else None


async def launch(
    playwright: Playwright, *, headed: bool = False, slow_mo_ms: float = 0, offline: bool = False
) -> Browser:
    if headed and not display_available():
        raise NoDisplay(no_display_message())
    choice = find_browser(Path(playwright.chromium.executable_path), shell=not headed)
    return await playwright.chromium.launch(
        executable_path=str(choice.executable) if choice.executable else None,
        headless=not headed,
        slow_mo=slow_mo_ms or None,
        args=[*LAUNCH_ARGS, *(OFFLINE_ARGS if offline else ())],
        # Ctrl-C reaches the whole foreground process group, Playwright's driver with it. Its own handler
        # there would close the browser at once, racing optout's (which records what each setting in
        # flight got to, then closes the browser itself): a run that lost the race ended as one whose
        # browser crashed. Without it the driver ignores Ctrl-C; the browser, a process group of its
        # own, never sees it.
        handle_sigint=False,
    )


def main() -> int:
    """`python -m optout.browser`: say which browser optout would use; exit 1 when there is none.
    The set-up script uses it to decide whether to install one."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        bundled = Path(p.chromium.executable_path)
    try:
        choice = find_browser(bundled, shell=True)
    except BrowserNotFound as exc:
        print(f"optout: {exc}", file=sys.stderr)
        return 1
    print(f"{choice.executable or bundled} ({choice.source})")
    try:
        whole = find_browser(bundled)
    except BrowserNotFound:
        print("no whole browser, which --headed and --browser-profile need")
        return 0
    if whole != choice:
        print(f"{whole.executable or bundled} ({whole.source}, for --headed and --browser-profile)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
