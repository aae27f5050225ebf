"""`optout recheck`: drift found after the sandbox turns a setting back on (exit 4, evidence, history),
`--fix`, one re-check at a time, no second try of a refused password, alerts, and a keyring the
scheduler's environment cannot use."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from optout.paths import Home
from optout.recheck.drift import one_at_a_time
from tests.conftest import Cli, Sandbox
from tests.test_cli import add

KEY = "allowDataForGenerativeAI"


def origin(sandbox: Sandbox) -> str:
    return f"linkedin={sandbox.origin()}"


def script(path: Path, body: str) -> Path:
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def alert_catchers(cli: Cli, tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """An on_alert hook and a notify-send that write down what they got: the files they write, and the
    environment of a desktop where that notify-send is found."""
    received = tmp_path / "alert.json"
    hook = script(tmp_path / "hook", f"import sys; open({str(received)!r}, 'w').write(sys.stdin.read())\n")
    shown = tmp_path / "notified.txt"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script(bin_dir / "notify-send", f"import sys; open({str(shown)!r}, 'w').write(repr(sys.argv[1:]))\n")
    config = json.loads((cli.home / "config.json").read_text())
    (cli.home / "config.json").write_text(json.dumps({**config, "on_alert": [str(hook)]}))
    return received, shown, {"PATH": f"{bin_dir}:{os.environ['PATH']}", "DISPLAY": ":99"}


@pytest.mark.slow
def test_drift_is_found_listed_first_alerted_and_fixed(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    add(cli, "alice@example.com", "alice-demo-pass")
    add(cli, "olivia@example.com", "olivia-demo-pass")
    assert cli("off", "--origin", origin(sandbox), "--out", "ev").returncode == 0
    assert sandbox.account("alice@example.com")["settings"][KEY] is False

    # The hook and a desktop: both get the alert.
    received, shown, desktop = alert_catchers(cli, tmp_path)

    quiet = cli("recheck", "--origin", origin(sandbox), "--json", env=desktop)
    assert quiet.returncode == 0, quiet.stderr
    assert not received.exists() and not shown.exists()  # nothing to say

    sandbox.platform_sets("alice@example.com", KEY, True)  # the platform turns it back on by itself
    found = cli("recheck", "--origin", origin(sandbox), "--json", env=desktop)
    assert found.returncode == 4, found.stderr
    first, second = json.loads(found.stdout)
    assert (first["account"], first["state"], first["drift"], first["label"]) == (
        "alice@example.com", "on", True, "silent_revert",
    )  # fmt: skip
    assert first["reason"].startswith("was off on ") and first["evidence"]
    # Named as the dark pattern it is, with its evidence (the JSON carries the friction too).
    # Not "default_on": the history shows the person chose off.
    assert [p["name"] for p in first["dark_patterns"]] == ["silent_revert"]
    revert = first["dark_patterns"][0]
    assert revert["evidence"]["text"].startswith("recorded off on ") and any("Sneaking" in r for r in revert["refs"])
    assert first["friction"]["first_state"] == "on" and first["friction"]["depth"] == 1
    assert second["dark_patterns"] == []
    assert all(Path(e["path"]).is_absolute() or (cli.home / e["path"]).exists() for e in first["evidence"])
    assert (second["account"], second["drift"], second["label"]) == ("olivia@example.com", False, None)
    assert sandbox.account("alice@example.com")["settings"][KEY] is True  # recheck changes nothing
    # Evidence in the home by default; history holds the drift.
    assert list((cli.home / "evidence").glob("run-*-recheck/manifest.json"))
    with sqlite3.connect(cli.home / "history.db") as db:
        rows = db.execute("SELECT account, state, drift, label FROM results WHERE drift = 1").fetchall()
    assert rows == [("alice@example.com", "on", 1, "silent_revert")]
    alerted = json.loads(received.read_text())
    assert [r["account"] for r in alerted if r["drift"]] == ["alice@example.com"]
    assert "alice@example.com" in shown.read_text() and "switched back on" in shown.read_text()

    fixed = cli("recheck", "--origin", origin(sandbox), "--fix", "--json")
    assert fixed.returncode == 4, fixed.stderr
    first = json.loads(fixed.stdout)[0]
    assert (first["outcome"], first["state"], first["verified"], first["drift"]) == ("switched_off", "off", True, True)
    assert sandbox.account("alice@example.com")["settings"][KEY] is False

    calm = cli("recheck", "--origin", origin(sandbox))
    assert calm.returncode == 0, calm.stderr


def test_a_second_recheck_at_once_stops_with_a_message(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, "alice@example.com", "alice-demo-pass")
    with one_at_a_time(Home(config_dir=cli.home, data_dir=cli.home, scoped=True)):
        busy = cli("recheck", "--origin", origin(sandbox))
    assert busy.returncode == 3
    (line,) = busy.stderr.strip().splitlines()
    assert "another optout recheck is running" in line and f"pid {os.getpid()}" in line
    assert sandbox.account("alice@example.com")["signins"] == 0


def test_a_refused_password_is_not_tried_again_until_a_person_acts(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, "alice@example.com", "not-her-password")
    first = cli("recheck", "--origin", origin(sandbox), "--json")
    assert first.returncode == 3, first.stderr
    (result,) = json.loads(first.stdout)
    assert (result["outcome"], result["label"]) == ("failed", "sign_in_rejected")
    again = cli("recheck", "--origin", origin(sandbox), "--json")
    (result,) = json.loads(again.stdout)
    assert again.returncode == 3 and result["outcome"] == "needs_attention"
    assert "not tried again unattended" in result["reason"] and "optout check linkedin" in result["reason"]
    assert sandbox.account("alice@example.com")["password_submissions"] == 1  # no second try: no lockout
    add(cli, "alice@example.com", "alice-demo-pass")  # a person updates the password
    fine = cli("recheck", "--origin", origin(sandbox), "--json")
    assert fine.returncode == 0 or fine.returncode == 1, fine.stderr
    assert json.loads(fine.stdout)[0]["outcome"] == "checked"
    assert sandbox.account("alice@example.com")["password_submissions"] == 2


def held_accounts(cli: Cli) -> list[tuple[str, str]]:
    with contextlib.closing(sqlite3.connect(cli.home / "history.db")) as db:
        return db.execute("SELECT platform, account FROM sign_in_holds").fetchall()


def test_a_sign_in_stopped_at_a_code_page_is_not_tried_again_until_a_person_acts(cli: Cli, sandbox: Sandbox) -> None:
    pat = "pat@example.com"  # the sandbox's e-mail PIN checkpoint after a good password
    add(cli, pat, "pat-demo-pass")
    first = cli("recheck", "--origin", origin(sandbox), "--json")
    assert first.returncode == 3, first.stderr
    (result,) = json.loads(first.stdout)
    assert (result["outcome"], result["label"]) == ("needs_attention", "sign_in_code")
    assert sandbox.account(pat)["password_submissions"] == 1
    assert held_accounts(cli) == [("linkedin", pat)]

    again = cli("recheck", "--origin", origin(sandbox), "--json")
    assert again.returncode == 3, again.stderr
    (result,) = json.loads(again.stdout)
    day = result["finished_at"][:10]
    assert (result["outcome"], result["label"]) == ("needs_attention", "sign_in_code")
    assert result["reason"] == (
        f"held: the last sign-in stopped at a verification code page on {day}; "
        f"run optout check linkedin --account {pat} --origin {origin(sandbox)} "
        f"or optout login linkedin --account {pat} --origin {origin(sandbox)}"
    )
    assert sandbox.account(pat)["password_submissions"] == 1  # no code sent to the person again

    # The person's own check (here unattended: nobody types the PIN) releases the hold.
    mine = cli("check", "linkedin", "--account", pat, "--origin", origin(sandbox), "--json")
    assert mine.returncode == 3, mine.stderr
    assert sandbox.account(pat)["password_submissions"] == 2
    assert held_accounts(cli) == []
    third = cli("recheck", "--origin", origin(sandbox), "--json")
    assert json.loads(third.stdout)[0]["label"] == "sign_in_code"
    assert sandbox.account(pat)["password_submissions"] == 3


def test_no_keyring_in_the_schedulers_environment_needs_a_person(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, "alice@example.com", "alice-demo-pass")
    bare = cli(
        "recheck",
        "--origin",
        origin(sandbox),
        "--json",
        env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    )
    assert bare.returncode == 3, bare.stderr
    (result,) = json.loads(bare.stdout)
    assert result["outcome"] == "needs_attention" and "optout doctor" in result["reason"]
    assert "Traceback" not in bare.stderr


@pytest.mark.slow
def test_a_refused_password_is_held_even_when_the_recheck_is_killed_before_its_end(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, "alice@example.com", "not-her-password")  # refused, and first in line
    for username in ("camille@example.fr", "olivia@example.com", "mo@example.com"):
        add(cli, username, username.split("@")[0] + "-demo-pass")
    db = cli.home / "history.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "optout", "recheck", "--origin", origin(sandbox), "--json"],
        env=cli.environ(), cwd=cli.home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not db.exists():
            time.sleep(0.05)
        while time.monotonic() < deadline:
            # Not migrated yet: OperationalError.
            with contextlib.suppress(sqlite3.OperationalError), contextlib.closing(sqlite3.connect(db)) as con:
                if con.execute("SELECT count(*) FROM results WHERE label = 'sign_in_rejected'").fetchone()[0]:
                    break
            time.sleep(0.05)
        else:
            raise AssertionError("no refused sign-in recorded in time")
    finally:
        # As a scheduler's timeout or a power cut would: nothing more is written.
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert sandbox.account("alice@example.com")["password_submissions"] == 1
    again = cli("recheck", "--origin", origin(sandbox), "--account", "alice@example.com", "--json")
    (result,) = json.loads(again.stdout)
    assert result["outcome"] == "needs_attention" and "not tried again unattended" in result["reason"]
    assert sandbox.account("alice@example.com")["password_submissions"] == 1  # no second try: no lockout


class SilentServer:
    """A server on loopback that accepts connections and never answers: a platform whose page hangs."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                self.accepted.append(self.listener.accept()[0])  # kept open, never read nor answered

    def close(self) -> None:
        for connection in [*self.accepted, self.listener]:
            connection.close()


