"""The shape of the Gemini replica: its hosts, the stored keys and the made-up data endpoints."""

from __future__ import annotations

ACCOUNTS_HOST = "accounts.google.com"
ACTIVITY_HOST = "myactivity.google.com"

#: "Keep Activity" (docs/platforms/gemini.md): True while activity is kept (and used for training).
KEEP_ACTIVITY_KEY = "keep_activity"
#: The opt-in look-alike checkbox "Improve Google services with your audio and Gemini Live recordings".
AUDIO_KEY = "audio_recordings"
#: Not a preference: set when "Turn off and delete activity" is confirmed (optout must never do it).
DELETE_ACTIVITY_KEY = "delete_activity"

#: The activity page's data calls. Google's pages speak batchexecute RPCs whose ids are opaque; these
#: paths and their JSON are made up [unverified].
STATE_PATH = "/_/FootprintsMyactivityUi/data/gemini/state"
WRITE_PATH = "/_/FootprintsMyactivityUi/data/gemini/write"

PRODUCT_PATH = "/product/gemini"
