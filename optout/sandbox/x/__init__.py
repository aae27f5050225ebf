"""The X (Twitter) replica: x.com's sign-in flow, home, settings menus and the Grok data-sharing page.

Facts from docs/platforms/x.md (the setting, and the pages §4); anything it does not
document is marked [unverified] where it is made (text.py, catalog.py, templates). Mounted at /x;
every URL below is on https://x.com. Headings: the sign-in steps' and plain pages' are h1, the
signed-in pages' titles are h2 (an h1 there only wraps the X logo link, named "X").

URLs
- /i/flow/login[?redirect_after_login=/path]: the sign-in flow, every step on this one URL (the page's
  script calls POST /i/api/1.1/onboarding/task.json, sending ct0 back as x-csrf-token). /login → here.
- /home: signed-in home. /: landing (signed out) or → /home.
- /settings → /settings/account; /settings/<category> (account, security_and_account_access,
  privacy_and_safety, notifications, accessibility_display_and_languages, about); other
  /settings/<row> pages are inert.
- /settings/grok_settings: the Grok page. Its data: GET /i/api/graphql/<id>/GrokSettingsScreenQuery;
  saves: POST /i/api/graphql/<id>/XaiDataSharingSettingsMutation (and one mutation per other box).
- /account/access: "Your account has been locked". Unknown paths: 404 page.
- Signed out, any signed-in URL → 302 /i/flow/login?redirect_after_login=<path>; signed in as a
  locked account → 302 /account/access.

Sign-in steps (h1#modal-header tells the steps apart; EN / FR, FR [unverified] unless noted)
1. heading "Sign in to X" / "Connectez-vous à X"; textbox "Phone, email, or username" / "Numéro de
   téléphone, adresse email ou nom d'utilisateur" (input[autocomplete=username][name=text]); button
   "Next" / "Suivant" [data-testid=LoginForm_Next_Button] (Enter works too).
2. (extra_identifier only) heading "Enter your phone number or username" / "Entrez votre numéro de
   téléphone ou votre nom d'utilisateur"; textbox "Phone or username" / "Numéro de téléphone ou nom
   d'utilisateur" (input[data-testid=ocfEnterTextTextInput]); button "Next" / "Suivant"
   [data-testid=ocfEnterTextNextButton], aria-disabled until filled. Accepts the @handle (the
   e-mail's local part, with or without @) or the e-mail again [unverified].
3. heading "Enter your password" / "Entrez votre mot de passe"; textbox "Password" / "Mot de passe"
   (input[name=password][autocomplete=current-password]); button "Log in" / "Se connecter"
   [data-testid=LoginForm_Login_Button], aria-disabled="true" until the field is filled.
4. (two_factor and authenticator only) heading "Enter your verification code" / "Entrez votre code de
   vérification"; text "We sent a code by text message …" (two_factor: code 424242, for a person to
   type) or "Use your code generator app …" (authenticator: the current TOTP code of
   accounts.DEMO_TOTP_SECRET, one 30-second step either side); textbox "Enter code" / "Entrer le code"
   (same ocfEnterText test ids as step 2, autocomplete=one-time-code).
Then the page goes to redirect_after_login (else /home) with cookies auth_token (HttpOnly), ct0
(new value) and twid=u%3D<id>.

States
- signed in: URL /home or /settings/...; a[href="/home"] (logo "X" and nav link "Home" / "Accueil",
  [data-testid=AppTabBar_Home_Link]); nav "Primary" / "Principal"; cookies auth_token, ct0, twid.
  (The Grok page's own heading is an h2, which a rule reading h1 headings only will not see.)
- signed out: URL /i/flow/login (or the landing /); input[autocomplete=username].
- rejected: on /i/flow/login, [role=alert][data-testid=toast] "Wrong password!" / "Mot de passe
  incorrect !" (unknown account: "Sorry, we could not find your account." / "Désolé, nous n'avons pas
  trouvé votre compte."); the password step stays.
- verification: /i/flow/login, heading "Enter your verification code" + input[data-testid=ocfEnterTextTextInput].
- captcha: /i/flow/login, iframe#arkose_iframe (heading "Authenticate your account" / "Authentifiez
  votre compte").
- locked: URL /account/access, h1 "Your account has been locked" / "Votre compte a été verrouillé",
  input[type=submit][value=Start].

Menu path (all links; names EN / FR [unverified] except « Grok et collaborateurs tiers »)
/settings/account → link "Privacy and safety" / "Confidentialité et sécurité" → link
"Grok & Third-party Collaborators" / "Grok et collaborateurs tiers" (section "Data sharing and
personalization"). Also: nav button "More" / "Plus" → menuitem "Settings and privacy" / "Paramètres
et confidentialité" (a[href="/settings"]).

The Grok page (/settings/grok_settings)
- h2 "Grok & Third-party Collaborators" / "Grok et collaborateurs tiers" at once; then a fallback
  (role=progressbar "Loading" / "Chargement") until the preference query answers (~0.2 s; 1.5 s for
  `late`); then h3 "Data Sharing" / "Partage des données" and [data-testid=xaiDataSharingSettings]
  holding native checkboxes, each inside a wrapping <label> (its accessible name), with
  aria-describedby="CHECKBOX_<n>_LABEL" numbered by render order, in this order:
  1. training, key allow_xai_data_sharing: "Allow your public data as well as your interactions,
     inputs, and results with Grok and xAI to be used for training and fine-tuning" / "Autoriser
     l'utilisation de vos données publiques ainsi que de vos interactions, entrées et résultats avec
     Grok et xAI à des fins d'entraînement et d'affinage" [unverified];
     old_wording: "Allow your posts as well as your interactions, inputs, and results with Grok to be
     used for training and fine-tuning." (FR likewise: "Autoriser l'utilisation de vos posts …");
  2. personalisation, allow_xai_personalization: "Allow X to personalize your experience with Grok" /
     "Autoriser X à personnaliser votre expérience avec Grok";
  3. memory, allow_grok_memory: "Allow Grok to remember your conversation history" / "Autoriser Grok à
     se souvenir de l'historique de vos conversations".
  State: `.checked`. Each change is saved at once (the box is disabled and aria-busy meanwhile); the
  server's answer decides (a refusal snaps the box back and shows a toast).
- button "Delete conversation history" / "Supprimer l'historique des conversations" opens a sheet
  (role=alertdialog; [data-testid=confirmationSheetConfirm] "Delete"): never press it; a confirmed
  delete is logged as a write of key delete_conversation_history.
- layout_changed: no training box: personalisation becomes CHECKBOX_1_LABEL.

Accounts (password: <name>-demo-pass; expectations in accounts.py)
xavier@example.com normal EN · margaux@example.fr normal FR · oscar@example.com already off ·
leo@example.com late (slow query and saves) · lily@example.com all three boxes checked ·
rex@example.com refused · stella@example.com does not stick · remy@example.com redesigned (no training
box) · owen@example.com old wording · ivy@example.com extra-identifier step · tara@example.com
two-factor code by SMS · toby@example.com authenticator app
(the demo stores its secret) · cass@example.com Arkose CAPTCHA · lockie@example.com locked ·
wyatt@example.com demo stores a typo (wyatt-typo-pass): rejected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.routing import BaseRoute

from ..catalog import DemoAccount
from ..platform import SandboxContext
from .accounts import ACCOUNTS, EXTRA_VARIANTS, PLATFORM, default_settings
from .site import XSite


@dataclass(frozen=True)
class XSandbox:
    """X as a `PlatformSandbox`."""

    platform: str = PLATFORM
    accounts: tuple[DemoAccount, ...] = ACCOUNTS
    extra_variants: frozenset[str] = EXTRA_VARIANTS

    def default_settings(self, account: DemoAccount) -> Mapping[str, bool]:
        return default_settings(account)

    def routes(self, context: SandboxContext) -> list[BaseRoute]:
        return XSite(context).routes()


SANDBOX = XSandbox()

__all__ = ["SANDBOX", "XSandbox"]
