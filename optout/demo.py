"""`optout demo`: the whole product against the built-in sandbox, in a throwaway home.

Starts the sandbox on a free port, maps every platform it reproduces onto it, registers the demo
accounts (their passwords are public), runs `check` then `off` over every account in one browser, and
compares each outcome with what that sandbox account is designed to show.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from optout import accounts, keyrings
from optout.engine import Mode, Options
from optout.evidence import RunEvidence
from optout.flow import Flow
from optout.mapping import OriginSpec, build_traffic_map
from optout.paths import home
from optout.results import Result
from optout.runner import AccountTarget, Reporter, Runner, RunStopped
from optout.sandbox import DEMO_ACCOUNTS, DemoAccount, SandboxServer

#: How many demo accounts run at once when nobody watches: the sandbox's pages mostly wait (late
#: values, quiet periods), so three contexts keep two cores busy without slowing any page past its timeout.
DEMO_PARALLEL = 3


@dataclass(frozen=True)
class DemoRow:
    account: DemoAccount
    check: Result
    off: Result

    @property
    def as_designed(self) -> bool:
        return all(
            want.met_by(got.outcome.value, got.state.value, got.verified, got.reason)
            for got, want in ((self.check, self.account.expect_check), (self.off, self.account.expect_off))
        )


@dataclass(frozen=True)
class DemoReport:
    rows: list[DemoRow]
    evidence_dir: Path
    manifest: Path

    @property
    def as_designed(self) -> bool:
        return all(row.as_designed for row in self.rows)


@contextmanager
def throwaway_home() -> Iterator[Path]:
    """OPTOUT_HOME and a file keyring in a temporary folder, both restored afterwards: the person's own
    config and keyring are never read or written."""
    previous = os.environ.get("OPTOUT_HOME")
    with tempfile.TemporaryDirectory(prefix="optout-demo-") as folder:
        os.environ["OPTOUT_HOME"] = folder
        previous_keyring = accounts.use_file_keyring(Path(folder) / "demo-keyring.cfg")
        try:
            yield Path(folder)
        finally:
            keyrings.restore(previous_keyring)
            if previous is None:
                os.environ.pop("OPTOUT_HOME", None)
            else:
                os.environ["OPTOUT_HOME"] = previous


def demo_accounts(flows: dict[str, Flow]) -> tuple[DemoAccount, ...]:
    """The sandbox's accounts whose platform has a flow (a platform's replica can land before its flow)."""
    return tuple(demo for demo in DEMO_ACCOUNTS if demo.platform in flows)


def register_demo_accounts(flows: dict[str, Flow]) -> list[AccountTarget]:
    """Store the demo accounts the way `optout accounts add` does: config file plus keyring."""
    config = accounts.Config()
    targets = []
    for demo in demo_accounts(flows):
        locale = "fr-FR" if demo.language == "fr" else "en-US"
        account = accounts.Account(platform=demo.platform, username=demo.username, locale=locale)
        config.accounts.append(account)
        accounts.store_password(demo.platform, demo.username, demo.demo_password)
        targets.append(
            AccountTarget(
                flow=flows[demo.platform],
                username=demo.username,
                password=functools.partial(accounts.get_password, demo.platform, demo.username),
                locale=locale,
            )
        )
    accounts.save_config(home(), config)
    return targets


async def run_demo(
    flows: dict[str, Flow], out_dir: Path, *, reporter: Reporter, headed: bool = False, slow_mo_ms: float = 0
) -> DemoReport:
    with SandboxServer() as server, throwaway_home():
        platforms = sorted({d.platform for d in demo_accounts(flows)})
        specs = [OriginSpec(platform=p, base_url=server.origin_url(p)) for p in platforms]
        traffic = build_traffic_map(specs, {p: flows[p].origins for p in platforms})
        targets = register_demo_accounts(flows)
        evidence = RunEvidence(
            out_dir, "demo", {p: flows[p].version for p in platforms}, mappings=traffic.routes if traffic else {}
        )
        # Short waits: every sandbox page answers in well under a second, except the deliberately late
        # ones (2.3 s at most); the margin is for a busy machine running three accounts at once.
        options = Options(timeout_s=8.0)
        # Accounts side by side (each in its own context) unless someone watches the window.
        parallel = 1 if headed else DEMO_PARALLEL
        try:
            async with Runner(
                traffic=traffic, options=options, headed=headed, slow_mo_ms=slow_mo_ms, reporter=reporter
            ) as runner:
                checks = await runner.run(Mode.CHECK, targets, evidence, parallel=parallel)
                offs = await runner.run(Mode.OFF, targets, evidence, parallel=parallel)
        except RunStopped as stopped:
            evidence.interrupt(stopped.reason)
            stopped.reason += f"; what was recorded is in {evidence.manifest_path}"
            raise
        evidence.finish()
    checked, switched = _by_account(checks), _by_account(offs)
    rows = [DemoRow(d, checked[d.platform, d.username], switched[d.platform, d.username]) for d in demo_accounts(flows)]
    return DemoReport(rows=rows, evidence_dir=evidence.directory, manifest=evidence.manifest_path)


def _by_account(results: list[Result]) -> dict[tuple[str, str], Result]:
    return {(r.platform, r.account): r for r in results}
