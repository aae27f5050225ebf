"""--browser-ws: a run in a browser a Playwright browser server started (here `playwright run-server` on
127.0.0.1), with the same --origin mapping, sign-in and evidence as a local one; bad addresses refused
with one line."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from optout.browser.launch import LAUNCH_ARGS, find_system_browser
from optout.browser.video import _driver_package
from tests.conftest import Cli, Sandbox

PASSWORD = "alice-demo-pass\n"


def _shell_revision() -> str:
    browsers = json.loads((_driver_package() / "browsers.json").read_text(encoding="utf-8"))["browsers"]
    return str(next(b["revision"] for b in browsers if b["name"] == "chromium-headless-shell"))


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A browser server on 127.0.0.1 whose browsers are this machine's Chromium (its own build is not
    downloaded here), each launch written to a log: the address, and that log."""
    system = find_system_browser()
    if system is None and not os.environ.get("OPTOUT_BROWSER"):
        pytest.skip("no system Chromium to serve")
    chromium = os.environ.get("OPTOUT_BROWSER") or str(system)
    root = tmp_path_factory.mktemp("grid")
    launches = root / "launches.log"
    shell = root / "browsers" / f"chromium_headless_shell-{_shell_revision()}" / "chrome-headless-shell-linux64"
    shell.mkdir(parents=True)
    wrapper = shell / "chrome-headless-shell"
    # The quiet flags whether or not the server passes the client's: nothing leaves the machine.
    wrapper.write_text(f'#!/bin/sh\necho launched >> "{launches}"\nexec "{chromium}" {" ".join(LAUNCH_ARGS)} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    env = {**os.environ, "PLAYWRIGHT_BROWSERS_PATH": str(root / "browsers")}
    server = subprocess.Popen(
        [sys.executable, "-m", "playwright", "run-server", "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        found = re.search(r"ws://127\.0\.0\.1:\d+/?\S*", line)
        assert found, line
        yield found.group(0), launches
    finally:
        server.terminate()
        server.wait(10)


def test_a_check_runs_in_the_grid_s_browser_with_the_same_mapping(
    cli: Cli, sandbox: Sandbox, grid: tuple[str, Path]
) -> None:
    address, launches = grid
    before = launches.read_text().count("launched") if launches.exists() else 0
    origin = f"linkedin={sandbox.origin('linkedin')}"
    added = cli(
        "accounts", "add", "linkedin", "alice@example.com", "--password-stdin", "--mapped", input="alice-demo-pass\n"
    )
    assert added.returncode == 0, added.stderr
    done = cli("check", "--origin", origin, "--browser-ws", address, "--json")
    assert done.returncode == 1, done.stderr  # alice's setting is on
    (result,) = json.loads(done.stdout)
    assert (result["outcome"], result["state"]) == ("checked", "on")
    assert launches.read_text().count("launched") > before  # the server's browser, not one of ours
    assert sandbox.account("alice@example.com")["signins"] == 1
    manifest = json.loads(next((cli.home / "screenshots").glob("*/manifest.json")).read_text())
    assert "from the browser server at ws://127.0.0.1:" in json.dumps(manifest)
    # The same from the environment, as a schedule sets it.
    again = cli("check", "--origin", origin, "--json", env={"OPTOUT_BROWSER_WS": address})
    assert again.returncode == 1 and json.loads(again.stdout)[0]["state"] == "on", again.stderr


def test_bad_addresses_are_refused_with_one_line(cli: Cli, sandbox: Sandbox) -> None:
    origin = f"linkedin={sandbox.origin('linkedin')}"
    cli("accounts", "add", "linkedin", "alice@example.com", "--password-stdin", "--mapped", input=PASSWORD)
    for bad in (
        ["--browser-ws", "http://127.0.0.1:9/"],
        ["--browser-ws", "ws://user:secret@127.0.0.1:9/"],
        ["--browser-ws", "ws://127.0.0.1:9/?token=secret"],
        ["--browser-ws", "wss://127.0.0.1:1/secret-path"],  # nothing listens: the path is never repeated
        ["--browser-ws", "ws://127.0.0.1:9/", "--cdp", "http://127.0.0.1:9"],
        ["--browser-ws", "ws://127.0.0.1:1/"],  # nothing listens there
    ):
        done = cli("check", "--origin", origin, *bad)
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, (bad, done.stderr)
        assert "secret" not in done.stderr
