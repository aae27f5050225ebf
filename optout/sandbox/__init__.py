"""A local replica of the platforms' sign-in and settings pages, for the demo and the tests.

The product maps the real site's traffic to it (X-Forwarded-Host tells it so); opened
directly, it serves each platform under a prefix such as /linkedin. Each platform is a package
(`linkedin/`...) implementing `platform.PlatformSandbox`, listed in registry.py.
"""

from __future__ import annotations

from .app import create_app, sandbox_state
from .catalog import DemoAccount, Expectation
from .registry import DEMO_ACCOUNTS, PLATFORMS, accounts_for, find_account
from .server import SandboxServer

__all__ = [
    "DEMO_ACCOUNTS",
    "PLATFORMS",
    "DemoAccount",
    "Expectation",
    "SandboxServer",
    "accounts_for",
    "create_app",
    "find_account",
    "sandbox_state",
]
