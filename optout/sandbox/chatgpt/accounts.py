"""The ChatGPT replica's demo accounts, and what the product should report for each.

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
    expect,
    match_account,
)

PLATFORM = "chatgpt"

#: ChatGPT's own situations, on top of the shared variants.
EXTRA_VARIANTS = frozenset({"lookalikes", "verification", "captcha", "tour", "workspace"})

#: The one e-mailed verification code the replica accepts.
DEMO_CODE = "135790"


#: username -> the member's name, as the account button and the `oai-client-auth-info` cookie show it.
NAMES: dict[str, str] = {}


def _chatgpt(
    username: str,
    name: str,
    variant: str,
    description: str,
    check: Expectation,
    off: Expectation,
    *,
    language: Language = "en",
    demo_password: str | None = None,
) -> DemoAccount:
    NAMES[username] = name
    password = username.split("@")[0] + "-gpt-demo-pass"
    return demo_account(
        PLATFORM, username, password, variant, description, check, off, language=language, demo_password=demo_password
    )


ACCOUNTS: tuple[DemoAccount, ...] = (
    _chatgpt(
        "ada@example.com",
        "Ada Palmer",
        "normal",
        "English account; “Improve the model for everyone” is on and can be switched off",
        ON,
        SWITCHED,
    ),
    _chatgpt(
        "elise@example.fr",
        "Élise Moreau",
        "normal",
        "French account (« Améliorer le modèle pour tous »)",
        ON,
        SWITCHED,
        language="fr",
    ),
    _chatgpt("omar@example.com", "Omar Haddad", "already_off", "the setting is already off", OFF, ALREADY_OFF),
    _chatgpt(
        "lina@example.com",
        "Lina Berg",
        "late",
        "Data controls render late; the server answers slowly",
        ON,
        SWITCHED,
    ),
    _chatgpt(
        "kai@example.com",
        "Kai Tanaka",
        "lookalikes",
        "look-alike switches (voice recordings in the same dialog, Memory, Location) must stay untouched",
        ON,
        SWITCHED,
    ),
    _chatgpt(
        "rosa@example.com",
        "Rosa Díaz",
        "refused",
        "the server refuses the change and the switch stays on",
        ON,
        REFUSED,
    ),
    _chatgpt(
        "stan@example.com",
        "Stan Kowalski",
        "sticky",
        "change does not stick: the server answers OK but the setting is on again after a reload",
        ON,
        DID_NOT_STICK,
    ),
    _chatgpt(
        "leo@example.com",
        "Leo Brandt",
        "layout_changed",
        "redesigned: the row's dialog holds no switch",
        NO_SWITCH,
        NO_SWITCH,
    ),
    _chatgpt(
        "vera@example.com",
        "Vera Lind",
        "verification",
        f"e-mailed verification code after the password (code {DEMO_CODE})",
        attention("verification code"),
        attention("verification code"),
    ),
    _chatgpt(
        "cleo@example.com",
        "Cleo Martin",
        "captcha",
        "Cloudflare “Just a moment...” challenge on the way back to chatgpt.com",
        attention("CAPTCHA"),
        attention("CAPTCHA"),
    ),
    _chatgpt(
        "will@example.com",
        "Will Turner",
        "normal",
        "the demo stores a mistyped password",
        REJECTED,
        REJECTED,
        demo_password="will-gpt-typo-pass",
    ),
    _chatgpt(
        "tara@example.com",
        "Tara Singh",
        "tour",
        "a first-run tour covers the app, and comes back once after the switch is clicked",
        ON,
        SWITCHED,
    ),
    _chatgpt(
        "wanda@example.com",
        "Wanda Okafor",
        "workspace",
        "Business workspace: no “Improve the model” row; a note says the data is excluded from training",
        expect("checked", "not_offered"),
        expect("already_off", "not_offered", verified=False),
    ),
)
# bench/run.py's crowd (see catalog.crowd_size): none unless it asks.
ACCOUNTS += tuple(
    _chatgpt(f"crowd{i}@example.com", f"Crowd {i}", "normal", CROWD_DESCRIPTION, ON, SWITCHED)
    for i in range(1, crowd_size() + 1)
)


def find(username: str) -> DemoAccount | None:
    """The demo account with this username (case and surrounding spaces ignored), if any."""
    return match_account(ACCOUNTS, username)


def display_name(account: DemoAccount) -> str:
    return NAMES[account.username]
