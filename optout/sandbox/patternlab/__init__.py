"""The Pattern Lab: a made-up platform at https://lab.optout.invalid (a name that never resolves; the
traffic mapping serves it from /patternlab) whose accounts each show one deceptive-design pattern of
`optout.patterns.catalogue`, alone, and one `clean` account none, so that a class sees each pattern
by itself before meeting it on a real platform.

Every account's username is `<variant>@lab.example` (the variant is the pattern's catalogue name, or
`clean`), password `lab-demo` (public). All English but `language_discontinuity@lab.example` (French).

URLs (all on https://lab.optout.invalid)
- `/`: signed out, a landing page with a link "Sign in"; signed in → /home.
- `/login[?next=/path]`: labelled fields "E-mail" and "Password" (French: "Adresse e-mail", "Mot de
  passe", when the browser asks for French), button "Sign in" / "Se connecter". Each POST naming a
  known account is counted (`password_submissions`); a wrong one answers with a role=alert.
- `/home`: nav#lab-nav with a link "Settings" / "Paramètres"; `#lab-account` shows the username.
- `/settings`: a link "Privacy" / "Confidentialité".
- `/settings/privacy`: the switch `button[role=switch]` "Use my data to train AI" (checked = shared),
  saved on click by POST /api/settings/ai-training `{"value": bool}` and shown as the server answers;
  the buried account's two pages below it (`/settings/privacy/data`, `/settings/privacy/data/ai`).
- `/help/ai-training`: 404 "This page isn't available" (the dead end's link leads there).
- The silent-revert account's switch is on again whenever a visit starts: at a new sign-in, and at
  /home (where a browser that kept its session comes back in; a reload after the change is not one).
- `/show/{pattern}`: signs that pattern's account in (a name or an alias; `clean` too) and opens /home;
  an unknown name: a 404 page listing the names.

What each account's pages show is in accounts.py (`_SHOWS`) and site.py; the flow (patternlab.yaml) reads and
switches them like any platform's, its `examples:` saying what check and off report for each.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from starlette.routing import BaseRoute

from optout.language.flow import Flow, load_flow

from ..catalog import DemoAccount
from ..platform import SandboxContext
from .accounts import ACCOUNTS, CLEAN, EXTRA_VARIANTS, PASSWORD, PLATFORM, for_variant
from .site import TRAINING_KEY, PatternLabSite

ORIGIN = "https://lab.optout.invalid"
# The loader wants a flow file named after its platform.
FLOW_FILE = Path(__file__).resolve().parent / "patternlab.yaml"


@dataclass(frozen=True)
class PatternLabSandbox:
    """The Pattern Lab as a `PlatformSandbox`."""

    platform: str = PLATFORM
    accounts: tuple[DemoAccount, ...] = ACCOUNTS
    extra_variants: frozenset[str] = EXTRA_VARIANTS

    def default_settings(self, account: DemoAccount) -> Mapping[str, bool]:
        return {TRAINING_KEY: account.variant != CLEAN}

    def routes(self, context: SandboxContext) -> list[BaseRoute]:
        return PatternLabSite(context).routes()


SANDBOX = PatternLabSandbox()


@functools.cache
def flow() -> Flow:
    """The Pattern Lab's flow (it is not a real platform's, so it lives here, not in flows/)."""
    return load_flow(FLOW_FILE)


__all__ = ["CLEAN", "FLOW_FILE", "ORIGIN", "PASSWORD", "SANDBOX", "PatternLabSandbox", "flow", "for_variant"]
