"""The ChatGPT replica (chatgpt.com and auth.openai.com). DOCSTRING TO WRITE."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.routing import BaseRoute

from ..catalog import DemoAccount
from ..platform import SandboxContext
from .accounts import ACCOUNTS, EXTRA_VARIANTS, PLATFORM
from .catalog import default_settings
from .routes import build_routes


@dataclass(frozen=True)
class ChatGPTSandbox:
    """ChatGPT as a `PlatformSandbox`: both origins served from one mount."""

    platform: str = PLATFORM
    accounts: tuple[DemoAccount, ...] = ACCOUNTS
    extra_variants: frozenset[str] = EXTRA_VARIANTS

    def default_settings(self, account: DemoAccount) -> Mapping[str, bool]:
        return default_settings(account)

    def routes(self, context: SandboxContext) -> list[BaseRoute]:
        return build_routes(context)


SANDBOX = ChatGPTSandbox()

__all__ = ["SANDBOX", "ChatGPTSandbox"]
