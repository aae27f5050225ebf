"""Browser discovery: explicit path, then Playwright's own build, then a system Chromium, else advice."""

from __future__ import annotations

from pathlib import Path

import pytest

from optout.browser import launch as browser
from optout.browser.launch import BrowserNotFound, find_browser


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


def test_no_browser_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("OPTOUT_BROWSER", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(browser, "_SYSTEM_PATHS", ())
    with pytest.raises(BrowserNotFound, match="apt-get install chromium"):
        find_browser(tmp_path / "missing")
