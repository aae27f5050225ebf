"""Server-side state of the sandbox: settings, write log, counters and sessions.

Handlers run on the server's event loop while tests read the state from another
thread, so every access goes through one lock.
"""

from __future__ import annotations

import asyncio
import copy
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

#: How long a pending sign-in challenge (PIN, CAPTCHA) stays valid.
CHALLENGE_TTL_SECONDS = 600.0
#: The longest a held write waits for its answer (a bound, so that a forgotten hold ends).
WRITE_HOLD_MAX_SECONDS = 120.0

Defaults = Mapping[str, Mapping[str, Mapping[str, bool]]]
"""Default settings: platform -> username -> setting key -> value."""


@dataclass
class AccountState:
    """What the server holds for one account."""

    settings: dict[str, bool]
    writes: list[dict[str, Any]] = field(default_factory=list)
    #: Sign-in forms submitted with a known username (right or wrong password).
    password_submissions: int = 0
    #: Sign-ins that succeeded (a session was opened).
    signins: int = 0
    #: Verification codes submitted at a checkpoint (e-mail PIN, SMS or authenticator code).
    code_submissions: int = 0
    #: Sign-in e-mails (a link or a code) the platform was asked to send.
    emails_sent: int = 0
    #: Forms sent in the person's name (an objection request): every POST, what it carried and how it
    #: was answered, so a test can prove what arrived and that nothing was sent twice.
    submissions: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        # Every setting appears in writes_by_key, so "never written" reads as an explicit 0.
        writes_by_key = dict.fromkeys(self.settings, 0)
        for write in self.writes:
            writes_by_key[write["key"]] = writes_by_key.get(write["key"], 0) + 1
        return {
            "settings": dict(self.settings),
            "writes": copy.deepcopy(self.writes),
            "writes_by_key": writes_by_key,
            "password_submissions": self.password_submissions,
            "signins": self.signins,
            "code_submissions": self.code_submissions,
            "emails_sent": self.emails_sent,
            "submissions": copy.deepcopy(self.submissions),
        }


@dataclass(frozen=True)
class Challenge:
    """A sign-in held at a checkpoint, waiting for the person."""

    username: str
    kind: str
    expires: float


