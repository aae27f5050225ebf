"""Facebook's objection form through the real command line against the sandbox: a request, not a switch
(docs/flows.md). What the sandbox's server recorded proves what was sent: nothing by `check`, by `off`
unasked or by `recheck`; exactly one form by `off --submit-objection`, with the prefilled e-mail and the
reason given; nothing again once one is on record."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import Cli, Sandbox
from tests.test_cli import add, one_line_error
from tests.test_interrupted import descendants, is_chromium

NORA, PASSWORD = "nora@example.com", "nora-demo-pass"
REASON = "I object to my posts and photos being used to train AI models."


def submissions(sandbox: Sandbox, username: str, platform: str = "facebook") -> list[dict[str, str]]:
    return [s["fields"] for s in sandbox.account(username, platform)["submissions"]]


def files_of(cli: Cli) -> list[Path]:
    return [p for p in cli.home.rglob("*") if p.is_file()]


def test_the_form_is_sent_once_only_when_asked_and_then_is_on_record(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, NORA, PASSWORD, "facebook")
    origin = ["--origin", f"facebook={sandbox.origin('facebook')}", "--json", "--timeout", "5"]

    checked = cli("check", "facebook", *origin)
    assert checked.returncode == 1, checked.stderr
    (result,) = json.loads(checked.stdout)
    assert (result["outcome"], result["state"], result["verified"]) == ("checked", "on", False)
    assert result["label"] == "objection_not_sent"
    assert "https://www.facebook.com/help/contact/712876720715583" in result["reason"]
    assert "--submit-objection" in result["reason"]

    unasked = cli("off", "facebook", *origin)
    assert unasked.returncode == 3, unasked.stderr
    (result,) = json.loads(unasked.stdout)
    assert (result["outcome"], result["state"]) == ("needs_attention", "on")
    assert submissions(sandbox, NORA) == []

    sent = cli("off", "facebook", *origin, "--submit-objection", "--objection-reason", REASON)
    assert sent.returncode == 0, json.loads(sent.stdout)[0]["reason"]
    (result,) = json.loads(sent.stdout)
    assert (result["outcome"], result["state"], result["verified"], result["label"]) == (
        "requested",
        "off",
        False,
        "objection_sent",
    )
    assert submissions(sandbox, NORA) == [{"email": NORA, "reason": REASON}]
    shots = [e["path"] for e in result["evidence"]]
    assert any(p.endswith("filled-form.png") for p in shots) and any(p.endswith("after-sending.png") for p in shots)

    # The page looks as before: the history is the record, and nothing is sent again.
    again = cli("check", "facebook", *origin)
    assert again.returncode == 0, again.stderr
    (result,) = json.loads(again.stdout)
    assert (result["state"], result["label"]) == ("off", "objection_sent") and result["verified"] is False
    twice = cli("off", "facebook", *origin, "--submit-objection")
    assert twice.returncode == 0 and json.loads(twice.stdout)[0]["outcome"] == "already_off"
    rechecked = cli("recheck", "--origin", f"facebook={sandbox.origin('facebook')}", "--json")
    assert rechecked.returncode == 0, rechecked.stderr
    assert [r["drift"] for r in json.loads(rechecked.stdout)] == [False]
    assert len(submissions(sandbox, NORA)) == 1
    # The password appears in no file optout wrote.
    assert not [p for p in files_of(cli) if PASSWORD.encode() in p.read_bytes()]


def test_a_recheck_never_sends_the_form(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, NORA, PASSWORD, "facebook")
    rechecked = cli("recheck", "--origin", f"facebook={sandbox.origin('facebook')}", "--fix", "--json")
    (result,) = json.loads(rechecked.stdout)
    assert (result["state"], result["label"], result["drift"]) == ("on", "objection_not_sent", False)
    assert rechecked.returncode == 1, rechecked.stderr
    assert submissions(sandbox, NORA) == []


def test_a_reason_without_sending_or_an_empty_one_is_one_line(cli: Cli) -> None:
    alone = cli("off", "facebook", "--objection-reason", "no")
    assert "--objection-reason goes with --submit-objection" in one_line_error(alone)
    empty = cli("off", "facebook", "--submit-objection", "--objection-reason", "  ")
    assert "--objection-reason: give 1 to 2000 characters" in one_line_error(empty)


@pytest.mark.slow
def test_a_browser_killed_as_the_form_is_sent_leaves_it_on_record_and_it_is_never_sent_again(
    cli: Cli, sandbox: Sandbox
) -> None:
    """The sandbox holds the form's answer: the browser dies with the send in flight. The platform has the
    objection; optout's record must say it may have gone, and no later run may send it again."""
    add(cli, NORA, PASSWORD, "facebook")
    origin = ["--origin", f"facebook={sandbox.origin('facebook')}", "--json", "--timeout", "5"]
    sandbox.hold_writes(True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "optout", "off", "facebook", *origin, "--submit-objection"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli.environ(),
        cwd=cli.home,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not submissions(sandbox, NORA):
            assert proc.poll() is None and time.monotonic() < deadline, "the form was not sent"
            time.sleep(0.05)
        for pid in [p for p in descendants(proc.pid) if is_chromium(p)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        sandbox.hold_writes(False)
    assert proc.returncode == 3
    checked = cli("check", "facebook", *origin)
    (result,) = json.loads(checked.stdout)
    assert (result["outcome"], result["label"]) == ("needs_attention", "objection_maybe_sent"), result["reason"]
    again = cli("off", "facebook", *origin, "--submit-objection")
    assert json.loads(again.stdout)[0]["label"] == "objection_maybe_sent"
    assert len(submissions(sandbox, NORA)) == 1
