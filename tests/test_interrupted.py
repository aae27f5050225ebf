"""Runs that cannot go on: the browser killed under optout, and a disk that fills up while evidence is
written. Either way the real command line stops at once with one clear line and exit 3, and what it
had written stays whole: every file the manifest lists is there with the hash it gives."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest

from optout.evidence.manifest import sha256_of
from tests.conftest import Cli, Sandbox, as_a_terminal_s_job
from tests.test_cli import add

ACCOUNTS = ["alice@example.com", "camille@example.fr", "olivia@example.com", "mo@example.com"]


def add_accounts(cli: Cli) -> None:
    for username in ACCOUNTS:
        add(cli, username, username.split("@")[0] + "-demo-pass")


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, read from /proc (the browser is a grandchild: optout, Playwright's
    driver, then Chromium and its helpers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def is_chromium(pid: int) -> bool:
    try:
        return "chrom" in Path(f"/proc/{pid}/comm").read_text()
    except OSError:
        return False


def read_until(stream: IO[str], wanted: Callable[[str], bool], seen: list[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            raise AssertionError("the command ended early:\n" + "".join(seen))
        seen.append(line)
        if wanted(line):
            return
    raise AssertionError("timed out:\n" + "".join(seen))


def check_evidence_whole(run_dir: Path) -> dict[str, object]:
    """The manifest parses, lists exactly the screenshots on disk, each with its hash; nothing is left
    half-written (no empty file, no temporary file)."""
    manifest: dict[str, object] = json.loads((run_dir / "manifest.json").read_text())
    files = manifest["files"]
    assert isinstance(files, list)
    for item in files:
        assert sha256_of(run_dir / item["path"]) == item["sha256"], item
    on_disk = sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob("*") if p.is_file())
    signature = ["manifest.sig"] if (run_dir / "manifest.sig").exists() else []
    # A run's own signatures of its manifest as it went: removed once it is sealed.
    sealed = manifest.get("previous") is not None or manifest.get("signing_key") is not None
    progress = ["manifest.progress"] if (run_dir / "manifest.progress").exists() and not sealed else []
    assert on_disk == sorted(["manifest.json", *signature, *progress, *(item["path"] for item in files)])
    assert all((run_dir / p).stat().st_size > 0 for p in on_disk)
    return manifest


@pytest.mark.slow
def test_browser_killed_mid_run_stops_at_once_with_one_reason(cli: Cli, sandbox: Sandbox) -> None:
    # Killed outright (Ctrl-C never reaches the browser: it runs in a process group of its own).
    add_accounts(cli)
    proc = subprocess.Popen(
        [sys.executable, "-m", "optout", "check", "--origin", f"linkedin={sandbox.origin()}", "--out", "ev", "-j", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli.environ(),
        cwd=cli.home,
    )
    seen: list[str] = []
    try:
        assert proc.stdout is not None
        read_until(proc.stdout, lambda line: "alice@example.com" in line, seen)  # alice's result
        browser = [pid for pid in descendants(proc.pid) if is_chromium(pid)]
        assert browser, "no Chromium below optout"
        for pid in browser:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        started = time.monotonic()
        rest, stderr = proc.communicate(timeout=60)
        stopped_in = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 3, stderr
    assert stopped_in < 15, stopped_in  # at once: not a timeout per remaining account
    assert "Future exception was never retrieved" not in stderr and "Traceback" not in stderr
    # At most the settings that were running when the browser died (two accounts at once: -j 2), then the
    # one line that says why.
    results_after = [line for line in rest.splitlines() if line.startswith(("✓", "✗", "!"))]
    assert len(results_after) <= 2, rest
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("optout: stopped: the browser closed unexpectedly"), rest
    assert "setting(s) not run; what was recorded is in ev/run-" in last  # relative to where it ran
    (run_dir,) = (cli.home / "ev").iterdir()
    manifest = check_evidence_whole(run_dir)
    assert "the browser closed unexpectedly" in str(manifest["interrupted"]) and manifest["finished_at"]
    results = manifest["results"]
    assert isinstance(results, list) and results[0]["outcome"] == "checked" and len(results) < len(ACCOUNTS)


@pytest.mark.slow
def test_ctrl_c_stops_the_run_and_the_manifest_says_so(cli: Cli, sandbox: Sandbox) -> None:
    """Ctrl-C on a terminal reaches the whole foreground process group: optout and the driver (which
    leaves it to optout); Chromium runs in a process group of its own."""
    add_accounts(cli)
    proc = subprocess.Popen(
        [sys.executable, "-m", "optout", "check", "--origin", f"linkedin={sandbox.origin()}", "--out", "ev"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli.environ(),
        cwd=cli.home,
        start_new_session=True,
        preexec_fn=as_a_terminal_s_job,
    )
    seen: list[str] = []
    try:
        assert proc.stdout is not None
        read_until(proc.stdout, lambda line: "alice@example.com" in line, seen)  # alice's result
        os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "Future exception was never retrieved" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("optout: interrupted; what was recorded so far is in ev/run-")
    (run_dir,) = (cli.home / "ev").iterdir()
    manifest = check_evidence_whole(run_dir)
    assert manifest["interrupted"] == "interrupted (Ctrl-C)" and manifest["finished_at"]


# -- interrupted just after the click -------------------------------------------------------------

AI_KEY = "allowDataForGenerativeAI"  # the LinkedIn sandbox's key for the setting


def results_rows(home: Path) -> list[dict[str, object]]:
    """The history's result rows, read as another program would (read-only, beside a running run)."""
    with contextlib.closing(sqlite3.connect(f"file:{home / 'history.db'}?mode=ro", uri=True)) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM results ORDER BY id")]


