"""A browser session a person opened by hand, for platforms optout never signs in to (an e-mailed code,
SSO): the sandbox opens it as that person would have, and it is saved the way `optout login` saves one.
For the demo and the tests; against a real platform only the person can do this."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx


def person_storage_state(sandbox_url: str, platform: str, username: str, origin: str) -> dict[str, Any] | None:
    """The storage state of a browser where `username` signed in to the platform's `origin` (the session
    cookie, as the mapped site set it), or None when the sandbox says this person never signed in."""
    response = httpx.post(
        f"{sandbox_url}/__sandbox__/person-signs-in", params={"platform": platform, "username": username}, timeout=10
    )
    if response.status_code == 404:
        return None
    response.raise_for_status()
    cookie = response.json()
    host = urlsplit(origin).hostname or ""
    return {
        "cookies": [
            {
                "name": cookie["name"],
                "value": cookie["value"],
                "domain": f".{host}",
                "path": "/",
                "expires": -1,
                "httpOnly": True,
                "secure": True,
                "sameSite": "None",
            }
        ],
        "origins": [],
    }
