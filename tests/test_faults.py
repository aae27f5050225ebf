"""Faults the sandbox injects (optout/sandbox/faults.py), met by the real engine in real Chromium: each
ends in bounded time with the right outcome and one clear reason, clicks nothing it should not, and
leaves the other account of the same run alone. Also the injector's own plumbing, over HTTP."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from optout.engine.context import Mode
from optout.evidence.recorder import RunEvidence
from optout.results import Outcome, Result, State
from optout.sandbox.faults import Fault, rewrite
from tests.conftest import FLOWS, Sandbox, demo_target

LI_KEY = "allowDataForGenerativeAI"
X_KEY = "allow_xai_data_sharing"
SETTING_PAGE = r"^/mypreferences/d/settings/"
ALICE, CAMILLE = "alice@example.com", "camille@example.fr"
XAVIER, MARGAUX = "xavier@example.com", "margaux@example.fr"
# A guard against hangs, not a benchmark: far below the engine's own budget for one setting.
BOUND_S = 60


@pytest.fixture
def evidence(tmp_path: Path) -> RunEvidence:
    return RunEvidence(tmp_path / "out", "test", {p: f.version for p, f in FLOWS.items()})


def inject(sandbox: Sandbox, *faults: dict[str, Any]) -> None:
    response = httpx.post(f"{sandbox.server.base_url}/__sandbox__/faults", json=list(faults), timeout=10)
    response.raise_for_status()


def fired(sandbox: Sandbox) -> list[int]:
    response = httpx.get(f"{sandbox.server.base_url}/__sandbox__/faults", timeout=10)
    return [int(f["fired"]) for f in response.json()]


async def run_pair(
    runner: Any, evidence: RunEvidence, mode: Mode, faulted: str, other: str, platform: str = "linkedin"
) -> tuple[Result, Result, float]:
    """The faulted account and another one, in one run; the results and how long the run took."""
    started = time.monotonic()
    first, second = await runner.run(mode, [demo_target(platform, faulted), demo_target(platform, other)], evidence)
    return first, second, time.monotonic() - started


def untouched(sandbox: Sandbox, username: str, key: str = LI_KEY, platform: str = "linkedin") -> None:
    """Nothing was written for this account: its setting is as it started (on)."""
    account = sandbox.account(username, platform)
    assert account["writes"] == [], account["writes"]
    assert account["settings"][key] is True


def switched_off(
    result: Result, sandbox: Sandbox, username: str, key: str = LI_KEY, platform: str = "linkedin"
) -> None:
    """The other account's normal result: switched off, verified, with exactly one write."""
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True), result.reason
    account = sandbox.account(username, platform)
    assert [(w["key"], w["requested"]) for w in account["writes"]] == [(key, False)]
    assert account["settings"][key] is False


def one_line(result: Result) -> str:
    assert result.reason and "\n" not in result.reason and "Traceback" not in result.reason, result.reason
    return result.reason


# -- the injector itself ---------------------------------------------------------------------------------


def test_a_plan_is_set_shown_validated_and_cleared_by_a_reset(sandbox: Sandbox) -> None:
    base = sandbox.server.base_url
    inject(sandbox, {"kind": "http_500", "account": ALICE, "path": "^/feed", "nth": 2})
    shown = httpx.get(f"{base}/__sandbox__/faults", timeout=10).json()
    assert shown == [
        {"kind": "http_500", "platform": None, "account": ALICE, "path": "^/feed", "nth": 2, "delay_s": 3.0}
        | {"matched": 0, "fired": 0}
    ]
    bad = httpx.post(f"{base}/__sandbox__/faults", json=[{"kind": "meteor"}], timeout=10)
    assert bad.status_code == 400 and "unknown fault 'meteor'" in bad.json()["error"]
    sandbox.reset()
    assert httpx.get(f"{base}/__sandbox__/faults", timeout=10).json() == []