def wait_for_write(sandbox: Sandbox, username: str, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    """Until the sandbox has received the setting's write (the click landed): polled, the run still going."""
    deadline = time.monotonic() + timeout
    while not sandbox.account(username)["writes"]:
        assert proc.poll() is None, "the run ended before its click"
        assert time.monotonic() < deadline, "no write within the time"
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm", "killed"])
def test_a_run_interrupted_just_after_the_click_records_the_click(cli: Cli, sandbox: Sandbox, how: str) -> None:
    """The write is held open by the sandbox: the run is waiting for the page to confirm its click when
    the signal comes. Ctrl-C reaches the whole process group, SIGTERM (a service manager) optout alone;
    a killed run leaves only what was written before the click."""
    user = "alice@example.com"
    add(cli, user, "alice-demo-pass")
    sandbox.hold_writes(True)
    origin = f"linkedin={sandbox.origin()}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "optout", "off", "linkedin", "--origin", origin, "--out", "ev", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli.environ(),
        cwd=cli.home,
        start_new_session=True,
        preexec_fn=as_a_terminal_s_job,
    )
    try:
        wait_for_write(sandbox, user, proc)
        # Written before the click: the history already tells that it was being made.
        (attempted,) = results_rows(cli.home)
        assert (attempted["account"], attempted["state"], attempted["outcome"]) == (user, "unknown", "failed")
        assert attempted["label"] == "click_unverified" and not attempted["verified"]
        assert "not verified" in str(attempted["reason"])
        if how == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)
        elif how == "sigterm":
            os.kill(proc.pid, signal.SIGTERM)
        else:
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        sandbox.hold_writes(False)
    # The platform has it off: optout's records must say that it clicked.
    assert sandbox.account(user)["settings"][AI_KEY] is False
    (run_dir,) = (cli.home / "ev").iterdir()
    if how == "killed":
        assert proc.returncode == -signal.SIGKILL
        (row,) = results_rows(cli.home)
        assert row == attempted
        (recorded,) = json.loads((run_dir / "manifest.json").read_text())["results"]
        assert (recorded["label"], recorded["reason"]) == ("click_unverified", attempted["reason"])
        return
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    (result,) = json.loads(out)
    assert result["account"] == user and result["setting"] == "generative-ai-training"
    assert (result["state"], result["outcome"], result["verified"]) == ("unknown", "failed", False)
    assert result["label"] == "click_unverified"
    assert result["reason"].startswith("interrupted after clicking the ") and "not verified" in result["reason"]
    # One row for it in the history, the same; the run sealed, marked interrupted.
    (row,) = results_rows(cli.home)
    assert (row["label"], row["reason"], row["state"], row["outcome"]) == (
        "click_unverified",
        result["reason"],
        "unknown",
        "failed",
    )
    why = "interrupted (Ctrl-C)" if how == "ctrl-c" else "interrupted (SIGTERM)"
    manifest = check_evidence_whole(run_dir)
    assert manifest["interrupted"] == why and manifest["previous"] is None
    results = manifest["results"]
    assert isinstance(results, list)
    assert [(r["reason"], r["label"]) for r in results] == [(result["reason"], "click_unverified")]
    with contextlib.closing(sqlite3.connect(f"file:{cli.home / 'history.db'}?mode=ro", uri=True)) as db:
        ((seq, interrupted),) = db.execute("SELECT seq, interrupted FROM runs").fetchall()
    assert seq == 1 and interrupted == why


