"""A sandbox run never touches a real account: a run with --origin reads only the password stored for mapped
runs (never the real one), never loads nor replaces the real saved session, and its results, drift and holds
never count for the real account; --origin refuses credentials in its URL; the commands a mapped run
suggests carry its --origin (and OPTOUT_HOME), so that pasting one never reaches the real platform."""

from __future__ import annotations

import json
import shlex
import sqlite3

import pytest

from optout.accounts.saved_sessions import SessionStore, _decrypt, _encrypt
from optout.evidence.history import History
from optout.evidence.recorder import RunEvidence
from optout.paths import Home
from optout.results import Outcome, Result, State, utc_now
from tests.conftest import FLOWS, Cli, Sandbox
from tests.test_cli import add, add_account, stored_password
from tests.test_sessions import session_key

ALICE = "alice@example.com"
OLIVIA = "olivia@example.com"
KEY = "allowDataForGenerativeAI"  # the sandbox's name for it
SETTING = FLOWS["linkedin"].settings[0].id  # the flow's


def origin(sandbox: Sandbox) -> str:
    return f"linkedin={sandbox.origin()}"


def cli_home(cli: Cli) -> Home:
    return Home(config_dir=cli.home, data_dir=cli.home, scoped=True)


def results(done: object) -> list[dict[str, object]]:
    data: list[dict[str, object]] = json.loads(getattr(done, "stdout"))  # noqa: B009
    return data


def record_real_result(cli: Cli, state: State, outcome: Outcome) -> None:
    """A run of the real account recorded in the home (no --origin: no mapping), as a real `check` records
    it: the real site is out of reach in a test."""
    history = History.open(cli.home / "history.db")
    try:
        evidence = RunEvidence(
            cli.home / "ev", "check", {"linkedin": FLOWS["linkedin"].version}, history=history, mappings={}
        )
        now = utc_now()
        evidence.record(
            Result(
                platform="linkedin",
                account=ALICE,
                setting=SETTING,
                state=state,
                outcome=outcome,
                verified=False,
                reason=None,
                url="https://www.linkedin.com/mypreferences/d/settings/data-for-ai-improvement",
                started_at=now,
                finished_at=now,
                evidence=[],
            )
        )
        evidence.finish()
    finally:
        history.close()


# -- 6: passwords -----------------------------------------------------------------------------------


def test_a_mapped_run_reads_only_the_password_stored_for_mapped_runs(cli: Cli, sandbox: Sandbox) -> None:
    # The real entry holds a password the sandbox refuses; the mapped one, the sandbox's.
    assert add_account(cli, ALICE, "real-password-never-sent").returncode == 0
    add(cli, ALICE, "alice-demo-pass")
    assert stored_password(cli, ALICE) == "real-password-never-sent"
    assert stored_password(cli, ALICE, mapped=True) == "alice-demo-pass"
    # Olivia has only a real password, one the sandbox would even accept: it is never read under --origin.
    assert add_account(cli, OLIVIA, "olivia-demo-pass").returncode == 0

    done = cli("check", "linkedin", "--origin", origin(sandbox), "--json", "--timeout", "5")
    assert done.returncode == 3, done.stderr
    alice, olivia = results(done)
    assert (alice["account"], alice["state"], alice["outcome"]) == (ALICE, "on", "checked")
    assert sandbox.account(ALICE)["password_submissions"] == 1 and sandbox.account(ALICE)["signins"] == 1
    assert (olivia["account"], olivia["outcome"]) == (OLIVIA, "needs_attention")
    assert olivia["reason"] == (
        f"no password for mapped runs (--origin) in the keyring for linkedin {OLIVIA}: "
        f"optout accounts add linkedin {OLIVIA} --mapped"
    )
    assert sandbox.account(OLIVIA)["password_submissions"] == 0 and sandbox.account(OLIVIA)["signins"] == 0
    assert "real-password-never-sent" not in done.stdout + done.stderr
    # Forgetting the account forgets both entries.
    assert cli("accounts", "remove", "linkedin", ALICE).returncode == 0
    assert stored_password(cli, ALICE) is None and stored_password(cli, ALICE, mapped=True) is None


