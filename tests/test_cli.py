"""The real `optout` command line in a subprocess: accounts and keyring, check/off against the sandbox
through --origin, exit codes, one-line usage errors, the demo, and no password in anything written."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from keyrings.alt.file import PlaintextKeyring
from rich.console import Console

from optout.accounts import config as accounts
from optout.browser.errors import first_line
from optout.cli.demo import DemoReport, print_demo_end
from optout.evidence.manifest import sha256_of
from optout.invocation import optout_words
from optout.paths import Home
from optout.sandbox import DEMO_ACCOUNTS
from tests.conftest import Cli, Sandbox

RESULT_KEYS = [
    "platform",
    "account",
    "setting",
    "state",
    "outcome",
    "verified",
    "reason",
    "url",
    "started_at",
    "finished_at",
    "evidence",
    "drift",
    "label",
    "friction",
    "dark_patterns",
    "candidates",
]


def add_account(
    cli: Cli,
    username: str,
    password: str,
    platform: str = "linkedin",
    env: dict[str, str] | None = None,
    *,
    mapped: bool = False,
) -> subprocess.CompletedProcess[str]:
    """`accounts add`: the real account's password, or (`mapped`) the one runs with --origin use."""
    more = ["--mapped"] if mapped else []
    return cli("accounts", "add", platform, username, "--password-stdin", *more, input=password + "\n", env=env)


def add(cli: Cli, username: str, password: str, platform: str = "linkedin", *, mapped: bool = True) -> None:
    """An account for runs against the sandbox (--origin): its password stored for mapped runs."""
    done = add_account(cli, username, password, platform, mapped=mapped)
    assert done.returncode == 0, done.stderr


def stored_password(cli: Cli, username: str, platform: str = "linkedin", *, mapped: bool = False) -> str | None:
    """Read back through the keyring backend the command used (keyrings.alt's file, under XDG_DATA_HOME),
    under the service name of the command's home."""
    stored = PlaintextKeyring()
    stored.file_path = str(Path(cli.env["XDG_DATA_HOME"]) / "python_keyring" / "keyring_pass.cfg")
    service = accounts.service(Home(config_dir=cli.home, data_dir=cli.home, scoped=True), mapped=mapped)
    password: str | None = stored.get_password(service, f"{platform}:{username}") if service else None
    return password


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("optout: error: "), done.stderr
    return lines[0]


def test_platforms_json(cli: Cli) -> None:
    done = cli("platforms", "--json")
    assert done.returncode == 0
    listed = json.loads(done.stdout)
    # In order of their ids; more platforms come, so each is looked up by its id.
    assert [p["platform"] for p in listed] == sorted(p["platform"] for p in listed)
    by_id = {p["platform"]: p for p in listed}
    chatgpt, linkedin, x, copilot, claude = (by_id[k] for k in ("chatgpt", "linkedin", "x", "copilot", "claude"))
    # Copilot: two settings, each listed with its real URL.
    assert [s["id"] for s in copilot["settings"]] == ["model-training-text", "model-training-voice"]
    assert {s["url"] for s in copilot["settings"]} == {"https://copilot.microsoft.com/"}
    assert any("French" in note for note in copilot["unverified"])
    assert claude["settings"][0]["url"] == "https://claude.ai/settings/data-privacy-controls"
    assert any("French" in note for note in claude["unverified"])
    assert linkedin["settings"][0]["url"] == "https://www.linkedin.com/mypreferences/d/settings/data-for-ai-improvement"
    assert x["settings"][0]["url"] == "https://x.com/settings/grok_settings"
    assert chatgpt["settings"][0]["url"] == "https://chatgpt.com/#settings/DataControls"
    # What rests on unverified facts is said, in JSON and in text.
    assert any("French" in note for note in x["unverified"])
    text = cli("platforms", env={"COLUMNS": "80"}).stdout
    assert "X: not confirmed by public sources" in text and "auth.openai.com" in text
    assert "Microsoft Copilot: not confirmed by public sources" in " ".join(text.split())