# -- a full disk ----------------------------------------------------------------------------------


def can_mount_tmpfs(where: Path) -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", 'mount -t tmpfs -o size=1m optout-probe "$1"', "sh", str(where)],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


# sh -c script: $1 the mount point, $2 where to copy what it holds once the command ($3...) has ended
# (the mount is gone with its namespace).
MOUNT_AND_RUN = (
    'disk=$1 copy=$2; shift 2; mount -t tmpfs -o size=16m optout-test "$disk" || exit 97; '
    '"$@"; code=$?; rm -f "$disk/filler"; cp -a "$disk/." "$copy/"; exit $code'
)


def fill(folder: Path) -> None:
    """Write zeros until the file system refuses."""
    chunk = b"\0" * (1 << 20)
    with open(folder / "filler", "wb", buffering=0) as out:
        try:
            while True:
                out.write(chunk)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    with open(folder / "filler", "ab", buffering=0) as out:  # the last partial page, too
        try:
            while True:
                out.write(b"\0" * 512)
        except OSError:
            pass


@pytest.mark.slow
def test_full_disk_stops_with_one_line_and_keeps_what_was_written(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    """The disk fills up after the first account's evidence is written.

    Preferred: a real full file system (ENOSPC), a small tmpfs mounted in a private mount namespace
    (`unshare -m`, so nothing outside this test sees it), filled from outside through /proc/PID/root
    once the first result is in. That needs root, which CI has (it runs as root on this kind of
    machine). Without it, the fallback is the per-process file size limit (RLIMIT_FSIZE, EFBIG) set on
    the running optout process once its browser has started: the browser itself must not inherit it.
    Python ignores SIGXFSZ, so the write fails instead of killing the process."""
    add_accounts(cli)
    disk = tmp_path / "disk"
    disk.mkdir()
    copy = tmp_path / "copy"
    copy.mkdir()
    optout = [sys.executable, "-m", "optout", "check", "--origin", f"linkedin={sandbox.origin()}", "--out", str(disk)]
    tmpfs = can_mount_tmpfs(disk)
    argv = ["unshare", "-m", "sh", "-c", MOUNT_AND_RUN, "sh", str(disk), str(copy), *optout] if tmpfs else optout
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli.environ(), cwd=cli.home
    )
    seen: list[str] = []
    try:
        assert proc.stdout is not None
        read_until(proc.stdout, lambda line: "alice@example.com" in line, seen)  # alice's result
        if tmpfs:
            fill(Path(f"/proc/{proc.pid}/root") / str(disk).lstrip("/"))
        else:
            resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (1, 1))
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 3, stderr
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    why = "No space left on device" if tmpfs else "File too large"
    assert last.startswith(f"optout: stopped: the disk is full: cannot write evidence under {disk}/run-"), last
    assert f"({why}); " in last and "setting(s) not run" in last
    (run_dir,) = (copy if tmpfs else disk).iterdir()
    manifest = check_evidence_whole(run_dir)
    results = manifest["results"]
    files = manifest["files"]
    assert isinstance(results, list) and isinstance(files, list)
    assert results[0]["account"] == "alice@example.com" and results[0]["outcome"] == "checked"
    assert any(f["account"] == "alice@example.com" for f in files)


@pytest.mark.parametrize("value", ["inf", "1e9", "nan", "0", "-5"])
def test_timeout_is_bounded(cli: Cli, value: str) -> None:
    done = cli("check", "--timeout", value)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"optout: error: --timeout must be a number of seconds from 1 to 600, not {float(value):g}"
    ]