class SandboxState:
    """All mutable state of one sandbox app."""

    def __init__(self, defaults: Defaults) -> None:
        self._defaults = defaults
        self._lock = threading.Lock()
        self._accounts: dict[str, dict[str, AccountState]] = {}
        self._sessions: dict[str, dict[str, str]] = {}
        self._challenges: dict[str, dict[str, Challenge]] = {}
        # Set while writes are answered at once; cleared while a test holds them (see `hold_writes`).
        # Used on the server's event loop only (the control endpoint and the write handlers).
        self._writes_answered = asyncio.Event()
        self.reset()

    def reset(self) -> None:
        """Back to the defaults for every account; drop sessions and challenges."""
        with self._lock:
            self._accounts = {
                platform: {user: AccountState(settings=dict(values)) for user, values in users.items()}
                for platform, users in self._defaults.items()
            }
            self._sessions = {platform: {} for platform in self._defaults}
            self._challenges = {platform: {} for platform in self._defaults}
        self._writes_answered.set()

    def hold_writes(self, hold: bool) -> None:
        """While held, a write is recorded and stored at once, and answered only once released (or on
        reset): a save still pending, for a test to act in the middle of it."""
        if hold:
            self._writes_answered.clear()
        else:
            self._writes_answered.set()

    async def until_writes_answered(self) -> None:
        """Returns at once unless writes are held; then when released, or after WRITE_HOLD_MAX_SECONDS."""
        try:
            await asyncio.wait_for(self._writes_answered.wait(), WRITE_HOLD_MAX_SECONDS)
        except asyncio.TimeoutError:
            return

    def snapshot(self) -> dict[str, dict[str, dict[str, Any]]]:
        """A JSON-ready copy of every account's state."""
        with self._lock:
            return {
                platform: {user: account.as_json() for user, account in users.items()}
                for platform, users in self._accounts.items()
            }

    def count_password(self, platform: str, username: str) -> None:
        with self._lock:
            self._accounts[platform][username].password_submissions += 1

    def count_code(self, platform: str, username: str) -> None:
        with self._lock:
            self._accounts[platform][username].code_submissions += 1

    def count_email(self, platform: str, username: str) -> None:
        with self._lock:
            self._accounts[platform][username].emails_sent += 1

    def record_submission(
        self, platform: str, username: str, form: str, fields: Mapping[str, str], answer: str
    ) -> None:
        """Record one POST of a form sent in the person's name, with the fields it carried and the answer given."""
        with self._lock:
            self._accounts[platform][username].submissions.append(
                {"form": form, "fields": dict(fields), "answer": answer, "at": datetime.now(timezone.utc).isoformat()}
            )

    def setting(self, platform: str, username: str, key: str) -> bool:
        with self._lock:
            return self._accounts[platform][username].settings[key]

    def settings(self, platform: str, username: str) -> dict[str, bool]:
        with self._lock:
            return dict(self._accounts[platform][username].settings)

    def write(self, platform: str, username: str, key: str, requested: bool, *, store: bool = True) -> bool:
        """Record a write request; store it unless told not to. Returns the stored value.

        `key` must be one of the account's settings (KeyError otherwise): routes answer unknown
        keys themselves, and a write never adds a setting.
        """
        with self._lock:
            account = self._accounts[platform][username]
            if key not in account.settings:
                raise KeyError(key)
            if store:
                account.settings[key] = requested
            stored = account.settings[key]
            account.writes.append(
                {
                    "key": key,
                    "requested": requested,
                    "stored": stored,
                    "at": datetime.now(timezone.utc).isoformat(),
                }
            )
            return stored

    def platform_sets(self, platform: str, username: str, key: str, value: bool) -> None:
        """The platform changes a setting on its own side (a policy change, a reset default): not a write
        the person made, so not in `writes`. KeyError for an unknown account or setting."""
        with self._lock:
            settings = self._accounts[platform][username].settings
            if key not in settings:
                raise KeyError(key)
            settings[key] = value

    def open_session(self, platform: str, username: str, *, prefix: str = "") -> str:
        """A new session token (the value of the auth cookie); counts a successful sign-in."""
        # The prefix mimics the look of the real cookie's values; the rest is random.
        token = prefix + secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[platform][token] = username
            self._accounts[platform][username].signins += 1
        return token

    def session_user(self, platform: str, token: str | None) -> str | None:
        if not token:
            return None
        with self._lock:
            return self._sessions[platform].get(token)

    def expire_sessions(self, platform: str, username: str) -> int:
        """End every open session of one account, as a platform does when it signs people out
        server-side (expiry, password change). Returns how many were open."""
        with self._lock:
            if username not in self._accounts[platform]:
                raise KeyError(username)
            sessions = self._sessions[platform]
            tokens = [t for t, user in sessions.items() if user == username]
            for token in tokens:
                del sessions[token]
            return len(tokens)

    def close_session(self, platform: str, token: str | None) -> None:
        if token:
            with self._lock:
                self._sessions[platform].pop(token, None)

    def open_challenge(self, platform: str, username: str, kind: str, *, prefix: str = "AQH") -> str:
        """A short-lived id standing for a sign-in paused at a checkpoint."""
        # The prefix mimics the real ids of each kind of checkpoint; the rest is random.
        challenge_id = prefix + secrets.token_urlsafe(24)
        expires = time.monotonic() + CHALLENGE_TTL_SECONDS
        with self._lock:
            self._challenges[platform][challenge_id] = Challenge(username, kind, expires)
        return challenge_id

    def challenge(self, platform: str, challenge_id: str | None, kind: str) -> Challenge | None:
        if not challenge_id:
            return None
        with self._lock:
            found = self._challenges[platform].get(challenge_id)
            if found is None or found.kind != kind:
                return None
            if found.expires < time.monotonic():
                del self._challenges[platform][challenge_id]
                return None
            return found

    def close_challenge(self, platform: str, challenge_id: str) -> None:
        with self._lock:
            self._challenges[platform].pop(challenge_id, None)
