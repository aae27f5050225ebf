"""The class load test: `optout sandbox --learners N` holding N learners who all run optout at once.
Every learner is a real engine run in a browser context of its own, as a room of laptops would each run
optout: LinkedIn's and X's demo account checked, then switched off, against the learner's own sandbox,
one account after the other (as optout -j 1 runs them). The simulated laptops share this machine: they
are spread over a few client processes (each its own browser and event loop, as each laptop has its
own), so that the clients' own work does not pass for the sandbox's. Counts what went wrong: a result
other than the demo's expected one, and every answer the workers gave as a server error; reports the
slowest answer.

    .venv/bin/python bench/classroom.py [--learners 50] [--workers W] [--clients C]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import queue
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.async_api import async_playwright

from optout.browser.launch import launch
from optout.browser.traffic import OriginSpec, build_traffic_map
from optout.engine.context import Mode, Options
from optout.engine.runner import AccountTarget, Runner
from optout.evidence.recorder import RunEvidence
from optout.language.registry import load_all
from optout.sandbox.classroom import ClassroomServer
from optout.sandbox.registry import find_account

#: How long a client may stay silent (its browser starting, or all its learners' runs) before the test stops.
CLIENT_S = 1800

ACCOUNTS = {"linkedin": "alice@example.com", "x": "xavier@example.com"}


@dataclass(frozen=True)
class ClassLoad:
    learners: int
    workers: int
    clients: int
    wall_s: float
    runs: int
    wrong: list[str]
    answers: int
    server_errors: int
    slowest_s: float


async def _learners(origins: dict[int, dict[str, str]], root: Path, ready: Any, go: Any) -> tuple[int, list[str]]:
    """Run these learners at once in one browser ({learner: {platform: its sandbox's origin}}), once every
    client has its browser (`ready` told, then `go` awaited)."""
    flows = load_all()
    wrong: list[str] = []
    runs = 0
    async with async_playwright() as playwright:
        browser = await launch(playwright, offline=True)
        ready.put(("ready", None))
        go.wait()

        async def learner(n: int) -> None:
            nonlocal runs
            specs = [OriginSpec(p, origins[n][p]) for p in ACCOUNTS]
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
                    for result in await runner.run(mode, targets, evidence):
                        runs += 1
                        got = f"{result.outcome.value} {result.state.value}"
                        if got != expected:
                            wrong.append(f"learner {n} {result.platform} {mode.value}: {got} ({result.reason})")
            evidence.finish()

        await asyncio.gather(*(learner(n) for n in origins))
        await browser.close()
    return runs, wrong


def _client(origins: dict[int, dict[str, str]], root: str, go: Any, out: Any) -> None:
    """A client process: runs its learners at the start, sends back ("done", (runs, wrong)), or
    ("error", what) when it could not."""
    try:
        out.put(("done", asyncio.run(_learners(origins, Path(root), out, go))))
    except Exception as exc:  # noqa: BLE001 - told to the parent, which stops the test in one line
        out.put(("error", f"{type(exc).__name__}: {exc}".splitlines()[0]))


def _next(out: Any, processes: list[Any]) -> Any:
    """The next message of a client; stops the test in one line when one failed, died or went silent."""
    deadline = time.monotonic() + CLIENT_S
    while True:
        try:
            kind, value = out.get(timeout=2)
            break
        except queue.Empty:
            dead = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
            if dead:
                raise SystemExit(f"class load test: a client died (exit code {dead[0]})") from None
            if time.monotonic() > deadline:
                raise SystemExit(f"class load test: a client said nothing for {CLIENT_S} s") from None
    if kind == "error":
        raise SystemExit(f"class load test: a client failed: {value}")
    return value


def load(learners: int, workers: int, clients: int = 2) -> ClassLoad:
    clients = max(1, min(clients, learners))
    with ClassroomServer(learners, workers=workers) as server, tempfile.TemporaryDirectory() as tmp:
        spawn = multiprocessing.get_context("spawn")
        go, out = spawn.Event(), spawn.Queue()
        shares = [
            {n: {p: server.origin_url(n, p) for p in ACCOUNTS} for n in range(c + 1, learners + 1, clients)}
            for c in range(clients)
        ]
        processes = [spawn.Process(target=_client, args=(share, tmp, go, out)) for share in shares]
        try:
            for process in processes:
                process.start()
            # The clock starts once every client has its browser: the learners begin together.
            for _ in processes:
                _next(out, processes)
            start = time.perf_counter()
            go.set()
            runs, wrong = 0, list[str]()
            for _ in processes:
                got_runs, got_wrong = _next(out, processes)
                runs, wrong = runs + got_runs, wrong + got_wrong
            wall = time.perf_counter() - start
        finally:
            go.set()  # a client still waiting to start is let go, then every one is ended
            for process in (p for p in processes if p.pid is not None):
                process.join(10)
                if process.is_alive():
                    process.kill()
        stats = server.stats()
    return ClassLoad(learners, server.workers, clients, wall, runs, wrong, stats.answers, stats.errors, stats.slowest_s)


def report(result: ClassLoad) -> str:
    errors = len(result.wrong) + result.server_errors
    return (
        f"{result.learners} learners at once on {result.workers} worker processes, their laptops simulated by "
        f"{result.clients} client processes on the same machine: {result.runs} setting runs (LinkedIn and X, "
        f"check then off, each learner in their own sandbox) in {result.wall_s:.0f} s; {result.answers} "
        f"answers from the sandbox, {result.server_errors} of them server errors, the slowest started after "
        f"{result.slowest_s:.2f} s; {len(result.wrong)} unexpected results. **Errors: {errors}.**"
        + "".join(f"\n- {w}" for w in result.wrong[:10])
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="the sandbox's worker processes")
    parser.add_argument("--clients", type=int, default=2, help="processes simulating the learners' laptops")
    args = parser.parse_args()
    result = load(args.learners, args.workers, args.clients)
    print(report(result))
    return 0 if not result.wrong and not result.server_errors else 1


if __name__ == "__main__":
    sys.exit(main())