def test_accounts_add_list_remove_use_the_keyring(cli: Cli) -> None:
    add(cli, "alice@example.com", "alice-demo-pass", mapped=False)
    listed = json.loads(cli("accounts", "list", "--json").stdout)
    assert listed == [
        {
            "platform": "linkedin",
            "username": "alice@example.com",
            "locale": None,
            "password_stored": True,
            "totp_stored": False,
        }
    ]
    config = cli.home / "config.json"
    assert "alice-demo-pass" not in config.read_text()
    assert config.stat().st_mode & 0o077 == 0
    assert stored_password(cli, "alice@example.com") == "alice-demo-pass"

    removed = cli("accounts", "remove", "linkedin", "alice@example.com")
    assert removed.returncode == 0, removed.stderr
    assert json.loads(cli("accounts", "list", "--json").stdout) == []
    assert stored_password(cli, "alice@example.com") is None


def test_no_keyring_backend_is_explained(cli: Cli) -> None:
    done = add_account(cli, "a@example.com", "x", env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    line = one_line_error(done)
    assert "no usable keyring backend" in line and "keyrings.alt" in line
    assert not (cli.home / "config.json").exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["check", "myspace"], "unknown platform 'myspace'"),
        (["off", "linkedin", "--origin", "linkedin"], "expected PLATFORM=URL"),
        (["check", "--origin", "linkedin=https://127.0.0.1:1"], "plain-HTTP base URL"),
        (["check", "--origin", "myspace=http://127.0.0.1:1"], "unknown platform"),
        (["check", "linkedin"], "no account configured for linkedin"),
        (["accounts", "remove", "linkedin", "nobody"], "no linkedin account 'nobody'"),
        (["check", "--origin", "linkedin=http://[::1"], "--origin 'linkedin=http://[::1'"),
        (["demo", "--out", "/dev/null/evidence"], "cannot write evidence under /dev/null/evidence"),
    ],
)
def test_usage_errors_are_one_line_exit_2(cli: Cli, args: list[str], words: str) -> None:
    assert words in one_line_error(cli(*args))


def test_broken_flow_file_is_one_line_exit_2(cli: Cli, tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "linkedin.yaml").write_text("schema_version: 2\nplatform: linkedin\nname: LinkedIn\n")
    line = one_line_error(cli("check", env={"OPTOUT_FLOWS_DIR": str(flows)}))
    assert "linkedin.yaml" in line and "Field required" in line
    assert "linkedin.yaml" in one_line_error(cli("flows", "validate", str(flows / "linkedin.yaml")))


def test_check_then_off_through_origin(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, "alice@example.com", "alice-demo-pass")
    origin = f"linkedin={sandbox.origin()}"

    checked = cli("check", "linkedin", "--origin", origin, "--json", "--timeout", "5")
    assert checked.returncode == 1, checked.stderr  # the setting is on
    (result,) = json.loads(checked.stdout)
    assert list(result) == RESULT_KEYS
    assert (result["state"], result["outcome"], result["verified"]) == ("on", "checked", False)
    assert sandbox.account("alice@example.com")["writes"] == []

    switched = cli("off", "--account", "alice@example.com", "--origin", origin, "--json", "--out", "evidence")
    assert switched.returncode == 0, switched.stderr
    (result,) = json.loads(switched.stdout)
    assert (result["state"], result["outcome"], result["verified"]) == ("off", "switched_off", True)
    assert sandbox.account("alice@example.com")["settings"]["allowDataForGenerativeAI"] is False
    for item in result["evidence"]:
        assert sha256_of(cli.home / item["path"]) == item["sha256"]
    (manifest_path,) = (cli.home / "evidence").glob("run-*-off/manifest.json")
    manifest = json.loads(manifest_path.read_text())
    shots = [f["step"] for f in manifest["files"] if f["kind"] == "screenshot"]
    assert shots == ["off-before", "off-after-change", "off-after-reload"]
    assert all(f["flow_version"] and f["url"].startswith("https://www.linkedin.com/") for f in manifest["files"])
    assert manifest["results"][0]["outcome"] == "switched_off" and manifest["finished_at"]


