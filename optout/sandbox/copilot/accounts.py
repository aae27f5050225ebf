"""The Copilot replica's demo accounts and what the product should report for each.

Every account has two settings (model-training-text, model-training-voice), so two results per run;
an account whose two switches differ says so in `per_setting`. The passwords are public demo values:
they only open the local replica.
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
    demo_account,
    match_account,
)
from .catalog import (
    ADS_KEY,
    MEMORY_KEY,
    STAY_SIGNED_IN_NO,
    STAY_SIGNED_IN_YES,
    TEXT_KEY,
    VOICE_KEY,
)

PLATFORM = "copilot"

#: Copilot's own situations: one switch off and one on; an organisation (work or school) account; no
#: "Stay signed in?" prompt.
EXTRA_VARIANTS = frozenset({"text_off", "organisation", "no_kmsi"})

TEXT_SETTING, VOICE_SETTING = "model-training-text", "model-training-voice"


def _copilot(
    name: str,
    variant: str,
    description: str,
    check: Expectation,
    off: Expectation,
    *,
    language: Language = "en",
    domain: str = "",
    demo_password: str | None = None,
    per_setting: tuple[tuple[str, Expectation, Expectation], ...] = (),
) -> DemoAccount:
    domain = domain or ("outlook.fr" if language == "fr" else "outlook.com")
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
        per_setting=per_setting,
    )


ACCOUNTS: tuple[DemoAccount, ...] = (
    _copilot("cora", "normal", "English account; both training switches on, both can be switched off", ON, SWITCHED),
    _copilot(
        "camille",
        "normal",
        "French account (French labels [unverified]); both training switches on",
        ON,
        SWITCHED,
        language="fr",
    ),
    _copilot("otto", "already_off", "both training switches already off", OFF, ALREADY_OFF),
    _copilot(
        "tessa",
        "text_off",
        "training on text already off, training on voice on: one write, to the voice switch only",
        ON,
        SWITCHED,
        per_setting=((TEXT_SETTING, OFF, ALREADY_OFF),),
    ),
    _copilot("lena", "late", "the Privacy tab's switches load late; saves are slow too", ON, SWITCHED),
    _copilot("ron", "refused", "the server refuses each change at once and the switch snaps back", ON, REFUSED),
    _copilot(
        "stan",
        "sticky",
        "change does not stick: the server says OK, the switch is on again after reopening",
        ON,
        DID_NOT_STICK,
    ),
    _copilot(
        "remi",
        "layout_changed",
        "Privacy tab redesigned: no training switches (the look-alikes remain)",
        NO_SWITCH,
        NO_SWITCH,
    ),
    _copilot(
        "nico",
        "no_kmsi",
        "Microsoft does not ask “Stay signed in?” after the password",
        ON,
        SWITCHED,
    ),
    _copilot(
        "olga",
        "organisation",
        "work account (Entra ID): signs in at login.microsoftonline.com; model training is not offered",
        NOT_OFFERED,
        NOT_OFFERED_OFF,
        domain="contoso.example",
    ),
    _copilot(
        "will",
        "normal",
        "the demo stores a mistyped password: both settings fail, after one password",
        REJECTED,
        REJECTED,
        demo_password="will-typo-pass",
    ),
)


def find_account(username: str) -> DemoAccount | None:
    """The Copilot demo account with this username (case and surrounding spaces ignored), if any."""
    return match_account(ACCOUNTS, username)


def display_name_of(account: DemoAccount) -> str:
    return account.username.split("@", 1)[0].capitalize()


def is_organisation(account: DemoAccount) -> bool:
    return account.variant == "organisation"


def default_settings(account: DemoAccount) -> dict[str, bool]:
    """Stored values at reset: both training switches on (the documented default), off for the
    already-off account, text off for `text_off`; the look-alikes on, so that touching them would show."""
    off = account.variant == "already_off"
    return {
        TEXT_KEY: not off and account.variant != "text_off",
        VOICE_KEY: not off,
        MEMORY_KEY: True,
        ADS_KEY: True,
        STAY_SIGNED_IN_YES: False,
        STAY_SIGNED_IN_NO: False,
    }
