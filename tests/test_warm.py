"""No wasted work on a warm re-check: with a saved session each setting's page is loaded once, and
nothing is signed in to again."""

from __future__ import annotations

import json

import pytest

from optout.sandbox.registry import find_account
from tests.conftest import Cli, Sandbox

ACCOUNTS = {"linkedin": "alice@example.com", "x": "xavier@example.com", "chatgpt": "ada@example.com"}


@pytest.mark.slow
def test_a_warm_check_loads_each_setting_s_page_once(cli: Cli, sandbox: Sandbox) -> None:
    origins = [w for p in ACCOUNTS for w in ("--origin", f"{p}={sandbox.origin(p)}")]
    for platform, username in ACCOUNTS.items():
        demo = find_account(platform, username)
        assert demo is not None
        password = demo.password + "\n"
        added = cli("accounts", "add", platform, username, "--password-stdin", "--mapped", input=password)
        assert added.returncode == 0, added.stderr
    cold = cli("check", *origins, "--json")
    warm = cli("check", *origins, "--json")
    said = [[(r["account"], r["outcome"], r["reason"]) for r in json.loads(d.stdout)] for d in (cold, warm)]
    assert cold.returncode == warm.returncode == 1, said
    for result in json.loads(warm.stdout):
        assert result["outcome"] == "checked" and result["friction"]["page_loads"] == 1, result
    for platform, username in ACCOUNTS.items():
        assert sandbox.account(username, platform)["signins"] == 1  # the cold run's only
