"""`optout recheck`: the unattended check. What it adds to `check`: one re-check at a time per home,
drift (a setting last known off that reads on again: `silent_revert`), and no second try of a password a
platform refused, nor of a sign-in that stopped at a verification code page, until a person runs a command
for that account (no lockouts, no code sent to the person every day)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from optout.evidence.history import Hold, ResultRow
from optout.invocation import command
from optout.paths import Home
from optout.patterns.catalogue import named

if TYPE_CHECKING:
    from optout.engine.runner import AccountTarget
from optout.results import (
    OBJECTION_MAYBE_SENT,
    OBJECTION_NOT_SENT,
    OBJECTION_SENT,
    SIGN_IN_CODE,
    SIGN_IN_REJECTED,
    SILENT_REVERT,
    ExitCode,
    Outcome,
    Result,
    State,
    exit_code,
    utc_now,
)

# How a hold's stored reason starts when the sign-in stopped at a code page (a refused password's hold
# keeps the refusal's own reason): the one table of holds serves both.
CODE_PAGE_HOLD = "stopped at a verification code page"

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


class RecheckBusy(Exception):
    """Another re-check of this home is running (or its lock cannot be taken); the message is one line."""


@contextmanager
def one_at_a_time(where: Home) -> Iterator[None]:
    """Held for the whole re-check: a second one (a slow run overlapping the next scheduled one) stops
    at once instead of signing in to the same accounts twice. The system drops the lock when the process
    ends, however it ends."""
    path = where.data_dir / "recheck.lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise RecheckBusy(f"cannot take the re-check lock {path}: {exc.strerror or exc}") from None
    with handle:
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise RecheckBusy(f"another optout recheck is running ({holder}); this one stops") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {utc_now():%Y-%m-%d %H:%M:%S} UTC")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)


def marker(last_known: dict[tuple[str, str, str], ResultRow]) -> Callable[[Result], Result]:
    """Marks a result that reads on where the last known state was off."""

    def mark(result: Result) -> Result:
        if result.label in (OBJECTION_SENT, OBJECTION_NOT_SENT, OBJECTION_MAYBE_SENT):
            # A request (an objection form) is read from optout's own record, not from the platform: it
            # cannot come back on by itself, and a re-check never sends one.
            return result
        before = last_known.get((result.platform, result.account, result.setting))
        if before is None or before.state is not State.OFF or result.state is not State.ON:
            return result
        since = _day(before.finished_at)
        reason = f"was off on {since}, reads on again" + (f"; {result.reason}" if result.reason else "")
        return reverted(result.model_copy(update={"drift": True, "label": SILENT_REVERT, "reason": reason}), since)

    return mark


def reverted(result: Result, since: str) -> Result:
    """`result` naming the silent revert it shows, as a dark pattern with its evidence."""
    if any(p.name == SILENT_REVERT for p in result.dark_patterns):
        return result
    seen = named(SILENT_REVERT, f"recorded off on {since}; read on again on {_day(result.finished_at.isoformat())}")
    return result.model_copy(update={"dark_patterns": [*result.dark_patterns, seen]})


def fixed(result: Result) -> Result:
    """An `off` result for a setting that drifted: it still drifted, whatever the fix did."""
    reason = "switched off again after a silent revert" if result.outcome is Outcome.SWITCHED_OFF else result.reason
    return result.model_copy(update={"drift": True, "label": SILENT_REVERT, "reason": reason})


def hold_reason(result: Result) -> str | None:
    """What to hold the result's account for, when it must not be signed in to again unattended: a
    password the platform refused, or a sign-in that stopped at a verification code page."""
    if result.label == SIGN_IN_REJECTED:
        return result.reason or ""
    if result.label == SIGN_IN_CODE:
        return f"{CODE_PAGE_HOLD}: {result.reason or ''}"
    return None


def held_result(
    platform: str, account: str, setting: str, hold: Hold, *, mapped: bool = False, again: tuple[str, ...] = ()
) -> Result:
    """The result of an account held earlier (a refused password, a code page): not tried, a person is
    needed. `mapped`: held in mapped runs (--origin); `again`: the run's own options, which every command
    named here carries (so that it releases this hold, not the real account's)."""
    now = utc_now()
    check = command("optout", "check", platform, "--account", account, *again)
    if hold.reason.startswith(CODE_PAGE_HOLD):
        label = SIGN_IN_CODE
        login = command("optout", "login", platform, "--account", account, *again)
        reason = (
            f"held: the last sign-in stopped at a verification code page on {_day(hold.since)}; run {check} or {login}"
        )
    else:
        label = SIGN_IN_REJECTED
        update = command("optout", "accounts", "add", platform, account, *(["--mapped"] if mapped else []))
        reason = (
            f"the password was refused on {_day(hold.since)}; it is not tried again unattended (no lockout): "
            f"update it ({update}) or run {check} yourself"
        )
    return Result(
        platform=platform,
        account=account,
        setting=setting,
        state=State.UNKNOWN,
        outcome=Outcome.NEEDS_ATTENTION,
        verified=False,
        reason=reason,
        url=None,
        started_at=now,
        finished_at=now,
        evidence=[],
        label=label,
    )


def only(targets: Sequence[AccountTarget], results: Sequence[Result]) -> list[AccountTarget]:
    """The targets narrowed to the settings of `results` (the drifted ones, for --fix)."""
    wanted = {(r.platform, r.account, r.setting) for r in results}
    narrowed = []
    for target in targets:
        settings = [s for s in target.flow.settings if (target.flow.platform, target.username, s.id) in wanted]
        if settings:
            narrowed.append(replace(target, flow=target.flow.model_copy(update={"settings": settings})))
    return narrowed


def first_drift(results: Sequence[Result]) -> list[Result]:
    """Drift first, then the rest, each group in run order."""
    return [r for r in results if r.drift] + [r for r in results if not r.drift]


def recheck_exit(results: Sequence[Result]) -> ExitCode:
    """4 when any setting drifted, else as for check."""
    return ExitCode.DRIFT if any(r.drift for r in results) else exit_code(results)


def needs_alert(results: Sequence[Result]) -> bool:
    """Drift, or anything a person must look at."""
    return any(r.drift or r.outcome in (Outcome.NEEDS_ATTENTION, Outcome.FAILED) for r in results)


def _day(stamp: str) -> str:
    return datetime.fromisoformat(stamp).strftime("%Y-%m-%d")
