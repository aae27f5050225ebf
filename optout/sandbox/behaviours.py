"""The behaviours every platform's setting page can show, server side; written once, for every platform.

An account's `variant` selects one (see `catalog.SHARED_VARIANTS`):

- `hydrating`: the page first shows a placeholder (On), marked busy and disabled, then the stored
  value after a read that takes `HYDRATE_READ_DELAY_SECONDS`;
- `unmarked_placeholder`: the placeholder (Off) is NOT marked busy; the page reads the stored value
  (On) `UNMARKED_HYDRATE_AFTER_LOAD_MS` after `load`, and the read takes `UNMARKED_READ_DELAY_SECONDS`;
- `late`: the setting's part of the page renders `LATE_RENDER_MS` after the rest, and writes are
  answered `LATE_WRITE_DELAY_SECONDS` late;
- `refused`: the server refuses the change at once (answers with the kept value), the control snaps back;
- `sticky`: the server answers as if it stored the change but keeps the old value: a reload shows it on;
- `covered`: the control lies under its styled label/track, so a pointer click lands on the label;
- `debounced`: the page sends the save `DEBOUNCED_SAVE_DELAY_MS` after the change, never marked busy;
- `layout_changed`: the redesigned page has no such control.

The page side is templates/_shared/behaviours.js, driven by `PageBehaviour` (what a setting page must
render for a variant). `SettingStore` is the server side of the settings' read and write endpoints.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse

from .state import SandboxState

HYDRATING = "hydrating"
UNMARKED_PLACEHOLDER = "unmarked_placeholder"
LATE = "late"
REFUSED = "refused"
STICKY = "sticky"
COVERED = "covered"
DEBOUNCED = "debounced"
LAYOUT_CHANGED = "layout_changed"
SHARED_BEHAVIOURS = frozenset(
    {HYDRATING, UNMARKED_PLACEHOLDER, LATE, REFUSED, STICKY, COVERED, DEBOUNCED, LAYOUT_CHANGED}
)

#: The `late` variant's server answers writes this much later, on purpose.
LATE_WRITE_DELAY_SECONDS = 0.8
#: The `late` variant's page renders its setting this long after the rest.
LATE_RENDER_MS = 1500
#: The `hydrating` variant's server takes this long to tell its page the stored value.
HYDRATE_READ_DELAY_SECONDS = 0.8
#: The `unmarked_placeholder` variant's server takes this long to answer the same read...
UNMARKED_READ_DELAY_SECONDS = 0.3
#: ...which its page only starts this long after `load`.
UNMARKED_HYDRATE_AFTER_LOAD_MS = 300
#: The `debounced` variant's page sends the save this long after the change.
DEBOUNCED_SAVE_DELAY_MS = 400

#: Variants whose AI-training setting starts Off: already off, or hidden behind a placeholder On.
STARTS_OFF = frozenset({"already_off", HYDRATING})

_READ_DELAY_SECONDS = {HYDRATING: HYDRATE_READ_DELAY_SECONDS, UNMARKED_PLACEHOLDER: UNMARKED_READ_DELAY_SECONDS}
_WRITE_DELAY_SECONDS = {LATE: LATE_WRITE_DELAY_SECONDS}


def starts_on(variant: str) -> bool:
    """The stored value the account's AI-training setting starts with."""
    return variant not in STARTS_OFF


def read_delay(variant: str) -> float:
    """How long the server takes to answer a read of a setting, in seconds."""
    return _READ_DELAY_SECONDS.get(variant, 0.0)


def write_delay(variant: str) -> float:
    """How long the server takes to answer a write of a setting, in seconds."""
    return _WRITE_DELAY_SECONDS.get(variant, 0.0)


Hydrate = Literal["", "busy", "unmarked"]


@dataclass(frozen=True)
class PageBehaviour:
    """What a setting page renders for one variant; its template passes the page-side options on.

    `placeholder` is the value rendered before the page script reads the stored one (None: the
    stored value is rendered). The `busy` placeholder is rendered with aria-busy="true" and disabled.
    """

    offered: bool = True
    hydrate: Hydrate = ""
    placeholder: bool | None = None
    hydrate_after_load_ms: int = 0
    late_render_ms: int = 0
    save_delay_ms: int = 0
    covered: bool = False

    def shown(self, stored: bool) -> bool:
        """The value the control is rendered with."""
        return stored if self.placeholder is None else self.placeholder

    def script_options(self) -> dict[str, Any]:
        """The options of `bindSetting` in behaviours.js that follow from the variant."""
        return {
            "hydrate": self.hydrate,
            "hydrateAfterLoadMs": self.hydrate_after_load_ms,
            "saveDelayMs": self.save_delay_ms,
        }


_PAGES = {
    HYDRATING: PageBehaviour(hydrate="busy", placeholder=True),
    UNMARKED_PLACEHOLDER: PageBehaviour(
        hydrate="unmarked", placeholder=False, hydrate_after_load_ms=UNMARKED_HYDRATE_AFTER_LOAD_MS
    ),
    LATE: PageBehaviour(late_render_ms=LATE_RENDER_MS),
    DEBOUNCED: PageBehaviour(save_delay_ms=DEBOUNCED_SAVE_DELAY_MS),
    COVERED: PageBehaviour(covered=True),
    LAYOUT_CHANGED: PageBehaviour(offered=False),
}


def page_behaviour(variant: str) -> PageBehaviour:
    """What the setting page of an account with this variant renders (plain for any other variant)."""
    return _PAGES.get(variant, PageBehaviour())


def requested_value(body: bytes, field: str = "value") -> bool | None:
    """The boolean `field` of a JSON object body, or None when the body is not such an object."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    value = data.get(field) if isinstance(data, dict) else None
    return value if isinstance(value, bool) else None


class SettingStore:
    """The server side of one platform's setting reads and writes, with the variants' semantics.

    Platforms whose API speaks another shape call `read` and `write` from their own handlers;
    those speaking `{"value": true|false}` use `read_response` and `write_response` as they are.
    """

    def __init__(self, state: SandboxState, platform: str) -> None:
        self.state = state
        self.platform = platform

    async def read(self, username: str, variant: str, key: str) -> bool:
        """The stored value, answered after the variant's read delay."""
        delay = read_delay(variant)
        if delay:
            await asyncio.sleep(delay)
        # Read after the delay: the answer is the stored value when it is sent.
        return self.state.setting(self.platform, username, key)

    async def write(self, username: str, variant: str, key: str, requested: bool) -> bool:
        """Record a write and store it unless the variant refuses or ignores it; returns the value to answer.

        The sticky server pretends to accept the change and only a reload shows the truth; the
        refusing one answers with the kept value, so the page snaps the control back.
        """
        delay = write_delay(variant)
        if delay:
            await asyncio.sleep(delay)
        sticky, refused = variant == STICKY, variant == REFUSED
        stored = self.state.write(self.platform, username, key, requested, store=not (sticky or refused))
        await self.state.until_writes_answered()
        return requested if sticky else stored

    async def read_response(self, username: str, variant: str, key: str) -> JSONResponse:
        return JSONResponse({"value": await self.read(username, variant, key)})

    async def write_response(self, request: Request, username: str, variant: str, key: str) -> JSONResponse:
        """Answer a `{"value": true|false}` write with the value the page must show."""
        requested = requested_value(await request.body())
        if requested is None:
            return JSONResponse({"error": 'expected {"value": true|false}'}, status_code=400)
        return JSONResponse({"value": await self.write(username, variant, key, requested)})