def test_one_accounts_page_timing_out_is_recorded_and_the_others_continue(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, "xavier@example.com", "xavier-demo-pass", platform="x")  # first in line, and its pages hang
    add(cli, "alice@example.com", "alice-demo-pass")
    silent = SilentServer()
    try:
        done = cli("recheck", "--origin", origin(sandbox), "--origin", f"x={silent.url}", "--json", "--timeout", "5")
    finally:
        silent.close()
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    results = {r["platform"]: r for r in json.loads(done.stdout)}
    assert results["x"]["outcome"] == "failed" and results["x"]["reason"], results["x"]
    assert (results["linkedin"]["outcome"], results["linkedin"]["state"]) == ("checked", "on")
    assert silent.accepted, "the hanging server was never asked"
    with sqlite3.connect(cli.home / "history.db") as db:
        rows = dict(db.execute("SELECT platform, outcome FROM results").fetchall())
    assert rows == {"x": "failed", "linkedin": "checked"}


def test_a_recheck_that_cannot_run_at_all_alerts_too(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    # Scheduled, nobody reads the exit status: the person's browser gone (--cdp answering nothing) is
    # told like any other problem.
    add(cli, "alice@example.com", "alice-demo-pass")
    received, shown, desktop = alert_catchers(cli, tmp_path)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    done = cli("recheck", "--account", "alice@example.com", "--cdp", f"http://127.0.0.1:{port}", env=desktop)
    assert done.returncode == 2, done.stderr
    assert "no browser answers at --cdp" in done.stderr and "Traceback" not in done.stderr
    assert "the re-check stopped: no browser answers at --cdp" in shown.read_text()
    assert json.loads(received.read_text()) == []
    assert sandbox.account("alice@example.com")["signins"] == 0
