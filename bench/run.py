"""optout's benchmark, from a fresh clone (after ./run.sh has set up .venv):

    .venv/bin/python bench/run.py [--k 1 10 50] [--naive-most K] [--out bench/RESULTS.md]

For each K it starts the sandbox with K ordinary accounts on each of LinkedIn, X and ChatGPT (its crowd:
OPTOUT_SANDBOX_CROWD=K) and measures, as whole processes (wall time, and the peak of the resident memory
(PSS) of the process and all its children, the browser's included):

  (a) cold   optout check, no saved session: every account signs in;
  (b) warm   optout recheck with the sessions (a) saved: the re-check a schedule runs;
  (c) lower  bench/lower_bound.py: one browser, each account's saved session, each setting's page opened
             once and its control read, through the same traffic mapping; as many at once as (b);
  (d) naive  a loop running optout check for one account at a time, its session discarded before each:
             a browser launched per account, a sign-in each time.

and the warm re-check again with -j 1 (K <= 10); then the class load test (bench/classroom.py: N learners
at once against optout sandbox --learners N, its error count). The table, the ratios a/c, b/c, d/b and (-j 1)/(default)
go to bench/RESULTS.md. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import classroom  # noqa: E402
from measure import Measured, cpu_count, run  # noqa: E402

from optout.browser.capacity import available_mib, default_jobs  # noqa: E402

PLATFORMS = ("linkedin", "x", "chatgpt")
OPTOUT = [sys.executable, "-m", "optout"]


@dataclass
class Row:
    k: int
    what: str
    measured: Measured
    accounts: int


class Bench:
    def __init__(self, k: int, root: Path) -> None:
        self.k = k
        self.root = root
        self.home = root / "home"
        self.env = {
            **{n: v for n, v in os.environ.items() if not n.startswith(("OPTOUT_", "PYTHON_KEYRING", "KEYRING_"))},
            "OPTOUT_HOME": str(self.home),
            "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
            "XDG_DATA_HOME": str(root / "xdg-data"),
            "XDG_CONFIG_HOME": str(root / "xdg-config"),
            "OPTOUT_SANDBOX_CROWD": str(k),
        }
        self.sandbox: subprocess.Popen[str] | None = None
        self.origins: list[str] = []

    def start(self) -> None:
        serve = (
            "import sys; from optout.sandbox import SandboxServer; s = SandboxServer().start(); "
            "print(s.base_url, flush=True); sys.stdin.read(); s.stop()"
        )
        self.sandbox = subprocess.Popen(
            [sys.executable, "-c", serve], env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.sandbox.stdout is not None
        base = self.sandbox.stdout.readline().strip()
        self.origins = [w for p in PLATFORMS for w in ("--origin", f"{p}={base}/{p}")]
        done = subprocess.run(
            [sys.executable, str(HERE / "setup_home.py"), *PLATFORMS], env=self.env, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"setting up the accounts failed: {done.stderr.strip()}")

    def stop(self) -> None:
        if self.sandbox is not None:
            self.sandbox.communicate("", timeout=30)

    def optout(self, *args: str) -> Measured:
        out = str(self.root / "evidence")
        measured = run([*OPTOUT, *args, *self.origins, "--json", "--out", out], self.env)
        results = json.loads(measured.stdout or "[]")
        if len(results) != self.k * len(PLATFORMS) or any(r["state"] != "on" for r in results):
            problems = {r["reason"] for r in results if r["state"] != "on"}
            raise SystemExit(f"optout {args[0]}: {len(results)} results; {problems or measured.stderr.strip()}")
        return measured

    def forget_sessions(self) -> None:
        shutil.rmtree(self.home / "sessions", ignore_errors=True)
        for folder in self.home.glob("**/sessions"):
            shutil.rmtree(folder, ignore_errors=True)

    def lower(self, jobs: int) -> Measured:
        measured = run([sys.executable, str(HERE / "lower_bound.py"), *self.origins, "--jobs", str(jobs)], self.env)
        if measured.code != 0 or measured.stdout.split()[:1] != [str(self.k * len(PLATFORMS))]:
            raise SystemExit(f"lower bound: {measured.stdout.strip()} {measured.stderr.strip()[-300:]}")
        return measured

    def naive(self) -> Measured:
        wall = peak = 0.0
        for platform in PLATFORMS:
            origin = next(w for w in self.origins if w.startswith(f"{platform}="))
            for i in range(1, self.k + 1):
                self.forget_sessions()
                username = f"crowd{i}@example.com"
                args = ["check", platform, "--account", username, "--origin", origin, "--json", "-j", "1"]
                measured = run([*OPTOUT, *args, "--out", str(self.root / "evidence")], self.env)
                if json.loads(measured.stdout or "[]")[0:1] == [] or measured.code not in (0, 1):
                    raise SystemExit(f"naive: {platform} {username}: {measured.stderr.strip()}")
                wall, peak = wall + measured.wall_s, max(peak, measured.peak_mib)
        return Measured(wall, peak, 0, "", "")


def measure_k(k: int, naive_most: int) -> list[Row]:
    rows: list[Row] = []
    accounts = k * len(PLATFORMS)
    with tempfile.TemporaryDirectory(prefix="optout-bench-") as tmp:
        bench = Bench(k, Path(tmp))
        bench.start()
        try:
            jobs = default_jobs()
            say(f"K={k}: cold check of {accounts} accounts")
            rows.append(Row(k, "a cold check", bench.optout("check"), accounts))
            say(f"K={k}: warm re-check")
            rows.append(Row(k, "b warm re-check", bench.optout("recheck"), accounts))
            say(f"K={k}: lower bound")
            rows.append(Row(k, "c lower bound", bench.lower(jobs), accounts))
            if k <= 10:
                say(f"K={k}: warm re-check, -j 1")
                rows.append(Row(k, "b warm re-check -j 1", bench.optout("recheck", "-j", "1"), accounts))
            if k <= naive_most:
                say(f"K={k}: naive loop")
                rows.append(Row(k, "d naive loop", bench.naive(), accounts))
        finally:
            bench.stop()
    return rows


def say(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def table(rows: list[Row]) -> str:
    lines = ["| K | accounts | run | wall (s) | peak memory (MiB) |", "|---:|---:|---|---:|---:|"]
    for r in rows:
        lines.append(f"| {r.k} | {r.accounts} | {r.what} | {r.measured.wall_s:.1f} | {r.measured.peak_mib:.0f} |")
    return "\n".join(lines)


def ratios(rows: list[Row]) -> str:
    lines = ["| K | a/c (cold / lower) | b/c (warm / lower) | d/b (naive / warm) | (-j 1)/(default), warm |"]
    lines.append("|---:|---:|---:|---:|---:|")
    for k in sorted({r.k for r in rows}):
        wall = {r.what: r.measured.wall_s for r in rows if r.k == k}

        def ratio(top: str, bottom: str, wall: dict[str, float] = wall) -> str:
            return f"{wall[top] / wall[bottom]:.2f}" if top in wall and bottom in wall else "not run"

        lines.append(
            f"| {k} | {ratio('a cold check', 'c lower bound')} | {ratio('b warm re-check', 'c lower bound')} | "
            f"{ratio('d naive loop', 'b warm re-check')} | {ratio('b warm re-check -j 1', 'b warm re-check')} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--k", type=int, nargs="+", default=[1, 10, 50], help="accounts per platform")
    parser.add_argument("--naive-most", type=int, default=50, help="run the naive loop up to this K")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--learners", type=int, default=50, help="the class load test's learners (0: not run)")
    args = parser.parse_args()
    rows = [row for k in args.k for row in measure_k(k, args.naive_most)]
    held = ""
    if args.learners:
        say(f"a class of {args.learners} learners")
        loaded = classroom.load(args.learners, workers=cpu_count(), clients=cpu_count())
        held = f"\n## A class (bench/classroom.py)\n\n{classroom.report(loaded)}\n"
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    memory = available_mib()
    text = (
        "# Benchmark results\n\n"
        f"`bench/run.py --k {' '.join(map(str, args.k))}` on {when}: {cpu_count()} CPUs, "
        f"{memory if memory is not None else '?'} MiB available, default -j {default_jobs()}. "
        "Each figure is one run of a whole process; peak memory is the highest sum of the proportional memory "
        "(PSS) of the process and every child, the browser's processes included. The sandbox runs in its own "
        "process and is not counted.\n\n"
        f"{table(rows)}\n\n## Ratios (wall time)\n\n{ratios(rows)}\n{held}"
    )
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
