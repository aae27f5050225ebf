"""LinkedIn's demo accounts, in table order, and what the product should report for each.

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
    SHARED_VARIANTS,
    SWITCHED,
    DemoAccount,
    Expectation,
    Language,
    attention,
    crowd_size,
    demo_account,
)

PLATFORM = "linkedin"

#: LinkedIn's own situations, on top of the shared variants.
EXTRA_VARIANTS = frozenset({"moved", "pin", "captcha", "restricted", "app_approval", "remember_me"})
VARIANTS = SHARED_VARIANTS | EXTRA_VARIANTS

#: The one e-mail PIN the sandbox's checkpoint accepts.
DEMO_PIN = "424242"


def _account(
    username: str,
    password: str,
    variant: str,
    description: str,
    check: Expectation,
    off: Expectation,
    *,
    language: Language = "en",
    demo_password: str | None = None,
) -> DemoAccount:
    return demo_account(
        PLATFORM, username, password, variant, description, check, off, language=language, demo_password=demo_password
    )


ACCOUNTS: tuple[DemoAccount, ...] = (
    _account(
        "alice@example.com",
        "alice-demo-pass",
        "normal",
        "English account; the setting is on and can be switched off",
        ON,
        SWITCHED,
    ),
    _account(
        "camille@example.fr",
        "camille-demo-pass",
        "normal",
        "French account; label wording drifted (« les modèles »)",
        ON,
        SWITCHED,
        language="fr",
    ),
    _account(
        "olivia@example.com",
        "olivia-demo-pass",
        "already_off",
        "the setting is already off",
        OFF,
        ALREADY_OFF,
    ),
    _account(
        "hana@example.com",
        "hana-demo-pass",
        "hydrating",
        "page shows a placeholder On, then loads the real value (Off)",
        OFF,
        ALREADY_OFF,
    ),
    _account(
        "lena@example.com",
        "lena-demo-pass",
        "late",
        "setting page renders late; server answers slowly",
        ON,
        SWITCHED,
    ),
    _account(
        "mo@example.com",
        "mo-demo-pass",
        "moved",
        "deep link moved: reachable only through the menus",
        ON,
        SWITCHED,
    ),
    _account(
        "sam@example.com",
        "sam-demo-pass",
        "sticky",
        "change does not stick: the server snaps it back on reload",
        ON,
        DID_NOT_STICK,
    ),
    _account(
        "nora@example.com",
        "nora-demo-pass",
        "covered",
        "the switch sits under its label (LinkedIn's artdeco toggle): clicks land on the label",
        ON,
        SWITCHED,
    ),
    _account(
        "uma@example.com",
        "uma-demo-pass",
        "unmarked_placeholder",
        "page first shows Off, not marked busy, then loads the real value (On)",
        ON,
        SWITCHED,
    ),
    _account(
        "dev@example.com",
        "dev-demo-pass",
        "debounced",
        "the switch stays enabled and the save is sent 400 ms after the click",
        ON,
        SWITCHED,
    ),
    _account(
        "ray@example.com",
        "ray-demo-pass",
        "refused",
        "the server refuses the change at once and the switch snaps back on",
        ON,
        REFUSED,
    ),
    _account(
        "abe@example.com",
        "abe-demo-pass",
        "app_approval",
        "sign-in waits for approval in the LinkedIn app",
        attention("app"),
        attention("app"),
    ),
    _account(
        "rem@example.com",
        "rem-demo-pass",
        "remember_me",
        "signed in, but a “Remember me on this browser?” prompt comes before the feed",
        ON,
        SWITCHED,
    ),
    _account(
        "lou@example.com",
        "lou-demo-pass",
        "layout_changed",
        "page redesigned: the switch is gone",
        NO_SWITCH,
        NO_SWITCH,
    ),
    _account(
        "pat@example.com",
        "pat-demo-pass",
        "pin",
        f"e-mail PIN checkpoint after sign-in (PIN {DEMO_PIN})",
        attention("verification code"),
        attention("verification code"),
    ),
    _account(
        "casey@example.com",
        "casey-demo-pass",
        "captcha",
        "CAPTCHA after sign-in",
        attention("CAPTCHA"),
        attention("CAPTCHA"),
    ),
    _account(
        "rita@example.com",
        "rita-demo-pass",
        "restricted",
        "restricted account",
        attention("restricted"),
        attention("restricted"),
    ),
    _account(
        "wes@example.com",
        "wes-demo-pass",
        "normal",
        "the demo stores a mistyped password",
        REJECTED,
        REJECTED,
        demo_password="wes-typo-pass",
    ),
)
# bench/run.py's crowd (see catalog.crowd_size): none unless it asks.
ACCOUNTS += tuple(
    _account(f"crowd{i}@example.com", f"crowd{i}-demo-pass", "normal", CROWD_DESCRIPTION, ON, SWITCHED)
    for i in range(1, crowd_size() + 1)
)
