"""What a run never needs to load: media (a video or sound never changes a setting's state, and a
screenshot shows its poster) and third-party analytics. Fonts and images stay: the screenshots kept as
evidence must look like the page the person sees. Refused by Chromium itself (DevTools' request
blocking), so every other request goes on untouched."""

from __future__ import annotations

from collections.abc import Sequence

from playwright.async_api import BrowserContext, Page

MEDIA = ("mp4", "m4v", "webm", "ogv", "ogg", "mov", "mp3", "m4a", "aac", "wav", "flac", "m3u8", "mpd")

#: Analytics and advertising beacons found on many sites; a flow names its platform's own (`skip_hosts`).
ANALYTICS_HOSTS = (
    "google-analytics.com",
    "googletagmanager.com",
    "doubleclick.net",
    "googleadservices.com",
    "connect.facebook.net",
    "bat.bing.com",
    "clarity.ms",
    "hotjar.com",
    "segment.io",
    "cdn.segment.com",
    "sentry.io",
    "browser-intake-datadoghq.com",
    "nr-data.net",
)


def blocked(hosts: Sequence[str] = ()) -> list[str]:
    """Chromium's URL patterns (`*` matches anything): the hosts and their subdomains, the media by
    extension. Chromium matches them anywhere in a URL: a flow's own URL naming one of these hosts in
    its query, or a host such as `www.mov…`, would be refused too (none does)."""
    return [
        *(pattern for host in (*ANALYTICS_HOSTS, *hosts) for pattern in (f"*://{host}/*", f"*://*.{host}/*")),
        *(pattern for ext in MEDIA for pattern in (f"*.{ext}", f"*.{ext}?*")),
    ]


async def skip_unneeded(context: BrowserContext, page: Page, hosts: Sequence[str] = ()) -> None:
    """Refuse media and analytics requests in this page (the common hosts and the platform's own `hosts`),
    as a content blocker does: in the browser's own network stack, so no other request is intercepted or
    slowed (a Playwright route would pause each)."""
    session = await context.new_cdp_session(page)
    await session.send("Network.enable")
    await session.send("Network.setBlockedURLs", {"urls": blocked(hosts)})
