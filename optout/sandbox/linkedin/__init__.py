"""The LinkedIn replica: sign-in, checkpoints, feed and the settings app (www.linkedin.com)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.routing import BaseRoute

from ..catalog import DemoAccount
from ..platform import SandboxContext
from .accounts import ACCOUNTS, EXTRA_VARIANTS, PLATFORM
from .catalog import default_settings
from .site import LinkedInSite


@dataclass(frozen=True)
class LinkedInSandbox:
    """LinkedIn as a `PlatformSandbox`."""

    platform: str = PLATFORM
    accounts: tuple[DemoAccount, ...] = ACCOUNTS
    extra_variants: frozenset[str] = EXTRA_VARIANTS

    def default_settings(self, account: DemoAccount) -> Mapping[str, bool]:
        return default_settings(account)

    def routes(self, context: SandboxContext) -> list[BaseRoute]:
        return LinkedInSite(context).routes()


SANDBOX = LinkedInSandbox()

__all__ = ["SANDBOX", "LinkedInSandbox"]
