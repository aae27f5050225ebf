"""Meta's demo accounts (Facebook's table here; Instagram builds its own with `meta_accounts`) and what
the product should report for each. The passwords are public demo values: they only open the replica.

The objection form is not a switch: `off` sends it only when asked (`--submit-objection`), and what it
reports then is "requested" (the objection was sent in the person's name; Meta confirms by e-mail),
with the state "off" unverified: nothing on a later visit shows it (docs/platforms/facebook.md).
"""

from __future__ import annotations

from collections.abc import Callable

from ..catalog import (
    NOT_OFFERED,
    NOT_OFFERED_OFF,
    OFF,
    ON,
    REJECTED,
    DemoAccount,
    Expectation,
    Language,
    demo_account,
    expect,
    match_account,
)
from .catalog import AI_USE_KEY

PLATFORM = "facebook"

#: Meta's own situations, on top of the shared variants (`normal`, `late`, `layout_changed`).
EXTRA_VARIANTS = frozenset(
    {
        "already_objected",
        "email_empty",
        "phone_only",
        "email_code",
        "form_error",
        "not_offered",
        "two_factor",
        "checkpoint",
        "locked",
    }
)

#: The objection was sent: the state it asks for is "off", which no page can confirm afterwards.
REQUESTED = expect("requested", "off", verified=False)
#: Only a person can go on (a code, a checkpoint, a form with no e-mail to give): nothing was sent, so
#: nothing verified. The reason is the flow's own wording, not fixed here.
ATTENTION = expect("needs_attention", "unknown", verified=False)
FORM_FAILED = expect("failed", "unknown", reason="error")
#: The page itself says the objection was received: off, and verified by the platform's own words.
RECEIVED = expect("already_off", "off", verified=True)
#: No e-mail to give the form (a phone number as the sign-in name): nothing sent, the setting still on.
NO_EMAIL = expect("needs_attention", "on", verified=False, reason="not an e-mail address")
#: A redesigned form: nothing to send, nothing sent.
NO_FORM = expect("failed", "unknown", verified=False)

#: A phone number as the sign-in name (a phone-only account, with no e-mail address on file).
PHONE_NUMBER = "+447700900123"

#: (name, variant, description, check, off, language); `{site}` is the site's name.
_TABLE: tuple[tuple[str, str, str, Expectation, Expectation, Language], ...] = (
    ("nora", "normal", "English account; the form's e-mail field is prefilled", ON, REQUESTED, "en"),
    ("noemie", "normal", "French account (French labels [unverified])", ON, REQUESTED, "fr"),
    ("olga", "already_objected", "the form page says the objection was already received", OFF, RECEIVED, "en"),
    ("emma", "email_empty", "no e-mail prefilled: the sign-in e-mail must be typed in", ON, REQUESTED, "en"),
    ("phil", "phone_only", "signs in with a phone number; no e-mail to give the form", ON, NO_EMAIL, "en"),
    ("cody", "email_code", "after “Send” {site} asks for a code sent by e-mail", ON, ATTENTION, "en"),
    ("fern", "form_error", "the form answers “Something went wrong”: it must not be sent twice", ON, FORM_FAILED, "en"),
    ("uma", "not_offered", "a US account: the form is not available in its region", NOT_OFFERED, NOT_OFFERED_OFF, "en"),
    ("lena", "late", "the form renders late", ON, REQUESTED, "en"),
    ("reda", "layout_changed", "form redesigned: no “Send” button", NO_FORM, NO_FORM, "en"),
    ("wynn", "normal", "the demo stores a mistyped password", REJECTED, REJECTED, "en"),
    ("tess", "two_factor", "asks for the code of an authentication app after the password", ATTENTION, ATTENTION, "en"),
    (
        "cara",
        "checkpoint",
        "“We noticed unusual activity”: a checkpoint after the password",
        ATTENTION,
        ATTENTION,
        "en",
    ),
    ("lou", "locked", "the account is locked after the password", ATTENTION, ATTENTION, "en"),
)


def meta_accounts(platform: str, site: str, username: Callable[[str, str, Language], str]) -> tuple[DemoAccount, ...]:
    """One Meta site's table: `username(name, variant, language)` gives each account's sign-in name."""
    accounts = []
    for name, variant, description, check, off, language in _TABLE:
        if variant == "locked" and platform != PLATFORM:
            continue  # Instagram's locked page is not reproduced
        accounts.append(
            demo_account(
                platform,
                PHONE_NUMBER if variant == "phone_only" else username(name, variant, language),
                f"{name}-demo-pass",
                variant,
                description.format(site=site),
                check,
                off,
                language=language,
                demo_password="wynn-typo-pass" if name == "wynn" else None,
            )
        )
    return tuple(accounts)


def _facebook_username(name: str, variant: str, language: Language) -> str:
    return f"{name}@example.{'fr' if language == 'fr' else 'com'}"


ACCOUNTS: tuple[DemoAccount, ...] = meta_accounts(PLATFORM, "Facebook", _facebook_username)


def email_on_file(account: DemoAccount) -> str | None:
    """The e-mail address the account has, which the form is prefilled with: none for the accounts
    showing an empty field; a plain username's is made from it."""
    if account.variant in ("email_empty", "phone_only"):
        return None
    if "@" in account.username:
        return account.username
    return f"{account.username}@example.{'fr' if account.language == 'fr' else 'com'}"


def find_account(username: str) -> DemoAccount | None:
    return match_account(ACCOUNTS, username)


def default_settings(account: DemoAccount) -> dict[str, bool]:
    """Meta uses the information unless an objection is on record (docs/platforms/facebook.md)."""
    return {AI_USE_KEY: account.variant != "already_objected"}
