"""The deceptive-design patterns optout names, each with what it does to a person, how optout tells it,
and where the taxonomies trainers cite describe it (EDPB Guidelines 03/2022 v2, Brignull's Deceptive
Patterns, Mathur et al. 2019, the Norwegian Consumer Council's Deceived by Design, Gray et al. 2018).

A name here is an observation's label, never a legal finding: reports and walkthroughs say so.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from optout.results import DarkPattern, PatternEvidence

EDPB = "EDPB 03/2022 v2"
BRIGNULL = "Brignull, Deceptive Patterns"
MATHUR = "Mathur et al. 2019"
NCC = "Deceived by Design (NCC 2018)"
GRAY = "Gray et al. 2018"

#: Shown wherever patterns are: reports, walkthroughs, `optout patterns`.
NOT_A_VERDICT = (
    "These are observations named in the vocabulary of deceptive-design research, with what was seen; "
    "they are not legal findings."
)


class Pattern(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    title: str
    #: Other names trainers use (Brignull's, the EDPB's), accepted wherever a pattern is named.
    aliases: tuple[str, ...] = ()
    #: What it does to a person, in one sentence.
    effect: str
    #: What optout looks at to tell it.
    detection: str
    method: Literal["rule", "heuristic"]
    refs: tuple[str, ...]


CATALOGUE: tuple[Pattern, ...] = (
    Pattern(
        name="default_on",
        title="Preselection",
        aliases=("preselection", "deceptive-snugness", "intrusive-default"),
        effect="Your data is used for training unless you find the switch: doing nothing means yes.",
        detection="The first reading, before anything is changed, finds the setting on.",
        method="rule",
        refs=(
            f"{EDPB}: Skipping › Deceptive snugness",
            f"{BRIGNULL}: Preselection",
            f"{NCC}: privacy-intrusive defaults",
        ),
    ),
    Pattern(
        name="buried",
        title="Privacy maze",
        aliases=("privacy-maze", "maze", "buried-depth"),
        effect="The switch is three or more pages or menus away, so few people ever reach it.",
        detection="Pages opened and menus clicked from the first page to the control: three or more.",
        method="rule",
        refs=(
            f"{EDPB}: Overloading › Privacy maze",
            f"{EDPB}: Obstructing › Longer than necessary",
            f"{BRIGNULL}: Obstruction",
            f"{NCC}: more effort for privacy",
        ),
    ),
    Pattern(
        name="extra_confirmation",
        title="Extra confirmation",
        aliases=("longer-than-necessary", "confirmation"),
        effect="Switching off takes a further dialog that switching on never asks for.",
        detection="A dialog asking to confirm appears after the switch is changed.",
        method="rule",
        refs=(f"{EDPB}: Obstructing › Longer than necessary", f"{BRIGNULL}: Obstruction", f"{GRAY}: obstruction"),
    ),
    Pattern(
        name="confirmshaming",
        title="Confirmshaming",
        aliases=("emotional-steering", "guilt"),
        effect="The words on the way out make you feel foolish or guilty for saying no.",
        detection="The dialog's or the buttons' words on the opt-out path match a guilt list (English, French).",
        method="heuristic",
        refs=(
            f"{EDPB}: Stirring › Emotional steering",
            f"{BRIGNULL}: Confirmshaming",
            f"{MATHUR}: Misdirection › Confirmshaming",
        ),
    ),
    Pattern(
        name="feature_threat",
        title="Feature threat",
        aliases=("feature-threat", "rewards-and-punishment"),
        effect="You are warned that features will stop working or get worse if you opt out.",
        detection="The words on the opt-out path match a list of losses (features, a worse experience).",
        method="heuristic",
        refs=(
            f"{EDPB}: Stirring › Emotional steering",
            f"{BRIGNULL}: Forced action",
            f"{NCC}: rewards and punishment",
        ),
    ),
    Pattern(
        name="asymmetric_choice",
        title="Asymmetric buttons",
        aliases=("asymmetric-buttons", "visual-interference", "hidden-in-plain-sight"),
        effect="Keeping it on is a big bright button; opting out is small or faint.",
        detection="The two choices of the dialog differ in size (twice the area or more) or contrast.",
        method="heuristic",
        refs=(
            f"{EDPB}: Stirring › Hidden in plain sight",
            f"{BRIGNULL}: Visual interference",
            f"{MATHUR}: attribute asymmetric",
        ),
    ),
    Pattern(
        name="double_negative",
        title="Double negative",
        aliases=("double-negative", "trick-wording", "ambiguous-wording"),
        effect="The switch is worded as a negation, so it is hard to tell which way means no training.",
        detection="The switch's name carries a negation (don't, do not, exclude, ne pas...).",
        method="heuristic",
        refs=(
            f"{EDPB}: Left in the dark › Ambiguous wording",
            f"{BRIGNULL}: Trick wording",
            f"{MATHUR}: trick questions",
        ),
    ),
    Pattern(
        name="dead_end",
        title="Dead end",
        aliases=("dead-end",),
        effect="The path to opt out ends at a page that cannot do it: a missing page or a form to send.",
        detection="The page the path reaches answers with an error (404), or the opt-out is a form, not a switch.",
        method="rule",
        refs=(f"{EDPB}: Obstructing › Dead end", f"{BRIGNULL}: Obstruction", "Habib et al. 2020: scavenger hunt"),
    ),
    Pattern(
        name="silent_revert",
        title="Silent revert",
        aliases=("silent-revert", "sneaking", "reappeared"),
        effect="A setting you switched off is found on again, with no action of yours.",
        detection="A re-check finds on a setting last recorded off.",
        method="rule",
        refs=(f"{EDPB}: Skipping (default re-imposed)", f"{BRIGNULL}: Sneaking", f"{GRAY}: sneaking"),
    ),
    Pattern(
        name="nag_after_optout",
        title="Nagging",
        aliases=("nag", "nagging", "continuous-prompting"),
        effect="Once you opt out, the page keeps asking you to switch it back on.",
        detection="With the setting off, a dialog, alert or banner offers to turn it back on.",
        method="heuristic",
        refs=(f"{EDPB}: Overloading › Continuous prompting", f"{BRIGNULL}: Nagging", f"{GRAY}: nagging"),
    ),
    Pattern(
        name="scope_caveat",
        title="Scope caveat",
        aliases=("scope-caveat", "not-retroactive", "conflicting-information"),
        effect="The switch does not cover everything it seems to: past training, or other models, stay.",
        detection="The setting's page says the choice is not retroactive or does not cover other uses.",
        method="heuristic",
        refs=(
            f"{EDPB}: Left in the dark › Conflicting information",
            f"{NCC}: the illusion of control",
            f"{MATHUR}: attribute hides information",
        ),
    ),
    Pattern(
        name="language_discontinuity",
        title="Language discontinuity",
        aliases=("language-discontinuity", "language"),
        effect="The setting and its explanation are not in your language, though the rest of the site is.",
        detection="The setting page's language is not the account's.",
        method="rule",
        refs=(f"{EDPB}: Fickle › Language discontinuity (v1: Left in the dark)",),
    ),
)

_BY_NAME = {p.name: p for p in CATALOGUE}
_BY_ANY_NAME = {key: p for p in CATALOGUE for key in (p.name, p.name.replace("_", "-"), *p.aliases)}


def pattern(name: str) -> Pattern | None:
    """The pattern a name or alias means (case, `-` and `_` ignored), if any."""
    key = name.strip().lower().replace(" ", "-")
    return _BY_ANY_NAME.get(key) or _BY_ANY_NAME.get(key.replace("_", "-"))


def named(
    name: str, text: str, *, screenshot: str | None = None, numbers: dict[str, float] | None = None
) -> DarkPattern:
    """An observation of the catalogue's pattern `name` (a KeyError for a name not in it)."""
    known = _BY_NAME[name]
    return DarkPattern(
        name=known.name,
        evidence=PatternEvidence(text=text, screenshot=screenshot, numbers=numbers or {}),
        refs=list(known.refs),
        method=known.method,
    )