def test_faults_fire_on_the_nth_matching_request_only(sandbox: Sandbox) -> None:
    base = sandbox.server.base_url
    inject(sandbox, {"kind": "http_500", "platform": "linkedin", "path": "^/login", "nth": 2})
    codes = [httpx.get(f"{base}/linkedin/login", timeout=10).status_code for _ in range(3)]
    assert codes == [200, 500, 200]
    assert httpx.get(f"{base}/x/i/flow/login", timeout=10).status_code == 200  # another platform
    assert fired(sandbox) == [1]


def test_a_dropped_connection_sends_not_a_byte(sandbox: Sandbox) -> None:
    inject(sandbox, {"kind": "drop", "path": "^/login"})
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        httpx.get(f"{sandbox.server.base_url}/linkedin/login", timeout=10)


def test_page_rewrites() -> None:
    page = '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><h1>Data privacy</h1></body></html>'
    assert 'id="sandbox-fault-overlay"' in rewrite(page, "overlay").split("<h1>")[1]
    assert "location.reload()" in rewrite(page, "reload_loop")
    assert "progressbar" in rewrite(page, "spinner").split("</head>")[0]
    german = rewrite(page, "language")
    assert '<html lang="de">' in german and "<h1>Datenschutz</h1>" in german
    assert Fault.parse("HTTP-500:alice@example.com") == Fault("http_500", account=ALICE)
    with pytest.raises(ValueError, match="unknown fault"):
        Fault.parse("meteor")


# -- each fault, met by a run ------------------------------------------------------------------------------


