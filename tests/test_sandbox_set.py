"""Turning a sandbox setting back on, as the platform might, for a re-check to find: `optout sandbox`
says how when it starts, `optout sandbox set` does it from another terminal, and the sandbox's own page
does it with a button (clicked in Chromium). Each is read back from the sandbox's state."""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Cli

KEY = "allowDataForGenerativeAI"


class RunningSandbox:
    """`optout sandbox --port 0` for real, in its own process; what it printed, line by line."""

    def __init__(self, cli: Cli) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "optout", "sandbox", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=cli.environ({"COLUMNS": "80"}),
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        first = self.next_line()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", first)
        assert match, first
        self.port = int(match[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def next_line(self, timeout: float = 60) -> str:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("optout sandbox printed nothing more") from None

    def printed_until(self, words: str, timeout: float = 60) -> list[str]:
        """The lines printed up to the first that holds `words` (that one included)."""
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while not seen or words not in seen[-1]:
            seen.append(self.next_line(max(0.1, deadline - time.monotonic())))
        return seen

    def setting(self, username: str, platform: str = "linkedin") -> bool:
        state = httpx.get(f"{self.url}/__sandbox__/state", timeout=10).json()
        value: bool = state[platform][username]["settings"][KEY]
        return value

    def writes(self, username: str, platform: str = "linkedin") -> list[Any]:
        writes: list[Any] = httpx.get(f"{self.url}/__sandbox__/state", timeout=10).json()[platform][username]["writes"]
        return writes

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def running(cli: Cli) -> Iterator[RunningSandbox]:
    box = RunningSandbox(cli)
    try:
        yield box
    finally:
        box.stop()


def test_the_sandbox_says_how_and_the_command_turns_a_setting_back_on(cli: Cli, running: RunningSandbox) -> None:
    said = running.printed_until("optout sandbox set")
    assert said[-3:] == [
        "Turn a setting back on, as the platform might, for optout recheck to find:",
        f"  the buttons on {running.url}/, or",
        f"  optout sandbox set PLATFORM USERNAME KEY on --port {running.port}  (KEY: see the index page)",
    ]

    port = str(running.port)
    assert running.setting("olivia@example.com") is False  # her setting is off
    done = cli("sandbox", "set", "linkedin", "olivia@example.com", KEY, "on", "--port", port)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"linkedin olivia@example.com {KEY}: on (was off)\n"
    assert running.setting("olivia@example.com") is True
    assert running.writes("olivia@example.com") == []  # the platform's doing, not a write of the person

    off = cli("sandbox", "set", "linkedin", "olivia@example.com", KEY, "off", "--port", port)
    assert off.stdout == f"linkedin olivia@example.com {KEY}: off (was on)\n"
    assert running.setting("olivia@example.com") is False

    unknown = cli("sandbox", "set", "linkedin", "olivia@example.com", "trainingAllowed", "on", "--port", port)
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr == (
        "optout: error: linkedin account olivia@example.com has no setting 'trainingAllowed': "
        "allowDataForGenerativeAI, allowAnonymizedDataResearch, aiWritingSuggestions\n"
    )


def test_setting_with_no_sandbox_running_is_one_line_exit_3(cli: Cli) -> None:
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = str(closed.getsockname()[1])
    done = cli("sandbox", "set", "linkedin", "olivia@example.com", KEY, "on", "--port", port)
    assert done.returncode == 3
    assert done.stderr == (
        f"optout: error: no sandbox answers on http://127.0.0.1:{port}; start one with: optout sandbox --port {port}\n"
    )


async def test_the_sandbox_page_turns_a_setting_back_on(page: Any, cli: Cli, running: RunningSandbox) -> None:
    olivia = "olivia@example.com"
    await page.goto(running.url + "/")
    row = page.locator(f'tr[id="linkedin:{olivia}"]')
    assert await row.get_by_text(f"{KEY}: off").count() == 1
    await page.get_by_role("button", name=f"Turn {KEY} of {olivia} back on (as the platform might)").click()
    # Back on the index, at her row, which now reads on, without the button.
    await page.wait_for_url(re.compile(r"/#linkedin:olivia@example\.com$"))
    await row.get_by_text(f"{KEY}: on").wait_for()
    assert await row.get_by_role("button", name=re.compile(f"Turn {KEY} ")).count() == 0
    assert running.setting(olivia) is True
    assert running.writes(olivia) == []
