"""The shape of the ChatGPT replica: its hosts, settings tabs, controls and their server-side keys."""

from __future__ import annotations

from dataclasses import dataclass

from ..behaviours import page_behaviour
from ..catalog import DemoAccount

CHAT_HOST = "chatgpt.com"
AUTH_HOST = "auth.openai.com"
HOSTS = (CHAT_HOST, AUTH_HOST)

#: The account-level setting, as the real PATCH names it (docs/platforms/chatgpt.md §5.3).
TRAINING_KEY = "training_allowed"
# The other controls' feature names are not documented [unverified]: each is its own key so that
# a test can prove none of them was written.
VOICE_AUDIO_KEY = "voice_audio_training"
VOICE_VIDEO_KEY = "voice_video_training"
LOCATION_KEY = "precise_location"
REMOTE_BROWSER_KEY = "remote_browser_data"
MEMORY_KEY = "memory"
CHAT_HISTORY_KEY = "reference_chat_history"
FOLLOW_UPS_KEY = "follow_up_suggestions"
SETTING_KEYS = (
    TRAINING_KEY,
    VOICE_AUDIO_KEY,
    VOICE_VIDEO_KEY,
    LOCATION_KEY,
    REMOTE_BROWSER_KEY,
    MEMORY_KEY,
    CHAT_HISTORY_KEY,
    FOLLOW_UPS_KEY,
)

#: Variants whose training setting starts Off (a workspace's data is excluded by default).
STARTS_OFF = frozenset({"already_off", "workspace"})

#: Settings tabs in the order the dialog lists them: hash name (`#settings/<name>`) and test id.
#: Only "DataControls" / `data-controls-tab` is documented; the rest follow its pattern [unverified].
TABS: tuple[tuple[str, str], ...] = (
    ("General", "general-tab"),
    ("Notifications", "notifications-tab"),
    ("Personalization", "personalization-tab"),
    ("Connectors", "connectors-tab"),
    ("DataControls", "data-controls-tab"),
    ("Security", "security-tab"),
    ("Account", "account-tab"),
)
TAB_NAMES = tuple(name for name, _ in TABS)

SETTINGS_API = "/backend-api/settings/user"
WRITE_API = "/backend-api/settings/account_user_setting"


@dataclass(frozen=True)
class Toggle:
    """A Radix switch (`button[role=switch]`) inside a row's dialog or a pane."""

    key: str
    label_key: str
    description_key: str
    test_id: str


@dataclass(frozen=True)
class DialogRow:
    """A Data controls row whose button (named label + state word) opens a dialog of switches."""

    name: str
    label_key: str
    row_test_id: str
    title_key: str
    toggles: tuple[Toggle, ...]
    #: The key whose value the row's state word shows; None when the row shows none.
    state_key: str | None
    #: Text shown in the dialog instead of (redesign) or after the switches.
    note_key: str | None = None


IMPROVE_TOGGLE = Toggle(TRAINING_KEY, "improve_label", "improve_description", "improve-model-toggle")
# Real pages hold voice-recording switches in the same dialog [unverified]; the look-alike account has them.
VOICE_TOGGLES = (
    Toggle(VOICE_AUDIO_KEY, "voice_audio", "voice_audio_description", "voice-audio-toggle"),
    Toggle(VOICE_VIDEO_KEY, "voice_video", "voice_video_description", "voice-video-toggle"),
)
LOCATION_ROW = DialogRow(
    "location",
    "location_label",
    "location-open-modal-button",
    "location_label",
    (Toggle(LOCATION_KEY, "location_switch", "location_description", "location-toggle"),),
    LOCATION_KEY,
)
REMOTE_ROW = DialogRow(
    "remote-browser-data",
    "remote_label",
    "remote-browser-data-open-modal-button",
    "remote_label",
    (Toggle(REMOTE_BROWSER_KEY, "remote_switch", "remote_description", "remote-browser-data-toggle"),),
    REMOTE_BROWSER_KEY,
)
MEMORY_TOGGLE = Toggle(MEMORY_KEY, "memory_switch", "memory_description", "memory-toggle")
FOLLOW_UPS_TOGGLE = Toggle(FOLLOW_UPS_KEY, "follow_ups", "follow_ups", "follow-up-suggestions-toggle")


def improve_row(account: DemoAccount) -> DialogRow | None:
    """The "Improve the model for everyone" row as this account sees it; None when not offered."""
    if account.variant == "workspace":
        return None
    if not page_behaviour(account.variant).offered:
        # Redesigned: the row stays but shows no state, and its dialog holds no switch.
        return DialogRow(
            "improve-model",
            "improve_label",
            "improve-model-open-modal-button",
            "improve_title",
            (),
            None,
            "improve_moved",
        )
    toggles = (IMPROVE_TOGGLE, *VOICE_TOGGLES) if account.variant == "lookalikes" else (IMPROVE_TOGGLE,)
    return DialogRow(
        "improve-model", "improve_label", "improve-model-open-modal-button", "improve_title", toggles, TRAINING_KEY
    )


def dialog_rows(account: DemoAccount) -> tuple[DialogRow, ...]:
    improve = improve_row(account)
    return (improve, LOCATION_ROW, REMOTE_ROW) if improve else (LOCATION_ROW, REMOTE_ROW)


def default_settings(account: DemoAccount) -> dict[str, bool]:
    """The stored settings a demo account starts with (training On for consumer accounts)."""
    return {
        TRAINING_KEY: account.variant not in STARTS_OFF,
        VOICE_AUDIO_KEY: False,
        VOICE_VIDEO_KEY: False,
        LOCATION_KEY: False,
        REMOTE_BROWSER_KEY: True,
        MEMORY_KEY: True,
        CHAT_HISTORY_KEY: True,
        FOLLOW_UPS_KEY: True,
    }


def plan_key(account: DemoAccount) -> str:
    return "plan_business" if account.variant == "workspace" else "plan_plus"
