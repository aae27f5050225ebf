"""The ChatGPT replica: https://chatgpt.com and https://auth.openai.com, both served from /chatgpt.

For the flow author (the markup of the real settings path follows docs/platforms/chatgpt.md §5; the sign-in
pages, their error texts, the tour, the workspace note and every French text are plausible choices,
marked [unverified]; French labels are given after the slash).

URLs
- chatgpt.com `/`: the app. Signed out: button "Log in"/"Se connecter" (`data-testid=login-button`),
  which signs in as the landing page's does. `/#settings/<Tab>` opens Settings on a tab: General,
  Notifications, Personalization, Connectors, DataControls, Security, Account (unknown tab: General).
- chatgpt.com `/auth/login`: a landing page, no form: heading "Get started"/"Commencer", link "Try it
  first"/"Essayer d'abord", and buttons "Log in"/"Se connecter" (`data-testid=login-button`) and "Sign up
  for free"/"S'inscrire gratuitement" (`signup-button`) that render only after load, once GET
  `/api/auth/csrf` answered (0.4 s). A click (NextAuth's signIn) POSTs the token to
  `/api/auth/signin/openai` → 303 auth.openai.com `/api/accounts/authorize?...` → 303 `/log-in`.
- auth.openai.com `/log-in`: heading "Welcome back"/"Bon retour parmi nous", `input#email`
  (type=email, autocomplete=email, label "Email address"/"Adresse e-mail"), button "Continue"/"Continuer"
  (use an exact name: "Continue with Google"... buttons sit below) → 303 `/log-in/password`.
- auth.openai.com `/log-in/password`: heading "Enter your password"/"Saisissez votre mot de passe",
  a read-only `input#username` (autocomplete=username), `input#password` (autocomplete=current-password,
  label "Password"/"Mot de passe"), button "Continue"/"Continuer" → 303 chatgpt.com
  `/api/auth/callback/openai?code=…&state=…` (sets `__Secure-next-auth.session-token` and
  `oai-client-auth-info` on .chatgpt.com) → 303 chatgpt.com `/`.
- auth.openai.com `/email-verification`: heading "Check your inbox"/"Consultez votre boîte de réception",
  `input#code` (autocomplete=one-time-code, label "Code"), buttons "Continue" and "Resend email".
- chatgpt.com `/api/auth/error?__cf_chl_rt_tk=…`: Cloudflare's interstitial (HTTP 403).
- Data requests (for quiet periods): chatgpt.com `/api/auth/session` and `/backend-api/...`: GET
  `/backend-api/settings/user`, PATCH `/backend-api/settings/account_user_setting?feature=<key>&value=`
  (`training_allowed` is the AI-training setting; each other control has its own key).

The settings path (Radix behaviours: the menu opens on pointerdown, tabs switch on mousedown; a bare
element.click() does neither; a real pointer click does both)
1. `button[data-testid=accounts-profile-button]`, named after the member ("Ada Palmer Plus"):
   role=menu with menuitem "Settings"/"Paramètres" (`data-testid=settings-menu-item`), also
   "Personalization", "Log out"/"Se déconnecter" (`log-out-menu-item`).
2. dialog "Settings"/"Paramètres" (close: button "Close"/"Fermer", `data-testid=close-button`, or
   Escape), tablist with tab "Data controls"/"Gestion des données" (`data-testid=data-controls-tab`,
   aria-selected). The pane shows a busy skeleton (`[aria-busy=true]`) until the settings read answers.
3. row `button[data-testid=improve-model-open-modal-button]` named "Improve the model for everyone On"
   (or "Off"; FR "Améliorer le modèle pour tous Activé/Désactivé"). Other rows: "Location Off",
   "Remote browser data On" (each opens its own dialog with its own switch), then "Shared links",
   "Archived chats" (button "Manage"/"Gérer"), "Archive all chats", "Delete all chats", "Export data".
4. a second dialog "Model improvement"/"Amélioration du modèle" (while it is open, everything else,
   Settings included, is aria-hidden) with `button[role=switch][data-testid=improve-model-toggle]`
   named "Improve the model for everyone"/"Améliorer le modèle pour tous": state in aria-checked and
   data-state (checked/unchecked). A click sends the PATCH; the attribute changes only when the server
   has answered, and shows what it answered. Then button "Done"/"Terminé", or Escape.
Look-alikes: in Personalization, switch "Reference saved memories" (`memory-toggle`) and a plain button
"Reference chat history" (not a role=switch); in General, switch "Show follow up suggestions in chats";
the look-alike account's dialog also holds switches "Include your audio recordings" and "Include your
video recordings" after the real one.

How each state shows
- signed in: `[data-testid=accounts-profile-button]` (and the cookie `oai-client-auth-info`, URL-encoded
  JSON with `user.name`).
- signed out: `[data-testid=login-button]` on chatgpt.com (`/` and the landing page `/auth/login`); the
  e-mail step on auth.openai.com/log-in.
- rejected: on auth.openai.com/log-in/password, role=alert "Incorrect email address or password" /
  "Adresse e-mail ou mot de passe incorrect"; on /log-in, "We couldn't find an account with this email
  address." / "Aucun compte n'est associé à cette adresse e-mail", "Email is not valid." / "L'adresse
  e-mail n'est pas valide.". A forged or stale sign-in: heading "Oops, an error occurred!" / "Oups, une
  erreur s'est produite !".
- verification code: URL auth.openai.com/email-verification, `input[autocomplete=one-time-code]`.
- CAPTCHA: title "Just a moment..." / "Un instant…", `#cf-turnstile` holding
  `iframe[src*='challenges.cloudflare']` titled "Widget containing a Cloudflare security challenge";
  URL `/api/auth/error?__cf_chl_rt_tk=`; HTTP 403 with `cf-mitigated: challenge`.
- not offered (workspace): Data controls has no Improve row; `[data-testid=workspace-training-note]`,
  role=note: "Your workspace's data is excluded from training by default." / "Les données de votre
  espace de travail sont exclues de l'entraînement par défaut."
- tour overlay: dialog "Tips for getting started" (step 2: "Don't share sensitive info") /
  "Conseils pour bien démarrer" ("Ne partagez pas d'informations sensibles"), `data-testid=onboarding-tour`;
  buttons "Skip"/"Passer", "Next"/"Suivant" (step 2: "Okay, let's go"/"C'est parti"), "Close"/"Fermer";
  Escape closes it too. It covers the whole page and takes every pointer event until dismissed.

Accounts (password: `<name>-gpt-demo-pass`; see accounts.py for the expectations)
- ada@example.com: English; the setting is on and can be switched off.
- elise@example.fr: French.
- omar@example.com: already off.
- lina@example.com: late: Data controls wait ~1.5 s for the settings read; writes answer 0.8 s late.
- kai@example.com: look-alike switches in the same dialog; only `training_allowed` may be written.
- rosa@example.com: refused: the server answers with the kept value (On); the switch never flips.
- stan@example.com: does not stick: answered Off, but On again after a reload.
- leo@example.com: redesigned: the row has no state word and its dialog no switch.
- vera@example.com: e-mailed verification code after the password (code in accounts.DEMO_CODE).
- cleo@example.com: Cloudflare interstitial on the way back to chatgpt.com (no session).
- will@example.com: the demo stores a mistyped password.
- tara@example.com: first-run tour at the first load, and once more right after the switch answered.
- wanda@example.com: Business workspace: the setting is not offered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.routing import BaseRoute

from ..catalog import DemoAccount
from ..platform import SandboxContext
from .accounts import ACCOUNTS, EXTRA_VARIANTS, PLATFORM
from .catalog import default_settings
from .routes import build_routes


@dataclass(frozen=True)
class ChatGPTSandbox:
    """ChatGPT as a `PlatformSandbox`: both origins served from one mount."""

    platform: str = PLATFORM
    accounts: tuple[DemoAccount, ...] = ACCOUNTS
    extra_variants: frozenset[str] = EXTRA_VARIANTS

    def default_settings(self, account: DemoAccount) -> Mapping[str, bool]:
        return default_settings(account)

    def routes(self, context: SandboxContext) -> list[BaseRoute]:
        return build_routes(context)


SANDBOX = ChatGPTSandbox()

__all__ = ["SANDBOX", "ChatGPTSandbox"]
