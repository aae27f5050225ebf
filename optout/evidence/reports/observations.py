"""What a report shows of a result's friction and named patterns: the numbers as counted, and each pattern
with its title, what was seen, the screenshot that shows it (when the run's manifest lists it) and the
taxonomies' references. Patterns are observations, never verdicts: whatever shows them says so."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from pydantic import BaseModel

from optout.patterns.catalogue import NOT_A_VERDICT, pattern
from optout.results import DarkPattern, Friction

__all__ = ["NOT_A_VERDICT", "PatternSeen", "friction_cells", "seen"]


class PatternSeen(BaseModel):
    name: str
    title: str  # the catalogue's title; the name itself for a pattern this optout does not know
    method: str  # rule | heuristic
    text: str
    numbers: dict[str, float]
    refs: list[str]
    screenshot: str | None  # relative to the run folder when it is in it
    # The id of the report's figure for that screenshot, when the run's manifest lists it.
    anchor: str | None = None


def shot_anchor(path: str) -> str:
    """The id of a screenshot's figure in the HTML report (a path made safe for an id)."""
    return "shot-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in path)


def _relative(screenshot: str, folder: Path) -> str:
    """A path in the run's folder as the manifest lists it (relative); another path as it is."""
    path = PurePosixPath(screenshot.replace("\\", "/"))
    if path.is_absolute():
        try:
            return path.relative_to(PurePosixPath(folder.absolute().as_posix())).as_posix()
        except ValueError:
            return screenshot
    return path.as_posix()


def seen(patterns: Iterable[DarkPattern], folder: Path, figures: dict[str, str]) -> list[PatternSeen]:
    """The result's patterns as the report shows them; `figures`: each image file the manifest lists (a
    screenshot or its masked copy) -> the screenshot whose figure shows it."""
    out = []
    for p in patterns:
        known = pattern(p.name)
        shot = None if p.evidence.screenshot is None else _relative(p.evidence.screenshot, folder)
        out.append(
            PatternSeen(
                name=p.name,
                title=known.title if known else p.name,
                method=p.method,
                text=p.evidence.text,
                numbers=p.evidence.numbers,
                refs=list(p.refs),
                screenshot=shot,
                anchor=shot_anchor(figures[shot]) if shot is not None and shot in figures else None,
            )
        )
    return out


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:.1f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def friction_cells(friction: Friction | None) -> list[tuple[str, str]]:
    """(label, value) for each number, in the order every report shows them; empty when none was counted."""
    if friction is None:
        return []
    return [
        ("Clicks", _number(friction.clicks)),
        ("Keystrokes", _number(friction.keystrokes)),
        ("Page loads", _number(friction.page_loads)),
        ("Depth", _number(friction.depth)),
        ("Seconds to the control", _number(friction.seconds_to_control, " s")),
        ("Confirmations", _number(friction.confirmations)),
        ("First state", friction.first_state.value if friction.first_state else "—"),
    ]
