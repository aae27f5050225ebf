"""Every built-in flow against its sandbox, one platform per test: the demo of that platform (every demo
account, check then off, as `optout demo --platform P` runs it) behaves as designed, and the flow's own
`examples:` are met by what it reported. A flow whose examples never passed cannot ship; a sandbox
account the demo shows cannot silently stop behaving as its table says."""

from __future__ import annotations

from pathlib import Path

import pytest

from optout.cli.demo import demo_platforms, run_demo
from optout.engine.runner import QuietReporter
from optout.language.examples import Example
from optout.language.flow import Flow
from optout.results import Result
from optout.sandbox import DEMO_ACCOUNTS
from tests.conftest import FLOWS

PLATFORMS = demo_platforms(FLOWS)


def test_every_built_in_flow_has_examples_of_its_own_sandbox_accounts() -> None:
    assert sorted(FLOWS) == PLATFORMS  # every flow has a sandbox, every sandbox a flow
    for platform, flow in FLOWS.items():
        names = {d.username for d in DEMO_ACCOUNTS if d.platform == platform}
        assert flow.examples, f"{platform}: no examples"
        assert {e.account for e in flow.examples} <= names, platform
        # At least one account whose setting is on and switched off (a request: sent): its reason to exist.
        done = "requested" if flow.settings[0].request else "switched_off"
        assert any(
            (e.check.outcome, e.check.state, e.off.outcome, e.off.state) == ("checked", "on", done, "off")
            for e in flow.examples
        ), platform


def examples_for(flow: Flow, account: str, setting: str) -> list[Example]:
    """The examples about this account's setting: one naming the setting, else the account's general one."""
    named = [e for e in flow.examples if e.account == account and e.setting == setting]
    return named or [e for e in flow.examples if e.account == account and e.setting is None]


@pytest.mark.slow
@pytest.mark.parametrize("platform", PLATFORMS)
async def test_the_platforms_demo_behaves_as_designed_and_meets_the_flows_examples(
    platform: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    flow = FLOWS[platform]
    report = await run_demo({platform: flow}, tmp_path / "out", reporter=QuietReporter())
    wrong = [
        (row.account.username, row.check.setting, str(row.check), str(row.off))
        for row in report.rows
        if not row.as_designed
    ]
    assert not wrong, wrong
    accounts = [d for d in DEMO_ACCOUNTS if d.platform == platform]
    assert len(report.rows) == len(accounts) * len(flow.settings)

    def met(want: str, got: Result) -> bool:
        return all(
            getattr(e, want).met_by(got.outcome.value, got.state.value, got.verified, got.reason)
            for e in examples_for(flow, got.account, got.setting)
        )

    tried = {(row.check.account, row.check.setting) for row in report.rows}
    for example in flow.examples:
        settings = [example.setting] if example.setting else [s.id for s in flow.settings]
        assert all((example.account, s) in tried for s in settings), example
    unmet = [
        (row.check.account, row.check.setting)
        for row in report.rows
        if not (met("check", row.check) and met("off", row.off))
    ]
    assert not unmet, unmet
    if flow.login.method == "saved_session":  # no password exists: the demo stored none
        keyring_file = report.home / "demo-keyring.cfg"
        assert platform not in (keyring_file.read_text() if keyring_file.exists() else "")
