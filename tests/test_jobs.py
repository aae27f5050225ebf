"""Accounts at once (-j/--jobs): one browser, a context each, results in the accounts' order, a slow
account never holding the others, at most N contexts open at a time, each closed once its account is
done; and the default taken from the machine's cores and memory."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx

from optout.browser.capacity import MOST, default_jobs
from optout.engine.context import Mode
from optout.evidence.recorder import RunEvidence
from tests.conftest import FLOWS, Cli, Sandbox, demo_target

# The first one's setting never finishes loading (a sandbox fault): it waits the whole timeout, then fails.
ACCOUNTS = ["hana@example.com", "alice@example.com", "olivia@example.com", "wes@example.com", "camille@example.fr"]


def test_the_default_is_four_per_core_as_far_as_memory_allows() -> None:
    assert default_jobs(cpus=2, memory_mib=8192) == 8
    assert default_jobs(cpus=1, memory_mib=8192) == 4
    assert default_jobs(cpus=2, memory_mib=900) == 2  # (900 - 512) // 160
    assert default_jobs(cpus=2, memory_mib=300) == 1  # never none
    assert default_jobs(cpus=64, memory_mib=1 << 20) == MOST
    assert 1 <= default_jobs() <= MOST


async def test_accounts_run_at_once_in_order_and_a_slow_one_holds_none_of_the_others(
    runner: Any, browser: Any, sandbox: Sandbox, tmp_path: Path
) -> None:
    spinner = [{"kind": "spinner", "account": ACCOUNTS[0]}]
    httpx.post(f"{sandbox.server.base_url}/__sandbox__/faults", json=spinner, timeout=10).raise_for_status()
    evidence = RunEvidence(tmp_path / "out", "test", {"linkedin": FLOWS["linkedin"].version})
    targets = [demo_target("linkedin", username) for username in ACCOUNTS]
    most = 0
    # Only this run's contexts: another test's may still be closing in the worker's shared browser.
    before = set(browser.contexts)

    def ours() -> list[Any]:
        return [c for c in browser.contexts if c not in before]

    async def count_contexts() -> None:
        nonlocal most
        while True:
            most = max(most, len(ours()))
            await asyncio.sleep(0.02)

    counting = asyncio.ensure_future(count_contexts())
    try:
        results = await runner.run(Mode.CHECK, targets, evidence, parallel=2, close_done=True)
    finally:
        counting.cancel()
    assert [r.account for r in results] == ACCOUNTS  # the accounts' order, whatever finished first
    slow, *others = results
    assert slow.outcome.value == "failed" and [r.outcome.value for r in others] == ["checked"] * 4
    assert "never finished loading" in (slow.reason or ""), slow.reason
    # The other slot went on through the rest while the first one waited for its setting.
    assert all(r.finished_at < slow.finished_at for r in others[:2]), [(r.account, r.finished_at) for r in results]
    assert most == 2 and ours() == []  # at most two open at once, and each closed when done
    assert [sandbox.account(u)["signins"] for u in ACCOUNTS] == [1] * 5


def test_jobs_on_the_command_line(cli: Cli, sandbox: Sandbox) -> None:
    origin = f"linkedin={sandbox.origin('linkedin')}"
    for username in ("alice@example.com", "olivia@example.com", "wes@example.com"):
        password = f"{username.split('@')[0]}-demo-pass\n"
        added = cli("accounts", "add", "linkedin", username, "--password-stdin", "--mapped", input=password)
        assert added.returncode == 0, added.stderr
    one = cli("check", "--origin", origin, "--json", "-j", "1")
    three = cli("check", "--origin", origin, "--json", "--jobs", "3")
    assert one.returncode == three.returncode == 1, (one.stderr, three.stderr)  # two of them are on
    read = [[(r["account"], r["state"]) for r in json.loads(done.stdout)] for done in (one, three)]
    assert read[0] == read[1] == [("alice@example.com", "on"), ("olivia@example.com", "off"), ("wes@example.com", "on")]
    for bad in (["-j", "0"], ["--jobs", "33"], ["-j", "2", "--cdp", "http://127.0.0.1:9"]):
        done = cli("check", "--origin", origin, *bad)
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, (bad, done.stderr)
