"""The Claude flow in real Chromium against the sandbox's Claude: no password exists, so every run rests
on a session a person opened (saved the way `optout login` saves it), and optout never asks for an
e-mail itself. The one switch among a look-alike, the terms pop-up that is never answered, the Team
organisation, the redesign and the failures. Every test reads the sandbox server's state."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from optout.accounts import config as accounts
from optout.accounts import keyrings
from optout.accounts.saved_sessions import SessionStore
from optout.browser.traffic import OriginSpec, build_traffic_map
from optout.engine.context import Mode, Options
from optout.engine.login import open_session
from optout.engine.runner import AccountTarget, Runner
from optout.evidence.recorder import RunEvidence
from optout.paths import Home
from optout.results import ExitCode, Outcome, Result, State, exit_code
from optout.sandbox.claude.accounts import DEMO_CODE
from optout.sandbox.person import person_storage_state
from tests.conftest import FLOWS, Cli, Sandbox

FLOW = FLOWS["claude"]
TRAINING, LOCATION = "grove_enabled", "location_metadata"


@pytest.fixture
def evidence(tmp_path: Path) -> RunEvidence:
    return RunEvidence(tmp_path / "out", "test", {"claude": FLOW.version})


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    """The saved sessions of mapped runs in this test's own home (encrypted with its key in the tests' keyring)."""
    home = tmp_path / "home"
    return SessionStore(Home(config_dir=home, data_dir=home, scoped=True), mapped=True)


def target(username: str) -> AccountTarget:
    def no_password() -> str:
        raise AssertionError("Claude has no password: nothing may ask for one")

    locale = "fr-FR" if username.endswith(".fr") else None
    return AccountTarget(flow=FLOW, username=username, password=no_password, locale=locale)


@pytest.fixture
async def runners(browser: Any, sandbox: Sandbox, store: SessionStore) -> AsyncIterator[Any]:
    """Makes Runners mapping claude.ai onto the sandbox, saving and restoring sessions in `store`: a new
    one restores the account's saved session, as a new `optout check` would."""
    traffic = build_traffic_map([OriginSpec("claude", sandbox.origin("claude"))], {"claude": FLOW.origins})
    made: list[Runner] = []

    async def make() -> Runner:
        runner = Runner(traffic=traffic, options=Options(timeout_s=5.0), browser=browser, sessions=store)
        made.append(await runner.__aenter__())
        return runner

    yield make
    for runner in made:
        await runner.__aexit__(None, None, None)


def person_signed_in(sandbox: Sandbox, store: SessionStore, username: str) -> None:
    """The person signed in by e-mailed code in their browser, and that session was saved."""
    state = person_storage_state(sandbox.server.base_url, "claude", username, FLOW.origins[0])
    assert state is not None, f"{username} never signed in"
    store.save("claude", username, state, list(FLOW.origins))


async def run(runners: Any, mode: Mode, username: str, evidence: RunEvidence) -> Result:
    runner = await runners()
    (result,) = await runner.run(mode, [target(username)], evidence)
    return result


def writes(sandbox: Sandbox, username: str) -> dict[str, int]:
    counted: dict[str, int] = sandbox.account(username, "claude")["writes_by_key"]
    return counted


async def test_a_person_signs_in_by_e_mailed_code_and_later_runs_use_that_session(
    runners: Any, sandbox: Sandbox, store: SessionStore, evidence: RunEvidence
) -> None:
    # What `optout login claude` does: a window where the person signs in; here the test is the person.
    runner = await runners()
    account = target("ada@example.com")
    session = await runner.session(account, restore=False)
    page = session.page
    await page.goto("https://claude.ai/login")
    await page.get_by_label("Email").fill("ada@example.com")
    await page.get_by_role("button", name="Continue with email").click()
    await page.get_by_label("Verification code").fill(DEMO_CODE)
    await page.get_by_role("button", name="Verify Email Address").click()
    await page.wait_for_url("https://claude.ai/new")
    saved = await open_session(runner, account, type_password=False, notify=lambda _: None, wait_s=10)
    assert saved == store.path("claude", "ada@example.com") and saved.is_file()
    assert b"sk-ant-sid01" not in saved.read_bytes()
    before = sandbox.account("ada@example.com", "claude")
    assert (before["emails_sent"], before["code_submissions"], before["signins"]) == (1, 1, 1)

    result = await run(runners, Mode.OFF, "ada@example.com", evidence)
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True), result.reason
    after = sandbox.account("ada@example.com", "claude")
    assert (after["emails_sent"], after["signins"]) == (1, 1), "the run signed in again"
    assert after["writes_by_key"][TRAINING] == 1 and after["settings"][TRAINING] is False
    assert result.url == "https://claude.ai/settings/data-privacy-controls"