# -- 6: saved sessions ------------------------------------------------------------------------------


def test_a_mapped_sign_in_never_loads_nor_replaces_the_real_saved_session(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, ALICE, "alice-demo-pass")
    first = cli("check", "linkedin", "--origin", origin(sandbox), "--json", "--timeout", "5")
    assert first.returncode == 1, first.stderr
    assert sandbox.account(ALICE)["signins"] == 1
    mapped_file = SessionStore(cli_home(cli), mapped=True).path("linkedin", ALICE)
    key = session_key(cli)
    signed_in = _decrypt(key, mapped_file.read_bytes(), "linkedin", ALICE, mapped=True)
    # A real saved session holding cookies that sign the sandbox in: a run that loaded it would not sign in.
    real_file = SessionStore(cli_home(cli)).path("linkedin", ALICE)
    assert not real_file.exists(), "a mapped run wrote the real saved session"
    real_file.parent.mkdir(parents=True, exist_ok=True)
    real_file.write_bytes(_encrypt(key, json.dumps(signed_in).encode(), "linkedin", ALICE))
    real_bytes = real_file.read_bytes()
    # Nor is a mapped session taken for the real one: copied there, it does not decrypt as real.
    with pytest.raises(Exception, match="does not decrypt"):
        _decrypt(key, mapped_file.read_bytes(), "linkedin", ALICE)
    mapped_file.unlink()

    again = cli("check", "linkedin", "--origin", origin(sandbox), "--json", "--timeout", "5")
    assert again.returncode == 1, again.stderr
    assert sandbox.account(ALICE)["signins"] == 2, "the real saved session's cookies reached the local server"
    assert real_file.read_bytes() == real_bytes
    assert mapped_file.exists()  # the sandbox's own session, apart
    # logout forgets both kinds.
    out = cli("logout", "linkedin", "--account", ALICE)
    assert out.returncode == 0 and len(out.stderr.splitlines()) == 2, out.stderr
    assert not real_file.exists() and not mapped_file.exists()


# -- 6: last known state, drift, history ----------------------------------------------------------


def test_a_mapped_result_never_counts_as_the_real_accounts_state(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, ALICE, "alice-demo-pass")
    record_real_result(cli, State.OFF, Outcome.ALREADY_OFF)  # the real account: off

    # The sandbox says on: for the real account that would be a silent revert (exit 4); it is not one.
    done = cli("recheck", "--origin", origin(sandbox), "--json", "--timeout", "5")
    assert done.returncode == 1, done.stderr
    (result,) = results(done)
    assert (result["state"], result["drift"], result["label"]) == ("on", False, None)

    history = History.open(cli.home / "history.db")
    try:
        real = history.last_known()[("linkedin", ALICE, SETTING)]
        assert (real.state, real.mapped) == (State.OFF, False)
        assert history.last_known(mapped=True)[("linkedin", ALICE, SETTING)].state is State.ON
    finally:
        history.close()
    with sqlite3.connect(cli.home / "history.db") as db:
        runs = db.execute("SELECT command, mapped FROM runs ORDER BY started_at").fetchall()
        assert runs == [("check", 0), ("recheck", 1)]
        assert db.execute("SELECT state, mapped FROM results ORDER BY id").fetchall() == [("off", 0), ("on", 1)]

    # The timeline: the real account's states, and apart from them, marked, what the sandbox showed.
    real_line, mapped_line = json.loads(cli("history", "--json").stdout)
    assert (real_line["mapped"], [e["state"] for e in real_line["entries"]]) == (False, ["off"])
    assert (mapped_line["mapped"], [e["state"] for e in mapped_line["entries"]]) == (True, ["on"])
    assert not any(e["changed"] for line in (real_line, mapped_line) for e in line["entries"])
    text = cli("history", env={"COLUMNS": "80"}).stdout
    assert "mapped (--origin)" in text and "changed" not in text

    # A mapped drift is still found against what mapped runs recorded.
    assert cli("off", "--origin", origin(sandbox), "--json", "--timeout", "5").returncode == 0
    sandbox.platform_sets(ALICE, KEY, True)
    drifted = cli("recheck", "--origin", origin(sandbox), "--json", "--timeout", "5")
    assert drifted.returncode == 4, drifted.stderr
    assert results(drifted)[0]["label"] == "silent_revert"


