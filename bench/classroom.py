"""The class load test: `optout sandbox --learners N` holding N learners who all run optout at once.
Every learner is a real engine run in a browser context of its own (one browser, as a room of laptops
would each have theirs): LinkedIn's and X's demo account checked, then switched off, against the learner's
own sandbox. Counts what went wrong: a result other than the demo's expected one, and every answer the
workers gave as a server error.

    .venv/bin/python bench/classroom.py [--learners 50] [--workers W]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import async_playwright

from optout.browser.launch import launch
from optout.browser.traffic import OriginSpec, build_traffic_map
from optout.engine.context import Mode, Options
from optout.engine.runner import AccountTarget, Runner
from optout.evidence.recorder import RunEvidence
from optout.language.registry import load_all
from optout.sandbox.classroom import ClassroomServer
from optout.sandbox.registry import find_account

ACCOUNTS = {"linkedin": "alice@example.com", "x": "xavier@example.com"}


@dataclass(frozen=True)
class ClassLoad:
    learners: int
    workers: int
    wall_s: float
    runs: int
    wrong: list[str]
    answers: int
    server_errors: int


async def _class(server: ClassroomServer, root: Path) -> tuple[int, list[str]]:
    flows = load_all()
    wrong: list[str] = []
    runs = 0
    async with async_playwright() as playwright:
        browser = await launch(playwright, offline=True)

        async def learner(n: int) -> None:
            nonlocal runs
            specs = [OriginSpec(p, server.origin_url(n, p)) for p in ACCOUNTS]
            traffic = build_traffic_map(specs, {p: flows[p].origins for p in ACCOUNTS})
            targets = []
            for platform, username in ACCOUNTS.items():
                demo = find_account(platform, username)
                assert demo is not None
                password = demo.password
                targets.append(AccountTarget(flow=flows[platform], username=username, password=lambda p=password: p))
            versions = {p: flows[p].version for p in ACCOUNTS}
            evidence = RunEvidence(root / f"learner{n}", "classroom", versions)
            async with Runner(traffic=traffic, options=Options(timeout_s=30.0), browser=browser) as runner:
                for mode, expected in ((Mode.CHECK, "checked on"), (Mode.OFF, "switched_off off")):
                    for result in await runner.run(mode, targets, evidence, parallel=len(targets)):
                        runs += 1
                        got = f"{result.outcome.value} {result.state.value}"
                        if got != expected:
                            wrong.append(f"learner {n} {result.platform} {mode.value}: {got} ({result.reason})")
            evidence.finish()

        await asyncio.gather(*(learner(n) for n in range(1, server.learners + 1)))
        await browser.close()
    return runs, wrong


def load(learners: int, workers: int) -> ClassLoad:
    with ClassroomServer(learners, workers=workers) as server, tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        runs, wrong = asyncio.run(_class(server, Path(tmp)))
        wall = time.perf_counter() - start
        stats = server.stats()
    return ClassLoad(learners, server.workers, wall, runs, wrong, stats.answers, stats.errors)


def report(result: ClassLoad) -> str:
    errors = len(result.wrong) + result.server_errors
    return (
        f"{result.learners} learners at once on {result.workers} worker processes: {result.runs} setting runs "
        f"(LinkedIn and X, check then off, each learner in their own sandbox) in {result.wall_s:.0f} s; "
        f"{result.answers} answers from the sandbox, {result.server_errors} of them server errors; "
        f"{len(result.wrong)} unexpected results. **Errors: {errors}.**"
        + "".join(f"\n- {w}" for w in result.wrong[:10])
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    result = load(args.learners, args.workers)
    print(report(result))
    return 0 if not result.wrong and not result.server_errors else 1


if __name__ == "__main__":
    sys.exit(main())