async def test_check_reads_and_writes_nothing(
    runners: Any, sandbox: Sandbox, store: SessionStore, evidence: RunEvidence
) -> None:
    person_signed_in(sandbox, store, "ada@example.com")
    result = await run(runners, Mode.CHECK, "ada@example.com", evidence)
    assert (result.outcome, result.state) == (Outcome.CHECKED, State.ON), result.reason
    assert exit_code([result]) is ExitCode.SETTING_ON
    assert sum(writes(sandbox, "ada@example.com").values()) == 0


@pytest.mark.parametrize("username", ["elise@example.fr", "kai@example.com", "lina@example.com"])
async def test_off_writes_the_one_switch_once_and_verifies_after_a_reload(
    runners: Any, sandbox: Sandbox, store: SessionStore, evidence: RunEvidence, username: str
) -> None:
    # elise in French; kai has "Location metadata" on beside it; lina's pane and saves are late.
    person_signed_in(sandbox, store, username)
    result = await run(runners, Mode.OFF, username, evidence)
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True), result.reason
    account = sandbox.account(username, "claude")
    assert account["writes_by_key"] == {**account["writes_by_key"], TRAINING: 1, LOCATION: 0}
    assert sum(account["writes_by_key"].values()) == 1
    assert account["settings"][TRAINING] is False
    assert account["settings"][LOCATION] is (username == "kai@example.com")
    assert account["emails_sent"] == 0


async def test_already_off_is_left_alone(
    runners: Any, sandbox: Sandbox, store: SessionStore, evidence: RunEvidence
) -> None:
    person_signed_in(sandbox, store, "omar@example.com")
    result = await run(runners, Mode.OFF, "omar@example.com", evidence)
    assert (result.outcome, result.state) == (Outcome.ALREADY_OFF, State.OFF)
    assert sum(writes(sandbox, "omar@example.com").values()) == 0


async def test_terms_pop_up_is_never_answered(
    runners: Any, sandbox: Sandbox, store: SessionStore, evidence: RunEvidence
) -> None:
    person_signed_in(sandbox, store, "tess@example.com")
    for mode in (Mode.CHECK, Mode.OFF):
        result = await run(runners, mode, "tess@example.com", evidence)
        assert (result.outcome, result.state, result.label) == (
            Outcome.NEEDS_ATTENTION,
            State.UNKNOWN,
            "terms_pending",
        ), result.reason
        assert result.reason and "never accepts terms" in result.reason
        assert exit_code([result]) is ExitCode.PROBLEM
        assert Path(result.evidence[-1].path).name.endswith("terms-pending.png")
    # Neither the pop-up's preset switch, nor Accept, nor Not now, nor the switch behind it.
    assert sum(writes(sandbox, "tess@example.com").values()) == 0


async def test_team_organisation_is_not_offered(
    runners: Any, sandbox: Sandbox, store: SessionStore, evidence: RunEvidence
) -> None:
    person_signed_in(sandbox, store, "olga@example.com")
    checked = await run(runners, Mode.CHECK, "olga@example.com", evidence)
    switched = await run(runners, Mode.OFF, "olga@example.com", evidence)
    assert (checked.outcome, checked.state) == (Outcome.CHECKED, State.NOT_OFFERED), checked.reason
    assert (switched.outcome, switched.state) == (Outcome.ALREADY_OFF, State.NOT_OFFERED), switched.reason
    assert exit_code([checked, switched]) is ExitCode.OK
    assert sum(writes(sandbox, "olga@example.com").values()) == 0


@pytest.mark.parametrize("mode", [Mode.CHECK, Mode.OFF])
async def test_without_a_saved_session_nothing_is_asked_of_claude(
    runners: Any, sandbox: Sandbox, evidence: RunEvidence, mode: Mode
) -> None:
    result = await run(runners, mode, "nora@example.com", evidence)
    assert (result.outcome, result.state) == (Outcome.NEEDS_ATTENTION, State.UNKNOWN)
    assert result.reason and "optout login claude" in result.reason and "types nothing" in result.reason
    account = sandbox.account("nora@example.com", "claude")
    assert (account["emails_sent"], account["code_submissions"], account["signins"]) == (0, 0, 0)
    assert sum(account["writes_by_key"].values()) == 0


