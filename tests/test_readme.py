"""The README's sandbox walkthrough, run as written (the sandbox is the test's, on its own port, and
the run is not headed: there is no display here): it must use a throwaway home and keyring, so that
the demo account never reaches the person's real config or keyring."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import typer

from optout.cli.app import app
from tests.conftest import REPO, Cli, Sandbox


def walkthrough() -> list[str]:
    text = (REPO / "README.md").read_text()
    block = re.search(r"```sh\n(optout sandbox --port 8000.*?)```", text, re.S)
    assert block, "the README's sandbox walkthrough"
    return block[1].splitlines()


def test_readme_sandbox_walkthrough_uses_a_throwaway_home(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    lines = walkthrough()
    assert lines[0].startswith("optout sandbox --port 8000")  # started by the person; here, the test's sandbox
    script = "\n".join(lines[1:])
    script = script.replace("http://127.0.0.1:8000/linkedin", sandbox.origin())
    script = script.replace(" --headed --slow-mo 300", "")
    # The person types the password at the prompt; the test has no terminal, so it hands it on stdin.
    script = script.replace(
        "optout accounts add linkedin alice@example.com",
        "optout accounts add linkedin alice@example.com --password-stdin",
    )
    person = tmp_path / "person"  # the person's own home directory: nothing may land there
    short_tmp = Path(tempfile.mkdtemp(prefix="readme-", dir="/tmp"))
    person.mkdir()
    env = cli.environ(
        {
            "HOME": str(person),
            "OPTOUT_HOME": None,
            "PYTHON_KEYRING_BACKEND": None,
            "XDG_DATA_HOME": None,
            "XDG_CONFIG_HOME": None,
            # Short: Chromium's sockets live there, and a Unix socket path is limited to 107 bytes.
            "TMPDIR": str(short_tmp),
        }
    )
    done = subprocess.run(
        ["bash", "-euc", f'optout() {{ "{sys.executable}" -m optout "$@"; }}\n{script}'],
        input="alice-demo-pass\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "switched_off, Data for Generative AI Improvement is off" in " ".join(done.stdout.split())
    assert sandbox.account("alice@example.com")["settings"]["allowDataForGenerativeAI"] is False
    # Nothing in the person's optout config and data, nor in their keyring files (Chromium's own caches
    # may land in the home directory); the throwaway home is gone.
    mine = [p for p in person.rglob("*") if "optout" in p.parts or "python_keyring" in p.parts]
    assert mine == []
    assert not [p for p in short_tmp.iterdir() if p.name.startswith("tmp.")]
    shutil.rmtree(short_tmp, ignore_errors=True)


def test_readme_command_table_lists_every_command() -> None:
    """Each command of the Typer app, as `optout GROUP COMMAND`, is in the first column of the README's table."""
    text = (REPO / "README.md").read_text()
    table = re.search(r"^\| command \| what it does \|\n((?:\|.*\n)+)", text, re.M)
    assert table, "the README's command table"
    listed = " ".join(row.split(" | ")[0] for row in table[1].splitlines())
    missing = [" ".join(path) for path in leaf_commands() if f"`optout {' '.join(path)}" not in listed]
    assert missing == []


def leaf_commands() -> list[list[str]]:
    paths: list[list[str]] = []

    def walk(command: Any, path: list[str]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands is None:
            paths.append(path)
        for name, sub in sorted((subcommands or {}).items()):
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return paths


def test_no_stray_output_file_at_the_repository_root() -> None:
    """A shell redirect's leftover (`2>err`, `>out`, nohup.out, a log) is neither committed nor written by the
    suite or run.sh."""
    stray = {"err", "out", "nohup.out", "stderr", "stdout", "log"}
    assert [p.name for p in REPO.iterdir() if p.name in stray or p.suffix == ".log"] == []
    redirects = re.compile(r"[0-9&]?>>?\s*[\"']?(err|out|log)\b[\"']?(?!\.)")
    for script in [REPO / "run.sh", *(REPO / ".ci").glob("*")]:
        assert not redirects.search(script.read_text()), script
