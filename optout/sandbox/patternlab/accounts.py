"""The Pattern Lab's demo accounts: one per pattern of the catalogue, each showing that pattern alone,
and one `clean` account showing none. What the product should report for each is here and in the flow's
`examples:` (patternlab.yaml)."""

from __future__ import annotations

from optout.patterns.catalogue import CATALOGUE

from ..catalog import ALREADY_OFF, OFF, ON, SWITCHED, DemoAccount, Expectation, Language, demo_account, expect

PLATFORM = "patternlab"
#: Public: every Pattern Lab account has this password.
PASSWORD = "lab-demo"
CLEAN = "clean"

#: The account's variant is the pattern it shows (its canonical catalogue name), or `clean`.
EXTRA_VARIANTS = frozenset({CLEAN, *(p.name for p in CATALOGUE)})

#: The path to the switch ends at a missing page: nothing can be clicked.
DEAD_END = expect("failed", "unknown", reason="is not the setting's page")

#: What each page does, beyond the pattern's own effect (shown by `optout sandbox`).
_SHOWS = {
    CLEAN: "no pattern: the switch starts off, and turns off in one click",
    "default_on": "the switch starts on; one click turns it off",
    "buried": "the switch is four pages from home: Settings, Privacy, Data and personalisation, AI training",
    "extra_confirmation": "switching off asks “Turn off AI training?”: Turn off / Cancel",
    "confirmshaming": "the dialog's way out reads “Turn off, I don't care about better answers”",
    "feature_threat": "the dialog warns that features will stop working",
    "asymmetric_choice": "the dialog's “Keep AI training on” is big and bright, “Turn off” tiny and faint",
    "double_negative": "the switch reads “Do not exclude my data from AI training”",
    "dead_end": "the privacy page's “AI training” link ends at a page that isn't available (404)",
    "silent_revert": "switched off, it is on again at the next visit (a sign-in, or back home)",
    "nag_after_optout": "once off, every privacy page asks to turn it back on",
    "scope_caveat": "under the switch: past training and other models are not covered",
    "language_discontinuity": "French account: every page is French but the privacy page, in English",
}

_EXPECTED: dict[str, tuple[Expectation, Expectation]] = {
    CLEAN: (OFF, ALREADY_OFF),
    "dead_end": (DEAD_END, DEAD_END),
}


def username_for(variant: str) -> str:
    return f"{variant}@lab.example"


def _account(variant: str) -> DemoAccount:
    check, off = _EXPECTED.get(variant, (ON, SWITCHED))
    language: Language = "fr" if variant == "language_discontinuity" else "en"
    return demo_account(
        PLATFORM, username_for(variant), PASSWORD, variant, _SHOWS[variant], check, off, language=language
    )


ACCOUNTS: tuple[DemoAccount, ...] = (_account(CLEAN), *(_account(p.name) for p in CATALOGUE))


def find(username: str) -> DemoAccount | None:
    wanted = username.strip().lower()
    return next((a for a in ACCOUNTS if a.username == wanted), None)


def for_variant(variant: str) -> DemoAccount | None:
    return next((a for a in ACCOUNTS if a.variant == variant), None)
