"""A sandbox run never touches a real account: --origin refuses credentials in its URL."""

from __future__ import annotations

import pytest

from tests.conftest import Cli, Sandbox

ALICE = "alice@example.com"


# -- 7: no credentials in --origin ----------------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "recheck", "login"])
def test_credentials_in_origin_are_refused_without_echoing_them(cli: Cli, sandbox: Sandbox, command: str) -> None:
    with_credentials = sandbox.origin().replace("http://", "http://someone:Pa55-in-url@")
    account = ["linkedin", "--account", ALICE] if command == "login" else []
    done = cli(command, *account, "--origin", f"linkedin={with_credentials}")
    assert done.returncode == 2, done.stderr
    # One line; a re-check also says it could not alert (a scheduler's run that cannot start needs a person).
    line = done.stderr.splitlines()[0]
    assert line.startswith("optout: error: ") and "user name or password" in line
    assert "Pa55-in-url" not in done.stdout + done.stderr and "someone" not in done.stdout + done.stderr
    assert not (cli.home / "history.db").exists() and not (cli.home / "screenshots").exists()
