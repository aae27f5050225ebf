"""A local replica of the platforms' sign-in and settings pages, for the demo and the tests.

The product maps the real site's traffic to it (X-Forwarded-Host tells it so); opened
directly, it serves each platform under a prefix such as /linkedin.
"""

from __future__ import annotations

from .accounts import DEMO_ACCOUNTS, DemoAccount, Expectation, accounts_for
from .app import PLATFORMS, create_app, sandbox_state
from .server import SandboxServer

__all__ = [
    "DEMO_ACCOUNTS",
    "PLATFORMS",
    "DemoAccount",
    "Expectation",
    "SandboxServer",
    "accounts_for",
    "create_app",
    "sandbox_state",
]
