"""Saved sessions through the real command line, the real sandbox (which counts sign-ins) and Chromium:
a second run signs in zero times; the file is encrypted, bound to its account and private; an expired
session means one new sign-in, or needs_attention with the login command; damaged files and an
unusable keyring never crash a run; login and logout."""

from __future__ import annotations

import base64
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from keyrings.alt.file import PlaintextKeyring

from optout.accounts import config as accounts
from optout.accounts.saved_sessions import KEYRING_ENTRY, SessionDiscarded, SessionStore, _decrypt, own_state
from optout.paths import Home
from tests.conftest import Cli, Sandbox
from tests.test_cli import add

ALICE = "alice@example.com"
SETTING = "allowDataForGenerativeAI"


def keyring_of(cli: Cli, *, mapped: bool = False) -> tuple[PlaintextKeyring, str]:
    """The file keyring the command used, and the service name of the command's home (of its entries for
    mapped runs, with `mapped`)."""
    backend = PlaintextKeyring()
    backend.file_path = str(Path(cli.env["XDG_DATA_HOME"]) / "python_keyring" / "keyring_pass.cfg")
    service = accounts.service(Home(config_dir=cli.home, data_dir=cli.home, scoped=True), mapped=mapped)
    assert service is not None
    return backend, service


def session_key(cli: Cli) -> bytes:
    backend, service = keyring_of(cli)
    stored = backend.get_password(service, KEYRING_ENTRY)
    assert stored is not None, "no session key in the keyring"
    return base64.b64decode(stored)


def session_file(cli: Cli, platform: str, username: str, *, mapped: bool = True) -> Path:
    """Where the account's saved session is: by default the one of runs with --origin (these tests' runs)."""
    home = Home(config_dir=cli.home, data_dir=cli.home, scoped=True)
    return SessionStore(home, mapped=mapped).path(platform, username)


def check(cli: Cli, sandbox: Sandbox, platform: str = "linkedin", *more: str) -> subprocess.CompletedProcess[str]:
    origins = [a for p in (platform, *more) for a in ("--origin", f"{p}={sandbox.origin(p)}")]
    return cli("check", platform, *more, *origins, "--json", "--timeout", "5")


def signins(sandbox: Sandbox, username: str = ALICE, platform: str = "linkedin") -> int:
    return int(sandbox.account(username, platform)["signins"])


def expire(sandbox: Sandbox, username: str = ALICE, platform: str = "linkedin") -> None:
    response = httpx.post(
        f"{sandbox.server.base_url}/__sandbox__/expire-sessions",
        params={"platform": platform, "username": username},
        timeout=10,
    )
    response.raise_for_status()
    assert response.json()["expired"] >= 1


