"""The Claude replica: https://claude.ai, served from /claude.

Facts from docs/platforms/claude.md (the setting; the pages §6); anything it does not document is
marked [unverified] where it is made (text.py, catalog.py, site.py, templates). French labels after
the slash are all [unverified].

URLs (all on https://claude.ai)
- `/`: signed out, a landing page: heading "Meet Claude, your thinking partner", link "Try Claude"
  (→ /login); signed in → /new.
- `/login[?returnTo=/path]`: heading "Log in to Claude" / "Connectez-vous à Claude"; button "Continue with
  Google" (/login/google, not reproduced); `input#email` (type=email, autocomplete=email, label "Email" /
  "E-mail"); button "Continue with email" / "Continuer avec l'e-mail". There is no password field: the
  POST sends an e-mail (counted in the state as `emails_sent`) → 303 /login/verify?c=<challenge>.
- `/login/verify`: heading "Check your email" / "Consultez votre boîte de réception",
  `input#code` (autocomplete=one-time-code, label "Verification code"), button "Verify Email Address";
  the code is accounts.DEMO_CODE (what the person reads in the mail) → session cookie `sessionKey`
  (`sk-ant-sid01-…`, HttpOnly) and 303 to returnTo (else /new). A wrong code: role=alert, HTTP 400.
- `/new`: the app (signed in). Signed out, any app or settings URL → 302 /login?returnTo=<path>.
- `/settings` → /settings/general; `/settings/<tab>`: general, account, data-privacy-controls, billing,
  capabilities, connectors (only the privacy tab does anything).
- API (made up): GET/PATCH /api/account/settings (`{"grove_enabled": bool}` or `{"location_metadata":
  bool}`, one per PATCH); GET /api/account/grove_notice (whether the terms pop-up shows); POST
  /api/account/grove_consent (`{"action": "toggle"|"accept"|"later"}`: any click inside the pop-up).

The app shell: nav "Sidebar" with link "New chat" and `button[data-testid=user-menu-button]` named
"Open user menu" showing the initials and the member's name (signed-in signal, masked as PII).

The privacy pane (/settings/data-privacy-controls): h1 "Settings" / "Paramètres", a tab list of links, h2
"Privacy" / "Confidentialité", then a busy slot (`[aria-busy=true]`, "Loading") until the settings read
answers (0.3 s; 1.5 s for `late`), then h3 "Privacy settings" and rows: "Export data" (button), "Shared
chats" (button "Manage"), switch "Location metadata" / "Métadonnées de localisation" (key
location_metadata, a look-alike), switch "Help improve Claude" / "Aider à améliorer Claude" (key
grove_enabled). Each switch is a `button[role=switch]` named by its label (aria-labelledby), state in
aria-checked and data-state; a click flips it at once (optimistic) and PATCHes; the answer decides, and an
error answer reverts it with a role=alert message.
- organization (Team/Enterprise, §6.3): no "Help improve Claude" row; a note (a `p` in the section)
  "Your organization's data is not used to train our models. …". A PATCH of grove_enabled is refused (403).
- layout_changed: the row is replaced by "Model improvement" with a text and no switch.
- terms_pending (§6.4): on every signed-in page, once GET grove_notice answers (0.3 s after load), a
  modal role=dialog (aria-modal, the app behind it aria-hidden) with h2 "Updates to Consumer Terms and
  Policies" / "Mises à jour des conditions et politiques pour les consommateurs", its own switch "Help
  improve Claude" preset On, and buttons "Accept" and "Not now". Each of those three sends a POST that is
  recorded as a write (terms_dialog_toggle, terms_accepted, terms_deferred): nothing in it may be clicked.

Accounts (no password exists; expectations in accounts.py)
ada normal EN · elise@example.fr normal FR · omar already off · lina late · kai look-alike location
switch on · rosa refused (optimistic switch reverts on an error) · stan does not stick · remy redesigned ·
tess terms pop-up · olga Team organisation (not offered) · nora never signed in (no saved session) ·
ezra a saved session Claude has ended. All @example.com but elise.

A person's session: `POST /__sandbox__/person-signs-in?platform=claude&username=U` gives the cookie a
browser holds after that person signed in by e-mailed code (none for nora; an ended one for ezra).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.routing import BaseRoute

from ..catalog import DemoAccount
from ..platform import SandboxContext
from ..state import SandboxState
from .accounts import ACCOUNTS, EXTRA_VARIANTS, PLATFORM
from .catalog import default_settings
from .site import SESSION_COOKIE, ClaudeSite, person_session_token


@dataclass(frozen=True)
class ClaudeSandbox:
    """Claude as a `PlatformSandbox`, with the session a person opens by hand."""

    platform: str = PLATFORM
    accounts: tuple[DemoAccount, ...] = ACCOUNTS
    extra_variants: frozenset[str] = EXTRA_VARIANTS

    def default_settings(self, account: DemoAccount) -> Mapping[str, bool]:
        return default_settings(account)

    def routes(self, context: SandboxContext) -> list[BaseRoute]:
        return ClaudeSite(context).routes()

    def person_session(self, state: SandboxState, account: DemoAccount) -> tuple[str, str] | None:
        """The session cookie (name, value) of a browser where this person signed in, if they did."""
        token = person_session_token(state, account)
        return None if token is None else (SESSION_COOKIE, token)


SANDBOX = ClaudeSandbox()

__all__ = ["SANDBOX", "ClaudeSandbox"]
