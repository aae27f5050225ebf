"""Demo accounts served by the sandbox, and what the product should report for each.

The passwords are public demo values: they only open the local replica.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

OUTCOMES = frozenset({"checked", "already_off", "switched_off", "failed", "needs_attention"})
STATES = frozenset({"on", "off", "unknown"})
VARIANTS = frozenset(
    {
        "normal",
        "already_off",
        "hydrating",
        "late",
        "moved",
        "sticky",
        "layout_changed",
        "pin",
        "captcha",
        "restricted",
        "covered",
        "unmarked_placeholder",
        "debounced",
        "refused",
        "app_approval",
        "remember_me",
    }
)

Language = Literal["en", "fr"]

#: The one e-mail PIN the sandbox's checkpoint accepts.
DEMO_PIN = "424242"


class Expectation(BaseModel):
    """What a run of the product against one account should report.

    `verified` and `reason` are only checked when set; `reason` is a case-insensitive
    substring of the run's reason.
    """

    model_config = ConfigDict(frozen=True)

    outcome: str
    state: str
    verified: bool | None = None
    reason: str | None = None

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

    @field_validator("reason")
    @classmethod
    def _meaningful_reason(cls, value: str | None) -> str | None:
        # An empty substring would match every reason and so check nothing.
        if value is not None and not value.strip():
            raise ValueError("an expected reason must not be blank")
        return value

    def met_by(self, outcome: str, state: str, verified: bool, reason: str | None) -> bool:
        """Whether a run that reported these values is what this account should produce."""
        if (outcome, state) != (self.outcome, self.state):
            return False
        if self.verified is not None and verified != self.verified:
            return False
        return self.reason is None or (reason is not None and self.reason.casefold() in reason.casefold())


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


def _expect(outcome: str, state: str, *, verified: bool | None = None, reason: str | None = None) -> Expectation:
    return Expectation(outcome=outcome, state=state, verified=verified, reason=reason)


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
_SWITCHED = _expect("switched_off", "off", verified=True)
_CHECKED_OFF = _expect("checked", "off")
# Nothing was changed, so there was nothing to verify.
_ALREADY_OFF = _expect("already_off", "off", verified=False)
_NO_SWITCH = _expect("failed", "unknown", reason="nothing was clicked")
_REJECTED = _expect("failed", "unknown", reason="rejected")


def _attention(reason: str) -> Expectation:
    return _expect("needs_attention", "unknown", reason=reason)


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
        _CHECKED_OFF,
        _ALREADY_OFF,
    ),
    _linkedin(
        "hana@example.com",
        "hana-demo-pass",
        "hydrating",
        "page shows a placeholder On, then loads the real value (Off)",
        _CHECKED_OFF,
        _ALREADY_OFF,
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
        _expect("failed", "on", verified=True, reason="did not stick"),
    ),
    _linkedin(
        "nora@example.com",
        "nora-demo-pass",
        "covered",
        "the switch sits under its label (LinkedIn's artdeco toggle): clicks land on the label",
        _ON,
        _SWITCHED,
    ),
    _linkedin(
        "uma@example.com",
        "uma-demo-pass",
        "unmarked_placeholder",
        "page first shows Off, not marked busy, then loads the real value (On)",
        _ON,
        _SWITCHED,
    ),
    _linkedin(
        "dev@example.com",
        "dev-demo-pass",
        "debounced",
        "the switch stays enabled and the save is sent 400 ms after the click",
        _ON,
        _SWITCHED,
    ),
    _linkedin(
        "ray@example.com",
        "ray-demo-pass",
        "refused",
        "the server refuses the change at once and the switch snaps back on",
        _ON,
        _expect("failed", "on", verified=True, reason="refused"),
    ),
    _linkedin(
        "abe@example.com",
        "abe-demo-pass",
        "app_approval",
        "sign-in waits for approval in the LinkedIn app",
        _attention("app"),
        _attention("app"),
    ),
    _linkedin(
        "rem@example.com",
        "rem-demo-pass",
        "remember_me",
        "signed in, but a “Remember me on this browser?” prompt comes before the feed",
        _ON,
        _SWITCHED,
    ),
    _linkedin(
        "lou@example.com",
        "lou-demo-pass",
        "layout_changed",
        "page redesigned: the switch is gone",
        _NO_SWITCH,
        _NO_SWITCH,
    ),
    _linkedin(
        "pat@example.com",
        "pat-demo-pass",
        "pin",
        f"e-mail PIN checkpoint after sign-in (PIN {DEMO_PIN})",
        _attention("verification code"),
        _attention("verification code"),
    ),
    _linkedin(
        "casey@example.com",
        "casey-demo-pass",
        "captcha",
        "CAPTCHA after sign-in",
        _attention("CAPTCHA"),
        _attention("CAPTCHA"),
    ),
    _linkedin(
        "rita@example.com",
        "rita-demo-pass",
        "restricted",
        "restricted account",
        _attention("restricted"),
        _attention("restricted"),
    ),
    _linkedin(
        "wes@example.com",
        "wes-demo-pass",
        "normal",
        "the demo stores a mistyped password",
        _REJECTED,
        _REJECTED,
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