async def test_a_session_claude_ended_needs_the_person_again(
    runners: Any, sandbox: Sandbox, store: SessionStore, evidence: RunEvidence
) -> None:
    person_signed_in(sandbox, store, "ezra@example.com")
    result = await run(runners, Mode.OFF, "ezra@example.com", evidence)
    assert (result.outcome, result.state) == (Outcome.NEEDS_ATTENTION, State.UNKNOWN)
    assert result.reason and "session expired: run optout login claude" in result.reason
    account = sandbox.account("ezra@example.com", "claude")
    assert (account["emails_sent"], sum(account["writes_by_key"].values())) == (0, 0)


async def test_redesigned_page_touches_nothing(
    runners: Any, sandbox: Sandbox, store: SessionStore, evidence: RunEvidence
) -> None:
    person_signed_in(sandbox, store, "remy@example.com")
    result = await run(runners, Mode.OFF, "remy@example.com", evidence)
    assert (result.outcome, result.state) == (Outcome.FAILED, State.UNKNOWN)
    assert result.reason and "nothing was clicked" in result.reason
    assert sum(writes(sandbox, "remy@example.com").values()) == 0


@pytest.mark.parametrize(
    ("username", "why", "stored"),
    [("rosa@example.com", "refused", True), ("stan@example.com", "did not stick", True)],
)
async def test_a_change_that_reverts_or_does_not_stick_fails_after_one_write(
    runners: Any, sandbox: Sandbox, store: SessionStore, evidence: RunEvidence, username: str, why: str, stored: bool
) -> None:
    person_signed_in(sandbox, store, username)
    result = await run(runners, Mode.OFF, username, evidence)
    assert (result.outcome, result.state, result.verified) == (Outcome.FAILED, State.ON, True), result.reason
    assert result.reason and why in result.reason
    account = sandbox.account(username, "claude")
    assert account["writes_by_key"][TRAINING] == 1 and sum(account["writes_by_key"].values()) == 1
    assert account["settings"][TRAINING] is stored


def test_check_and_off_through_the_command_line(cli: Cli, sandbox: Sandbox) -> None:
    # ada's person signed in (`optout login claude` saved her session); nora's never did.
    home = Home(config_dir=cli.home, data_dir=cli.home, scoped=True)
    ada, nora = "ada@example.com", "nora@example.com"
    accounts.save_config(
        home, accounts.Config(accounts=[accounts.Account(platform="claude", username=u) for u in (ada, nora)])
    )
    previous = accounts.use_file_keyring(Path(cli.env["XDG_DATA_HOME"]) / "python_keyring" / "keyring_pass.cfg")
    try:
        state = person_storage_state(sandbox.server.base_url, "claude", ada, FLOW.origins[0])
        assert state is not None
        SessionStore(home, mapped=True).save("claude", ada, state, list(FLOW.origins))
    finally:
        keyrings.restore(previous)
    origin = ["--origin", f"claude={sandbox.origin('claude')}", "--json", "--timeout", "5"]

    checked = cli("check", "claude", *origin)
    assert checked.returncode == 3, checked.stderr
    by_account = {r["account"]: r for r in json.loads(checked.stdout)}
    assert (by_account[ada]["state"], by_account[ada]["outcome"]) == ("on", "checked")
    assert by_account[nora]["outcome"] == "needs_attention" and "optout login claude" in by_account[nora]["reason"]

    switched = cli("off", "claude", "--account", ada, *origin)
    assert switched.returncode == 0, switched.stderr
    (result,) = json.loads(switched.stdout)
    assert (result["state"], result["outcome"], result["verified"]) == ("off", "switched_off", True)
    assert writes(sandbox, ada)[TRAINING] == 1 and sum(writes(sandbox, ada).values()) == 1
    assert sandbox.account(nora, "claude")["emails_sent"] == 0 and sandbox.account(ada, "claude")["emails_sent"] == 0


def test_adding_a_claude_account_asks_for_no_password(cli: Cli) -> None:
    added = cli("accounts", "add", "claude", "ada@example.com")  # no terminal, nothing on stdin: never asked
    assert added.returncode == 0, added.stderr
    assert "no password" in added.stderr and "optout login claude --account ada@example.com" in added.stderr
    keyring_file = Path(cli.env["XDG_DATA_HOME"]) / "python_keyring" / "keyring_pass.cfg"
    assert "claude" not in (keyring_file.read_text() if keyring_file.exists() else "")
    listed = cli("accounts", "list")
    assert "not used" in listed.stdout and "missing" not in listed.stdout
    piped = cli("accounts", "add", "claude", "ada@example.com", "--password-stdin", input="secret\n")
    assert piped.returncode == 2 and "Claude has no password" in piped.stderr
