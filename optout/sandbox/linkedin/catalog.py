"""The shape of the LinkedIn replica's settings app: categories, rows and switches."""

from __future__ import annotations

from dataclasses import dataclass

from ..behaviours import LAYOUT_CHANGED, starts_on
from ..catalog import DemoAccount

AI_KEY = "allowDataForGenerativeAI"
RESEARCH_KEY = "allowAnonymizedDataResearch"
WRITING_KEY = "aiWritingSuggestions"
SETTING_KEYS = (AI_KEY, RESEARCH_KEY, WRITING_KEY)

AI_SLUG = "data-for-ai-improvement"
#: Where the `moved` variant keeps the AI setting instead (a slug third-party lists cite).
MOVED_AI_SLUG = "data-for-generative-ai-improvement"
RESEARCH_SLUG = "policy-and-academic-research"

SETTINGS_PREFIX = "/mypreferences/d/settings/"
CATEGORY_PREFIX = "/mypreferences/d/categories/"
API_PREFIX = "/mypreferences/d/api/settings/"


@dataclass(frozen=True)
class Row:
    """A link in a category page; `value_key` names the setting whose On/Off it shows."""

    slug: str
    title_key: str
    value_key: str | None = None


@dataclass(frozen=True)
class Section:
    heading_key: str
    rows: tuple[Row, ...]


def _rows(*slugs: str) -> tuple[Row, ...]:
    return tuple(Row(slug, f"row_{slug}") for slug in slugs)


CATEGORIES: dict[str, tuple[Section, ...]] = {
    "account": (
        Section("sec_profile", _rows("name-location-industry")),
        Section("sec_display", _rows("dark-mode", "language")),
    ),
    "sign-in-and-security": (
        Section("sec_account_access", _rows("email-addresses", "change-password", "two-step-verification")),
    ),
    "visibility": (Section("sec_visibility", _rows("profile-viewing-options", "public-profile")),),
    "privacy": (
        Section(
            "sec_uses_data",
            (
                *_rows("manage-data-and-activity", "download-my-data"),
                Row(RESEARCH_SLUG, "research_title", RESEARCH_KEY),
                Row(AI_SLUG, "ai_title", AI_KEY),
            ),
        ),
        Section("sec_other_apps", _rows("permitted-services")),
    ),
    "advertising": (Section("sec_ads_profile", _rows("ads-beyond-linkedin", "ads-by-age")),),
    "notifications": (Section("sec_notifications", _rows("notifications-jobs", "notifications-network")),),
}

#: Settings pages that only say they exist (no control to find).
INFO_SLUGS = frozenset(row.slug for sections in CATEGORIES.values() for section in sections for row in section.rows) - {
    AI_SLUG,
    RESEARCH_SLUG,
}

#: The category each settings page's back link returns to.
PARENT_CATEGORY = {
    row.slug: category for category, sections in CATEGORIES.items() for section in sections for row in section.rows
}


@dataclass(frozen=True)
class Switch:
    """One `role=switch` checkbox as rendered on a settings page.

    A `hydrating` switch renders `checked` as a placeholder, busy and disabled, until the
    page's script has fetched the stored value. With `late_hydration_ms` the placeholder is
    not marked at all: the script fetches the stored value that long after `load`.
    With `toggle_id` the input is drawn as an artdeco toggle, under a label with that `for`.
    """

    key: str
    label: str
    description: str
    checked: bool
    hydrating: bool = False
    late_hydration_ms: int = 0
    toggle_id: str | None = None


def default_settings(account: DemoAccount) -> dict[str, bool]:
    """The stored settings a demo account starts with (the AI setting is On by default)."""
    return {
        AI_KEY: starts_on(account.variant),
        RESEARCH_KEY: True,
        WRITING_KEY: True,
    }


def ai_slug_for(account: DemoAccount) -> str:
    """The slug under which this account's AI setting page lives."""
    return MOVED_AI_SLUG if account.variant == "moved" else AI_SLUG


def row_slug(row: Row, account: DemoAccount) -> str:
    return ai_slug_for(account) if row.slug == AI_SLUG else row.slug


def row_shows_value(row: Row, account: DemoAccount) -> bool:
    # A redesigned page has no switch, so its row stops advertising a state either.
    return row.value_key is not None and not (row.value_key == AI_KEY and account.variant == LAYOUT_CHANGED)