def test_failures_exit_3_and_do_not_stop_other_accounts(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, "lou@example.com", "lou-demo-pass")
    add(cli, "olivia@example.com", "olivia-demo-pass")
    done = cli("off", "--origin", f"linkedin={sandbox.origin()}", "--timeout", "3")
    assert done.returncode == 3
    assert re.search(r"lou@example\.com.*failed", done.stdout)
    assert re.search(r"olivia@example\.com.*already_off", done.stdout)
    assert "Evidence:" in done.stdout and "linkedin" not in done.stderr


def test_password_never_appears_in_output_or_files(cli: Cli, sandbox: Sandbox) -> None:
    right, wrong = "camille-demo-pass", "Wr0ng-Secret-Typed-Once!"
    add(cli, "camille@example.fr", right)
    add(cli, "alice@example.com", wrong)
    origin = f"linkedin={sandbox.origin()}"
    runs = [cli("off", "--origin", origin, "--timeout", "5"), cli("check", "--origin", origin, "--json")]
    for done in runs:
        assert done.returncode == 3  # alice's password is wrong
        for secret in (right, wrong):
            assert secret not in done.stdout and secret not in done.stderr
    written = [p for p in cli.home.rglob("*") if p.is_file()]
    assert any(p.suffix == ".png" for p in written) and any(p.name == "manifest.json" for p in written)
    for path in written:
        data = path.read_bytes()
        for secret in (right, wrong):
            assert secret.encode() not in data, path
    assert sandbox.account("alice@example.com")["password_submissions"] == 2  # once per run, never more


