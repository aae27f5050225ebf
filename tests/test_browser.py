"""Browser discovery: explicit path, then Playwright's own build, then a system Chromium, else advice."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from optout.browser import launch as browser
from optout.browser.launch import BrowserNotFound, find_browser
from tests.conftest import as_a_terminal_s_job


def test_explicit_browser_must_exist(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPTOUT_BROWSER", str(tmp_path / "nope"))
    with pytest.raises(BrowserNotFound, match="is not a file"):
        find_browser(tmp_path / "bundled")


def test_playwright_build_is_preferred_to_the_system_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("OPTOUT_BROWSER", raising=False)
    bundled = tmp_path / "chrome"
    bundled.write_text("")
    assert find_browser(bundled) == browser.BrowserChoice(None, "Playwright's Chromium")


def test_system_browser_when_playwright_has_none(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("OPTOUT_BROWSER", raising=False)
    fake = tmp_path / "bin" / "chromium"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    assert find_browser(tmp_path / "missing") == browser.BrowserChoice(fake, "system browser")


def _installed(folder: Path, name: str) -> Path:
    program = folder / name
    program.parent.mkdir(exist_ok=True)
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    return program


def test_a_run_without_a_window_takes_the_headless_shell(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("OPTOUT_BROWSER", raising=False)
    whole = _installed(tmp_path / "bin", "chromium")
    shell = _installed(tmp_path / "bin", "chromium-headless-shell")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setattr(browser, "_SHELL_PATHS", ())
    assert find_browser(tmp_path / "missing", shell=True) == browser.BrowserChoice(shell, "system headless shell")
    # --headed and a person's profile need the whole browser.
    assert find_browser(tmp_path / "missing") == browser.BrowserChoice(whole, "system browser")
    # Debian's binary is taken before its wrapper script, which would stay the browser's parent.
    binary = _installed(tmp_path / "lib", "chromium-headless-shell")
    monkeypatch.setattr(browser, "_SHELL_PATHS", (str(binary),))
    assert find_browser(tmp_path / "missing", shell=True).executable == binary


def test_playwright_s_build_comes_before_a_system_shell(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("OPTOUT_BROWSER", raising=False)
    _installed(tmp_path / "bin", "chromium-headless-shell")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    bundled = _installed(tmp_path, "chrome")
    assert find_browser(bundled, shell=True) == browser.BrowserChoice(None, "Playwright's Chromium")


def test_no_browser_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("OPTOUT_BROWSER", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(browser, "_SYSTEM_PATHS", ())
    monkeypatch.setattr(browser, "_SHELL_PATHS", ())
    with pytest.raises(BrowserNotFound, match="apt-get install chromium"):
        find_browser(tmp_path / "missing", shell=True)


SIGNAL_THE_DRIVER = """
import asyncio, os, signal, sys
from pathlib import Path
from playwright.async_api import async_playwright
from optout.browser.launch import launch
from optout.browser.own_browser import launch_profile

def driver() -> int:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid() and b"run-driver" in command:
                return int(entry.name)
    raise SystemExit("no driver")

async def main() -> None:
    async with async_playwright() as playwright:
        if sys.argv[1] == "profile":  # a person's own profile
            browser = await launch_profile(playwright, Path(sys.argv[2]), offline=True)
            connected = lambda: browser.browser is None or browser.browser.is_connected()
        else:
            browser = await launch(playwright, offline=True)
            connected = browser.is_connected
        os.kill(driver(), signal.SIGINT)  # what a terminal's Ctrl-C does to it
        await asyncio.sleep(3)  # the old handler closed it within a second
        page = await browser.new_page()  # fails once the browser is closed
        print("still open", connected(), await page.evaluate("1 + 1"))
        await browser.close()

asyncio.run(main())
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")
@pytest.mark.parametrize("how", ["launched", "profile"])
def test_ctrl_c_never_closes_the_browser_behind_optout_s_back(tmp_path: Path, how: str) -> None:
    # Ctrl-C is optout's to handle (it records what each setting in flight got to, then closes the
    # browser): Playwright's driver, which gets it too, must leave the browser alone.
    done = subprocess.run(
        [sys.executable, "-c", SIGNAL_THE_DRIVER, how, str(tmp_path / "profile")],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=as_a_terminal_s_job,
        check=False,
    )
    assert done.stdout.strip() == "still open True 2", done.stderr[-2000:]
