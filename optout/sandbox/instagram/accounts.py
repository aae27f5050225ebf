"""Instagram's demo accounts: Meta's table (facebook/accounts.py) with Instagram usernames. The
passwords are public demo values: they only open the replica."""

from __future__ import annotations

from ..catalog import DemoAccount, Language, match_account
from ..facebook.accounts import EXTRA_VARIANTS as EXTRA_VARIANTS
from ..facebook.accounts import default_settings as default_settings
from ..facebook.accounts import meta_accounts

PLATFORM = "instagram"


def _instagram_username(name: str, variant: str, language: Language) -> str:
    # Most sign in with a plain username; the one with no e-mail on file signs in with its e-mail,
    # which is then what the form must be given.
    if variant == "email_empty":
        return f"{name}@example.com"
    return f"{name}.{'photos' if language == 'en' else 'photo.fr'}"


ACCOUNTS: tuple[DemoAccount, ...] = meta_accounts(PLATFORM, "Instagram", _instagram_username)


def find_account(username: str) -> DemoAccount | None:
    return match_account(ACCOUNTS, username)