# -- 6: holds -------------------------------------------------------------------------------------


def test_a_password_refused_in_a_mapped_run_holds_only_mapped_runs(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, ALICE, "not-her-password")
    refused = cli("recheck", "--origin", origin(sandbox), "--json", "--timeout", "5")
    assert refused.returncode == 3, refused.stderr
    assert results(refused)[0]["label"] == "sign_in_rejected"
    history = History.open(cli.home / "history.db")
    try:
        assert history.holds() == {}, "a sandbox's refusal held the real account"
        assert set(history.holds(mapped=True)) == {("linkedin", ALICE)}
        # A hold of the real account (an earlier real re-check), which mapped commands never release.
        history.hold("linkedin", ALICE, reason="refused", since=utc_now(), run_id=None)
    finally:
        history.close()

    held = cli("recheck", "--origin", origin(sandbox), "--json", "--timeout", "5")
    (result,) = results(held)
    assert held.returncode == 3 and result["outcome"] == "needs_attention"
    # What releases it is named with the run's --origin: a real `optout check` would not.
    again = shlex.join(["optout", "check", "linkedin", "--account", ALICE, "--origin", origin(sandbox)])
    assert again in str(result["reason"]) and f"optout accounts add linkedin {ALICE} --mapped" in str(result["reason"])
    assert sandbox.account(ALICE)["password_submissions"] == 1

    add(cli, ALICE, "alice-demo-pass")  # releases the mapped hold only
    checked = cli("check", "--origin", origin(sandbox), "--json", "--timeout", "5")
    assert checked.returncode == 1, checked.stderr
    history = History.open(cli.home / "history.db")
    try:
        assert history.holds(mapped=True) == {}
        assert set(history.holds()) == {("linkedin", ALICE)}, "a mapped run released the real account's hold"
    finally:
        history.close()


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


# -- 8: suggested commands carry the run's options -------------------------------------------------


def test_a_mapped_runs_next_steps_carry_its_origin_and_home(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, ALICE, "alice-demo-pass")  # on: the hint is `off`
    add(cli, "pat@example.com", "pat-demo-pass")  # a PIN checkpoint: the hint is --headed
    spec = origin(sandbox)
    done = cli("check", "--origin", spec, "--timeout", "5", env={"COLUMNS": "1000"})
    assert done.returncode == 3, done.stderr
    shown = done.stdout + done.stderr
    home = shlex.quote(str(cli.home))
    off = f"OPTOUT_HOME={home} optout off linkedin --account {ALICE} --origin {shlex.quote(spec)}"
    headed = f"OPTOUT_HOME={home} optout check linkedin --account pat@example.com --headed --origin {shlex.quote(spec)}"
    assert f"next: switch it off: {off}" in shown, shown
    assert f"complete it yourself in the browser window: {headed}" in shown, shown
    # No suggested command anywhere without the mapping.
    assert "--account pat@example.com --headed\n" not in shown and f"--account {ALICE}\n" not in shown
    # Quoted for the shell: a home with a space survives a paste.
    spaced = cli.home.parent / "my home"
    assert add_account(cli, ALICE, "alice-demo-pass", env={"OPTOUT_HOME": str(spaced)}, mapped=True).returncode == 0
    again = cli("check", "--origin", spec, "--timeout", "5", env={"COLUMNS": "1000", "OPTOUT_HOME": str(spaced)})
    (hint,) = [line for line in (again.stdout + again.stderr).splitlines() if line.startswith("  next: ")]
    words = shlex.split(hint.removeprefix("  next: switch it off: "))
    assert words == [f"OPTOUT_HOME={spaced}", "optout", "off", "linkedin", "--account", ALICE, "--origin", spec]
