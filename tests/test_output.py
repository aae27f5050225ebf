"""What a person reads, from the real command line: every table readable at 80 columns and through a
pipe (nothing cut, no "…"), help without Python type tags, `check` showing a setting that is on as the
finding with the command to run next, and `optout doctor`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from optout.cli.app import app
from tests.conftest import FLOWS, Cli, Sandbox
from tests.test_cli import add

# Too wide for any column of an 80-column table, narrow enough for a line of its own.
LONG_NAME = "a.very.long.username.that.would.not.fit.in.a.column@example-domain.example"


def readable_at_80(text: str) -> None:
    # A command to paste sits whole on a line of its own, however long its home path and --origin make it.
    long_lines = [
        line
        for line in text.splitlines()
        if len(line) > 80 and not line.strip().startswith(("optout ", "OPTOUT_HOME="))
    ]
    assert not long_lines, long_lines
    assert "…" not in text


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("columns", ["80", None])  # None: piped, no COLUMNS at all
def test_platforms_at_80_columns_keep_the_url_whole(cli: Cli, columns: str | None) -> None:
    done = cli("platforms", env={"COLUMNS": columns})
    assert done.returncode == 0, done.stderr
    readable_at_80(done.stdout)
    for flow in FLOWS.values():
        for setting in flow.settings:
            assert any(setting.url in line for line in done.stdout.splitlines()), done.stdout


def test_accounts_list_at_80_columns_keeps_names_whole(cli: Cli) -> None:
    add(cli, LONG_NAME, "pw", mapped=False)
    add(cli, "you@example.com", "pw", mapped=False)
    done = cli("accounts", "list", env={"COLUMNS": "80"})
    readable_at_80(done.stdout)
    assert any(LONG_NAME in line for line in done.stdout.splitlines())
    assert "you@example.com" in done.stdout and "stored" in done.stdout


def test_accounts_list_says_when_a_password_is_missing(cli: Cli) -> None:
    add(cli, "you@example.com", "the-password", mapped=False)
    # The keyring entry goes (another tool, a wiped keyring); the config still lists the account.
    wiped = cli.home.parent / "xdg-data" / "python_keyring" / "keyring_pass.cfg"
    wiped.write_text("")
    listed = json.loads(cli("accounts", "list", "--json").stdout)
    assert listed == [
        {
            "platform": "linkedin",
            "username": "you@example.com",
            "locale": None,
            "password_stored": False,
            "totp_stored": False,
        }
    ]
    shown = cli("accounts", "list").stdout
    assert "missing" in shown and "the-password" not in shown


def test_check_shows_a_setting_that_is_on_as_the_finding(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, "alice@example.com", "alice-demo-pass")
    add(cli, "pat@example.com", "pat-demo-pass")  # stops at a PIN checkpoint
    done = cli("check", "--origin", f"linkedin={sandbox.origin()}", "--timeout", "5", env={"COLUMNS": "80"})
    assert done.returncode == 3, done.stderr
    readable_at_80(done.stdout)
    lines = done.stdout.splitlines()
    (alice,) = [line for line in lines if line.startswith(("✓ linkedin alice", "! linkedin alice"))]
    assert alice.startswith("! linkedin alice@example.com: checked") and alice.rstrip().endswith("is ON"), alice
    # Each suggested command carries the run's --origin and home: pasted, it reaches the sandbox again.
    origin = f"--origin linkedin={sandbox.origin()}"
    assert "next: switch it off: OPTOUT_HOME=" in words(done.stdout)
    assert f"optout off linkedin --account alice@example.com {origin}" in words(done.stdout)
    assert "optout check linkedin --account pat@example.com --headed" in words(done.stdout)
    assert "Verified" not in done.stdout and "verified" not in done.stdout
    assert "Next: switch it off: OPTOUT_HOME=" in words(done.stdout)


def test_off_summary_says_what_was_verified(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, "alice@example.com", "alice-demo-pass")
    add(cli, "olivia@example.com", "olivia-demo-pass")
    done = cli("off", "--origin", f"linkedin={sandbox.origin()}", "--timeout", "5", env={"COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    readable_at_80(done.stdout)
    assert "switched_off, Data for Generative AI Improvement is off (verified after a reload)" in words(done.stdout)
    summary = done.stdout.split("optout summary", 1)[1]
    assert re.search(r"Outcome +Verified", summary), summary
    assert re.search(r"alice@example\.com +off +switched_off +yes", summary), summary
    assert re.search(r"olivia@example\.com +off +already_off +—", summary), summary


def test_usernames_are_printed_literally(cli: Cli, sandbox: Sandbox) -> None:
    markup = "[bold red]x[/]@example.com"
    done = cli("accounts", "add", "linkedin", markup, "--password-stdin", "--mapped", input="pw\n")
    assert done.returncode == 0 and f"account {markup};" in done.stderr
    assert markup in cli("accounts", "list").stdout
    checked = cli("check", "--origin", f"linkedin={sandbox.origin()}", "--timeout", "5")
    assert checked.returncode == 3  # no such sandbox account: sign-in rejected
    assert f"linkedin {markup}: failed" in checked.stdout


# -- help -------------------------------------------------------------------------------------------

COMMANDS = [
    [],
    ["platforms"],
    ["check"],
    ["off"],
    ["demo"],
    ["doctor"],
    ["history"],
    ["report"],
    ["export"],
    ["sandbox"],
    ["flows"],
    ["flows", "validate"],
    ["accounts"],
    ["accounts", "add"],
    ["accounts", "list"],
    ["accounts", "remove"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "optout")
def test_help_has_no_type_tags(cli: Cli, command: list[str]) -> None:
    done = cli(*command, "--help", env={"COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    assert not re.search(r"<(bool|str|int|float|list|path|Path)[^>]*>", done.stdout), done.stdout
    assert "{" not in done.stdout and "[x>=" not in done.stdout
    readable_at_80(done.stdout)


def command_paths() -> list[list[str]]:
    """Every command and group under `optout`, walked from the Typer app itself: a command added later is
    checked too."""
    paths: list[list[str]] = []

    def walk(command: Any, path: list[str]) -> None:
        if path:
            paths.append(path)
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return paths


@pytest.mark.parametrize("command", command_paths(), ids=" ".join)
def test_every_command_says_its_exit_status(command: list[str]) -> None:
    done = CliRunner().invoke(app, [*command, "--help"], prog_name="optout", env={"COLUMNS": "100"})
    assert done.exit_code == 0, done.output
    text = words(done.output.replace("│", " "))
    assert re.search(r"Exit status: 0 [^.]+[,;] (1|2|3) ", text), text  # 0, then at least one failure code


def test_demo_help_reads_as_sentences(cli: Cli) -> None:
    text = words(cli("demo", "--help", env={"COLUMNS": "80"}).stdout)
    assert "Exit status: 0 when every sandbox account behaved as it is designed to (its designed failures" in text


def test_accounts_add_usage_names_its_arguments_like_the_others(cli: Cli) -> None:
    assert "Usage: optout accounts add [OPTIONS] PLATFORM USERNAME" in cli("accounts", "add", "--help").stdout
    assert "Usage: optout check [OPTIONS] [PLATFORM]..." in cli("check", "--help").stdout


def test_usage_errors_are_one_line(cli: Cli) -> None:
    for args, words_ in [
        (["check", "--bogus"], "No such option: --bogus"),
        (["chek"], "No such command 'chek'"),
        (["check", "--timeout", "soon"], "Invalid value for '--timeout'"),
    ]:
        done = cli(*args)
        assert done.returncode == 2
        (line,) = done.stderr.strip().splitlines()
        assert line.startswith("optout: error: ") and words_ in line, line


# -- doctor ----------------------------------------------------------------------------------------


def test_doctor_at_80_columns(cli: Cli) -> None:
    done = cli("doctor", env={"COLUMNS": "80", "DISPLAY": None, "WAYLAND_DISPLAY": None})
    assert done.returncode == 0, done.stderr
    readable_at_80(done.stdout)
    text = words(done.stdout)
    for topic in ("keyring: ok", "browser: ok", "display: note", "home: ok", "flows: ok"):
        assert topic in [" ".join(line.split()) for line in done.stdout.splitlines()]
    assert "keyrings.alt.file.PlaintextKeyring (an unencrypted file:" in text
    assert "chosen by PYTHON_KEYRING_BACKEND" in text
    # A path longer than the line is folded: compare without the folds.
    assert f"config:{cli.home / 'config.json'}" in "".join(done.stdout.split())
    # The command as this optout is started (optout, ./run.sh optout, or its full path), never cut.
    advice = [line.strip() for line in done.stdout.splitlines() if "xvfb-run -a " in line]
    assert len(advice) == 1 and re.fullmatch(r"xvfb-run -a (\S+ -m )?\S*optout check --headed", advice[0]), advice
    assert done.stdout.rstrip().endswith("Ready.")


def test_doctor_json_and_its_problems(cli: Cli) -> None:
    report = json.loads(cli("doctor", "--json", env={"DISPLAY": ":0"}).stdout)
    assert report["ready"] is True and report["problems"] == []
    assert report["keyring"]["backend"] == "keyrings.alt.file.PlaintextKeyring"
    assert report["keyring"]["encrypted"] is False
    # No password stored yet: the home's keyring id does not exist, and doctor does not make one.
    assert report["keyring"]["service"].startswith("optout:<")
    assert not (cli.home / "keyring-scope").exists()
    assert report["display"] == {"status": "ok", "available": True}
    assert report["browser"]["executable"] and report["flows"]["platforms"] == sorted(FLOWS)
    # A run without a window may use a headless shell; --headed and a profile always the whole browser
    # (None where only a shell is installed).
    headed = report["browser"]["headed_executable"]
    assert headed is None or "headless" not in headed
    add(cli, "you@example.com", "pw")
    service = (cli.home / "keyring-scope").read_text().strip()
    assert json.loads(cli("doctor", "--json").stdout)["keyring"]["service"] == f"optout:{service}"

    broken: subprocess.CompletedProcess[str] = cli(
        "doctor", env={"PYTHON_KEYRING_BACKEND": "nowhere.Keyring", "OPTOUT_BROWSER": "/nonexistent/chrome"}
    )
    assert broken.returncode == 2
    assert broken.stderr.splitlines() == [
        "optout: doctor: keyring: PYTHON_KEYRING_BACKEND names the keyring backend 'nowhere.Keyring', which "
        "cannot be used here: No module named 'nowhere'",
        "optout: doctor: browser: OPTOUT_BROWSER=/nonexistent/chrome is not a file",
    ]
    assert broken.stdout.rstrip().endswith("Not ready: fix what is marked PROBLEM.")


# -- streams: results on stdout, progress and errors on stderr --------------------------------------


def test_results_go_to_stdout_and_commands_stay_whole_in_a_pipe(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, "alice@example.com", "alice-demo-pass")
    add(cli, "pat@example.com", "pat-demo-pass")  # stops at a PIN checkpoint: a long `next:` hint
    done = cli("check", "--origin", f"linkedin={sandbox.origin()}", "--timeout", "5", env={"COLUMNS": "80"})
    assert done.returncode == 3, done.stdout + done.stderr
    lines = [line.strip() for line in done.stdout.splitlines()]
    assert any(line.startswith("! linkedin alice@example.com: checked") for line in lines), done.stdout
    assert any(line.startswith("! linkedin pat@example.com: needs_attention") for line in lines), done.stdout
    assert "optout summary" in done.stdout and "Evidence:" in done.stdout
    # Each command a person may paste is on one line of its own, whole, though wider than it fits beside
    # its words at 80 columns.
    headed = "optout check linkedin --account pat@example.com --headed"
    whole = [line for line in lines if line.startswith(("optout ", "OPTOUT_HOME=")) and headed in line]
    assert len(whole) == 2, done.stdout  # the result's `next:` and the summary's `Next:`
    assert "next: complete it yourself in the browser window:" in lines
    assert "Next: complete it yourself in the browser window:" in lines
    readable_at_80(done.stdout)
    # stderr: progress and errors only, never a result.
    assert "alice@example.com" not in done.stderr and "summary" not in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("closed", "json_"),
    [("stdout", False), ("stdout and stderr", False), ("stdout", True)],
    ids=["check | head", "check 2>&1 | head", "check --json | head"],
)
def test_a_reader_that_closes_the_pipe_early_leaves_a_sealed_run(
    cli: Cli, sandbox: Sandbox, closed: str, json_: bool
) -> None:
    """`optout check | head -1`, with a reader gone before the first line, so that every write to the pipe
    fails. The run still finishes, is sealed and exits with its own status (0: the setting is off), quietly."""
    add(cli, "olivia@example.com", "olivia-demo-pass")
    read, write = os.pipe()
    os.close(read)
    argv = ["check", "--origin", f"linkedin={sandbox.origin()}", *(["--json"] if json_ else [])]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "optout", *argv],
            stdout=write,
            stderr=write if "stderr" in closed else subprocess.PIPE,
            text=True,
            env=cli.environ(),
            cwd=cli.home,
            timeout=180,
        )
    finally:
        os.close(write)
    assert done.returncode == 0, done.stderr
    assert not done.stderr, done.stderr  # no traceback, no "Exception ignored"
    verified = cli("verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "not sealed" not in verified.stdout and "Verified: 1 run(s)" in verified.stdout, verified.stdout
    (line,) = json.loads(cli("history", "--json").stdout)
    assert [(e["state"], e["outcome"]) for e in line["entries"]] == [("off", "checked")]
