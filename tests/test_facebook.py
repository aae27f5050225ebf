"""Facebook's objection form through the real command line against the sandbox: a request, not a switch
(docs/flows.md). What the sandbox's server recorded proves what was sent: nothing by `check`, by `off`
unasked or by `recheck`; exactly one form by `off --submit-objection`, with the prefilled e-mail and the
reason given; nothing again once one is on record."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Cli, Sandbox
from tests.test_cli import add, one_line_error

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
