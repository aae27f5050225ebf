"""`optout sandbox set`: change a setting of a running sandbox from another terminal, as the platform
might change it by itself (the setting a re-check should then find back on), and read it back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

# The sandbox answers at once; a port held by something else that never answers must not hang the command.
TIMEOUT_S = 10.0


class SandboxUnreachable(Exception):
    """No sandbox answers on that port; the message is one line."""


class UnknownSetting(Exception):
    """No such platform, account or setting in the running sandbox; the message names what there is."""


@dataclass(frozen=True)
class Change:
    before: bool
    after: bool


def set_setting(port: int, platform: str, username: str, key: str, value: bool) -> Change:
    """Sets `key` of the account to `value` as the platform would (not a write of the person), and
    returns the value before and the value read back after."""
    base = f"http://127.0.0.1:{port}"
    before = _setting(_state(base), platform, username, key)
    body = {"platform": platform, "username": username, "key": key, "value": value}
    _call(base, "POST", "/__sandbox__/platform-sets", json=body)
    return Change(before, _setting(_state(base), platform, username, key))


def _state(base: str) -> dict[str, Any]:
    found = _call(base, "GET", "/__sandbox__/state")
    if not isinstance(found, dict):
        raise SandboxUnreachable(f"what answers on {base} is not an optout sandbox")
    return found


def _call(base: str, method: str, path: str, json: object = None) -> Any:
    start = f"start one with: optout sandbox --port {base.rsplit(':', 1)[1]}"
    try:
        response = httpx.request(method, base + path, json=json, timeout=TIMEOUT_S)
    except httpx.HTTPError:
        raise SandboxUnreachable(f"no sandbox answers on {base}; {start}") from None
    if response.status_code != 200:
        raise SandboxUnreachable(f"what answers on {base} is not an optout sandbox (HTTP {response.status_code})")
    try:
        return response.json()
    except ValueError:
        raise SandboxUnreachable(f"what answers on {base} is not an optout sandbox") from None


def _setting(state: dict[str, Any], platform: str, username: str, key: str) -> bool:
    if platform not in state:
        raise UnknownSetting(f"the sandbox has no platform {platform!r}: {', '.join(sorted(state))}")
    accounts = state[platform]
    if username not in accounts:
        raise UnknownSetting(f"the sandbox has no {platform} account {username!r} (optout sandbox lists them)")
    settings: dict[str, bool] = accounts[username]["settings"]
    if key not in settings:
        raise UnknownSetting(f"{platform} account {username} has no setting {key!r}: {', '.join(settings)}")
    return settings[key]
