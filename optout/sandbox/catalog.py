"""Demo accounts and what the product should report for each: the generic part of every catalogue.
(`Expectation` is the language's: a flow's `examples:` say the same of the accounts they name.)

A platform's own accounts module builds its table with `DemoAccount` and the `expect` helpers;
the registry checks every table against its sandbox (platform id, known variants).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from optout.language.examples import Expectation as Expectation  # the demo accounts say it too

#: Variants every platform may serve: a plain account, one already off, and the shared behaviours
#: (see behaviours.py). A platform adds its own (checkpoints, moved pages...) as `extra_variants`.
SHARED_VARIANTS = frozenset(
    {
        "normal",
        "already_off",
        "hydrating",
        "unmarked_placeholder",
        "late",
        "refused",
        "sticky",
        "covered",
        "debounced",
        "layout_changed",
    }
)

Language = Literal["en", "fr"]


class DemoAccount(BaseModel):
    """One account of the sandbox, with the behaviour (`variant`) it demonstrates.

    `variant` is a shared variant or one of its platform's `extra_variants`; the registry checks
    that, since only the platform knows its extras. The passwords are public demo values.
    """

    model_config = ConfigDict(frozen=True)

    platform: str
    username: str
    password: str
    #: What the demo stores in the keyring: the password, except for accounts showing a typo.
    demo_password: str
    language: Language
    variant: str
    description: str
    expect_check: Expectation
    expect_off: Expectation
    #: An authenticator-app secret (base32) the account's code step checks, and the demo stores.
    totp_secret: str | None = None
    #: For a platform with several settings: (setting id, check, off) where a setting's result differs
    #: from `expect_check` / `expect_off` (one switch already off, the other on).
    per_setting: tuple[tuple[str, Expectation, Expectation], ...] = ()

    def expected(self, setting: str) -> tuple[Expectation, Expectation]:
        """What `check` and `off` should report for one of the account's settings."""
        return next(((c, o) for s, c, o in self.per_setting if s == setting), (self.expect_check, self.expect_off))

    @field_validator("username")
    @classmethod
    def _canonical_username(cls, value: str) -> str:
        # Sign-in forms match a typed name case- and space-insensitively against this one.
        if value != value.strip().lower() or not value:
            raise ValueError(f"a demo username must be lower case without surrounding spaces: {value!r}")
        return value


def demo_account(
    platform: str,
    username: str,
    password: str,
    variant: str,
    description: str,
    check: Expectation,
    off: Expectation,
    *,
    language: Language = "en",
    demo_password: str | None = None,
    totp_secret: str | None = None,
    per_setting: tuple[tuple[str, Expectation, Expectation], ...] = (),
) -> DemoAccount:
    """One demo account. Only a mistyped-password account stores something other than its password."""
    return DemoAccount(
        platform=platform,
        username=username,
        password=password,
        demo_password=demo_password or password,
        language=language,
        variant=variant,
        description=description,
        expect_check=check,
        expect_off=off,
        totp_secret=totp_secret,
        per_setting=per_setting,
    )


def expect(outcome: str, state: str, *, verified: bool | None = None, reason: str | None = None) -> Expectation:
    """Shorthand for an `Expectation`."""
    return Expectation(outcome=outcome, state=state, verified=verified, reason=reason)


#: The expectations most accounts share.
ON = expect("checked", "on")
OFF = expect("checked", "off")
SWITCHED = expect("switched_off", "off", verified=True)
#: Nothing was changed, so there was nothing to verify.
ALREADY_OFF = expect("already_off", "off", verified=False)
NO_SWITCH = expect("failed", "unknown", reason="nothing was clicked")
REJECTED = expect("failed", "unknown", reason="rejected")
REFUSED = expect("failed", "on", verified=True, reason="refused")
DID_NOT_STICK = expect("failed", "on", verified=True, reason="did not stick")
#: The platform does not offer the setting to this account (an organisation's, a region without it).
NOT_OFFERED = expect("checked", "not_offered")
NOT_OFFERED_OFF = expect("already_off", "not_offered", verified=False)


def attention(reason: str) -> Expectation:
    """The run stops for the person, saying `reason`."""
    return expect("needs_attention", "unknown", reason=reason)


def match_account(accounts: Iterable[DemoAccount], username: str) -> DemoAccount | None:
    """The account with this username (case and surrounding spaces ignored), if any."""
    wanted = username.strip().lower()
    return next((account for account in accounts if account.username == wanted), None)


#: bench/run.py's crowd: OPTOUT_SANDBOX_CROWD=K adds K ordinary accounts (crowd1 ... crowdK) to the
#: platforms it measures, in the sandbox process it starts. Unset (always, but for the benchmark): none.
CROWD_ENV = "OPTOUT_SANDBOX_CROWD"
CROWD_MOST = 1000
CROWD_DESCRIPTION = "one of the benchmark's ordinary accounts"


def crowd_size() -> int:
    try:
        return max(0, min(int(os.environ.get(CROWD_ENV, "0") or 0), CROWD_MOST))
    except ValueError:
        return 0
