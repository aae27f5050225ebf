"""The Gemini flow in real Chromium against the sandbox's Google: the sign-in on accounts.google.com, the
"Turn off" drop-down (plain "Turn off", never "Turn off and delete activity"), the confirmation dialog
that may follow, and the challenges. Every test reads the sandbox server's state to prove what changed
and what did not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from optout.engine.context import Mode
from optout.evidence.recorder import RunEvidence
from optout.results import Outcome, Result, State
from optout.sandbox.gemini.catalog import AUDIO_KEY, DELETE_ACTIVITY_KEY, KEEP_ACTIVITY_KEY
from tests.conftest import FLOWS, Cli, Sandbox, demo_target
from tests.test_cli import add, one_line_error


@pytest.fixture
def evidence(tmp_path: Path) -> RunEvidence:
    return RunEvidence(tmp_path / "out", "test", {"gemini": FLOWS["gemini"].version})


async def run(runner: Any, mode: Mode, username: str, evidence: RunEvidence, **kw: Any) -> Result:
    (result,) = await runner.run(mode, [demo_target("gemini", username, **kw)], evidence)
    return result


def writes(sandbox: Sandbox, username: str) -> dict[str, int]:
    counts: dict[str, int] = sandbox.account(username, "gemini")["writes_by_key"]
    return counts


async def test_check_reads_and_writes_nothing(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    result = await run(runner, Mode.CHECK, "gemma@example.com", evidence)
    assert (result.outcome, result.state) == (Outcome.CHECKED, State.ON), result.reason
    assert sum(writes(sandbox, "gemma@example.com").values()) == 0


@pytest.mark.parametrize(
    "username",
    ["gemma@example.com", "gaelle@example.fr", "nico@example.com", "lena@example.com", "oona@example.com"],
    ids=["dialog", "french", "no-dialog", "late", "old-wording"],
)
async def test_off_chooses_plain_turn_off_writes_once_and_verifies(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence, username: str
) -> None:
    result = await run(runner, Mode.OFF, username, evidence)
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True), result.reason
    account = sandbox.account(username, "gemini")
    # One write, of Keep Activity; never "Turn off and delete activity", never the audio look-alike.
    assert account["writes_by_key"] == {KEEP_ACTIVITY_KEY: 1, AUDIO_KEY: 0, DELETE_ACTIVITY_KEY: 0}
    assert account["settings"][KEEP_ACTIVITY_KEY] is False and account["settings"][DELETE_ACTIVITY_KEY] is False
    assert account["password_submissions"] == 1 and account["signins"] == 1
    assert result.url == "https://myactivity.google.com/product/gemini"


async def test_already_off_is_left_alone(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    result = await run(runner, Mode.OFF, "otto@example.com", evidence)
    assert (result.outcome, result.state) == (Outcome.ALREADY_OFF, State.OFF), result.reason
    assert sum(writes(sandbox, "otto@example.com").values()) == 0


async def test_workspace_account_is_not_offered(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    result = await run(runner, Mode.OFF, "walt@corp.example.com", evidence)
    assert (result.outcome, result.state) == (Outcome.ALREADY_OFF, State.NOT_OFFERED), result.reason
    assert sum(writes(sandbox, "walt@corp.example.com").values()) == 0


@pytest.mark.parametrize(
    ("username", "state", "reason"),
    [
        ("rhea@example.com", State.ON, "refused"),
        ("sami@example.com", State.ON, "did not stick"),
        ("reda@example.com", State.UNKNOWN, "nothing was clicked"),
    ],
)
async def test_failures_say_why(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence, username: str, state: State, reason: str
) -> None:
    result = await run(runner, Mode.OFF, username, evidence)
    assert (result.outcome, result.state) == (Outcome.FAILED, state) and result.reason, result
    assert reason in result.reason
    counts = writes(sandbox, username)
    assert counts[DELETE_ACTIVITY_KEY] == 0 and counts[AUDIO_KEY] == 0
    assert counts[KEEP_ACTIVITY_KEY] == (0 if username.startswith("reda") else 1)


@pytest.mark.parametrize(
    ("username", "outcome", "reason", "passwords"),
    [
        ("tess@example.com", Outcome.NEEDS_ATTENTION, "2-Step Verification", 1),
        ("bria@example.com", Outcome.NEEDS_ATTENTION, "may not be secure", 0),
        ("wynn@example.com", Outcome.FAILED, "rejected", 1),
    ],
)
async def test_challenges_stop_the_run(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence, username: str, outcome: Outcome, reason: str, passwords: int
) -> None:
    password = "wynn-typo-pass" if username.startswith("wynn") else None
    result = await run(runner, Mode.OFF, username, evidence, password=password)
    assert result.outcome is outcome and result.reason and reason in result.reason, result
    account = sandbox.account(username, "gemini")
    assert account["password_submissions"] == passwords
    assert sum(account["writes_by_key"].values()) == 0


async def test_password_is_in_no_artefact(runner: Any, sandbox: Sandbox, evidence: RunEvidence, tmp_path: Path) -> None:
    result = await run(runner, Mode.OFF, "gemma@example.com", evidence)
    assert result.outcome is Outcome.SWITCHED_OFF, result.reason
    evidence.finish()
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert files and result.evidence
    for path in files:
        assert b"gemma-demo-pass" not in path.read_bytes(), path


def test_check_then_off_through_the_command_line_deleting_activity_only_when_chosen(cli: Cli, sandbox: Sandbox) -> None:
    # Deleting what Gemini kept cannot be undone: `off` never does it unless the person chose it.
    add(cli, "gemma@example.com", "gemma-demo-pass", "gemini")
    add(cli, "gaelle@example.fr", "gaelle-demo-pass", "gemini")
    origin = ["--origin", f"gemini={sandbox.origin('gemini')}", "--json", "--timeout", "5"]
    checked = cli("check", "gemini", *origin)
    assert checked.returncode == 1, checked.stderr
    assert [(r["account"], r["state"]) for r in json.loads(checked.stdout)] == [
        ("gemma@example.com", "on"),
        ("gaelle@example.fr", "on"),
    ]
    assert sum(sandbox.account("gemma@example.com", "gemini")["writes_by_key"].values()) == 0
    chosen = cli("off", "gemini", "--account", "gemma@example.com", "--choose", "delete-activity", *origin)
    assert chosen.returncode == 0, chosen.stderr
    assert json.loads(chosen.stdout)[0]["outcome"] == "switched_off"
    deleted = sandbox.account("gemma@example.com", "gemini")
    assert deleted["writes_by_key"] == {KEEP_ACTIVITY_KEY: 1, AUDIO_KEY: 0, DELETE_ACTIVITY_KEY: 1}
    assert deleted["settings"][DELETE_ACTIVITY_KEY] is True and deleted["settings"][KEEP_ACTIVITY_KEY] is False
    plain = cli("off", "gemini", "--account", "gaelle@example.fr", *origin)
    assert plain.returncode == 0, plain.stderr
    assert sandbox.account("gaelle@example.fr", "gemini")["writes_by_key"][DELETE_ACTIVITY_KEY] == 0
    unknown = cli("off", "gemini", "--choose", "delete-everything", *origin)
    assert one_line_error(unknown) == (
        "optout: error: --choose delete-everything: no platform of this run offers it (offered: gemini delete-activity)"
    )
