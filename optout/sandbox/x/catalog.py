"""The shape of the X replica: settings keys, their GraphQL operations, and the settings menus."""

from __future__ import annotations

from dataclasses import dataclass

# The preference fields (docs/platforms/x.md §4.1): the first two are documented, the memory one is not.
TRAINING_KEY = "allow_xai_data_sharing"
PERSONALIZATION_KEY = "allow_xai_personalization"
MEMORY_KEY = "allow_grok_memory"  # [unverified] name
SETTING_KEYS = (TRAINING_KEY, PERSONALIZATION_KEY, MEMORY_KEY)

#: Not a setting: a press of "Delete conversation history" is logged as a write of this key.
DELETE_HISTORY_KEY = "delete_conversation_history"


@dataclass(frozen=True)
class Operation:
    """A GraphQL operation of X's web client, served at /i/api/graphql/<query_id>/<name>.

    Real query ids are opaque 22-character strings that change with each client build; these are
    made up [unverified], and the server answers 404 to any other id, as X does to a stale one.
    """

    query_id: str
    name: str
    variable: str = ""
    key: str = ""

    @property
    def path(self) -> str:
        return f"/i/api/graphql/{self.query_id}/{self.name}"


# Documented: GrokSettingsScreenQuery and XaiDataSharingSettingsMutation(allowXaiDataSharing).
SCREEN_QUERY = Operation("qX1mGk7PZp0sNDa3cV9sVw", "GrokSettingsScreenQuery")
MUTATIONS: tuple[Operation, ...] = (
    Operation("Lq4mN2bTyWk8vRr0hF6dCg", "XaiDataSharingSettingsMutation", "allowXaiDataSharing", TRAINING_KEY),
    # [unverified] the two other mutations' names and variables.
    Operation(
        "b7Yc2Qe9Hs1JkMa4uPzX0A", "XaiPersonalizationSettingsMutation", "allowXaiPersonalization", PERSONALIZATION_KEY
    ),
    Operation("T3vKx8pR5nWd0GqLm2yZbQ", "GrokMemorySettingsMutation", "allowGrokMemory", MEMORY_KEY),
    Operation("Zf6Ha1sD9kXw3PbN7qEr4g", "GrokDeleteConversationsMutation", "", DELETE_HISTORY_KEY),
)
OPERATIONS = {op.query_id: op for op in (SCREEN_QUERY, *MUTATIONS)}

#: The onboarding API that drives the sign-in flow's steps [unverified path: X also serves it on api.x.com].
TASK_PATH = "/i/api/1.1/onboarding/task.json"
#: X's public web-client bearer token travels with every API call; this one is made up.
WEB_BEARER = "AAAAAAAAAAAAAAAAAAAAAOptoutSandboxDemoBearerToken0000000000000000000000000000000000000000000"


@dataclass(frozen=True)
class Category:
    """One entry of the settings menu's left column, at /settings/<slug>."""

    slug: str
    sections: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (heading key, row slugs)
    intro_key: str = "category_intro"


# Categories and rows of the real menu; slugs other than privacy_and_safety, grok_settings, location and
# data_sharing_with_business_partners are [unverified].
CATEGORIES: tuple[Category, ...] = (
    Category(
        "account",
        (("", ("your_twitter_data/account", "password", "download_your_data", "deactivate")),),
        "account_intro",
    ),
    Category("security_and_account_access"),
    Category(
        "privacy_and_safety",
        (
            (
                "sec_your_activity",
                (
                    "audience_and_tagging",
                    "your_tweets",
                    "content_you_see",
                    "mute_and_block",
                    "direct_messages",
                    "spaces",
                    "contacts",
                ),
            ),
            (
                "sec_data_sharing",
                (
                    "ads_preferences",
                    "inferred_identity",
                    "data_sharing_with_business_partners",
                    "location",
                    "grok_settings",
                ),
            ),
        ),
        "privacy_intro",
    ),
    Category("notifications"),
    Category("accessibility_display_and_languages"),
    Category("about"),
)
CATEGORY_BY_SLUG = {category.slug: category for category in CATEGORIES}

#: Settings pages that only say they exist, and the category whose menu they belong to.
INFO_PAGES = {
    row: category.slug
    for category in CATEGORIES
    for _, rows in category.sections
    for row in rows
    if row != "grok_settings"
}
