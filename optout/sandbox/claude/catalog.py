"""The shape of the Claude replica: its host, settings tabs, and the server-side keys of its controls."""

from __future__ import annotations

from ..catalog import DemoAccount
from .accounts import STARTS_OFF

HOST = "claude.ai"

#: The backing field of "Help improve Claude" (docs/platforms/claude.md §6.2).
TRAINING_KEY = "grove_enabled"
#: The location-metadata switch on the same pane (§6.1); its field name is made up [unverified].
LOCATION_KEY = "location_metadata"
# Not settings: what a click inside the terms pop-up would send (§6.4). Each is its own key so that a
# test can prove nothing in the pop-up was clicked.
TERMS_TOGGLE_KEY = "terms_dialog_toggle"
TERMS_ACCEPT_KEY = "terms_accepted"
TERMS_LATER_KEY = "terms_deferred"
SETTING_KEYS = (TRAINING_KEY, LOCATION_KEY, TERMS_TOGGLE_KEY, TERMS_ACCEPT_KEY, TERMS_LATER_KEY)

#: Settings tabs as the left menu lists them: slug (`/settings/<slug>`) and text key. Only
#: `data-privacy-controls` (Privacy) is documented; the rest are [unverified].
TABS: tuple[tuple[str, str], ...] = (
    ("general", "tab_general"),
    ("account", "tab_account"),
    ("data-privacy-controls", "tab_privacy"),
    ("billing", "tab_billing"),
    ("capabilities", "tab_capabilities"),
    ("connectors", "tab_connectors"),
)
PRIVACY_TAB = "data-privacy-controls"

# The web app's own API paths are not documented (§6.2): made up [unverified].
SETTINGS_API = "/api/account/settings"
NOTICE_API = "/api/account/grove_notice"
CONSENT_API = "/api/account/grove_consent"


def default_settings(account: DemoAccount) -> dict[str, bool]:
    """Stored values at reset: on for consumer accounts (the pop-up's preset; §6.4), off when held off."""
    return {
        TRAINING_KEY: account.variant not in STARTS_OFF,
        LOCATION_KEY: account.variant == "lookalikes",
        TERMS_TOGGLE_KEY: False,
        TERMS_ACCEPT_KEY: False,
        TERMS_LATER_KEY: False,
    }
