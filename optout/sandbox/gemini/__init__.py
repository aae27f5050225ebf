"""The Google Gemini replica: Google's sign-in and the Gemini activity page ("Keep Activity").

Facts from docs/platforms/gemini.md (the setting, and the pages §6); anything it does not document is
marked [unverified] where it is made (text.py, catalog.py, site.py, templates). Mounted at /gemini;
every URL below is on https://accounts.google.com or https://myactivity.google.com.

URLs
- accounts.google.com/ServiceLogin?continue=URL → /v3/signin/identifier (h1 "Sign in", textbox "Email or
  phone", input[type=email], button "Next"; the form renders late) → /v3/signin/challenge/pwd?TL=…
  (h1 "Welcome", textbox "Enter your password", input[type=password][name=Passwd], button "Next"; a wrong
  password: role=alert "Wrong password…") → myactivity.google.com/accounts/SetSID (session cookie SID on
  each host) → the continue page. Variants: two_step → /v3/signin/challenge/ipp (h1 "2-Step
  Verification"); insecure_browser → /v3/signin/rejected right after the e-mail (h1 "Couldn't sign you
  in", "This browser or app may not be secure."), so no password is ever typed.
- myactivity.google.com/product/gemini: signed out → ServiceLogin. Signed in: Google's bar with the
  account button a[aria-label^="Google Account:"], h1 "Keep Activity" ("Gemini Apps Activity" for
  old_wording); the card renders after its data call (role=progressbar "Loading" first): status "On" and
  button "Turn off" (aria-haspopup=menu) → role=menu with menuitems "Turn off" and "Turn off and delete
  activity". "Turn off" → (after 0.5 s) a modal role=dialog "Turn off Keep Activity?" (the page behind
  aria-hidden) with "Cancel" and "Turn off"; no_confirm: no dialog, it saves at once. The delete item →
  dialog "Turn off and delete activity?" with "Cancel" and "Delete": a write of delete_activity (never
  made by optout). While off: status "Off", button "Turn on". The look-alike checkbox "Improve Google
  services with your audio and Gemini Live recordings" (off, opt-in). workspace: role=status "Your
  administrator manages Keep Activity for your organization", no button. layout_changed: no button.
  Data: GET STATE_PATH, POST WRITE_PATH {key, value} (made up).

Accounts (password: <name>-demo-pass; expectations in accounts.py)
gemma@example.com normal EN · gaelle@example.fr normal FR · otto already off · nico no dialog ·
lena late · oona old wording · rhea refused · sami does not stick · reda redesigned · walt Workspace
(not offered) · tess 2-Step Verification · bria "browser may not be secure" · wynn demo stores a typo.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.routing import BaseRoute

from ..catalog import DemoAccount
from ..platform import SandboxContext
from .accounts import ACCOUNTS, EXTRA_VARIANTS, PLATFORM, default_settings
from .site import GeminiSite


@dataclass(frozen=True)
class GeminiSandbox:
    """Google Gemini as a `PlatformSandbox`."""

    platform: str = PLATFORM
    accounts: tuple[DemoAccount, ...] = ACCOUNTS
    extra_variants: frozenset[str] = EXTRA_VARIANTS

    def default_settings(self, account: DemoAccount) -> Mapping[str, bool]:
        return default_settings(account)

    def routes(self, context: SandboxContext) -> list[BaseRoute]:
        return GeminiSite(context).routes()


SANDBOX = GeminiSandbox()

__all__ = ["SANDBOX", "GeminiSandbox"]
