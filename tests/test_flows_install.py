"""`optout flows install` and `optout flows list` through the real CLI: a flow newer than the release is
validated, installed in the home, used from then on (the manifest says which file), the one it replaced
kept; a flow for a newer optout, or a broken one, is refused with one line and nothing installed."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from optout.evidence.manifest import Manifest, manifest_bytes
from tests.conftest import REPO, Cli, Sandbox
from tests.test_cli import add, one_line_error

SHIPPED = REPO / "flows" / "linkedin.yaml"


def bumped(folder: Path, version: str, name: str = "linkedin-fixed.yaml", **replace: str) -> Path:
    """The shipped LinkedIn flow with another version (and any line `key: ...` replaced), as a maintainer's fix."""
    text = re.sub(r"(?m)^version: .*$", f"version: {version}", SHIPPED.read_text(encoding="utf-8"))
    for key, value in replace.items():
        text = re.sub(rf"(?m)^{key}: .*$", f"{key}: {value}", text)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def listed(cli: Cli, env: dict[str, str | None] | None = None) -> dict[str, dict[str, str]]:
    done = cli("flows", "list", "--json", env=env)
    assert done.returncode == 0, done.stderr
    return {row["platform"]: row for row in json.loads(done.stdout)}


def installed_dir(cli: Cli) -> Path:
    return cli.home / "flows"


def test_an_installed_flow_is_used_recorded_and_replaced_with_the_previous_kept(cli: Cli, sandbox: Sandbox) -> None:
    before = listed(cli)
    assert before["linkedin"]["source"] == "shipped" and before["linkedin"]["path"] == str(SHIPPED)

    fix = bumped(cli.home.parent / "downloads", "2099.1.1")
    done = cli("flows", "install", str(fix))
    assert done.returncode == 0, done.stderr
    target = installed_dir(cli) / "linkedin.yaml"
    assert target.read_bytes() == fix.read_bytes()
    assert "version 2099.1.1" in done.stdout and "To go back to the shipped flow: delete" in done.stdout
    now = listed(cli)
    assert (now["linkedin"]["source"], now["linkedin"]["flow_version"], now["linkedin"]["path"]) == (
        "installed",
        "2099.1.1",
        str(target),
    )
    assert now["x"]["source"] == "shipped"  # only LinkedIn's flow is overlaid
    text = cli("flows", "list", env={"COLUMNS": "80"}).stdout
    # A folder's path is printed whole, on a line of its own, for copying; the rest fits 80 columns.
    assert f"\n  {installed_dir(cli)}\n" in text and f"\n  {SHIPPED.parent}\n" in text
    assert re.search(r"linkedin\s+2099\.1\.1\s+installed", text)
    assert max(len(line) for line in text.splitlines() if "/" not in line) <= 80

    # A check uses the installed flow, and its manifest says which file it was, by its SHA-256.
    add(cli, "alice@example.com", "alice-demo-pass")
    checked = cli("check", "linkedin", "--origin", f"linkedin={sandbox.origin()}", "--out", "ev", "--timeout", "5")
    assert checked.returncode == 1, checked.stderr  # alice's setting is on
    (manifest_path,) = (cli.home / "ev").glob("run-*-check/manifest.json")
    manifest = json.loads(manifest_path.read_text())
    assert manifest["flows"] == {"linkedin": "2099.1.1"}
    assert manifest["flow_files"] == {
        "linkedin": {
            "source": "installed",
            "path": "flows/linkedin.yaml",  # under the home: its location is not recorded
            "sha256": hashlib.sha256(fix.read_bytes()).hexdigest(),
        }
    }
    assert all(f["flow_version"] == "2099.1.1" for f in manifest["files"])
    verified = cli("verify", "--all")
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # A second fix replaces the first, which is kept, and the output says how to reinstall it.
    second = bumped(cli.home.parent / "downloads", "2099.1.2", name="other-name.yml")
    again = cli("flows", "install", str(second), env={"COLUMNS": "200"})
    assert again.returncode == 0, again.stderr
    kept = installed_dir(cli) / "previous" / "linkedin.2099.1.1.yaml"
    assert kept.read_bytes() == fix.read_bytes() and target.read_bytes() == second.read_bytes()
    assert str(kept) in again.stdout and re.search(rf"flows install \\\n\s+{re.escape(str(kept))}", again.stdout)
    assert listed(cli)["linkedin"]["flow_version"] == "2099.1.2"
    # Going back the way the output says.
    back = cli("flows", "install", str(kept))
    assert back.returncode == 0 and listed(cli)["linkedin"]["flow_version"] == "2099.1.1"
    assert (installed_dir(cli) / "previous" / "linkedin.2099.1.2.yaml").read_bytes() == second.read_bytes()
    # The same file twice: nothing changes.
    same = cli("flows", "install", str(kept))
    assert same.returncode == 0 and "installed already" in same.stderr
    assert sorted(p.name for p in (installed_dir(cli) / "previous").iterdir()) == [
        "linkedin.2099.1.1.yaml",
        "linkedin.2099.1.2.yaml",
    ]


