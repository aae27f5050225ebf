"""`./run.sh optout …` from another folder: paths the person gives are relative to where they are,
while the script still finds its own .venv."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.conftest import REPO, Cli, Sandbox
from tests.test_cli import add


def test_run_sh_keeps_the_callers_folder(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    add(cli, "alice@example.com", "alice-demo-pass")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(REPO / "flows" / "linkedin.yaml", elsewhere / "linkedin.yaml")

    def run_sh(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(REPO / "run.sh"), "optout", *args],
            capture_output=True,
            text=True,
            env=cli.environ(),
            cwd=elsewhere,
            timeout=300,
        )

    validated = run_sh("flows", "validate", "linkedin.yaml")
    assert validated.returncode == 0, validated.stderr
    assert "ok  linkedin.yaml  (LinkedIn" in validated.stderr

    checked = run_sh("check", "--origin", f"linkedin={sandbox.origin()}", "--json", "--out", "myev")
    assert checked.returncode == 1, checked.stderr  # alice's setting is on
    (manifest,) = (elsewhere / "myev").glob("run-*-check/manifest.json")
    (result,) = json.loads(checked.stdout)
    assert Path(result["evidence"][0]["path"]).is_relative_to(elsewhere / "myev")  # absolute, usable from anywhere
    assert json.loads(manifest.read_text())["results"][0]["outcome"] == "checked"
    assert not (REPO / "myev").exists()


def test_commands_optout_prints_start_the_way_run_sh_was_called(cli: Cli, tmp_path: Path) -> None:
    """After ./run.sh no `optout` is on PATH: a command optout prints for the person to paste names run.sh."""
    done = subprocess.run(
        [str(REPO / "run.sh"), "optout", "check", "--headed"],
        capture_output=True,
        text=True,
        env=cli.environ({"DISPLAY": None, "WAYLAND_DISPLAY": None}),
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert f"xvfb-run -a {REPO / 'run.sh'} optout check --headed (Debian/Ubuntu" in done.stderr
