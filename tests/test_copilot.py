"""The Copilot flow in real Chromium against the sandbox's Copilot and Microsoft sign-in: two settings,
so two results per account, always (sign-in stopped included); each training switch written at most
once, the look-alikes never; "Stay signed in?" answered No; the password typed only on Microsoft's
sign-in hosts and found in no artefact. Every test reads the sandbox server's state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from optout.engine.context import Mode
from optout.evidence.recorder import RunEvidence
from optout.results import Outcome, Result, State
from tests.conftest import FLOWS, Cli, Sandbox, demo_target

TEXT, VOICE = "model_training_text", "model_training_voice"
MEMORY, ADS = "personalization_memory", "ad_personalization"
SETTINGS = ["model-training-text", "model-training-voice"]


@pytest.fixture
def evidence(tmp_path: Path) -> RunEvidence:
    return RunEvidence(tmp_path / "out", "test", {"copilot": FLOWS["copilot"].version})


async def run(runner: Any, mode: Mode, username: str, evidence: RunEvidence, **kw: Any) -> list[Result]:
    results: list[Result] = await runner.run(mode, [demo_target("copilot", username, **kw)], evidence)
    assert [r.setting for r in results] == SETTINGS, "two results per account, always"
    return results


def outcomes(results: list[Result]) -> list[tuple[Outcome, State]]:
    return [(r.outcome, r.state) for r in results]


def untouched_look_alikes(account: dict[str, Any]) -> bool:
    return (
        account["writes_by_key"][MEMORY] == 0
        and account["writes_by_key"][ADS] == 0
        and (account["settings"][MEMORY] and account["settings"][ADS])
    )


async def test_check_reads_both_switches_and_writes_nothing(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    results = await run(runner, Mode.CHECK, "cora@outlook.com", evidence)
    assert outcomes(results) == [(Outcome.CHECKED, State.ON)] * 2, [r.reason for r in results]
    account = sandbox.account("cora@outlook.com", "copilot")
    assert sum(account["writes_by_key"].values()) == 0
    # One sign-in serves both settings; "Stay signed in?" was answered No.
    assert account["password_submissions"] == 1 and account["signins"] == 1
    assert account["settings"]["stay_signed_in_no"] and not account["settings"]["stay_signed_in_yes"]


@pytest.mark.parametrize("username", ["cora@outlook.com", "camille@outlook.fr"])
async def test_off_writes_each_training_switch_once_and_verifies_after_reopening(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence, username: str
) -> None:
    results = await run(runner, Mode.OFF, username, evidence)
    assert [(r.outcome, r.state, r.verified) for r in results] == [(Outcome.SWITCHED_OFF, State.OFF, True)] * 2, [
        r.reason for r in results
    ]
    account = sandbox.account(username, "copilot")
    assert account["writes_by_key"][TEXT] == 1 and account["writes_by_key"][VOICE] == 1
    assert account["settings"][TEXT] is False and account["settings"][VOICE] is False
    assert untouched_look_alikes(account)
    assert account["password_submissions"] == 1


async def test_one_switch_already_off_and_the_other_on(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    text, voice = await run(runner, Mode.OFF, "tessa@outlook.com", evidence)
    assert (text.outcome, text.state) == (Outcome.ALREADY_OFF, State.OFF)
    assert (voice.outcome, voice.state, voice.verified) == (Outcome.SWITCHED_OFF, State.OFF, True)
    account = sandbox.account("tessa@outlook.com", "copilot")
    assert account["writes_by_key"][TEXT] == 0 and account["writes_by_key"][VOICE] == 1
    assert untouched_look_alikes(account)


async def test_organisation_account_is_not_offered(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    # A work address is sent to login.microsoftonline.com, where the password is typed; Copilot then
    # says model training is not available for work or school accounts.
    results = await run(runner, Mode.OFF, "olga@contoso.example", evidence)
    assert outcomes(results) == [(Outcome.ALREADY_OFF, State.NOT_OFFERED)] * 2, [r.reason for r in results]
    account = sandbox.account("olga@contoso.example", "copilot")
    assert sum(account["writes_by_key"].values()) == 0 and account["password_submissions"] == 1


async def test_redesigned_page_fails_with_nothing_clicked(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    results = await run(runner, Mode.OFF, "remi@outlook.com", evidence)
    assert outcomes(results) == [(Outcome.FAILED, State.UNKNOWN)] * 2
    assert all(r.reason and "nothing was clicked" in r.reason for r in results)
    assert sum(sandbox.account("remi@outlook.com", "copilot")["writes_by_key"].values()) == 0


async def test_a_change_that_does_not_stick_is_reported(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    results = await run(runner, Mode.OFF, "stan@outlook.com", evidence)
    assert [(r.outcome, r.state) for r in results] == [(Outcome.FAILED, State.ON)] * 2
    assert all(r.reason and "did not stick" in r.reason for r in results)
    account = sandbox.account("stan@outlook.com", "copilot")
    assert account["writes_by_key"][TEXT] == 1 and account["writes_by_key"][VOICE] == 1
    assert untouched_look_alikes(account)


async def test_sign_in_stopped_still_gives_two_results_after_one_password(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    results = await run(runner, Mode.OFF, "will@outlook.com", evidence, password="will-typo-pass")
    assert outcomes(results) == [(Outcome.FAILED, State.UNKNOWN)] * 2
    assert all(r.reason and "rejected" in r.reason for r in results)
    account = sandbox.account("will@outlook.com", "copilot")
    assert account["password_submissions"] == 1 and sum(account["writes_by_key"].values()) == 0


async def test_no_stay_signed_in_prompt_is_fine(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    results = await run(runner, Mode.CHECK, "nico@outlook.com", evidence)
    assert outcomes(results) == [(Outcome.CHECKED, State.ON)] * 2
    account = sandbox.account("nico@outlook.com", "copilot")
    assert not account["settings"]["stay_signed_in_no"] and not account["settings"]["stay_signed_in_yes"]


async def test_password_typed_only_on_the_sign_in_hosts_and_in_no_artefact(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence, tmp_path: Path
) -> None:
    # The sandbox counts a password only where the Microsoft sign-in hosts receive it (its handlers
    # answer on login.live.com and login.microsoftonline.com only); nothing else may hold it.
    results = await run(runner, Mode.OFF, "cora@outlook.com", evidence)
    assert all(r.outcome is Outcome.SWITCHED_OFF for r in results)
    assert sandbox.account("cora@outlook.com", "copilot")["password_submissions"] == 1
    evidence.finish()
    written = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert any(p.suffix == ".png" for p in written)
    for path in written:
        assert b"cora-demo-pass" not in path.read_bytes(), path


@pytest.mark.parametrize(
    ("username", "outcome", "state", "reason"),
    [
        ("lena@outlook.com", Outcome.SWITCHED_OFF, State.OFF, None),  # switches loaded late, slow saves
        ("ron@outlook.com", Outcome.FAILED, State.ON, "refused"),  # the switch snaps back
    ],
)
async def test_late_switches_and_refused_changes(
    runner: Any,
    sandbox: Sandbox,
    evidence: RunEvidence,
    username: str,
    outcome: Outcome,
    state: State,
    reason: str | None,
) -> None:
    results = await run(runner, Mode.OFF, username, evidence)
    assert outcomes(results) == [(outcome, state)] * 2, [r.reason for r in results]
    assert reason is None or all(r.reason and reason in r.reason for r in results)
    account = sandbox.account(username, "copilot")
    assert account["writes_by_key"][TEXT] == 1 and account["writes_by_key"][VOICE] == 1  # once each, never again
    assert untouched_look_alikes(account)


def test_check_and_off_through_the_command_line_give_two_results(cli: Cli, sandbox: Sandbox) -> None:
    username, password = "tessa@outlook.com", "tessa-demo-pass"
    added = cli("accounts", "add", "copilot", username, "--password-stdin", "--mapped", input=password + "\n")
    assert added.returncode == 0, added.stderr
    origin = f"copilot={sandbox.origin('copilot')}"
    checked = cli("check", "copilot", "--origin", origin, "--json", "--timeout", "5")
    assert checked.returncode == 1, checked.stderr  # voice is on
    got = [(r["setting"], r["state"], r["outcome"]) for r in json.loads(checked.stdout)]
    assert got == [("model-training-text", "off", "checked"), ("model-training-voice", "on", "checked")]
    switched = cli("off", "--account", username, "--origin", origin, "--json", "--timeout", "5")
    assert switched.returncode == 0, switched.stderr
    got = [(r["setting"], r["state"], r["outcome"]) for r in json.loads(switched.stdout)]
    assert got == [("model-training-text", "off", "already_off"), ("model-training-voice", "off", "switched_off")]
    account = sandbox.account(username, "copilot")
    assert account["writes_by_key"][TEXT] == 0 and account["writes_by_key"][VOICE] == 1
    assert untouched_look_alikes(account)
    for done in (checked, switched):
        assert password not in done.stdout and password not in done.stderr
    for path in (p for p in cli.home.rglob("*") if p.is_file()):
        assert password.encode() not in path.read_bytes(), path
