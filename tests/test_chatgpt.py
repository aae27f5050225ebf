"""The ChatGPT flow in real Chromium against the sandbox's ChatGPT, both of its origins (chatgpt.com and
auth.openai.com) mapped onto one server: the sign-in across them, the switch in a dialog opened from a
row whose name carries the state, the product tour, look-alike switches and a workspace account without
the setting. Every test reads the sandbox server's state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from optout.engine.context import Mode
from optout.evidence.recorder import RunEvidence
from optout.results import Outcome, Result, State
from tests.conftest import FLOWS, Cli, Sandbox, demo_target
from tests.test_cli import add

TRAINING = "training_allowed"


@pytest.fixture
def evidence(tmp_path: Path) -> RunEvidence:
    return RunEvidence(tmp_path / "out", "test", {"chatgpt": FLOWS["chatgpt"].version})


async def run(runner: Any, mode: Mode, username: str, evidence: RunEvidence, **kw: Any) -> Result:
    (result,) = await runner.run(mode, [demo_target("chatgpt", username, **kw)], evidence)
    return result


def written(sandbox: Sandbox, username: str) -> dict[str, int]:
    return {k: n for k, n in sandbox.account(username, "chatgpt")["writes_by_key"].items() if n}


@pytest.mark.parametrize("username", ["ada@example.com", "elise@example.fr"])
async def test_signs_in_across_two_origins_and_switches_off(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence, username: str
) -> None:
    # chatgpt.com/auth/login is a landing page whose "Log in" / "Se connecter" renders late: the flow
    # clicks it (a flow waiting there for the e-mail field fails "field Email address not found").
    result = await run(runner, Mode.OFF, username, evidence)
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True), result.reason
    account = sandbox.account(username, "chatgpt")
    assert account["password_submissions"] == 1 and account["signins"] == 1
    assert written(sandbox, username) == {TRAINING: 1} and account["settings"][TRAINING] is False
    # The URL kept drops the fragment (#settings/DataControls).
    assert result.url == "https://chatgpt.com/"


async def test_look_alike_switches_in_the_same_dialog_stay_untouched(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    before = dict(sandbox.account("kai@example.com", "chatgpt")["settings"])
    result = await run(runner, Mode.OFF, "kai@example.com", evidence)
    assert (result.outcome, result.state) == (Outcome.SWITCHED_OFF, State.OFF)
    assert written(sandbox, "kai@example.com") == {TRAINING: 1}
    assert sandbox.account("kai@example.com", "chatgpt")["settings"] == {**before, TRAINING: False}


async def test_the_product_tour_is_dismissed_never_clicked_through(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    # tara's tour covers the page at the first load and comes back once after the switch answered.
    result = await run(runner, Mode.OFF, "tara@example.com", evidence)
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True), result.reason
    assert written(sandbox, "tara@example.com") == {TRAINING: 1}


async def test_a_redesigned_row_without_its_state_touches_nothing(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    result = await run(runner, Mode.OFF, "leo@example.com", evidence)
    assert (result.outcome, result.state) == (Outcome.FAILED, State.UNKNOWN)
    assert result.reason and "does not say on or off" in result.reason and "nothing was clicked" in result.reason
    assert written(sandbox, "leo@example.com") == {}


async def test_the_server_refusing_leaves_the_switch_on(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    # aria-checked flips only when the server answers, and rosa's server keeps it on: one click only.
    result = await run(runner, Mode.OFF, "rosa@example.com", evidence)
    assert (result.outcome, result.state, result.verified) == (Outcome.FAILED, State.ON, True)
    assert result.reason and "refused" in result.reason
    assert written(sandbox, "rosa@example.com") == {TRAINING: 1}


@pytest.mark.parametrize(
    ("username", "outcome", "reason"),
    [
        ("vera@example.com", Outcome.NEEDS_ATTENTION, "verification code"),
        ("cleo@example.com", Outcome.NEEDS_ATTENTION, "CAPTCHA"),
        ("will@example.com", Outcome.FAILED, "rejected"),
    ],
)
async def test_challenges_stop_the_run(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence, username: str, outcome: Outcome, reason: str
) -> None:
    password = "will-typo-pass" if username.startswith("will") else None
    result = await run(runner, Mode.OFF, username, evidence, password=password)
    assert result.outcome is outcome and result.reason and reason in result.reason
    assert sandbox.account(username, "chatgpt")["password_submissions"] == 1
    assert written(sandbox, username) == {}


def test_workspace_account_not_offered_through_the_cli(cli: Cli, sandbox: Sandbox) -> None:
    # --origin maps both of ChatGPT's origins onto the one server; the setting is not offered: exit 0.
    add(cli, "wanda@example.com", "wanda-gpt-demo-pass", platform="chatgpt")
    origin = f"chatgpt={sandbox.origin('chatgpt')}"
    for command, outcome in (("check", "checked"), ("off", "already_off")):
        done = cli(command, "chatgpt", "--origin", origin, "--json", "--timeout", "5")
        assert done.returncode == 0, done.stderr
        (result,) = json.loads(done.stdout)
        assert (result["state"], result["outcome"]) == ("not_offered", outcome)
        assert result["evidence"] and (cli.home / result["evidence"][0]["path"]).is_file()
    assert written(sandbox, "wanda@example.com") == {}
    # The second run (off) starts from the session the first one saved: one sign-in in all.
    assert sandbox.account("wanda@example.com", "chatgpt")["signins"] == 1
