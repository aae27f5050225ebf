"""A walkthrough's page: `walkthrough.html` beside its screenshots and video, for a projector or a phone.

The page stands alone in its folder: inline CSS, no script, no font or image from elsewhere, every link
relative, so it opens from a USB stick in a room with no network. Every text is escaped (Jinja2
autoescape, nothing marked safe): captions and evidence quote the platform's pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import jinja2

from optout.files import make_private_dirs, write_atomically
from optout.patterns.catalogue import NOT_A_VERDICT, pattern
from optout.results import DarkPattern, Friction, State

TEMPLATE = Path(__file__).with_name("walkthrough.html.j2")
PAGE_NAME = "walkthrough.html"

STEP_KINDS = ("open", "click", "type", "press", "found", "read", "confirm", "verify", "sign-in", "note")


@dataclass(frozen=True)
class WalkStep:
    number: int  # 1-based
    total: int
    #: "Step 3 of 7: the setting is three menus deep": complete, shown as is.
    caption: str
    #: File name relative to the walkthrough folder ("steps/03.png").
    screenshot: str
    #: One of STEP_KINDS.
    kind: str


@dataclass(frozen=True)
class Walkthrough:
    title: str
    platform: str  # display name
    account: str
    setting: str  # the setting's title
    outcome: str  # an Outcome's value: "switched_off", ...
    state: str  # a State's value: "off", ...
    started_at: datetime
    steps: list[WalkStep]
    friction: Friction | None
    patterns: list[DarkPattern]
    #: File name relative to the folder ("walkthrough.webm"); None when not recorded.
    video: str | None
    #: One line when there is no video (e.g. no ffmpeg).
    video_missing_reason: str | None = None


@dataclass(frozen=True)
class FrictionLine:
    label: str
    value: str
    meaning: str


@dataclass(frozen=True)
class PatternView:
    title: str
    name: str
    effect: str | None
    observed: DarkPattern


_STATE_WORDS = {
    State.ON.value: "on (your data is used for training)",
    State.OFF.value: "off (not used for training)",
    State.NOT_OFFERED.value: "not offered",
    State.UNKNOWN.value: "unknown",
}


def _words(value: str) -> str:
    return _STATE_WORDS.get(value, value.replace("_", " "))


def _number(value: float) -> str:
    return f"{value:g}"


def friction_lines(friction: Friction) -> list[FrictionLine]:
    """The friction numbers, each with what it means to a person, in the order a room reads them."""
    depth = "not reached" if friction.depth is None else str(friction.depth)
    seconds = "not reached" if friction.seconds_to_control is None else f"{friction.seconds_to_control:.1f}"
    first = "not read" if friction.first_state is None else friction.first_state.value.replace("_", " ")
    return [
        FrictionLine(
            "First state",
            first,
            "The setting as first found, before anything was changed (on: your data is used for training); "
            "on an account's first check, that is the default.",
        ),
        FrictionLine(
            "Depth",
            depth,
            "Pages opened and menus clicked from the first page to the switch (a direct link is 1); "
            "three or more is a maze few people get through.",
        ),
        FrictionLine("Clicks", str(friction.clicks), "Times a person clicks or taps on the way, the switch included."),
        FrictionLine(
            "Keystrokes",
            str(friction.keystrokes),
            "Keys pressed and characters typed on the way (signing in is not counted).",
        ),
        FrictionLine("Page loads", str(friction.page_loads), "Pages a person waits for while they load."),
        FrictionLine(
            "Seconds to the switch",
            seconds,
            "Time from the first page until the switch was in reach, at this run's pace.",
        ),
        FrictionLine(
            "Confirmations",
            str(friction.confirmations),
            "Dialogs that asked to confirm after the switch was changed: extra steps for saying no.",
        ),
    ]


def pattern_views(observed: list[DarkPattern]) -> list[PatternView]:
    views = []
    for each in observed:
        known = pattern(each.name)
        title = known.title if known else each.name.replace("_", " ")
        views.append(PatternView(title=title, name=each.name, effect=known.effect if known else None, observed=each))
    return views


def _when(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def render_walkthrough_html(walk: Walkthrough) -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    template = env.from_string(TEMPLATE.read_text(encoding="utf-8"))
    return template.render(
        w=walk,
        words=_words,
        when=_when,
        number=_number,
        friction=friction_lines(walk.friction) if walk.friction else None,
        patterns=pattern_views(walk.patterns),
        not_a_verdict=NOT_A_VERDICT,
    )


def write_walkthrough_html(walk: Walkthrough, folder: Path) -> Path:
    """Writes folder/"walkthrough.html" (whole or not at all) and returns it."""
    make_private_dirs(folder)
    page = folder / PAGE_NAME
    write_atomically(page, render_walkthrough_html(walk).encode("utf-8"))
    return page