async def test_slow_answers_within_the_timeout_still_switch_off(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    inject(sandbox, {"kind": "slow", "account": ALICE, "path": SETTING_PAGE, "delay_s": 1.5})
    alice, camille, took = await run_pair(runner, evidence, Mode.OFF, ALICE, CAMILLE)
    assert took < BOUND_S
    switched_off(alice, sandbox, ALICE)
    switched_off(camille, sandbox, CAMILLE)
    assert fired(sandbox) == [2]  # the page, then its reload to verify


async def test_an_answer_slower_than_the_timeout_fails_in_bounded_time(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    inject(sandbox, {"kind": "slow", "account": ALICE, "path": SETTING_PAGE, "delay_s": 12})
    alice, camille, took = await run_pair(runner, evidence, Mode.OFF, ALICE, CAMILLE)
    assert took < BOUND_S
    assert (alice.outcome, alice.state) == (Outcome.FAILED, State.UNKNOWN)
    assert "did not answer within 5 s" in one_line(alice)
    untouched(sandbox, ALICE)
    switched_off(camille, sandbox, CAMILLE)


async def test_http_500_fails_saying_so(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    inject(sandbox, {"kind": "http_500", "account": ALICE, "path": SETTING_PAGE})
    alice, camille, took = await run_pair(runner, evidence, Mode.OFF, ALICE, CAMILLE)
    assert took < BOUND_S
    assert (alice.outcome, alice.state) == (Outcome.FAILED, State.UNKNOWN)
    reason = one_line(alice)
    assert "the server answered HTTP 500" in reason and "/mypreferences/d/settings/" in reason, reason
    untouched(sandbox, ALICE)
    switched_off(camille, sandbox, CAMILLE)


async def test_http_500_on_the_reload_to_verify_says_the_switch_was_clicked(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    inject(sandbox, {"kind": "http_500", "account": ALICE, "path": SETTING_PAGE, "nth": 2})
    alice, camille, took = await run_pair(runner, evidence, Mode.OFF, ALICE, CAMILLE)
    assert took < BOUND_S
    assert (alice.outcome, alice.state, alice.verified) == (Outcome.FAILED, State.UNKNOWN, False)
    reason = one_line(alice)
    assert "the server answered HTTP 500" in reason and "reloading to verify" in reason, reason
    assert "clicked once" in reason, reason
    assert [(w["key"], w["requested"]) for w in sandbox.account(ALICE)["writes"]] == [(LI_KEY, False)]
    switched_off(camille, sandbox, CAMILLE)


async def test_http_500_on_another_platform(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    inject(sandbox, {"kind": "http_500", "platform": "x", "account": XAVIER, "path": r"^/settings/grok_settings"})
    xavier, margaux, took = await run_pair(runner, evidence, Mode.CHECK, XAVIER, MARGAUX, "x")
    assert took < BOUND_S
    assert (xavier.outcome, xavier.state) == (Outcome.FAILED, State.UNKNOWN)
    assert "the server answered HTTP 500" in one_line(xavier)
    assert (margaux.outcome, margaux.state) == (Outcome.CHECKED, State.ON), margaux.reason
    untouched(sandbox, XAVIER, X_KEY, "x")
    untouched(sandbox, MARGAUX, X_KEY, "x")


async def test_a_dropped_connection_fails_saying_so(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    inject(sandbox, {"kind": "drop", "account": ALICE, "path": SETTING_PAGE})
    alice, camille, took = await run_pair(runner, evidence, Mode.OFF, ALICE, CAMILLE)
    assert took < BOUND_S
    assert (alice.outcome, alice.state) == (Outcome.FAILED, State.UNKNOWN)
    assert "the server closed the connection" in one_line(alice)
    untouched(sandbox, ALICE)
    switched_off(camille, sandbox, CAMILLE)
    # What Chromium itself saw: the connection closed, no answer.
    session = await runner.session(demo_target("linkedin", ALICE))
    with pytest.raises(Exception, match="net::ERR_CONNECTION_CLOSED"):
        await session.page.goto("https://www.linkedin.com/mypreferences/d/settings/data-for-ai-improvement")


async def test_a_dropped_connection_on_another_platform(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    inject(sandbox, {"kind": "drop", "platform": "x", "account": MARGAUX, "path": r"^/settings/grok_settings"})
    xavier, margaux, took = await run_pair(runner, evidence, Mode.OFF, XAVIER, MARGAUX, "x")
    assert took < BOUND_S
    assert (margaux.outcome, margaux.state) == (Outcome.FAILED, State.UNKNOWN)
    assert "the server closed the connection" in one_line(margaux)
    untouched(sandbox, MARGAUX, X_KEY, "x")
    switched_off(xavier, sandbox, XAVIER, X_KEY, "x")


async def test_a_session_that_expires_before_the_setting_is_read(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    # Signed in, then the first signed-in look at the setting's page finds the session gone.
    inject(sandbox, {"kind": "expire_session", "account": ALICE, "path": SETTING_PAGE, "nth": 1})
    alice, camille, took = await run_pair(runner, evidence, Mode.OFF, ALICE, CAMILLE)
    assert took < BOUND_S
    assert (alice.outcome, alice.state) == (Outcome.NEEDS_ATTENTION, State.UNKNOWN)
    assert "signed out during the run" in one_line(alice)
    assert sandbox.account(ALICE)["password_submissions"] == 1  # never typed twice
    untouched(sandbox, ALICE)
    switched_off(camille, sandbox, CAMILLE)


async def test_a_session_that_expires_between_the_click_and_its_verification(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    # The page is read and the switch clicked; the reload to verify finds the session gone.
    inject(sandbox, {"kind": "expire_session", "account": ALICE, "path": SETTING_PAGE, "nth": 2})
    alice, camille, took = await run_pair(runner, evidence, Mode.OFF, ALICE, CAMILLE)
    assert took < BOUND_S
    assert (alice.outcome, alice.state, alice.verified) == (Outcome.NEEDS_ATTENTION, State.UNKNOWN, False)
    reason = one_line(alice)
    assert "signed out during the run" in reason and "clicked once" in reason, reason
    account = sandbox.account(ALICE)
    assert [(w["key"], w["requested"]) for w in account["writes"]] == [(LI_KEY, False)]  # one click, no retry
    assert account["password_submissions"] == 1
    switched_off(camille, sandbox, CAMILLE)


async def test_an_overlay_over_the_control_is_never_clicked_through(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    inject(sandbox, {"kind": "overlay", "account": ALICE, "path": SETTING_PAGE})
    alice, camille, took = await run_pair(runner, evidence, Mode.OFF, ALICE, CAMILLE)
    assert took < BOUND_S
    assert (alice.outcome, alice.state) == (Outcome.FAILED, State.UNKNOWN)
    reason = one_line(alice)
    assert "is covered by" in reason and "Try Premium" in reason and "not clicked" in reason, reason
    untouched(sandbox, ALICE)
    switched_off(camille, sandbox, CAMILLE)


async def test_an_overlay_does_not_stop_a_check(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    # Reading needs no click: a check reads the setting under the overlay, and writes nothing.
    inject(sandbox, {"kind": "overlay", "account": ALICE, "path": SETTING_PAGE})
    alice, camille, took = await run_pair(runner, evidence, Mode.CHECK, ALICE, CAMILLE)
    assert took < BOUND_S
    assert (alice.outcome, alice.state) == (Outcome.CHECKED, State.ON), alice.reason
    assert (camille.outcome, camille.state) == (Outcome.CHECKED, State.ON), camille.reason
    untouched(sandbox, ALICE)
    untouched(sandbox, CAMILLE)


async def test_a_page_that_keeps_reloading(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    inject(sandbox, {"kind": "reload_loop", "account": ALICE, "path": SETTING_PAGE})
    alice, camille, took = await run_pair(runner, evidence, Mode.OFF, ALICE, CAMILLE)
    assert took < BOUND_S
    assert (alice.outcome, alice.state) == (Outcome.FAILED, State.UNKNOWN)
    assert "kept reloading" in one_line(alice)
    untouched(sandbox, ALICE)
    switched_off(camille, sandbox, CAMILLE)


async def test_a_spinner_that_never_ends(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    inject(sandbox, {"kind": "spinner", "account": ALICE, "path": SETTING_PAGE})
    alice, camille, took = await run_pair(runner, evidence, Mode.OFF, ALICE, CAMILLE)
    assert took < BOUND_S
    assert (alice.outcome, alice.state) == (Outcome.FAILED, State.UNKNOWN)
    reason = one_line(alice)
    assert "never finished loading" in reason and "layout changed" not in reason, reason
    untouched(sandbox, ALICE)
    switched_off(camille, sandbox, CAMILLE)


async def test_a_spinner_on_another_platform(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    inject(sandbox, {"kind": "spinner", "platform": "x", "account": XAVIER, "path": r"^/settings/grok_settings"})
    xavier, margaux, took = await run_pair(runner, evidence, Mode.CHECK, XAVIER, MARGAUX, "x")
    assert took < BOUND_S
    assert (xavier.outcome, xavier.state) == (Outcome.FAILED, State.UNKNOWN)
    assert "never finished loading" in one_line(xavier)
    assert (margaux.outcome, margaux.state) == (Outcome.CHECKED, State.ON), margaux.reason


async def test_a_page_in_another_language(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    # Every page of Alice's (an English account) answers in German: no name the flow knows matches.
    inject(sandbox, {"kind": "language", "account": ALICE})
    alice, camille, took = await run_pair(runner, evidence, Mode.OFF, ALICE, CAMILLE)
    assert took < BOUND_S
    assert (alice.outcome, alice.state) == (Outcome.FAILED, State.UNKNOWN)
    reason = one_line(alice)
    assert "the page is in German" in reason and "nothing was clicked" in reason, reason
    untouched(sandbox, ALICE)
    switched_off(camille, sandbox, CAMILLE)


def test_optout_sandbox_serves_a_fault_given_on_its_command_line(cli: Any) -> None:
    import re
    import subprocess
    import sys

    bad = cli("sandbox", "--port", "0", "--fault", "meteor")
    assert bad.returncode == 2 and "--fault: unknown fault 'meteor'" in bad.stderr and "Traceback" not in bad.stderr
    command = [sys.executable, "-m", "optout", "sandbox", "--port", "0", "--fault", f"http_500:{ALICE}"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=cli.environ(), cwd=cli.home)
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        base = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert base is not None, first
        assert server.stdout.readline().strip() == f"Fault: http_500 on {ALICE}"
        (shown,) = httpx.get(f"{base[0]}/__sandbox__/faults", timeout=10).json()
        assert (shown["kind"], shown["account"]) == ("http_500", ALICE)
        assert httpx.get(f"{base[0]}/linkedin/login", timeout=10).status_code == 200  # signed out: not Alice
    finally:
        server.terminate()
        server.wait(10)