@pytest.mark.slow
def test_demo_of_a_platform_reads_well_and_ends_with_a_command_that_works(cli: Cli) -> None:
    # Every platform's demo accounts behave as designed: tests/test_examples.py, one platform per test.
    # Here the command itself, on one platform: what it prints, the evidence and the home it leaves.
    # No `optout` on PATH, as after ./run.sh: the command the demo ends with must run all the same.
    path = os.pathsep.join(d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "optout").exists())
    cli.env["PATH"] = path
    done = cli("demo", "--out", "gallery", "--platform", "claude", timeout=300, env={"COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    said = done.stdout + done.stderr
    assert "every account behaved as designed" in done.stdout  # the summary is the result: stdout
    # Readable at 80 columns: no line wider, nothing cut, every account's "What it shows" whole.
    assert max(len(line) for line in said.splitlines()) <= 80
    shown = " ".join(said.split())
    for account in DEMO_ACCOUNTS:
        if account.platform == "claude":
            assert account.username in said and " ".join(account.description.split()) in shown
    assert "…" not in said  # nothing that reads as cut, descriptions included
    assert "linkedin" not in said.lower() and "alice@example.com" not in said  # only the platform asked for
    # The command it ends with runs as printed, from where the demo ran (no `optout` need be on PATH).
    check_it = said.split("Check it:", 1)[1].split("\nDemo result:", 1)[0].strip()
    checked = subprocess.run(["sh", "-c", check_it], capture_output=True, text=True, env=cli.environ(), cwd=cli.home)
    assert checked.returncode == 0 and "signature matches" in checked.stdout, (check_it, checked.stderr)
    (manifest_path,) = (cli.home / "gallery").glob("run-*-demo/manifest.json")
    manifest = json.loads(manifest_path.read_text())
    outcomes = {(r["account"], r["outcome"]) for r in manifest["results"]}
    assert ("ada@example.com", "switched_off") in outcomes and ("stan@example.com", "failed") in outcomes
    assert {r["platform"] for r in manifest["results"]} == {"claude"}
    for item in manifest["files"]:
        assert sha256_of(manifest_path.parent / item["path"]) == item["sha256"]
    # One masked capture per screenshot (and the page's HTML where a switch is gone); the run sealed and signed
    # in the demo's own home.
    kinds = {f["kind"] for f in manifest["files"]}
    assert manifest["mask_pii"] is True and kinds == {"masked-screenshot", "control", "dom"}
    verified = cli("verify", "--all", env={"OPTOUT_HOME": str(cli.home / "gallery" / "demo-home")})
    assert verified.returncode == 0 and "signature matches" in verified.stdout, verified.stdout + verified.stderr
    # Every origin the sandbox answered for is on record.
    mapped = {m["origin"]: m["served_by"] for m in manifest["mappings"]}
    assert set(mapped) == {"https://claude.ai"}
    assert all(re.fullmatch(r"http://127\.0\.0\.1:\d+/\w+", base) for base in mapped.values()), mapped
    # The demo's home was a throwaway one: nothing landed in this OPTOUT_HOME but the evidence.
    assert sorted(p.name for p in cli.home.iterdir()) == ["gallery"]


def test_demo_of_a_platform_it_does_not_have_is_one_line(cli: Cli) -> None:
    done = cli("demo", "--platform", "linkedin", "--platform", "myspace", "--out", "gallery")
    assert done.returncode == 2 and done.stdout == ""
    assert one_line_error(done) == (
        "optout: error: the demo has no platform myspace (it has chatgpt, claude, copilot, facebook, gemini, "
        "instagram, linkedin, x)"
    )
    assert not (cli.home / "gallery").exists()


def demo_end(report: DemoReport) -> str:
    console = Console(width=80, file=io.StringIO(), highlight=False, color_system=None)
    print_demo_end(console, report)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(text, str)
    return text


def test_demo_ends_with_lines_that_fit_80_columns_and_a_command_that_pastes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPTOUT_VIA", "./run.sh")
    run = Path("screenshots/run-20261206T201149-558409Z-demo").absolute()
    report = DemoReport(rows=[], evidence_dir=run, manifest=run / "manifest.json", home=run.parent / "demo-home")
    assert demo_end(report).splitlines() == [
        "Evidence: screenshots/run-20261206T201149-558409Z-demo",
        "Manifest: screenshots/run-20261206T201149-558409Z-demo/manifest.json",
        # Started through run.sh: no `optout` is on PATH, run.sh is the way in.
        "Check it: OPTOUT_HOME=screenshots/demo-home ./run.sh optout verify --all",
    ]

    # A longer --out: each path on a line of its own, whole; the command broken between words only.
    monkeypatch.setenv("OPTOUT_VIA", "/home/someone/src/optout/run.sh")
    run = Path("evidence-for-tuesdays-class/run-20261206T201149-558409Z-demo").absolute()
    unsigned = "runs are not signed: the keyring holds no signing key for this home (" + "words " * 12 + ")"
    report = DemoReport(
        rows=[], evidence_dir=run, manifest=run / "manifest.json", home=run.parent / "demo-home", unsigned=unsigned
    )
    text = demo_end(report)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80 and "…" not in text
    assert "  evidence-for-tuesdays-class/run-20261206T201149-558409Z-demo/manifest.json" in lines
    command = text.split("Check it:", 1)[1]
    assert all(line.endswith(" \\") for line in command.strip().splitlines()[:-1])
    assert " ".join(command.replace("\\\n", " ").split()) == (
        "OPTOUT_HOME=evidence-for-tuesdays-class/demo-home /home/someone/src/optout/run.sh optout verify --all"
    )


def test_the_optout_command_printed_runs_without_optout_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPTOUT_VIA", raising=False)
    path = os.pathsep.join(d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "optout").exists())
    monkeypatch.setenv("PATH", path)
    words = optout_words()
    assert words != ["optout"]
    done = subprocess.run([*words, "--version"], capture_output=True, text=True, env={**os.environ, "PATH": path})
    assert done.returncode == 0 and done.stdout.startswith("optout "), done.stderr


def test_sandbox_command_serves_and_prints_accounts(cli: Cli) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "optout", "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli.env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", first)
        assert match, first
        listing = "".join(proc.stdout.readline() for _ in range(8))
        assert "alice@example.com" in listing and "alice-demo-pass" in listing
        index = httpx.get(f"http://127.0.0.1:{match[1]}/", timeout=10)
        assert index.status_code == 200 and "alice@example.com" in index.text
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_unreachable_origin_is_a_failure_with_a_reason(cli: Cli) -> None:
    add(cli, "alice@example.com", "alice-demo-pass")
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = cli("check", "--origin", f"linkedin=http://127.0.0.1:{port}/linkedin", "--json", "--timeout", "3")
    assert done.returncode == 3
    (result,) = json.loads(done.stdout)
    assert (result["outcome"], result["state"]) == ("failed", "unknown")
    # In plain words: no Playwright call name, no Chromium error code, no call log.
    assert re.fullmatch(r"could not open https://www\.linkedin\.com/\S*: connection refused", result["reason"])
    said = cli("check", "--origin", f"linkedin=http://127.0.0.1:{port}/linkedin", "--timeout", "3")
    assert said.returncode == 3
    for internals in ("Page.goto", "net::", "ERR_", "Call log"):
        assert internals not in said.stdout + said.stderr and internals not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("message", "words"),
    [
        (
            "Page.goto: net::ERR_CONNECTION_REFUSED at http://user:pw@127.0.0.1:9/x?code=123#t\nCall log:\n  - nav",
            "could not connect to http://127.0.0.1:9/x: connection refused",
        ),
        ("Page.goto: Timeout 30000ms exceeded.\nCall log:\n  - navigating", "the page did not answer within 30 s"),
        ("Locator.click: Timeout 2500ms exceeded.", "the page did not answer within 2.5 s"),
        (
            "Page.reload: net::ERR_ABORTED at https://x.com/home",
            "could not load https://x.com/home: the page load was stopped",
        ),
        (
            "Page.goto: net::ERR_CERT_DATE_INVALID at https://x.com/",
            "could not load https://x.com/: network error cert date invalid",
        ),
        ("Page.reload: Target page, context or browser has been closed", "the page or the browser was closed"),
    ],
)
def test_browser_errors_read_in_plain_words(message: str, words: str) -> None:
    assert first_line(Exception(message)) == words


