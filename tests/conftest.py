"""Shared test fixtures: one sandbox server and one Chromium for the whole session, a fresh context
(via a fresh Runner session) per test, a real file keyring in a temporary folder, and a helper that
runs the real `optout` command line in a subprocess."""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

from optout.accounts import keyrings
from optout.browser.launch import LAUNCH_ARGS, find_browser
from optout.language.registry import load_all, shipped_dir
from optout.sandbox import PLATFORMS, SandboxServer, find_account

REPO = Path(__file__).resolve().parent.parent
# The shipped flows, whatever the person running the tests installed in their own home.
# Every request a test makes goes to 127.0.0.1: never through a proxy set in the environment.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost,::1"

FLOWS = load_all(shipped_dir())
LINKEDIN = FLOWS["linkedin"]


# -- order ----------------------------------------------------------------------------------------


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first: the workers hand out tests in this order, and one long test started last
    would keep the whole suite waiting on it alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


# -- a person at the window -----------------------------------------------------------------------


class AlertsSeen:
    """A Runner reporter that keeps the alerts (what a person is asked to do) and tells when one came."""

    def __init__(self) -> None:
        self.alerts: list[str] = []
        self.asked = asyncio.Event()

    def status(self, text: str) -> None:
        pass

    def alert(self, text: str) -> None:
        self.alerts.append(text)
        self.asked.set()

    def result(self, result: Any) -> None:
        pass


# -- browser (pytest-playwright-asyncio's session browser, launched the way optout launches) --------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], playwright: Any) -> dict[str, Any]:
    choice = find_browser(Path(playwright.chromium.executable_path), shell=True)  # as a run without --headed
    args = dict(browser_type_launch_args)
    if choice.executable is not None:
        args["executable_path"] = str(choice.executable)
    args["args"] = list(LAUNCH_ARGS)
    return args


# -- sandbox ----------------------------------------------------------------------------------------


class Sandbox:
    """The running sandbox, and its server-side state read over HTTP like any client would."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server

    def origin(self, platform: str = "linkedin") -> str:
        return self.server.origin_url(platform)

    def state(self) -> dict[str, Any]:
        response = httpx.get(f"{self.server.base_url}/__sandbox__/state", timeout=10)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def account(self, username: str, platform: str = "linkedin") -> dict[str, Any]:
        data: dict[str, Any] = self.state()[platform][username]
        return data

    def reset(self) -> None:
        httpx.post(f"{self.server.base_url}/__sandbox__/reset", timeout=10).raise_for_status()

    def hold_writes(self, hold: bool) -> None:
        """While held, a setting write is stored at once and answered only once released (or on reset)."""
        httpx.post(
            f"{self.server.base_url}/__sandbox__/hold-writes", json={"hold": hold}, timeout=10
        ).raise_for_status()

    def platform_sets(self, username: str, key: str, value: bool, platform: str = "linkedin") -> None:
        """The platform changes a setting by itself (not a write the person made)."""
        body = {"platform": platform, "username": username, "key": key, "value": value}
        httpx.post(f"{self.server.base_url}/__sandbox__/platform-sets", json=body, timeout=10).raise_for_status()


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> Sandbox:
    box = Sandbox(sandbox_server)
    box.reset()
    return box


# -- keyring and home -----------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def keyring_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real keyring backend (keyrings.alt's file backend) for this test session only, chosen for optout
    in this process the way the demo chooses its own: no test ever reaches the person's keyring."""
    path = tmp_path_factory.mktemp("keyring") / "keyring_pass.cfg"
    backend = PlaintextKeyring()
    backend.file_path = str(path)
    keyring.set_keyring(backend)
    keyrings.use(backend, "the tests' keyring")
    return path


def as_a_terminal_s_job() -> None:
    """`preexec_fn` for a command a test stops with Ctrl-C (SIGINT to its process group): it takes
    Ctrl-C as it would on a terminal, however the suite was started: a non-interactive shell that runs
    the suite in the background (`./run.sh test &` in a script) makes every command below it ignore
    SIGINT, as POSIX asks."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@dataclass
class Cli:
    home: Path
    env: dict[str, str]

    def environ(self, env: dict[str, str | None] | None = None) -> dict[str, str]:
        """The command's environment: `env` adds to it, and a None value removes a variable."""
        merged: dict[str, str | None] = {**self.env, **(env or {})}
        return {k: v for k, v in merged.items() if v is not None}

    def __call__(
        self,
        *args: str,
        input: str | None = None,
        env: dict[str, str | None] | None = None,
        timeout: float = 180,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "optout", *args],
            input=input,
            capture_output=True,
            text=True,
            env=self.environ(env),
            cwd=cwd or self.home,
            timeout=timeout,
        )


def cli_under(root: Path) -> Cli:
    """The real command line with its home, keyring file and XDG folders under `root`."""
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPTOUT_", "PYTHON_KEYRING", "KEYRING_"))}
    env.update(
        OPTOUT_HOME=str(home),
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        # keyrings.alt keeps its file under the XDG data directory, keyring its config file (keyringrc.cfg)
        # under the XDG config directory: both in this test's folder.
        XDG_DATA_HOME=str(root / "xdg-data"),
        XDG_CONFIG_HOME=str(root / "xdg-config"),
        COLUMNS="200",
        # The suite already runs three workers on two cores: each command runs its accounts one at a time
        # (tests/test_jobs.py runs them at once, with -j).
        OPTOUT_JOBS="1",
    )
    return Cli(home=home, env=env)


@pytest.fixture
def cli(tmp_path: Path, keyring_file: Path) -> Cli:
    """The real command line, with its own OPTOUT_HOME and the session's file keyring."""
    return cli_under(tmp_path)


@pytest.fixture
def optout_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keyring_file: Path) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("OPTOUT_HOME", str(home))
    return home


# -- engine runs against the sandbox -------------------------------------------------------------


@pytest.fixture
async def runner(browser: Any, sandbox: Sandbox) -> AsyncIterator[Any]:
    """A Runner on the session's browser, mapping every platform to the sandbox; each account gets a fresh
    context that is closed at the end of the test."""
    from optout.browser.traffic import OriginSpec, build_traffic_map
    from optout.engine.context import Options
    from optout.engine.runner import Runner

    specs = [OriginSpec(p, sandbox.origin(p)) for p in PLATFORMS if p in FLOWS]
    traffic = build_traffic_map(specs, {p: f.origins for p, f in FLOWS.items()})
    async with Runner(traffic=traffic, options=Options(timeout_s=5.0), browser=browser) as r:
        yield r


def demo_target(
    platform: str,
    username: str,
    *,
    password: str | None = None,
    locale: str | None = None,
    totp_secret: str | None = None,
) -> Any:
    """A sandbox demo account as the runner takes it, its password (and `totp_secret`, when given) stored
    in the session's keyring."""
    from optout.accounts import config as accounts
    from optout.engine.runner import AccountTarget

    demo = find_account(platform, username)
    assert demo is not None, username
    accounts.store_password(platform, username, password or demo.password)
    if totp_secret is not None:
        accounts.store_totp_secret(platform, username, totp_secret)
    return AccountTarget(
        flow=FLOWS[platform],
        username=username,
        password=functools.partial(accounts.get_password, platform, username),
        locale=locale or ("fr-FR" if demo.language == "fr" else None),
        totp_secret=functools.partial(accounts.get_totp_secret, platform, username),
    )
