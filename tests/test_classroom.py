"""A sandbox that holds a class: each learner has a sandbox of their own, served by worker processes;
learners running optout at the same time never see each other's settings, and no answer is a server
error. (bench/classroom.py runs the same with fifty learners.)"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from optout.browser.traffic import OriginSpec, build_traffic_map
from optout.engine.context import Mode, Options
from optout.engine.runner import Runner
from optout.evidence.recorder import RunEvidence
from optout.sandbox.classroom import ClassroomServer
from tests.conftest import FLOWS, Cli, as_a_terminal_s_job, demo_target

LEARNERS = 6


@pytest.fixture(scope="module")
def classroom() -> Iterator[ClassroomServer]:
    with ClassroomServer(LEARNERS, workers=2) as server:
        yield server


async def test_learners_at_once_each_in_their_own_sandbox(
    classroom: ClassroomServer, browser: Any, tmp_path: Path
) -> None:
    """Learners 1-5 switch alice's setting off at the same time; learner 6 only checks: still on."""

    async def learner(n: int) -> Any:
        spec = OriginSpec("linkedin", classroom.origin_url(n, "linkedin"))
        traffic = build_traffic_map([spec], {"linkedin": FLOWS["linkedin"].origins})
        evidence = RunEvidence(tmp_path / f"learner{n}", "test", {"linkedin": FLOWS["linkedin"].version})
        mode = Mode.CHECK if n == LEARNERS else Mode.OFF
        async with Runner(traffic=traffic, options=Options(timeout_s=10.0), browser=browser) as runner:
            (result,) = await runner.run(mode, [demo_target("linkedin", "alice@example.com")], evidence)
        return result

    before = classroom.stats()
    results = await asyncio.gather(*(learner(n) for n in range(1, LEARNERS + 1)))
    assert [(r.outcome.value, r.state.value) for r in results] == [("switched_off", "off")] * 5 + [("checked", "on")]
    for n in range(1, LEARNERS + 1):
        state = httpx.get(f"{classroom.base_url(n)}/__sandbox__/state", timeout=10).json()
        alice = state["linkedin"]["alice@example.com"]
        assert alice["settings"]["allowDataForGenerativeAI"] is (n == LEARNERS)
        assert alice["signins"] == 1 and len(alice["writes"]) == (0 if n == LEARNERS else 1)
    after = classroom.stats()
    assert after.errors == before.errors == 0 and after.answers > before.answers
    assert after.slowest_s > 0  # measured: how long the slowest answer took to start
    assert len(set(classroom.ports)) == 2  # two worker processes, learners shared between them


def test_optout_sandbox_learners_prints_each_learner_s_address(cli: Cli) -> None:
    env = cli.environ({"COLUMNS": "80"})
    server = subprocess.Popen(
        [sys.executable, "-m", "optout", "sandbox", "--learners", "3", "--workers", "2", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cli.home,
        start_new_session=True,
        preexec_fn=as_a_terminal_s_job,
    )
    try:
        assert server.stdout is not None
        lines: list[str] = []
        while not lines or not lines[-1].startswith("The accounts are"):  # the last line printed
            lines.append(server.stdout.readline())
            assert lines[-1] and len(lines) < 40, lines
        addresses = [w for line in lines for w in line.split() if w.startswith("http://127.0.0.1:")]
        assert len(addresses) == 3 and [a.rsplit("/", 1)[1] for a in addresses] == ["1", "2", "3"], lines
        page = httpx.get(f"{addresses[2]}/linkedin/login", timeout=10)
        assert page.status_code == 200 and "Sign in" in page.text
        assert all(len(line.rstrip("\n")) <= 80 for line in lines)
    finally:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(15)
    bad = cli("sandbox", "--workers", "2")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
