"""The X flow in real Chromium against the sandbox's X: the sign-in in steps (with and without the extra
identifier page), the one training checkbox among three look-alikes, the older wording, and the
challenges. Every test reads the sandbox server's state to prove what changed and what did not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from optout.engine.context import Mode
from optout.evidence.recorder import RunEvidence
from optout.results import Outcome, Result, State
from tests.conftest import FLOWS, Sandbox, demo_target

TRAINING, PERSONALIZATION, MEMORY = "allow_xai_data_sharing", "allow_xai_personalization", "allow_grok_memory"


@pytest.fixture
def evidence(tmp_path: Path) -> RunEvidence:
    return RunEvidence(tmp_path / "out", "test", {"x": FLOWS["x"].version})


async def run(runner: Any, mode: Mode, username: str, evidence: RunEvidence, **kw: Any) -> Result:
    (result,) = await runner.run(mode, [demo_target("x", username, **kw)], evidence)
    return result


async def test_switches_off_only_the_training_box_among_look_alikes(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    # lily has all three boxes checked: personalisation and memory must stay untouched.
    result = await run(runner, Mode.OFF, "lily@example.com", evidence)
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True)
    account = sandbox.account("lily@example.com", "x")
    assert account["writes_by_key"][TRAINING] == 1
    assert account["writes_by_key"][PERSONALIZATION] == 0 and account["writes_by_key"][MEMORY] == 0
    assert account["settings"] == {**account["settings"], TRAINING: False, PERSONALIZATION: True, MEMORY: True}
    assert result.url == "https://x.com/settings/grok_settings"


async def test_check_reads_and_writes_nothing(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    result = await run(runner, Mode.CHECK, "xavier@example.com", evidence)
    assert (result.outcome, result.state) == (Outcome.CHECKED, State.ON)
    assert sum(sandbox.account("xavier@example.com", "x")["writes_by_key"].values()) == 0


@pytest.mark.parametrize(("username", "language"), [("ivy@example.com", "en"), ("margaux@example.fr", "fr")])
async def test_sign_in_in_steps_with_and_without_the_extra_identifier_page(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence, username: str, language: str
) -> None:
    # ivy meets the "unusual activity" page (her identifier again); margaux signs in in French.
    result = await run(runner, Mode.OFF, username, evidence)
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True), result.reason
    account = sandbox.account(username, "x")
    assert account["password_submissions"] == 1 and account["signins"] == 1
    assert account["writes_by_key"][TRAINING] == 1


async def test_old_wording_is_still_the_training_box(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    result = await run(runner, Mode.OFF, "owen@example.com", evidence)
    assert (result.outcome, result.state) == (Outcome.SWITCHED_OFF, State.OFF)
    assert sandbox.account("owen@example.com", "x")["settings"][TRAINING] is False


async def test_redesigned_page_touches_nothing(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    result = await run(runner, Mode.OFF, "remy@example.com", evidence)
    assert (result.outcome, result.state) == (Outcome.FAILED, State.UNKNOWN)
    assert result.reason and "nothing was clicked" in result.reason
    assert sum(sandbox.account("remy@example.com", "x")["writes_by_key"].values()) == 0


@pytest.mark.parametrize(
    ("username", "outcome", "reason"),
    [
        ("tara@example.com", Outcome.NEEDS_ATTENTION, "verification code"),
        ("cass@example.com", Outcome.NEEDS_ATTENTION, "CAPTCHA"),
        ("lockie@example.com", Outcome.NEEDS_ATTENTION, "locked"),
        ("wyatt@example.com", Outcome.FAILED, "rejected"),
    ],
)
async def test_challenges_stop_after_one_password(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence, username: str, outcome: Outcome, reason: str
) -> None:
    password = "wyatt-typo-pass" if username.startswith("wyatt") else None
    result = await run(runner, Mode.OFF, username, evidence, password=password)
    assert result.outcome is outcome and result.reason and reason in result.reason
    account = sandbox.account(username, "x")
    assert account["password_submissions"] == 1
    assert sum(account["writes_by_key"].values()) == 0


async def test_menu_path_when_the_deep_link_moved(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    # The deep link answers 404: the flow follows the settings menus, in the settings column only
    # (the primary navigation has a "Grok" link of its own).
    from optout.engine.runner import AccountTarget
    from optout.language.steps import GotoStep

    flow = FLOWS["x"]
    moved = flow.settings[0].model_copy(update={"open": [GotoStep(goto="https://x.com/settings/grok_settings_moved")]})
    plain = demo_target("x", "xavier@example.com")
    account = AccountTarget(flow.model_copy(update={"settings": [moved]}), plain.username, plain.password)
    (result,) = await runner.run(Mode.OFF, [account], evidence)
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True), result.reason
    assert sandbox.account("xavier@example.com", "x")["writes_by_key"][TRAINING] == 1
