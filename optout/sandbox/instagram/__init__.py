"""The Instagram replica: Instagram's sign-in on www.instagram.com and Meta's AI objection form on
help.instagram.com, with the handlers and templates of the Facebook replica (facebook/site.py).

Facts from docs/platforms/instagram.md; Meta documents no markup, so every label and hook here is
[unverified] (instagram/text.py, instagram/catalog.py, facebook/site.py). Mounted at /instagram.

URLs
- www.instagram.com/accounts/login/: input[name=username] "Phone number, username, or email",
  input[name=password] "Password", button "Log in"; a wrong password: role=alert "Sorry, your password
  was incorrect. Please double-check your password." Then /accounts/onetap/ ("Save your login info?",
  "Save info" / "Not now") before anything else; or /accounts/login/two_factor, /challenge/. The session
  cookie `sessionid` is set for .instagram.com, so it counts on help.instagram.com. The cookie dialog
  ("Allow the use of cookies from Instagram by this browser?") covers every page until answered.
- help.instagram.com/contact/767264225370182: the objection form, as on Facebook (facebook/__init__.py);
  signed out → www.instagram.com/accounts/login/?next=<the form's URL>.

Accounts (password: <name>-demo-pass; the table is Facebook's, less the locked account)
nora.photos normal EN · noemie.photo.fr FR · olga.photos already objected · emma@example.com no e-mail
prefilled · +447700900123 phone only · cody.photos e-mailed code · fern.photos form error · uma.photos
US (not offered) · lena.photos late · reda.photos redesigned · wynn.photos typo · tess.photos two-factor ·
cara.photos checkpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.routing import BaseRoute

from ..catalog import DemoAccount
from ..facebook.site import MetaSite
from ..platform import SANDBOX_DIR, SandboxContext
from ..web import TEMPLATES_DIR, Templates
from .accounts import ACCOUNTS, EXTRA_VARIANTS, PLATFORM, default_settings, find_account
from .catalog import INSTAGRAM


@dataclass(frozen=True)
class InstagramSandbox:
    """Instagram as a `PlatformSandbox`."""

    platform: str = PLATFORM
    accounts: tuple[DemoAccount, ...] = ACCOUNTS
    extra_variants: frozenset[str] = EXTRA_VARIANTS

    def default_settings(self, account: DemoAccount) -> Mapping[str, bool]:
        return default_settings(account)

    def routes(self, context: SandboxContext) -> list[BaseRoute]:
        # Meta's pages: the Facebook replica's templates, with Instagram's brand and texts.
        templates = Templates(SANDBOX_DIR / "facebook" / "templates", TEMPLATES_DIR)
        return MetaSite(context, INSTAGRAM, find_account, templates).routes()


SANDBOX = InstagramSandbox()

__all__ = ["SANDBOX", "InstagramSandbox"]
