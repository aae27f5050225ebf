"""Demo accounts served by the sandbox, and what the product should report for each.

The passwords are public demo values: they only open the local replica.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

OUTCOMES = frozenset({"checked", "already_off", "switched_off", "failed", "needs_attention"})
STATES = frozenset({"on", "off", "unknown"})
VARIANTS = frozenset(
    {"normal", "already_off", "late", "moved", "sticky", "layout_changed", "pin", "captcha", "restricted"}
)

Language = Literal["en", "fr"]

#: The one e-mail PIN the sandbox's checkpoint accepts.
DEMO_PIN = "424242"


class Expectation(BaseModel):
    """What a run of the product against one account should report."""

    model_config = ConfigDict(frozen=True)

    outcome: str
    state: str

    @field_validator("outcome")
    @classmethod
    def _known_outcome(cls, value: str) -> str:
        if value not in OUTCOMES:
            raise ValueError(f"unknown outcome {value!r}")
        return value

    @field_validator("state")
    @classmethod
    def _known_state(cls, value: str) -> str:
        if value not in STATES:
            raise ValueError(f"unknown state {value!r}")
        return value


class DemoAccount(BaseModel):
    """One account of the sandbox, with the behaviour it demonstrates."""

    model_config = ConfigDict(frozen=True)

    platform: str
    username: str
    password: str
    demo_password: str
    language: Language
    variant: str
    description: str
    expect_check: Expectation
    expect_off: Expectation

    @field_validator("variant")
    @classmethod
    def _known_variant(cls, value: str) -> str:
        if value not in VARIANTS:
            raise ValueError(f"unknown variant {value!r}")
        return value


def _expect(outcome: str, state: str) -> Expectation:
    return Expectation(outcome=outcome, state=state)


def _linkedin(
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
    return DemoAccount(
        platform="linkedin",
        username=username,
        password=password,
        # Only the mistyped-password account stores something other than the real password.
        demo_password=demo_password or password,
        language=language,
        variant=variant,
        description=description,
        expect_check=check,
        expect_off=off,
    )


_ON = _expect("checked", "on")
_SWITCHED = _expect("switched_off", "off")
_FAILED_UNKNOWN = _expect("failed", "unknown")
_ATTENTION = _expect("needs_attention", "unknown")

DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    _linkedin(
        "alice@example.com",
        "alice-demo-pass",
        "normal",
        "English account; the setting is on and can be switched off",
        _ON,
        _SWITCHED,
    ),
    _linkedin(
        "camille@example.fr",
        "camille-demo-pass",
        "normal",
        "French account; label wording drifted (« les modèles »)",
        _ON,
        _SWITCHED,
        language="fr",
    ),
    _linkedin(
        "olivia@example.com",
        "olivia-demo-pass",
        "already_off",
        "the setting is already off",
        _expect("checked", "off"),
        _expect("already_off", "off"),
    ),
    _linkedin(
        "lena@example.com",
        "lena-demo-pass",
        "late",
        "setting page renders late; server answers slowly",
        _ON,
        _SWITCHED,
    ),
    _linkedin(
        "mo@example.com",
        "mo-demo-pass",
        "moved",
        "deep link moved: reachable only through the menus",
        _ON,
        _SWITCHED,
    ),
    _linkedin(
        "sam@example.com",
        "sam-demo-pass",
        "sticky",
        "change does not stick: the server snaps it back on reload",
        _ON,
        _expect("failed", "on"),
    ),
    _linkedin(
        "lou@example.com",
        "lou-demo-pass",
        "layout_changed",
        "page redesigned: the switch is gone",
        _FAILED_UNKNOWN,
        _FAILED_UNKNOWN,
    ),
    _linkedin(
        "pat@example.com",
        "pat-demo-pass",
        "pin",
        f"e-mail PIN checkpoint after sign-in (PIN {DEMO_PIN})",
        _ATTENTION,
        _ATTENTION,
    ),
    _linkedin(
        "casey@example.com",
        "casey-demo-pass",
        "captcha",
        "CAPTCHA after sign-in",
        _ATTENTION,
        _ATTENTION,
    ),
    _linkedin(
        "rita@example.com",
        "rita-demo-pass",
        "restricted",
        "restricted account",
        _ATTENTION,
        _ATTENTION,
    ),
    _linkedin(
        "wes@example.com",
        "wes-demo-pass",
        "normal",
        "the demo stores a mistyped password",
        _FAILED_UNKNOWN,
        _FAILED_UNKNOWN,
        demo_password="wes-typo-pass",
    ),
)


def accounts_for(platform: str) -> tuple[DemoAccount, ...]:
    """The demo accounts of one platform, in table order."""
    return tuple(account for account in DEMO_ACCOUNTS if account.platform == platform)


def find_account(platform: str, username: str) -> DemoAccount | None:
    """The demo account with this username (case and surrounding spaces ignored), if any."""
    wanted = username.strip().lower()
    for account in accounts_for(platform):
        if account.username == wanted:
            return account
    return None
