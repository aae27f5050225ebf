"""Instagram's objection form (help.instagram.com) through the real command line against the sandbox: the
sign-in on www.instagram.com (its cookie dialog, "Save your login info?" answered "Not now") opens the
form on the other host, and `off --submit-objection` sends it once, with the prefilled e-mail."""

from __future__ import annotations

import json

from tests.conftest import Cli, Sandbox
from tests.test_cli import add
from tests.test_facebook import submissions

NORA = "nora.photos"


def test_the_form_on_the_help_host_is_sent_once(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, NORA, "nora-demo-pass", "instagram")
    origin = ["--origin", f"instagram={sandbox.origin('instagram')}", "--json", "--timeout", "5"]
    checked = cli("check", "instagram", *origin)
    assert checked.returncode == 1, checked.stderr
    assert json.loads(checked.stdout)[0]["label"] == "objection_not_sent"
    sent = cli("off", "instagram", *origin, "--submit-objection")
    assert sent.returncode == 0, sent.stderr
    (result,) = json.loads(sent.stdout)
    assert (result["outcome"], result["state"]) == ("requested", "off")
    assert result["url"].startswith("https://help.instagram.com/contact/767264225370182")
    assert submissions(sandbox, NORA, "instagram") == [{"email": "nora.photos@example.com", "reason": ""}]
    account = sandbox.account(NORA, "instagram")
    assert account["password_submissions"] == 1  # one sign-in, its session reused on the help host
