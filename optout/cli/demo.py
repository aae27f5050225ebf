"""`optout demo`: the whole product against the built-in sandbox, in a demo home of its own.

Starts the sandbox on a free port, maps every platform it reproduces onto it, registers the demo
accounts (their passwords are public), runs `check` then `off` over every account in one browser, and
compares each outcome with what that sandbox account is designed to show.

The demo home (`<out>/demo-home`: config, a plain-file keyring holding the public demo passwords and the
demo's signing key, history) is kept, so that each demo run joins the same chain and `optout verify`,
`history` and `report` can be tried on it: `OPTOUT_HOME=<out>/demo-home optout verify --all`.
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rich.cells import cell_len
from rich.console import Console

from optout.accounts import config as accounts
from optout.accounts import keyrings
from optout.accounts.saved_sessions import SessionStore
from optout.browser.traffic import OriginSpec, build_traffic_map
from optout.cli.output import shown
from optout.engine.context import Mode, Options
from optout.engine.runner import AccountTarget, Reporter, Runner, RunStopped
from optout.evidence import signing
from optout.evidence.history import History
from optout.evidence.recorder import RunEvidence
from optout.evidence.signing import Signer
from optout.invocation import optout_command, shell_lines
from optout.language.flow import Flow
from optout.paths import home
from optout.results import Result
from optout.sandbox import DEMO_ACCOUNTS, DemoAccount, SandboxServer
from optout.sandbox.person import person_storage_state

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
            for got, want in zip((self.check, self.off), self.account.expected(self.check.setting), strict=True)
        )


@dataclass(frozen=True)
class DemoReport:
    rows: list[DemoRow]
    evidence_dir: Path
    manifest: Path
    home: Path
    unsigned: str | None = None  # why the run could not be signed

    @property
    def as_designed(self) -> bool:
        return all(row.as_designed for row in self.rows)


DEMO_HOME = "demo-home"


@contextmanager
def demo_home(folder: Path) -> Iterator[Path]:
    """OPTOUT_HOME and a file keyring in `folder`, both restored afterwards: the person's own config and
    keyring are never read or written."""
    previous = os.environ.get("OPTOUT_HOME")
    folder = folder.absolute()
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["OPTOUT_HOME"] = str(folder)
    previous_keyring = accounts.use_file_keyring(folder / "demo-keyring.cfg")
    try:
        yield folder
    finally:
        keyrings.restore(previous_keyring)
        if previous is None:
            os.environ.pop("OPTOUT_HOME", None)
        else:
            os.environ["OPTOUT_HOME"] = previous


def demo_accounts(flows: dict[str, Flow]) -> tuple[DemoAccount, ...]:
    """The sandbox's accounts whose platform has a flow (a platform's replica can land before its flow)."""
    return tuple(demo for demo in DEMO_ACCOUNTS if demo.platform in flows)


def demo_platforms(flows: dict[str, Flow]) -> list[str]:
    """The platforms the demo can show: a flow and sandbox accounts for it."""
    return sorted({demo.platform for demo in demo_accounts(flows)})


def register_demo_accounts(flows: dict[str, Flow]) -> list[AccountTarget]:
    """Store the demo accounts the way `optout accounts add --mapped` does: config file plus keyring entries
    for mapped runs (the sandbox answers every platform), so that a demo home holds no real password and
    a command without --origin pasted there never sends a demo password to a real platform."""
    config = accounts.Config()
    targets = []
    for demo in demo_accounts(flows):
        locale = "fr-FR" if demo.language == "fr" else "en-US"
        account = accounts.Account(platform=demo.platform, username=demo.username, locale=locale)
        config.accounts.append(account)
        if flows[demo.platform].login.method != "saved_session":  # a platform without passwords gets none
            accounts.store_password(demo.platform, demo.username, demo.demo_password, mapped=True)
        if demo.totp_secret is not None:
            accounts.store_totp_secret(demo.platform, demo.username, demo.totp_secret, mapped=True)
        targets.append(
            AccountTarget(
                flow=flows[demo.platform],
                username=demo.username,
                password=functools.partial(accounts.get_password, demo.platform, demo.username, mapped=True),
                locale=locale,
                totp_secret=functools.partial(accounts.get_totp_secret, demo.platform, demo.username, mapped=True),
            )
        )
    accounts.save_config(home(), config)
    return targets


def person_sessions(sandbox_url: str, targets: list[AccountTarget]) -> SessionStore:
    """The demo home's saved sessions for mapped runs. Those of an earlier demo's sandbox are gone with it;
    on a platform that only a person signs in to (an e-mailed code), the sandbox opens each account's
    session as its person would have, and it is saved as `optout login` saves it (none for an account
    whose person never signed in)."""
    store = SessionStore(home(), mapped=True)
    shutil.rmtree(store.folder, ignore_errors=True)
    for target in targets:
        flow = target.flow
        if flow.login.method != "saved_session":
            continue
        state = person_storage_state(sandbox_url, flow.platform, target.username, flow.login.url)
        if state is not None:
            store.save(flow.platform, target.username, state, list(flow.origins))
    return store


async def run_demo(
    flows: dict[str, Flow], out_dir: Path, *, reporter: Reporter, headed: bool = False, slow_mo_ms: float = 0
) -> DemoReport:
    with SandboxServer() as server, demo_home(out_dir / DEMO_HOME) as folder:
        platforms = demo_platforms(flows)
        specs = [OriginSpec(platform=p, base_url=server.origin_url(p)) for p in platforms]
        traffic = build_traffic_map(specs, {p: flows[p].origins for p in platforms})
        targets = register_demo_accounts(flows)
        sessions = person_sessions(server.base_url, targets)
        history = History.open(home().history_file)
        unsigned: str | None = None
        try:
            signer: Signer | None = signing.signer(home())
        except signing.SigningUnavailable as exc:
            signer, unsigned = None, str(exc)
        evidence = RunEvidence(
            out_dir,
            "demo",
            {p: flows[p].version for p in platforms},
            history=history,
            signer=signer,
            mappings=traffic.routes if traffic else {},
            # One capture per screenshot, masked: the demo's images are for showing and sharing, and a
            # second, unmasked capture of made-up accounts would only double the work.
            mask_pii=True,
            # Each demo starts a fresh sandbox, which never received a form: the demo home's history keeps
            # earlier demos' requests (to their own sandboxes) for verify, not for this run to read.
            request_records=False,
        )
        # Short waits: every sandbox page answers in well under a second, except the deliberately late
        # ones (2.3 s at most); the margin is for a busy machine running three accounts at once.
        # The accounts are made up and the sandbox answers: `off` sends a request setting's form, as
        # `--submit-objection` does, so that what it looks like can be shown.
        options = Options(timeout_s=10.0, send_requests=True)
        # Accounts side by side (each in its own context) unless someone watches the window.
        parallel = 1 if headed else DEMO_PARALLEL
        try:
            async with Runner(
                traffic=traffic,
                options=options,
                headed=headed,
                slow_mo_ms=slow_mo_ms,
                reporter=reporter,
                sessions=sessions,
            ) as runner:
                checks = await runner.run(Mode.CHECK, targets, evidence, parallel=parallel)
                offs = await runner.run(Mode.OFF, targets, evidence, parallel=parallel)
        except RunStopped as stopped:
            evidence.interrupt(stopped.reason)
            stopped.reason += f"; what was recorded is in {shown(evidence.manifest_path)}"
            raise
        except (asyncio.CancelledError, KeyboardInterrupt):
            evidence.interrupt("interrupted (Ctrl-C)")
            raise
        finally:
            # Sealed whatever happened (a stopped run is sealed as interrupted).
            evidence.finish()
            history.close()
        if evidence.write_problem:
            raise RunStopped(evidence.write_problem, checks + offs)
    checked, switched = _by_account(checks), _by_account(offs)
    # One row per setting: an account of a platform with two settings (Copilot) has two.
    rows = [
        DemoRow(d, check, off)
        for d in demo_accounts(flows)
        # A stopped run may have left an account's `off` short: only the pairs both runs got.
        for check, off in zip(
            checked.get((d.platform, d.username), []), switched.get((d.platform, d.username), []), strict=False
        )
    ]
    return DemoReport(
        rows=rows, evidence_dir=evidence.directory, manifest=evidence.manifest_path, home=folder, unsigned=unsigned
    )


def _by_account(results: list[Result]) -> dict[tuple[str, str], list[Result]]:
    """Each account's results, in the order of its flow's settings."""
    by: dict[tuple[str, str], list[Result]] = {}
    for r in results:
        by.setdefault((r.platform, r.account), []).append(r)
    return by


def print_demo_end(console: Console, report: DemoReport) -> None:
    """Where the evidence is and the command that checks it, at the console's width: a path or a command
    too long for its label's line goes on lines of its own, never broken inside a word."""
    _labelled(console, "Evidence", shown(report.evidence_dir))
    _labelled(console, "Manifest", shown(report.manifest))
    if report.unsigned:
        console.print(f"optout: {report.unsigned}", markup=False)
    check = optout_command("verify", "--all", env={"OPTOUT_HOME": shown(report.home)})
    _labelled(console, "Check it", " ".join(check), lines=shell_lines(check, console.width))


def _labelled(console: Console, label: str, value: str, *, lines: list[str] | None = None) -> None:
    line = f"{label}: {value}"
    if cell_len(line) <= console.width:
        console.print(line, markup=False, soft_wrap=True)
        return
    console.print(f"{label}:", markup=False)
    for part in lines or ["  " + value]:
        console.print(part, markup=False, soft_wrap=True)
