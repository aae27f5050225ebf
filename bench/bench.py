"""Whole-process wall time and peak memory of optout against the sandbox, next to a minimal
hand-written Playwright script that signs in and reads the same switch.

    python bench/bench.py [--runs N]

Prints the median of N runs of each command and the ratios optout / baseline. Peak memory is the
largest resident set of any waited-for child process tree member the kernel reports (ru_maxrss of
RUSAGE_CHILDREN, measured per command in a fresh interpreter), so it covers the Python process; the
browser's own processes are reported by the same counter only when they are the largest.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from optout.sandbox import DEMO_ACCOUNTS, SandboxServer

HERE = Path(__file__).resolve().parent

_MEASURE = """
import resource, subprocess, sys, time, json
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall_s": wall, "peak_mib": peak_kib / 1024, "code": code}))
"""


def measure(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _MEASURE, *argv], env=env, capture_output=True, text=True, check=True)
    data: dict[str, float] = json.loads(out.stdout)
    return data


def median_of(runs: int, argv: list[str], env: dict[str, str], expect: set[int]) -> dict[str, float]:
    samples = [measure(argv, env) for _ in range(runs)]
    codes = {int(s["code"]) for s in samples}
    if not codes <= expect:
        raise SystemExit(f"{' '.join(argv[:4])}… exited {codes}, expected {expect}")
    return {k: statistics.median(s[k] for s in samples) for k in ("wall_s", "peak_mib")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with SandboxServer() as server, tempfile.TemporaryDirectory(prefix="optout-bench-") as tmp:
        env = {
            **os.environ,
            "OPTOUT_HOME": tmp,
            "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
            "XDG_DATA_HOME": tmp,
        }
        optout = [sys.executable, "-m", "optout"]
        subprocess.run(
            [*optout, "accounts", "add", "linkedin", "olivia@example.com", "--password-stdin"],
            input="olivia-demo-pass\n",
            text=True,
            env=env,
            check=True,
            capture_output=True,
        )
        origin = f"linkedin={server.origin_url('linkedin')}"
        out = str(Path(tmp) / "out")
        rows = {
            "baseline: minimal Playwright sign-in + read": median_of(
                args.runs, [sys.executable, str(HERE / "baseline_read.py"), server.origin_url("linkedin")], env, {0}
            ),
            "optout check (1 account, mapped)": median_of(
                args.runs, [*optout, "check", "--origin", origin, "--json", "--out", out], env, {0}
            ),
            f"optout demo ({len(DEMO_ACCOUNTS)} accounts, check + off)": median_of(
                1, [*optout, "demo", "--out", out], env, {0}
            ),
        }
    base = rows["baseline: minimal Playwright sign-in + read"]
    print(f"{'command':44} {'wall s':>8} {'peak MiB':>9} {'× wall':>7} {'× mem':>6}")
    for name, row in rows.items():
        print(
            f"{name:44} {row['wall_s']:8.2f} {row['peak_mib']:9.1f} "
            f"{row['wall_s'] / base['wall_s']:7.2f} {row['peak_mib'] / base['peak_mib']:6.2f}"
        )
    print(f"(median of {args.runs} runs; demo once; {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
