"""The Facebook replica: Facebook's landing page and sign-in, and Meta's AI objection form.

Facts from docs/platforms/facebook.md; Meta documents no markup, so every label and hook here is
[unverified] where it is made (text.py, catalog.py, site.py, templates). Mounted at /facebook; every
URL below is on https://www.facebook.com. The handlers are shared with Instagram (site.MetaSite).

URLs
- / signed out: a landing page with the sign-in form; signed in: the home page, a role=navigation with
  a[href="/me/"] "Your profile". /login/: input[name=email] "Email address or phone number",
  input[name=pass] "Password", button "Log in". A wrong password: back on /login/ with role=alert "The
  password that you've entered is incorrect." After the password: /two_step_verification/two_factor/
  ("Enter the code from your authentication app"), /checkpoint/ ("We noticed unusual activity"),
  /checkpoint/locked/ ("Your account has been locked"). A modal cookie dialog ("Allow the use of cookies
  from Facebook on this browser?", "Allow all cookies" / "Decline optional cookies") covers every page
  until answered (POST /cookie/consent/, cookie fb_cookie_consent).
- /help/contact/712876720715583: signed out → /login/?next=<the form's URL>. Signed in: h1 "Object to
  your information being used for AI at Meta"; the form renders after load (late: 1.5 s): "Email
  address" (prefilled with the account's e-mail), "How does this processing impact you? (optional)",
  "Send". Its POST (email, reason) is recorded in the state's `submissions` and as a write of ai_use,
  stored False only when accepted; the answer says the objection "will be applied from now on to AI
  development at Meta". Variants: already_objected (h2 "We've already received your objection", no
  form), email_empty / phone_only (field empty), email_code (asks for an e-mailed code), form_error
  (role=alert "Something went wrong…"), not_offered ("This form is not available in your region."),
  layout_changed (a first step with "Continue", no "Send").

Accounts (password: <name>-demo-pass; expectations in accounts.py)
nora normal EN · noemie FR · olga already objected · emma no e-mail prefilled · +447700900123 phone
only · cody e-mailed code · fern form error · uma US (not offered) · lena late · reda redesigned ·
wynn demo stores a typo · tess two-factor · cara checkpoint · lou locked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.routing import BaseRoute

from ..catalog import DemoAccount
from ..platform import SandboxContext
from .accounts import ACCOUNTS, EXTRA_VARIANTS, PLATFORM, default_settings, find_account
from .catalog import FACEBOOK
from .site import MetaSite


@dataclass(frozen=True)
class FacebookSandbox:
    """Facebook as a `PlatformSandbox`."""

    platform: str = PLATFORM
    accounts: tuple[DemoAccount, ...] = ACCOUNTS
    extra_variants: frozenset[str] = EXTRA_VARIANTS

    def default_settings(self, account: DemoAccount) -> Mapping[str, bool]:
        return default_settings(account)

    def routes(self, context: SandboxContext) -> list[BaseRoute]:
        return MetaSite(context, FACEBOOK, find_account).routes()


SANDBOX = FacebookSandbox()

__all__ = ["SANDBOX", "FacebookSandbox"]
