"""The interface every platform's sandbox implements, and what the sandbox gives it in return.

A platform lives in its own package, `optout/sandbox/<platform>/`:

- `accounts.py`: its `DemoAccount` table (in the order the demo lists them) and its extra variants;
- `site.py`: the request handlers, on the real site's paths;
- `templates/`: its pages (Jinja), which may use the shared ones under `_shared/`;
- `__init__.py`: `SANDBOX`, the object implementing `PlatformSandbox`, added to registry.py.

The app mounts each platform's routes at `/<platform>`. The product's traffic mapping sends every
origin of the platform there, so the routes use the real site's paths, on whichever of the
platform's hosts they live. In a handler, `site = web.site_of(request)` tells how the request came:
`site.link(path)` for links on the same host, `site.absolute(path, host=...)` for a redirect to
another host of the platform, `site.on_host(host)` for a path that exists on one host only, and
`web.set_cookie(response, site, ...)` scopes a cookie to the host that sets it (or to the mount
prefix when the sandbox is opened directly).

The account variants in `catalog.SHARED_VARIANTS` are behaviours every platform's setting page can
show, written once. A setting page takes `behaviours.page_behaviour(account.variant)`: it renders
the control with `shown(stored)`, marked aria-busy and disabled when `hydrate == "busy"`, covered by
its styled label when `covered`, not at all unless `offered`, inside a `<template>` put in place
after `late_render_ms`; it includes `_shared/behaviours.js` and calls `bindSetting` with
`script_options()` plus its read, write and `show`. The read and write handlers go through
`context.settings` (`behaviours.SettingStore`), which applies the delays and the refused and sticky
answers and records every write in the state.

The faults in `faults.py` (slow answers, HTTP 500, a dropped connection, an expiring session, an
overlay, a reload loop, a spinner, another language) need nothing from a platform: a middleware applies
them to any platform's requests, per account (the signed-in session's username) and per request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from starlette.routing import BaseRoute

from .behaviours import SettingStore
from .catalog import DemoAccount
from .state import SandboxState
from .web import Templates

#: Where the platforms' packages live; a platform's templates are in `<platform>/templates/`.
SANDBOX_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class SandboxContext:
    """What the sandbox gives a platform's routes: the shared state, its templates, the shared behaviours."""

    #: The platform's identifier: the key of its accounts in `state`.
    platform: str
    #: The state of every platform; a platform reads and writes its own part only.
    state: SandboxState
    #: The platform's own templates (`<platform>/templates/`), then the shared ones (`_shared/...`).
    templates: Templates

    @property
    def settings(self) -> SettingStore:
        """The shared behaviours' server side (reads and writes of settings) for this platform."""
        return SettingStore(self.state, self.platform)

    @classmethod
    def for_platform(cls, platform: str, state: SandboxState) -> SandboxContext:
        return cls(platform, state, Templates.for_platform(SANDBOX_DIR / platform / "templates"))


class PlatformSandbox(Protocol):
    """One platform's replica, as the sandbox app mounts it.

    Implement it as a small class (plain attributes satisfy the properties), and make an instance
    named `SANDBOX` in the platform's package (see linkedin/__init__.py). The registry checks, at
    import, that every account's `platform` equals `platform` and that every variant is shared or
    in `extra_variants`.
    """

    @property
    def platform(self) -> str:
        """The flow's platform id, also the mount prefix ("/<platform>") and the key in the state JSON."""
        ...

    @property
    def accounts(self) -> tuple[DemoAccount, ...]:
        """This platform's demo accounts, in the order the demo and the index page list them."""
        ...

    @property
    def extra_variants(self) -> frozenset[str]:
        """The platform's own variants (checkpoints, moved pages...), beyond `catalog.SHARED_VARIANTS`."""
        ...

    def default_settings(self, account: DemoAccount) -> Mapping[str, bool]:
        """The stored settings the account starts with (and returns to on reset): control key -> value.

        Every key a write may name must be here; look-alike controls have their own keys, so the
        state's `writes_by_key` shows they were never written.
        """
        ...

    def routes(self, context: SandboxContext) -> list[BaseRoute]:
        """The real site's paths (of every host of the platform), served under `/<platform>`.

        Called once per app; the routes keep `context` to reach the state and templates.
        End with a catch-all route so that unknown paths get the platform's own 404 page.
        """
        ...
