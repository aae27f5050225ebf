"""The Claude replica's demo accounts, and what the product should report for each.

Claude has no password (docs/platforms/claude.md): a person signs in by an e-mailed code, and optout
runs on the session they opened. An account's "password" only says so (`optout sandbox` prints it); the
demo stores none, and the sign-in form has no field for one.
"""

from __future__ import annotations

from ..catalog import (
    ALREADY_OFF,
    DID_NOT_STICK,
    NO_SWITCH,
    OFF,
    ON,
    REFUSED,
    SWITCHED,
    DemoAccount,
    Expectation,
    Language,
    attention,
    demo_account,
    expect,
    match_account,
)

PLATFORM = "claude"

#: Claude's own situations, on top of the shared variants.
EXTRA_VARIANTS = frozenset({"lookalikes", "organization", "terms_pending", "no_session", "expired"})

#: The one e-mailed sign-in code the replica accepts (what a person would read in the mailbox).
DEMO_CODE = "482913"

#: Variants for which the person never opened a session, or one the platform has since ended.
NO_PERSON_SESSION = frozenset({"no_session"})
ENDED_SESSION = frozenset({"expired"})

#: Variants whose "Help improve Claude" starts Off: already off, or held off by the organisation.
STARTS_OFF = frozenset({"already_off", "organization"})

#: The result of the terms pop-up: the person has to decide, optout never does.
TERMS_PENDING = expect("needs_attention", "unknown", reason="never accepts terms")

NAMES: dict[str, str] = {}


def _claude(
    username: str,
    name: str,
    variant: str,
    description: str,
    check: Expectation,
    off: Expectation,
    *,
    language: Language = "en",
) -> DemoAccount:
    NAMES[username] = name
    # Claude has no password: what `optout sandbox` shows in that column is how a person signs in here.
    password = f"none: e-mailed code {DEMO_CODE}"
    return demo_account(PLATFORM, username, password, variant, description, check, off, language=language)


ACCOUNTS: tuple[DemoAccount, ...] = (
    _claude("ada@example.com", "Ada Palmer", "normal", "English account; “Help improve Claude” is on", ON, SWITCHED),
    _claude(
        "elise@example.fr",
        "Élise Moreau",
        "normal",
        "French account (« Aider à améliorer Claude », French labels [unverified])",
        ON,
        SWITCHED,
        language="fr",
    ),
    _claude("omar@example.com", "Omar Haddad", "already_off", "the setting is already off", OFF, ALREADY_OFF),
    _claude("lina@example.com", "Lina Berg", "late", "the privacy pane loads late; saves answer late", ON, SWITCHED),
    _claude(
        "kai@example.com",
        "Kai Tanaka",
        "lookalikes",
        "“Location metadata” is on too, a switch of the same kind beside it: it must stay untouched",
        ON,
        SWITCHED,
    ),
    _claude(
        "rosa@example.com",
        "Rosa Díaz",
        "refused",
        "the switch flips at once, then reverts when the server refuses the change",
        ON,
        REFUSED,
    ),
    _claude(
        "stan@example.com",
        "Stan Kowalski",
        "sticky",
        "change does not stick: the server answers Off but the setting is on again after a reload",
        ON,
        DID_NOT_STICK,
    ),
    _claude(
        "remy@example.com",
        "Remy Laurent",
        "layout_changed",
        "redesigned: the privacy pane has no “Help improve Claude” switch",
        NO_SWITCH,
        NO_SWITCH,
    ),
    _claude(
        "tess@example.com",
        "Tess Whitford",
        "terms_pending",
        "the new terms pop-up, its “Help improve Claude” switch preset on: the person decides, never optout",
        TERMS_PENDING,
        TERMS_PENDING,
    ),
    _claude(
        "olga@example.com",
        "Olga Petrova",
        "organization",
        "Team organisation: the setting is held off by the organisation, not offered to the member",
        expect("checked", "not_offered"),
        expect("already_off", "not_offered", verified=False),
    ),
    _claude(
        "nora@example.com",
        "Nora Ahmed",
        "no_session",
        "nobody signed in: no saved session, and optout never asks for an e-mail itself",
        attention("optout login claude"),
        attention("optout login claude"),
    ),
    _claude(
        "ezra@example.com",
        "Ezra Cohen",
        "expired",
        "the saved session was ended by Claude: the person signs in again",
        attention("session expired"),
        attention("session expired"),
    ),
)


def find(username: str) -> DemoAccount | None:
    """The demo account with this username (case and surrounding spaces ignored), if any."""
    return match_account(ACCOUNTS, username)


def display_name(account: DemoAccount) -> str:
    return NAMES[account.username]


def initials(account: DemoAccount) -> str:
    return "".join(part[0] for part in display_name(account).split()[:2]).upper()
