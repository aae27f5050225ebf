"""From what a run saw to the patterns it names: the engine gathers `Observations` while it works (it
knows pages, this module knows the taxonomy) and `name_patterns` turns them into `DarkPattern`s, each with
its evidence. Pure: tested on observations alone, and by the pattern catalogue's pages end to end."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from optout.patterns import lexicon
from optout.patterns.catalogue import named
from optout.results import DarkPattern, State

#: Pages opened and menus clicked from the first page to the control, from which a setting is buried.
BURIED_DEPTH = 3
#: One choice this many times the other's area (or more) is asymmetric.
AREA_RATIO = 2.0
#: WCAG's contrast for text: below 3:1 is faint, 4.5:1 and above is plainly readable.
FAINT_CONTRAST = 3.0
PLAIN_CONTRAST = 4.5


@dataclass(frozen=True)
class Choice:
    """One button of a dialog, as rendered: its name, area (CSS px²), text contrast and font weight."""

    name: str
    area: float
    contrast: float
    weight: float
    #: The one optout clicked to opt out.
    chosen: bool = False


@dataclass
class Dialog:
    """A dialog met on the way out (a confirmation): its words, its choices, the screenshot showing it."""

    text: str
    choices: list[Choice] = field(default_factory=list)
    screenshot: str | None = None


@dataclass
class Observations:
    first_state: State | None = None
    #: The history holds an earlier off reading: the person chose off once, an on now is no default.
    chosen_before: bool = False
    depth: int | None = None
    #: The control's accessible name, and the text of the setting's page (read once the control was found).
    control_name: str | None = None
    page_text: str = ""
    page_screenshot: str | None = None
    #: The page's `lang` and the account's language (primary subtags); None when unknown.
    page_language: str | None = None
    account_language: str | None = None
    dialogs: list[Dialog] = field(default_factory=list)
    #: Names of what was clicked on the way out after the control (a confirmation's button).
    clicked_names: list[str] = field(default_factory=list)
    #: What the page showed once the setting read off (dialogs, alerts, banners), and its screenshot.
    after_off_text: str = ""
    after_off_screenshot: str | None = None
    #: Why the path ended where no control can be: a page's error status, a form instead of a switch.
    dead_end: str | None = None
    #: What evidence texts must never quote (the account's username, its name and e-mail as the page shows
    #: them): replaced by [hidden], as masked screenshots hide them.
    private: list[str] = field(default_factory=list)


def name_patterns(seen: Observations) -> list[DarkPattern]:
    """The patterns `seen` shows, in catalogue order, each named once; their quotes hide `seen.private`."""
    return [_hidden(p, seen.private) for p in _named(seen)]


HIDDEN = "[hidden]"


def hide(text: str, private: list[str]) -> str:
    """`text` with every occurrence of the private strings (case ignored) replaced by [hidden]."""
    for secret in sorted({p.strip() for p in private if len(p.strip()) >= 3}, key=len, reverse=True):
        text = re.sub(re.escape(secret), HIDDEN, text, flags=re.IGNORECASE)
    return text


def _hidden(found: DarkPattern, private: list[str]) -> DarkPattern:
    text = hide(found.evidence.text, private)
    if text == found.evidence.text:
        return found
    return found.model_copy(update={"evidence": found.evidence.model_copy(update={"text": text})})


def _named(seen: Observations) -> list[DarkPattern]:
    found: list[DarkPattern] = []
    if seen.first_state is State.ON and not seen.chosen_before:
        found.append(named("default_on", "the first reading, before anything was changed, found the setting on"))
    if seen.depth is not None and seen.depth >= BURIED_DEPTH:
        found.append(
            named(
                "buried",
                f"{seen.depth} pages and menus from the first page to the control",
                numbers={"depth": seen.depth},
                screenshot=seen.page_screenshot,
            )
        )
    if seen.dialogs:
        first = seen.dialogs[0]
        found.append(
            named(
                "extra_confirmation",
                f'{len(seen.dialogs)} confirmation dialog(s) after the change: "{_short(first.text)}"',
                numbers={"confirmations": len(seen.dialogs)},
                screenshot=first.screenshot,
            )
        )
    found += _wording(seen)
    asymmetric = _asymmetric(seen.dialogs)
    if asymmetric is not None:
        found.append(asymmetric)
    if (
        seen.control_name
        and lexicon.find("negation", seen.control_name)
        and lexicon.find("negative_verb", seen.control_name)
    ):
        found.append(
            named("double_negative", f'the switch is named "{seen.control_name}"', screenshot=seen.page_screenshot)
        )
    if seen.dead_end:
        found.append(named("dead_end", seen.dead_end, screenshot=seen.page_screenshot))
    nag = lexicon.sentence_with("nag", seen.after_off_text) if seen.after_off_text else None
    if nag:
        found.append(
            named(
                "nag_after_optout",
                f'with the setting off, the page says: "{nag}"',
                screenshot=seen.after_off_screenshot,
            )
        )
    caveat = lexicon.sentence_with("scope_caveat", seen.page_text) if seen.page_text else None
    if caveat:
        found.append(named("scope_caveat", f'the setting\'s page says: "{caveat}"', screenshot=seen.page_screenshot))
    if seen.page_language and seen.account_language and seen.page_language != seen.account_language:
        found.append(
            named(
                "language_discontinuity",
                f"the setting's page is in {seen.page_language!r}; the account's language is {seen.account_language!r}",
                screenshot=seen.page_screenshot,
            )
        )
    return found


def _wording(seen: Observations) -> list[DarkPattern]:
    """Confirmshaming and feature threats, from the words on the way out: the dialogs and what was clicked."""
    found = []
    for kind in ("confirmshaming", "feature_threat"):
        for dialog in seen.dialogs:
            sentence = lexicon.sentence_with(kind, dialog.text) or next(
                (c.name for c in dialog.choices if lexicon.find(kind, c.name)), None
            )
            if sentence:
                found.append(named(kind, f'the dialog says: "{sentence}"', screenshot=dialog.screenshot))
                break
        else:
            clicked = next((n for n in seen.clicked_names if lexicon.find(kind, n)), None)
            if clicked:
                found.append(named(kind, f'the button to opt out reads: "{clicked}"'))
    return found


def _asymmetric(dialogs: list[Dialog]) -> DarkPattern | None:
    for dialog in dialogs:
        chosen = next((c for c in dialog.choices if c.chosen), None)
        others = [c for c in dialog.choices if not c.chosen]
        if chosen is None or not others:
            continue
        other = max(others, key=lambda c: c.area)
        bigger = chosen.area > 0 and other.area / chosen.area >= AREA_RATIO
        fainter = chosen.contrast < FAINT_CONTRAST <= PLAIN_CONTRAST <= other.contrast
        if bigger or fainter:
            why = []
            if bigger:
                why.append(f"{other.area / chosen.area:.1f} times the area")
            if fainter:
                why.append(f"contrast {other.contrast:.1f}:1 against {chosen.contrast:.1f}:1")
            return named(
                "asymmetric_choice",
                f'"{other.name}" has {" and ".join(why)} of "{chosen.name}", the choice to opt out',
                screenshot=dialog.screenshot,
                numbers={
                    "opt_out_area": round(chosen.area, 1),
                    "other_area": round(other.area, 1),
                    "opt_out_contrast": round(chosen.contrast, 2),
                    "other_contrast": round(other.contrast, 2),
                },
            )
    return None


def _short(text: str, limit: int = 160) -> str:
    plain = " ".join(text.split())
    return plain if len(plain) <= limit else plain[: limit - 1] + "…"
