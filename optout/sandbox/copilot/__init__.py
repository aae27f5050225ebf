"""The Microsoft Copilot (consumer) replica: copilot.microsoft.com and the Microsoft sign-in.

Facts from docs/platforms/copilot.md: the two switches "Model training on text" and "Model training
on voice" under Settings → Privacy, both on by default, and organisation (Entra ID) accounts excluded.
The web location, every markup detail, the sign-in pages and all French texts are not documented:
they are [unverified] choices, made at least as awkward as real sites (a landing page before sign-in,
a menu opening on pointerdown, tabs on mousedown, switches that load late). Mounted at /copilot.

URLs
- copilot.microsoft.com/: signed out, a landing page with a "Sign in" button [data-testid=sign-in-button]
  that goes to login.live.com; signed in, the app: the account button [data-testid=profile-button]
  renders after GET /c/api/user, opens a menu (pointerdown) with menuitem "Settings" / "Paramètres",
  which opens a dialog "Settings" with tabs "General" and "Privacy" / "Confidentialité" (mousedown).
  The Privacy panel (h2 "Privacy") reads each switch at GET /c/api/user/settings/<key> (0.2 s; 1.5 s
  for `late`), then shows button[role=switch] rows named by their labels, in this order:
  "Model training on text" (model_training_text), "Model training on voice" (model_training_voice),
  "Personalization and memory" (personalization_memory), "Ad personalization" (ad_personalization).
  Writes: POST /c/api/user/settings/<key> {"value": bool}, the server's answer decides.
  organisation: no switches, a role=status note "Model training settings aren't available for work or
  school accounts. …". layout_changed: the two training switches are gone, the look-alikes remain.
- /auth/callback?code=…: opens the Copilot session (cookie copilot_session; persistent only when
  "Stay signed in?" was answered Yes), then → /.
- login.live.com/oauth20_authorize.srf: e-mail page (input[type=email][name=loginfmt], submit "Next" /
  "Suivant"). An unknown address: role=alert "That Microsoft account doesn't exist. …". A work address
  (olga@contoso.example) → login.microsoftonline.com/common/oauth2/v2.0/authorize?ctx=….
- login.live.com/login.srf?ctx=… (or the organisation's authorize URL): "Enter password",
  input[type=password][name=passwd], submit "Sign in" / "Se connecter"; POST /ppsecure/post.srf
  (organisation: /common/login). Wrong: role=alert "Your account or password is incorrect. …".
- After the password: h1 "Stay signed in?" / "Rester connecté ?" with buttons "No" / "Non" and "Yes" /
  "Oui" (POST /kmsi, LoginOptions 3 or 1), except for `no_kmsi`. The answer is recorded as the
  account's stay_signed_in_no / stay_signed_in_yes (set, never counted as a write).

Accounts (password: <name>-demo-pass; expectations in accounts.py)
cora@outlook.com normal EN · camille@outlook.fr normal FR · otto@outlook.com both off ·
tessa@outlook.com text off, voice on · lena@outlook.com late · ron@outlook.com refused ·
stan@outlook.com does not stick · remi@outlook.com redesigned · nico@outlook.com no "Stay signed in?" ·
olga@contoso.example organisation (not offered) · will@outlook.com demo stores a typo: rejected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.routing import BaseRoute

from ..catalog import DemoAccount
from ..platform import SandboxContext
from .accounts import ACCOUNTS, EXTRA_VARIANTS, PLATFORM, default_settings
from .site import CopilotSite


@dataclass(frozen=True)
class CopilotSandbox:
    """Copilot as a `PlatformSandbox`."""

    platform: str = PLATFORM
    accounts: tuple[DemoAccount, ...] = ACCOUNTS
    extra_variants: frozenset[str] = EXTRA_VARIANTS

    def default_settings(self, account: DemoAccount) -> Mapping[str, bool]:
        return default_settings(account)

    def routes(self, context: SandboxContext) -> list[BaseRoute]:
        return CopilotSite(context).routes()


SANDBOX = CopilotSandbox()

__all__ = ["SANDBOX", "CopilotSandbox"]
