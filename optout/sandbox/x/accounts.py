"""The X replica's demo accounts and what the product should report for each.

The passwords are public demo values: they only open the local replica.
"""

from __future__ import annotations

from ..catalog import (
    ALREADY_OFF,
    CROWD_DESCRIPTION,
    DID_NOT_STICK,
    NO_SWITCH,
    OFF,
    ON,
    REFUSED,
    REJECTED,
    SWITCHED,
    DemoAccount,
    Expectation,
    Language,
    attention,
    crowd_size,
    demo_account,
    match_account,
)
from .catalog import DELETE_HISTORY_KEY, MEMORY_KEY, PERSONALIZATION_KEY, TRAINING_KEY

PLATFORM = "x"

#: X's own situations, on top of the shared variants (normal, already_off, late, refused, sticky, layout_changed...).
EXTRA_VARIANTS = frozenset(
    {"lookalikes_on", "old_wording", "extra_identifier", "two_factor", "authenticator", "captcha", "locked"}
)

#: The one code the two-factor step accepts.
DEMO_CODE = "424242"

#: The authenticator secret of the `authenticator` account (a public demo value): its code step accepts
#: the current TOTP code, one 30-second step either side.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPOPTOUTDEMO234567"

#: First of the made-up numeric user ids carried by the `twid` cookie.
_FIRST_USER_ID = 1_790_000_000_000_000_001


def _x(
    name: str,
    variant: str,
    description: str,
    check: Expectation,
    off: Expectation,
    *,
    language: Language = "en",
    demo_password: str | None = None,
    totp_secret: str | None = None,
) -> DemoAccount:
    domain = "example.fr" if language == "fr" else "example.com"
    password = f"{name}-demo-pass"
    return demo_account(
        PLATFORM,
        f"{name}@{domain}",
        password,
        variant,
        description,
        check,
        off,
        language=language,
        demo_password=demo_password,
        totp_secret=totp_secret,
    )


ACCOUNTS: tuple[DemoAccount, ...] = (
    _x("xavier", "normal", "English account; the training box is checked and can be unchecked", ON, SWITCHED),
    _x(
        "margaux",
        "normal",
        "French account (« Grok et collaborateurs tiers »; French labels [unverified])",
        ON,
        SWITCHED,
        language="fr",
    ),
    _x("oscar", "already_off", "the training box is already unchecked", OFF, ALREADY_OFF),
    _x("leo", "late", "the preference loads slowly (spinner first); saves are slow too", ON, SWITCHED),
    _x(
        "lily",
        "lookalikes_on",
        "all three boxes checked: personalisation and memory must stay untouched",
        ON,
        SWITCHED,
    ),
    _x(
        "rex",
        "refused",
        "the server refuses the change at once and the box snaps back",
        ON,
        REFUSED,
    ),
    _x(
        "stella",
        "sticky",
        "change does not stick: the server says OK but the box is checked again after a reload",
        ON,
        DID_NOT_STICK,
    ),
    _x(
        "remy",
        "layout_changed",
        "page redesigned: the training box is gone (personalisation and memory remain)",
        NO_SWITCH,
        NO_SWITCH,
    ),
    _x(
        "owen",
        "old_wording",
        "the training box keeps its July 2024 label, which begins “Allow your posts” (not “Allow your public data”)",
        ON,
        SWITCHED,
    ),
    _x(
        "ivy",
        "extra_identifier",
        "“unusual activity” step asks for the phone or username (@ivy, or the e-mail again) before the password",
        ON,
        SWITCHED,
    ),
    _x(
        "tara",
        "two_factor",
        f"two-factor code by text message after the password (code {DEMO_CODE}): only a person can type it",
        attention("verification code"),
        attention("verification code"),
    ),
    _x(
        "toby",
        "authenticator",
        "two-factor by authenticator app: the code step accepts the current code of a stored secret",
        ON,
        SWITCHED,
        totp_secret=DEMO_TOTP_SECRET,
    ),
    _x("cass", "captcha", "Arkose CAPTCHA after the password", attention("CAPTCHA"), attention("CAPTCHA")),
    _x(
        "lockie",
        "locked",
        "account locked: every page leads to /account/access",
        attention("locked"),
        attention("locked"),
    ),
    _x("wyatt", "normal", "the demo stores a mistyped password", REJECTED, REJECTED, demo_password="wyatt-typo-pass"),
)
# bench/run.py's crowd (see catalog.crowd_size): none unless it asks.
ACCOUNTS += tuple(_x(f"crowd{i}", "normal", CROWD_DESCRIPTION, ON, SWITCHED) for i in range(1, crowd_size() + 1))


def find_account(username: str) -> DemoAccount | None:
    """The X demo account with this username (case and surrounding spaces ignored), if any."""
    return match_account(ACCOUNTS, username)


def handle_of(account: DemoAccount) -> str:
    """The account's @handle, without the @."""
    return account.username.split("@", 1)[0]


def find_by_identifier(identifier: str) -> DemoAccount | None:
    """The account a sign-in identifier names: its e-mail, or its handle with or without @."""
    wanted = identifier.strip().lower()
    return find_account(wanted) or next((a for a in ACCOUNTS if handle_of(a) == wanted.removeprefix("@")), None)


def user_id_of(account: DemoAccount) -> int:
    """A stable made-up numeric user id (the value `twid` carries)."""
    return _FIRST_USER_ID + ACCOUNTS.index(account)


def display_name_of(account: DemoAccount) -> str:
    return handle_of(account).capitalize()


def default_settings(account: DemoAccount) -> dict[str, bool]:
    """Stored values at reset: training on by default (docs/platforms/x.md), the other two off
    as on the French account seen in the wild, all three on for the look-alike account."""
    lookalikes = account.variant == "lookalikes_on"
    return {
        TRAINING_KEY: account.variant != "already_off",
        PERSONALIZATION_KEY: lookalikes,
        MEMORY_KEY: lookalikes,
        # Not a preference: becomes True when "Delete conversation history" is confirmed.
        DELETE_HISTORY_KEY: False,
    }
