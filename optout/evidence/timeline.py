"""Each setting's states over time, from the history's results: what `optout history` and reports show.
The results of mapped runs (`--origin`: a local server answered) make timelines of their own, marked
`mapped`: what a sandbox showed is never a change of the real account's setting."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from optout.evidence.history import ResultRow
from optout.results import DarkPattern, Friction, Outcome, State


@dataclass(frozen=True)
class Entry:
    run_id: str
    when: str  # UTC, to the second: "2026-11-30 07:10:02"
    state: State
    outcome: Outcome
    verified: bool
    reason: str | None
    changed: bool  # the state read differs from the last known one (unknown readings are not known states)
    friction: Friction | None = None
    dark_patterns: tuple[DarkPattern, ...] = ()


@dataclass
class Timeline:
    platform: str
    account: str
    setting: str
    mapped: bool = False
    entries: list[Entry] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "account": self.account,
            "setting": self.setting,
            "mapped": self.mapped,
            "entries": [
                {
                    "run_id": e.run_id,
                    "when": e.when,
                    "state": e.state.value,
                    "outcome": e.outcome.value,
                    "verified": e.verified,
                    "reason": e.reason,
                    "changed": e.changed,
                    "friction": None if e.friction is None else e.friction.model_dump(mode="json"),
                    "dark_patterns": [p.model_dump(mode="json") for p in e.dark_patterns],
                }
                for e in self.entries
            ],
        }


def _utc(stamp: str) -> str:
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def timelines(rows: Iterable[ResultRow]) -> list[Timeline]:
    """One timeline per (platform, account, setting), and another for its mapped runs' results, in order of
    first appearance, entries oldest first."""
    found: dict[tuple[str, str, str, bool], Timeline] = {}
    known: dict[tuple[str, str, str, bool], State] = {}
    for row in rows:
        key = (row.platform, row.account, row.setting, row.mapped)
        line = found.setdefault(key, Timeline(*key))
        last = known.get(key)
        definite = row.state in (State.ON, State.OFF, State.NOT_OFFERED)
        changed = definite and last is not None and row.state is not last
        if definite:
            known[key] = row.state
        line.entries.append(
            Entry(
                row.run_id,
                _utc(row.finished_at),
                row.state,
                row.outcome,
                row.verified,
                row.reason,
                changed,
                row.friction,
                tuple(row.dark_patterns),
            )
        )
    return list(found.values())