def test_a_flow_for_a_newer_optout_is_refused_with_one_line(cli: Cli, tmp_path: Path) -> None:
    newer = bumped(tmp_path / "dl", "2099.2.1", schema_version="3")
    line = one_line_error(cli("flows", "install", str(newer)))
    assert line.endswith(f"{newer} needs flow schema 3; this optout (0.1.0) reads schema 2: upgrade optout"), line
    assert not installed_dir(cli).exists()
    # Found in a flows folder, it stops every command the same way.
    folder = tmp_path / "flows"
    bumped(folder, "2099.2.1", name="linkedin.yaml", schema_version="7")
    line = one_line_error(cli("platforms", env={"OPTOUT_FLOWS_DIR": str(folder)}))
    assert "linkedin.yaml needs flow schema 7" in line and "upgrade optout" in line
    line = one_line_error(cli("flows", "list", env={"OPTOUT_FLOWS_DIR": str(folder)}))
    assert "needs flow schema 7" in line


def test_a_broken_flow_is_refused_and_nothing_installed(cli: Cli, tmp_path: Path) -> None:
    broken = tmp_path / "linkedin.yaml"
    broken.write_text("schema_version: 2\nplatform: linkedin\nsettings: [\n", encoding="utf-8")
    line = one_line_error(cli("flows", "install", str(broken)))
    assert str(broken) in line and "not valid YAML" in line
    invalid = bumped(tmp_path / "dl", "2099.3.1", platform="Linked In")
    line = one_line_error(cli("flows", "install", str(invalid)))
    assert line.endswith(f"{invalid}: platform: platform must be a lowercase slug"), line
    assert not installed_dir(cli).exists()
    assert listed(cli)["linkedin"]["source"] == "shipped"


def test_a_new_platform_may_be_installed_and_flows_dir_still_wins(cli: Cli, tmp_path: Path) -> None:
    beta = bumped(tmp_path / "dl", "beta-1", platform="linkedin-beta", name="beta.yaml")
    done = cli("flows", "install", str(beta), env={"COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    assert "linkedin-beta is a new platform" in " ".join(done.stdout.split())
    assert listed(cli)["linkedin-beta"]["source"] == "installed"
    # OPTOUT_FLOWS_DIR, when set, is read alone: installed flows wait until it is unset.
    folder = tmp_path / "flows"
    bumped(folder, "2099.4.1", name="linkedin.yaml")
    only = listed(cli, env={"OPTOUT_FLOWS_DIR": str(folder)})
    assert list(only) == ["linkedin"] and only["linkedin"]["source"] == "OPTOUT_FLOWS_DIR"


def test_a_manifest_from_before_flow_files_reads_and_writes_the_same_bytes() -> None:
    old = {
        "run_id": "run-1",
        "command": "check",
        "optout_version": "0.1.0",
        "browser_version": None,
        "started_at": "2026-12-01T10:00:00Z",
        "finished_at": None,
        "interrupted": None,
        "flows": {"linkedin": "2026.11.30"},
        "mappings": [],
        "mask_pii": False,
        "files": [],
        "results": [],
        "previous": None,
        "signing_key": None,
    }
    data = manifest_bytes(Manifest.model_validate(old))
    assert "flow_files" not in json.loads(data)
    assert manifest_bytes(Manifest.model_validate_json(data)) == data


def test_a_flow_that_would_type_the_password_elsewhere_needs_new_origins(cli: Cli, tmp_path: Path) -> None:
    """A file from anywhere replacing LinkedIn's flow, its sign-in moved to another site: refused unless
    the person says they trust it, and then the output names where the password will be typed."""
    text = SHIPPED.read_text(encoding="utf-8").replace(
        "https://www.linkedin.com", "https://www.linkedin.example.invalid"
    )
    moved = tmp_path / "linkedin-moved.yaml"
    moved.write_text(re.sub(r"(?m)^version: .*$", "version: 9.9.9", text), encoding="utf-8")
    refused = cli("flows", "install", str(moved))
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert "--new-origins" in refused.stderr and "linkedin.example.invalid" in refused.stderr
    assert not (installed_dir(cli) / "linkedin.yaml").exists()
    trusted = cli("flows", "install", str(moved), "--new-origins", env={"COLUMNS": "200"})
    assert trusted.returncode == 0, trusted.stderr
    assert "Its sign-in (where your password is typed): https://www.linkedin.example.invalid" in trusted.stdout