def test_broken_config_is_one_line_exit_2_and_left_alone(cli: Cli) -> None:
    config = cli.home / "config.json"
    config.write_text('{"accounts": [{"platform": "linkedin"')
    assert "config.json: unreadable config" in one_line_error(cli("check"))
    assert "unreadable config" in one_line_error(add_account(cli, "x", "pw"))
    assert config.read_text() == '{"accounts": [{"platform": "linkedin"'


def test_unwritable_evidence_folder_is_one_line_exit_2(cli: Cli) -> None:
    add(cli, "alice@example.com", "alice-demo-pass")
    assert "cannot write evidence" in one_line_error(cli("check", "--out", "/dev/null/evidence"))


def test_missing_flows_dir_is_one_line_exit_2(cli: Cli, tmp_path: Path) -> None:
    line = one_line_error(cli("platforms", env={"OPTOUT_FLOWS_DIR": str(tmp_path / "nowhere")}))
    assert "cannot list flow files" in line


@pytest.mark.parametrize("username", ["", "  "])
def test_empty_username_is_refused_before_the_keyring(cli: Cli, username: str) -> None:
    done = add_account(cli, username, "pw")
    assert one_line_error(done) == "optout: error: username: empty"


def test_unusable_home_is_refused_before_the_password_is_stored(cli: Cli, tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    done = add_account(cli, "a@example.com", "pw", env={"OPTOUT_HOME": str(not_a_dir / "home")})
    assert "cannot use" in one_line_error(done)
    assert stored_password(cli, "a@example.com") is None
