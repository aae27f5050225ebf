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
