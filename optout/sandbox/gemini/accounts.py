"""The Gemini replica's demo accounts and what the product should report for each.

The passwords are public demo values: they only open the local replica.
"""

from __future__ import annotations

from ..catalog import (
    ALREADY_OFF,
    DID_NOT_STICK,
    NO_SWITCH,
    NOT_OFFERED,
    NOT_OFFERED_OFF,
    OFF,
    ON,
    REFUSED,
    REJECTED,
    SWITCHED,
    DemoAccount,
    Expectation,
    Language,
    attention,
    demo_account,
    match_account,
)
from .catalog import AUDIO_KEY, DELETE_ACTIVITY_KEY, KEEP_ACTIVITY_KEY

PLATFORM = "gemini"

#: Gemini's own situations, on top of the shared variants.
EXTRA_VARIANTS = frozenset({"no_confirm", "old_wording", "workspace", "two_step", "insecure_browser"})


def _g(
    name: str,
    variant: str,
    description: str,
    check: Expectation,
    off: Expectation,
    *,
    language: Language = "en",
    domain: str = "",
    demo_password: str | None = None,
) -> DemoAccount:
    domain = domain or ("example.fr" if language == "fr" else "example.com")
    return demo_account(
        PLATFORM,
        f"{name}@{domain}",
        f"{name}-demo-pass",
        variant,
        description,
        check,
        off,
        language=language,
        demo_password=demo_password,
    )


ACCOUNTS: tuple[DemoAccount, ...] = (
    _g("gemma", "normal", "English account; Keep Activity on; a confirmation dialog follows “Turn off”", ON, SWITCHED),
    _g(
        "gaelle",
        "normal",
        "French account (« Conserver l'activité »; French labels [unverified])",
        ON,
        SWITCHED,
        language="fr",
    ),
    _g("otto", "already_off", "Keep Activity is already off (“Turn on” is offered)", OFF, ALREADY_OFF),
    _g("nico", "no_confirm", "“Turn off” in the menu turns it off at once, without a dialog", ON, SWITCHED),
    _g("lena", "late", "the activity card renders late and saves slowly", ON, SWITCHED),
    _g("oona", "old_wording", "the page still says “Gemini Apps Activity”", ON, SWITCHED),
    _g("rhea", "refused", "the server refuses the change; the card stays on with an error", ON, REFUSED),
    _g("sami", "sticky", "change does not stick: on again after a reload", ON, DID_NOT_STICK),
    _g("reda", "layout_changed", "page redesigned: no “Turn off” button", NO_SWITCH, NO_SWITCH),
    _g(
        "walt",
        "workspace",
        "a Workspace account whose administrator manages the setting",
        NOT_OFFERED,
        NOT_OFFERED_OFF,
        domain="corp.example.com",
    ),
    _g(
        "tess",
        "two_step",
        "2-Step Verification after the password: only a person can answer it",
        attention("2-Step Verification"),
        attention("2-Step Verification"),
    ),
    _g(
        "bria",
        "insecure_browser",
        "Google refuses the browser after the e-mail: “This browser or app may not be secure”",
        attention("may not be secure"),
        attention("may not be secure"),
    ),
    _g("wynn", "normal", "the demo stores a mistyped password", REJECTED, REJECTED, demo_password="wynn-typo-pass"),
)


def find_account(username: str) -> DemoAccount | None:
    """The Gemini demo account with this username (case and surrounding spaces ignored), if any."""
    return match_account(ACCOUNTS, username)


def display_name_of(account: DemoAccount) -> str:
    return account.username.split("@", 1)[0].capitalize()


def default_settings(account: DemoAccount) -> dict[str, bool]:
    """Keep Activity on by default (docs/platforms/gemini.md), the audio look-alike off (opt-in)."""
    return {
        KEEP_ACTIVITY_KEY: account.variant != "already_off",
        AUDIO_KEY: False,
        DELETE_ACTIVITY_KEY: False,
    }
