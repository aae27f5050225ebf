"""The scan on every platform's sandbox, in every language it serves: signed in the way the flow signs in,
on the setting's page, the flow's own control comes first (a form's send button where the way out is a
form), look-alikes below it, nothing clicked (the sandbox's stored settings and write log unchanged);
and through `optout scan PLATFORM --account` on a page whose control is gone."""

from __future__ import annotations

import json
from typing import Any

import pytest

from optout.engine.scan_account import scan_setting
from optout.language.flow import Setting
from optout.language.names import best_score
from optout.sandbox.person import person_storage_state
from optout.sandbox.registry import DEMO_ACCOUNTS
from tests.conftest import FLOWS, Cli, Sandbox, demo_target

# The first ordinary account of each platform in each language its sandbox serves.
ACCOUNTS = sorted(
    {(a.platform, a.language): a.username for a in reversed(DEMO_ACCOUNTS) if a.variant == "normal"}.items()
)


@pytest.mark.slow
@pytest.mark.parametrize(("platform", "language", "username"), [(p, lang, u) for (p, lang), u in ACCOUNTS])
async def test_the_flow_s_control_comes_first_on_every_platform_in_every_language(
    runner: Any, sandbox: Sandbox, platform: str, language: str, username: str
) -> None:
    flow = FLOWS[platform]
    target = demo_target(platform, username)
    session = await runner.session(target)
    if flow.login.method == "saved_session":  # signed in only by the person (Claude): their session
        state = person_storage_state(sandbox.server.base_url, platform, username, flow.origins[0])
        assert state is not None
        await session.context.add_cookies(state["cookies"])
    before = _stored(sandbox.state())
    for setting in flow.settings:
        page = await scan_setting(session, flow, setting, runner.options)
        assert page.reached is True and page.scanned and page.reason is None, (setting.id, page)
        assert page.control_found is (True if setting.control else None)
        names = _names(setting)
        # The flow's control is among the best (Copilot's two switches share a page and both train)...
        best = max(c.confidence for c in page.candidates)
        top = [c for c in page.candidates if c.confidence == best and c.training]
        ours = [c for c in top if best_score(c.name, names) >= 0.9]
        assert ours, (setting.id, page.candidates)
        assert ours[0].language == language, ours[0]
        # ...and whatever is not a training setting ranks below it.
        first_other = next((i for i, c in enumerate(page.candidates) if not c.training), len(page.candidates))
        assert page.candidates.index(ours[0]) < first_other
    assert _stored(sandbox.state()) == before  # nothing stored, written or sent: no click reached the server


def _names(setting: Setting) -> list[str]:
    """What the flow calls its control: its name, or the button that shows it, or a form's send button."""
    if setting.request is not None:
        targets = [setting.request.submit]
    else:
        assert setting.control is not None
        shown = setting.control.shown_by
        targets = [setting.control.target] if setting.control.target else [shown.while_on, shown.while_off]  # type: ignore[union-attr]
    return [text for t in targets if t is not None and t.name is not None for text in t.name.all()]


def _stored(state: dict[str, Any]) -> dict[str, Any]:
    """What a click on the page would change: its settings and the writes, forms and e-mails sent. The
    answer to Microsoft's "Stay signed in?" prompt is the sign-in's, as in any check."""
    keep = ("settings", "writes", "submissions", "emails_sent")

    def account(a: dict[str, Any]) -> dict[str, Any]:
        kept = {k: a.get(k) for k in keep}
        kept["settings"] = {k: v for k, v in (a.get("settings") or {}).items() if not k.startswith("stay_signed_in")}
        return kept

    return {p: {u: account(a) for u, a in accounts.items()} for p, accounts in state.items()}


def test_scan_platform_on_a_redesigned_page_says_where_the_flow_stopped(cli: Cli, sandbox: Sandbox) -> None:
    """LinkedIn's redesigned page (no switch): signed in, the page is scanned, nothing listed, exit 1."""
    origin = f"linkedin={sandbox.origin('linkedin')}"
    added = cli(
        "accounts", "add", "linkedin", "lou@example.com", "--password-stdin", "--mapped", input="lou-demo-pass\n"
    )
    assert added.returncode == 0, added.stderr
    done = cli("scan", "linkedin", "--account", "lou@example.com", "--origin", origin, "--json")
    assert done.returncode == 1, done.stderr
    (page,) = json.loads(done.stdout)["pages"]
    assert page["scanned"] is True and page["reached"] is True and page["control_found"] is False
    assert page["candidates"] == [] and "nothing on the page looks like an AI-training setting" in page["reason"]
    text = cli("scan", "linkedin", "--account", "lou@example.com", "--origin", origin, env={"COLUMNS": "80"})
    assert text.returncode == 1 and "The flow stopped:" in text.stdout
    assert "Nothing there looks like an AI-training setting." in text.stdout
    assert all(len(line) <= 80 for line in text.stdout.splitlines() if "https://" not in line), text.stdout
