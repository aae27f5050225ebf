"""The shape of the Copilot replica: its hosts, paths and settings keys (all [unverified] but the hosts)."""

from __future__ import annotations

COPILOT_HOST = "copilot.microsoft.com"
#: Microsoft account (personal) sign-in, and the organisation (Entra ID) sign-in a work address is sent to.
LIVE_HOST = "login.live.com"
ORG_HOST = "login.microsoftonline.com"

AUTHORIZE_PATH = "/oauth20_authorize.srf"
PASSWORD_PATH = "/login.srf"
POST_PATH = "/ppsecure/post.srf"
ORG_AUTHORIZE_PATH = "/common/oauth2/v2.0/authorize"
ORG_POST_PATH = "/common/login"
KMSI_PATH = "/kmsi"
CALLBACK_PATH = "/auth/callback"
SETTINGS_API = "/c/api/user/settings"
USER_API = "/c/api/user"

# The two training switches (docs/platforms/copilot.md) and the look-alikes beside them.
TEXT_KEY = "model_training_text"
VOICE_KEY = "model_training_voice"
MEMORY_KEY = "personalization_memory"
ADS_KEY = "ad_personalization"
TRAINING_KEYS = (TEXT_KEY, VOICE_KEY)
LOOKALIKE_KEYS = (MEMORY_KEY, ADS_KEY)
SETTING_KEYS = (*TRAINING_KEYS, *LOOKALIKE_KEYS)
#: Not settings: set (not written) when the "Stay signed in?" prompt is answered, so tests can tell the answer.
STAY_SIGNED_IN_YES = "stay_signed_in_yes"
STAY_SIGNED_IN_NO = "stay_signed_in_no"
