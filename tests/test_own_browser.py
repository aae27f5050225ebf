"""The person's own browser, through the real command line, real Chromium processes and the sandbox (which
counts sign-ins): --cdp attaches to a Chromium started elsewhere, uses its session, closes only its own tab
and leaves that browser running; --browser-profile keeps the session in a persistent profile."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import async_playwright

from optout.browser.launch import LAUNCH_ARGS
from optout.browser.own_browser import THROWAWAY_ENV
from optout.browser.traffic import OriginSpec, build_traffic_map
from tests.conftest import FLOWS, Cli, Sandbox
from tests.test_cli import add
from tests.test_sessions import ALICE, session_file, signins

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PERSON_TAB = "data:text/html,<title>the person's own tab</title>"


class PersonBrowser:
    """A Chromium the person started themselves, with a DevTools port on loopback."""

    def __init__(self, profile: Path) -> None:
        self.profile = profile
        self.process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless=new",
                "--no-sandbox",
                "--remote-debugging-port=0",
                "--remote-debugging-address=127.0.0.1",
                f"--user-data-dir={profile}",
                *LAUNCH_ARGS,
                PERSON_TAB,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self._port()}"

    def _port(self) -> int:
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if marker.is_file() and (lines := marker.read_text().splitlines()):
                return int(lines[0])
            assert self.process.poll() is None, "the person's Chromium exited"
            time.sleep(0.1)
        raise AssertionError("Chromium never wrote DevToolsActivePort")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def person(tmp_path: Path) -> Iterator[PersonBrowser]:
    browser = PersonBrowser(tmp_path / "person-profile")
    try:
        yield browser
    finally:
        browser.stop()


async def _sign_in_there(url: str, origin: str, password: str) -> None:
    """The person signs in to LinkedIn in their own browser (here: the sandbox, mapped, driven over CDP),
    then leaves their tab on a page of their own."""
    async with async_playwright() as p:
        browser = await p.chromium.connect_over_cdp(url)
        context = browser.contexts[0]
        page = await context.new_page()
        traffic = build_traffic_map([OriginSpec("linkedin", origin)], {"linkedin": FLOWS["linkedin"].origins})
        assert traffic is not None
        mapped = await traffic.attach(context, page)
        await page.goto("https://www.linkedin.com/login")
        await page.get_by_label("Email or phone").fill(ALICE)
        await page.get_by_label("Password").fill(password)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(lambda u: "/login" not in u and "checkpoint" not in u, timeout=15000)
        await page.goto("about:blank")
        await mapped.close()
        # Leaving the block stops the driver: a disconnection, the browser and its tabs stay.


async def _tabs(url: str) -> list[str]:
    async with async_playwright() as p:
        browser = await p.chromium.connect_over_cdp(url)
        return [page.url for context in browser.contexts for page in context.pages]


def tabs(url: str) -> list[str]:
    return asyncio.run(_tabs(url))


def results(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert "Traceback" not in done.stderr, done.stderr
    data: list[dict[str, Any]] = json.loads(done.stdout)
    return data


def run(cli: Cli, sandbox: Sandbox, *more: str, command: str = "check") -> subprocess.CompletedProcess[str]:
    return cli(
        command,
        "linkedin",
        "--origin",
        f"linkedin={sandbox.origin()}",
        "--json",
        "--timeout",
        "8",
        *more,
        env={THROWAWAY_ENV: "1"},  # these browsers are the test's own
    )


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


# -- --cdp ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_cdp_run_uses_the_other_browsers_session_and_leaves_it_open(
    cli: Cli, sandbox: Sandbox, person: PersonBrowser
) -> None:
    add(cli, ALICE, "alice-demo-pass")
    asyncio.run(_sign_in_there(person.url, sandbox.origin(), "alice-demo-pass"))
    assert signins(sandbox) == 1
    before = tabs(person.url)
    assert PERSON_TAB in before

    done = run(cli, sandbox, "--cdp", person.url)
    assert done.returncode == 1, done.stderr  # the setting is on, read through the person's session
    (result,) = results(done)
    assert (result["state"], result["outcome"]) == ("on", "checked"), result
    assert signins(sandbox) == 1, "optout signed in again instead of using the browser's session"
    assert sandbox.account(ALICE)["password_submissions"] == 1

    assert person.alive(), "optout closed the person's browser"
    assert sorted(tabs(person.url)) == sorted(before), "optout left its tab or closed one of the person's"
    assert not session_file(cli, "linkedin", ALICE).exists(), "a session was saved from the person's browser"

    off = run(cli, sandbox, "--cdp", person.url, command="off")
    assert off.returncode == 0, off.stderr
    assert results(off)[0]["state"] == "off" and signins(sandbox) == 1
    assert sandbox.account(ALICE)["settings"]["allowDataForGenerativeAI"] is False
    assert person.alive() and sorted(tabs(person.url)) == sorted(before)


def test_cdp_not_signed_in_there_needs_attention_and_types_nothing(
    cli: Cli, sandbox: Sandbox, person: PersonBrowser
) -> None:
    add(cli, ALICE, "alice-demo-pass")  # a password in the keyring is still never typed there
    before = tabs(person.url)

    done = run(cli, sandbox, "--cdp", person.url)
    assert done.returncode == 3, done.stderr
    (result,) = results(done)
    assert result["outcome"] == "needs_attention", result
    assert "not signed in to LinkedIn in that browser" in result["reason"]
    assert sandbox.account(ALICE)["password_submissions"] == 0
    assert signins(sandbox) == 0
    assert person.alive()
    assert sorted(tabs(person.url)) == sorted(before)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_cdp_at_a_closed_port_is_one_line(cli: Cli) -> None:
    add(cli, ALICE, "alice-demo-pass")
    done = cli("check", "linkedin", "--cdp", f"http://127.0.0.1:{_free_port()}")
    assert done.returncode == 2, done.stderr
    assert "no browser answers at --cdp" in one_line(done)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://example.invalid:9222", "only a browser on this machine"),
        ("ws://127.0.0.1.invalid:9222/devtools/browser/x", "only a browser on this machine"),
        ("ftp://127.0.0.1:9222", "expected http://127.0.0.1:PORT"),
        ("http://127.0.0.1", "expected http://127.0.0.1:PORT"),
    ],
)
def test_cdp_off_this_machine_is_refused_before_connecting(cli: Cli, url: str, why: str) -> None:
    # Refused while the options are read, before any connection; names under .invalid, so that even a
    # mistake could not reach another machine.
    add(cli, ALICE, "alice-demo-pass")
    done = cli("check", "linkedin", "--cdp", url)
    assert done.returncode == 2, done.stderr
    assert why in one_line(done)
    assert not any(cli.home.glob("screenshots/*")), "a run was started"


def test_cdp_and_profile_take_one_account(cli: Cli, tmp_path: Path) -> None:
    add(cli, ALICE, "alice-demo-pass")
    add(cli, "olivia@example.com", "olivia-demo-pass")
    for more in (["--cdp", "http://127.0.0.1:9"], ["--browser-profile", str(tmp_path / "p")]):
        done = cli("check", "linkedin", *more)
        assert done.returncode == 2, done.stderr
        assert "one account at a time" in one_line(done)
    assert not (tmp_path / "p").exists()


# -- --browser-profile ----------------------------------------------------------------------------


@pytest.mark.slow
def test_profile_keeps_the_session_between_runs(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    add(cli, ALICE, "alice-demo-pass")
    profile = tmp_path / "profile"
    first = run(cli, sandbox, "--browser-profile", str(profile))
    assert first.returncode == 1, first.stderr
    assert results(first)[0]["state"] == "on"
    assert signins(sandbox) == 1
    assert (profile / "Default" / "Cookies").is_file(), "the profile holds no cookies"

    second = run(cli, sandbox, "--browser-profile", str(profile))
    assert second.returncode == 1, second.stderr
    assert results(second)[0]["state"] == "on"
    assert signins(sandbox) == 1, "the second run signed in again"
    assert sandbox.account(ALICE)["password_submissions"] == 1
    assert not session_file(cli, "linkedin", ALICE).exists(), "a session file was written beside the profile"

    off = run(cli, sandbox, "--browser-profile", str(profile), command="off")
    assert off.returncode == 0, off.stderr
    assert results(off)[0]["state"] == "off" and signins(sandbox) == 1


def test_profile_in_use_by_a_running_browser_is_one_line(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    add(cli, ALICE, "alice-demo-pass")
    browser = PersonBrowser(tmp_path / "busy")
    try:
        done = run(cli, sandbox, "--browser-profile", str(browser.profile))
        assert done.returncode == 2, done.stderr
        line = one_line(done)
        assert "in use by a running browser" in line and str(browser.process.pid) in line
        assert browser.alive()
        assert signins(sandbox) == 0
    finally:
        browser.stop()
    assert os.path.isdir(browser.profile)


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed (apt-get install xvfb)")
def test_login_fills_a_profile_that_check_then_uses(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    add(cli, ALICE, "alice-demo-pass")
    profile = tmp_path / "filled"
    done = subprocess.run(
        [
            "xvfb-run",
            "-a",
            sys.executable,
            "-m",
            "optout",
            "login",
            "linkedin",
            "--origin",
            f"linkedin={sandbox.origin()}",
            "--browser-profile",
            str(profile),
        ],
        capture_output=True,
        text=True,
        env=cli.environ({"DISPLAY": None, "WAYLAND_DISPLAY": None, THROWAWAY_ENV: "1"}),
        cwd=cli.home,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert "session kept in the browser profile" in done.stderr.strip().splitlines()[-1]
    assert signins(sandbox) == 1
    assert not session_file(cli, "linkedin", ALICE).exists()
    checked = run(cli, sandbox, "--browser-profile", str(profile))
    assert checked.returncode == 1, checked.stderr
    assert signins(sandbox) == 1


def test_recheck_through_cdp_reads_the_other_browsers_session(
    cli: Cli, sandbox: Sandbox, person: PersonBrowser
) -> None:
    add(cli, ALICE, "alice-demo-pass")
    asyncio.run(_sign_in_there(person.url, sandbox.origin(), "alice-demo-pass"))
    before = tabs(person.url)
    origin = f"linkedin={sandbox.origin()}"
    done = cli(
        "recheck", "--account", ALICE, "--origin", origin, "--json", "--cdp", person.url, env={THROWAWAY_ENV: "1"}
    )
    assert done.returncode == 1, done.stderr
    (result,) = results(done)
    assert result["state"] == "on" and signins(sandbox) == 1
    assert person.alive() and sorted(tabs(person.url)) == sorted(before)


@pytest.mark.parametrize("option", ["--cdp", "--browser-profile"])
def test_origin_in_a_browser_not_declared_throwaway_is_refused(
    cli: Cli, sandbox: Sandbox, person: PersonBrowser, tmp_path: Path, option: str
) -> None:
    # The person's own cookies for the platform would go to the local server and be replaced by its own.
    add(cli, ALICE, "alice-demo-pass")
    value = person.url if option == "--cdp" else str(tmp_path / "profile")
    before = tabs(person.url)
    done = cli("check", "linkedin", "--origin", f"linkedin={sandbox.origin()}", option, value)
    assert done.returncode == 2, done.stderr
    assert THROWAWAY_ENV in one_line(done) and "cookies" in one_line(done)
    assert signins(sandbox) == 0 and sorted(tabs(person.url)) == sorted(before)
    assert not (tmp_path / "profile").exists()
