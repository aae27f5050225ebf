"""The account's username out of text that travels (a DOM excerpt, a breakage report), as masked
screenshots and quotes hide it: written as is, URL-encoded, and an e-mail's local part as a word."""

from __future__ import annotations

import re
from urllib.parse import quote

USERNAME = "[username]"


def hide_username(text: str, username: str) -> str:
    name = username.strip()
    if not name:
        return text
    forms = {name, quote(name, safe=""), quote(name, safe="@")}
    for form in sorted(forms, key=len, reverse=True):
        text = re.sub(re.escape(form), USERNAME, text, flags=re.IGNORECASE)
    local = name.split("@")[0] if "@" in name else ""
    if len(local) >= 3:
        # A word of its own only: "lou" is hidden, "cloud" is left as it is.
        text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(local)}(?![A-Za-z0-9])", USERNAME, text, flags=re.IGNORECASE)
    return text