def results(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert "Traceback" not in done.stderr, done.stderr
    data: list[dict[str, Any]] = json.loads(done.stdout)
    return data


@pytest.mark.parametrize(
    ("platform", "username", "password", "domain"),
    [
        ("linkedin", ALICE, "alice-demo-pass", "linkedin.com"),
        ("x", "xavier@example.com", "xavier-demo-pass", "x.com"),
    ],
)
def test_second_run_reuses_the_encrypted_session(
    cli: Cli, sandbox: Sandbox, platform: str, username: str, password: str, domain: str
) -> None:
    add(cli, username, password, platform)
    first = check(cli, sandbox, platform)
    assert first.returncode == 1, first.stderr  # the setting is on
    assert signins(sandbox, username, platform) == 1

    second = check(cli, sandbox, platform)
    assert second.returncode == 1, second.stderr
    (result,) = results(second)
    assert (result["state"], result["outcome"]) == ("on", "checked")
    assert signins(sandbox, username, platform) == 1, "the second run signed in again"
    assert sandbox.account(username, platform)["password_submissions"] == 1

    path = session_file(cli, platform, username)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
    blob = path.read_bytes()
    state = _decrypt(session_key(cli), blob, platform, username, mapped=True)
    # Only the platform's own cookies, set for its real origins through the --origin mapping.
    assert state["cookies"], state
    assert all(c["domain"].lstrip(".").endswith(domain) for c in state["cookies"]), state["cookies"]
    for cookie in state["cookies"]:
        if len(cookie["value"]) >= 8:
            assert cookie["value"].encode() not in blob
    assert username.encode() not in blob and password.encode() not in blob
    # Bound to its key and to its account: another key, or another account's name, does not decrypt.
    with pytest.raises(SessionDiscarded):
        _decrypt(os.urandom(32), blob, platform, username, mapped=True)
    with pytest.raises(SessionDiscarded):
        _decrypt(session_key(cli), blob, platform, "someone.else@example.com", mapped=True)


@pytest.mark.slow
def test_expired_session_signs_in_once_with_a_password_else_needs_attention(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, ALICE, "alice-demo-pass")
    assert check(cli, sandbox).returncode == 1
    path = session_file(cli, "linkedin", ALICE)
    before = path.read_bytes()

    expire(sandbox)
    again = check(cli, sandbox)
    assert again.returncode == 1, again.stderr
    assert results(again)[0]["outcome"] == "checked"
    assert signins(sandbox) == 2
    after = path.read_bytes()
    assert after != before
    assert check(cli, sandbox).returncode == 1 and signins(sandbox) == 2  # the new session is used

    expire(sandbox)
    backend, service = keyring_of(cli, mapped=True)
    backend.delete_password(service, f"linkedin:{ALICE}")
    stuck = check(cli, sandbox)
    assert stuck.returncode == 3, stuck.stderr
    (result,) = results(stuck)
    assert result["outcome"] == "needs_attention"
    # The login that opens a new session for these runs: with their --origin (their sessions are their own).
    login = f"optout login linkedin --account {ALICE} --origin linkedin={sandbox.origin()}"
    assert result["reason"] == f"session expired: run {login}"
    assert signins(sandbox) == 2 and sandbox.account(ALICE)["password_submissions"] == 2


@pytest.mark.slow
def test_damaged_or_foreign_session_files_are_discarded_with_a_message(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, ALICE, "alice-demo-pass")
    assert check(cli, sandbox).returncode == 1
    path = session_file(cli, "linkedin", ALICE)
    backend, service = keyring_of(cli)

    def random_bytes() -> None:
        path.write_bytes(os.urandom(300))

    def truncated() -> None:
        path.write_bytes(path.read_bytes()[:40])

    def another_key() -> None:
        backend.set_password(service, KEYRING_ENTRY, base64.b64encode(os.urandom(32)).decode())

    for count, damage in enumerate([random_bytes, truncated, another_key], start=2):
        damage()
        done = check(cli, sandbox)
        assert done.returncode == 1, (damage.__name__, done.stderr)
        assert results(done)[0]["outcome"] == "checked"
        assert f"saved session {path} not used" in done.stderr, (damage.__name__, done.stderr)
        assert signins(sandbox) == count, damage.__name__
        _decrypt(session_key(cli), path.read_bytes(), "linkedin", ALICE, mapped=True)  # replaced by a good one


def test_a_session_copied_to_another_account_does_not_decrypt(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, ALICE, "alice-demo-pass")
    add(cli, "olivia@example.com", "olivia-demo-pass")
    done = cli("check", "linkedin", "--account", ALICE, "--origin", f"linkedin={sandbox.origin()}", "--json")
    assert done.returncode == 1, done.stderr
    olivia = session_file(cli, "linkedin", "olivia@example.com")
    olivia.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(session_file(cli, "linkedin", ALICE), olivia)
    done = cli(
        "check", "linkedin", "--account", "olivia@example.com", "--origin", f"linkedin={sandbox.origin()}", "--json"
    )
    assert done.returncode == 0, done.stderr  # olivia's setting is already off: read as olivia
    assert f"saved session {olivia} not used" in done.stderr
    assert signins(sandbox, "olivia@example.com") == 1
    assert sandbox.account(ALICE)["signins"] == 1


def test_keyring_unavailable_needs_attention_naming_the_fix(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, ALICE, "alice-demo-pass")
    add(cli, "xavier@example.com", "xavier-demo-pass", "x")
    assert check(cli, sandbox, "linkedin", "x").returncode == 1
    origins = [a for p in ("linkedin", "x") for a in ("--origin", f"{p}={sandbox.origin(p)}")]
    done = cli("check", *origins, "--json", env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert done.returncode == 3, done.stderr
    found = results(done)
    assert [(r["platform"], r["outcome"]) for r in found] == [
        ("linkedin", "needs_attention"),
        ("x", "needs_attention"),
    ]
    for result in found:
        assert "keyring cannot be used" in result["reason"] and "optout doctor" in result["reason"]
    assert signins(sandbox) == 1 and signins(sandbox, "xavier@example.com", "x") == 1
    assert session_file(cli, "linkedin", ALICE).exists()  # kept for when the keyring is back


def test_logout_deletes_the_session_files(cli: Cli) -> None:
    store = SessionStore(Home(config_dir=cli.home, data_dir=cli.home, scoped=True))
    for name in (ALICE, "olivia@example.com"):
        store.path("linkedin", name).parent.mkdir(parents=True, exist_ok=True)
        store.path("linkedin", name).write_bytes(b"x")
    one = cli("logout", "linkedin", "--account", ALICE)
    assert one.returncode == 0, one.stderr
    assert one.stderr.strip().startswith("Deleted the saved session ") and len(one.stderr.splitlines()) == 1
    assert not store.path("linkedin", ALICE).exists() and store.path("linkedin", "olivia@example.com").exists()
    every = cli("logout", "linkedin")
    assert every.returncode == 0 and len(every.stderr.splitlines()) == 1
    assert not store.path("linkedin", "olivia@example.com").exists()
    none = cli("logout", "linkedin", "--account", ALICE)
    assert none.returncode == 0
    assert none.stderr.strip() == f"No saved linkedin session for {ALICE}; nothing to delete."
    # Forgetting an account forgets its session too.
    add(cli, ALICE, "alice-demo-pass")
    store.path("linkedin", ALICE).write_bytes(b"x")
    removed = cli("accounts", "remove", "linkedin", ALICE)
    assert removed.returncode == 0 and "deleted its saved session" in removed.stderr, removed.stderr
    assert not store.path("linkedin", ALICE).exists()


def test_only_the_platforms_own_cookies_and_storage_are_kept() -> None:
    state = {
        "cookies": [
            {"name": "li_at", "domain": ".linkedin.com", "value": "a"},
            {"name": "x", "domain": "www.linkedin.com", "value": "b"},
            {"name": "t", "domain": ".tracker.example", "value": "c"},
            {"name": "e", "domain": "evil-linkedin.com", "value": "d"},
        ],
        "origins": [{"origin": "https://www.linkedin.com", "localStorage": []}, {"origin": "https://ads.example"}],
    }
    kept = own_state(state, ["https://www.linkedin.com", "https://linkedin.com"])
    assert [c["name"] for c in kept["cookies"]] == ["li_at", "x"]
    assert [o["origin"] for o in kept["origins"]] == ["https://www.linkedin.com"]


def test_login_refuses_without_a_display(cli: Cli) -> None:
    add(cli, ALICE, "alice-demo-pass")
    done = cli("login", "linkedin", env={"DISPLAY": None, "WAYLAND_DISPLAY": None})
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("optout: error: optout login needs a display to open the browser window"), line
    # login is always headed: the person never typed --headed, so the line must not talk about it.
    assert "--headed" not in line and "login linkedin (Debian/Ubuntu: apt-get install xvfb)" in line


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed (apt-get install xvfb)")
def test_login_in_a_window_saves_the_session(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, ALICE, "alice-demo-pass")
    origin = f"linkedin={sandbox.origin()}"
    done = subprocess.run(
        ["xvfb-run", "-a", sys.executable, "-m", "optout", "login", "linkedin", "--origin", origin],
        capture_output=True,
        text=True,
        env=cli.environ({"DISPLAY": None, "WAYLAND_DISPLAY": None}),
        cwd=cli.home,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    path = session_file(cli, "linkedin", ALICE)
    assert done.stderr.strip().splitlines()[-1] == (
        f"Signed in to linkedin as {ALICE}; session saved (encrypted) at {path.relative_to(cli.home)}"
    )
    assert signins(sandbox) == 1
    checked = check(cli, sandbox)
    assert checked.returncode == 1, checked.stderr
    assert signins(sandbox) == 1
