"""Every platform's sandbox, and the demo accounts of all of them (checked against their sandbox at import)."""

from __future__ import annotations

from collections.abc import Iterable

from .catalog import SHARED_VARIANTS, DemoAccount, match_account
from .chatgpt import SANDBOX as CHATGPT
from .claude import SANDBOX as CLAUDE
from .copilot import SANDBOX as COPILOT
from .facebook import SANDBOX as FACEBOOK
from .gemini import SANDBOX as GEMINI
from .instagram import SANDBOX as INSTAGRAM
from .linkedin import SANDBOX as LINKEDIN
from .patternlab import SANDBOX as PATTERNLAB
from .platform import PlatformSandbox
from .x import SANDBOX as X


def check_sandboxes(sandboxes: Iterable[PlatformSandbox]) -> None:
    """Raise ValueError unless ids are unique and every account belongs to its sandbox and uses a known variant."""
    seen: set[str] = set()
    for sandbox in sandboxes:
        if sandbox.platform in seen or not sandbox.platform.isidentifier():
            raise ValueError(f"platform id {sandbox.platform!r} is repeated or not an identifier")
        seen.add(sandbox.platform)
        known = SHARED_VARIANTS | sandbox.extra_variants
        usernames: set[str] = set()
        for account in sandbox.accounts:
            if account.platform != sandbox.platform:
                raise ValueError(f"{account.username} is a {account.platform} account in the {sandbox.platform} table")
            if account.variant not in known:
                raise ValueError(f"{account.username}: unknown {sandbox.platform} variant {account.variant!r}")
            if account.username in usernames:
                raise ValueError(f"{account.username} appears twice in the {sandbox.platform} table")
            usernames.add(account.username)


#: Every platform the sandbox reproduces, in the order the index page and the demo list them.
SANDBOXES: tuple[PlatformSandbox, ...] = (
    *(LINKEDIN, X, CHATGPT, GEMINI, COPILOT, CLAUDE, FACEBOOK, INSTAGRAM),
    PATTERNLAB,  # a made-up platform: one deceptive pattern per account
)
check_sandboxes(SANDBOXES)

PLATFORMS: tuple[str, ...] = tuple(sandbox.platform for sandbox in SANDBOXES)

#: Every demo account, platform by platform, each platform's in table order.
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = tuple(account for sandbox in SANDBOXES for account in sandbox.accounts)


def accounts_for(platform: str) -> tuple[DemoAccount, ...]:
    """The demo accounts of one platform, in table order."""
    return tuple(account for account in DEMO_ACCOUNTS if account.platform == platform)


def find_account(platform: str, username: str) -> DemoAccount | None:
    """The demo account with this username (case and surrounding spaces ignored), if any."""
    return match_account(accounts_for(platform), username)
