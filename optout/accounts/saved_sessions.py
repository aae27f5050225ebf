"""Saved browser sessions: one account's Playwright storage state (its platform's cookies and local
storage only), encrypted at rest with AES-GCM under a random per-home key kept in the keyring.

The platform and username are bound to each file (associated data): a file copied under another
account's name, or made under another home's key, does not decrypt and is discarded, never used.
Mapped runs (`--origin`: a local server answers for the platform) keep their sessions apart, in
`sessions-mapped/`, bound as mapped: a sandbox sign-in never replaces, nor is sent, the real session.
Files are private to the user (0600, folders 0700) and written atomically.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import keyring.errors
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from optout.accounts import config as accounts
from optout.accounts.keyrings import KeyringUnavailable
from optout.paths import Home, account_folder

KEYRING_ENTRY = "session-key"
MAGIC = b"optout-session\x01"
NONCE_BYTES = 12
KEY_BYTES = 32

KEYRING_FIX = "choose a keyring backend that holds this home's entries (see optout doctor)"


class SessionKeyUnavailable(Exception):
    """The keyring cannot give the session key; the message is one line that names the fix."""


class SessionDiscarded(Exception):
    """A saved session that cannot be used (damaged, truncated, another key); the message says why."""


@dataclass(frozen=True)
class SessionStore:
    """The saved sessions of one home."""

    home: Home
    # Why the keyring cannot be used in this process (found once, up front): nothing then touches it.
    keyring_problem: str | None = None
    mapped: bool = False  # the sessions of mapped runs (`--origin`), never the real ones

    @property
    def folder(self) -> Path:
        return self.home.mapped_sessions_dir if self.mapped else self.home.sessions_dir

    def path(self, platform: str, username: str) -> Path:
        return self.folder / platform / f"{account_folder(username)}.session"

    def exists(self, platform: str, username: str) -> bool:
        return self.path(platform, username).is_file()

    # -- the key -----------------------------------------------------------------------------------

    def _key(self, *, create: bool) -> bytes | None:
        """The home's session key; made on first use when `create`. Raises SessionKeyUnavailable."""
        if self.keyring_problem is not None:
            raise SessionKeyUnavailable(f"the keyring cannot be used ({self.keyring_problem}): {KEYRING_FIX}")
        try:
            backend = accounts.usable_keyring().backend
            name = accounts.service(self.home, create=create)
            if name is None:
                return None
            stored = backend.get_password(name, KEYRING_ENTRY)
            if stored is None and create:
                with accounts.making_keys(self.home):
                    stored = backend.get_password(name, KEYRING_ENTRY)  # made meanwhile by another run?
                    if stored is None:
                        key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
                        backend.set_password(name, KEYRING_ENTRY, base64.b64encode(key).decode("ascii"))
                        return key
        except (KeyringUnavailable, keyring.errors.KeyringError, accounts.ConfigError, OSError, ValueError) as exc:
            raise SessionKeyUnavailable(f"the keyring cannot be used ({_first_line(exc)}): {KEYRING_FIX}") from None
        if stored is None:
            return None
        try:
            key = base64.b64decode(stored, validate=True)
        except ValueError:
            key = b""
        if len(key) != KEY_BYTES:
            raise SessionKeyUnavailable("the session key in the keyring is damaged: run optout logout, then sign in")
        return key

    # -- reading and writing -----------------------------------------------------------------------

    def load(self, platform: str, username: str) -> dict[str, Any] | None:
        """The saved storage state, or None when there is none. Raises SessionKeyUnavailable (the
        keyring), SessionDiscarded (a file that cannot be used)."""
        if self.keyring_problem is not None:
            # Without the keyring this account can neither restore its session nor sign in.
            raise SessionKeyUnavailable(f"the keyring cannot be used ({self.keyring_problem}): {KEYRING_FIX}")
        path = self.path(platform, username)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SessionDiscarded(f"saved session {path} is unreadable ({exc.strerror}); ignored") from None
        key = self._key(create=False)
        try:
            if key is None:
                raise SessionDiscarded("this home's session key is not in the keyring in use")
            return _decrypt(key, blob, platform, username, mapped=self.mapped)
        except SessionDiscarded as exc:
            # Left in place (another keyring may hold its key); the next sign-in replaces it.
            raise SessionDiscarded(f"saved session {path} not used: {exc}") from None

    def ready(self) -> None:
        """Make the home's session key now if it has none, before accounts run side by side: a file
        keyring read by one account while another writes the new key could read half a file."""
        with contextlib.suppress(SessionKeyUnavailable):
            self._key(create=True)

    def save(self, platform: str, username: str, state: dict[str, Any], origins: list[str]) -> Path:
        """Encrypt and write `state`, keeping only what belongs to `origins`. Raises
        SessionKeyUnavailable, OSError."""
        key = self._key(create=True)
        assert key is not None
        kept = own_state(state, origins)
        path = self.path(platform, username)
        _write_private(path, _encrypt(key, json.dumps(kept).encode("utf-8"), platform, username, mapped=self.mapped))
        return path

    def delete(self, platform: str, username: str) -> Path | None:
        """The path deleted, or None when there was no saved session."""
        path = self.path(platform, username)
        try:
            path.unlink()
        except FileNotFoundError:
            return None
        return path


def own_state(state: dict[str, Any], origins: list[str]) -> dict[str, Any]:
    """Only the platform's own cookies (a domain its origins' hosts belong to) and local storage."""
    hosts = [urlsplit(o).hostname or "" for o in origins]
    own = {o.rstrip("/") for o in origins}

    def own_cookie(cookie: dict[str, Any]) -> bool:
        domain = str(cookie.get("domain", "")).lstrip(".").lower()
        return bool(domain) and any(h == domain or h.endswith(f".{domain}") for h in hosts)

    return {
        "cookies": [c for c in state.get("cookies", []) if own_cookie(c)],
        "origins": [o for o in state.get("origins", []) if str(o.get("origin", "")).rstrip("/") in own],
    }


def _associated(platform: str, username: str, mapped: bool) -> bytes:
    # A mapped session copied over a real one (or the other way) does not decrypt.
    return json.dumps(["optout-session", platform, username, *(["mapped"] if mapped else [])]).encode("utf-8")


def _encrypt(key: bytes, plain: bytes, platform: str, username: str, *, mapped: bool = False) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, plain, _associated(platform, username, mapped))


def _decrypt(key: bytes, blob: bytes, platform: str, username: str, *, mapped: bool = False) -> dict[str, Any]:
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + NONCE_BYTES + 16:
        raise SessionDiscarded("not a saved session (damaged or truncated)")
    nonce = blob[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
    try:
        plain = AESGCM(key).decrypt(nonce, blob[len(MAGIC) + NONCE_BYTES :], _associated(platform, username, mapped))
    except InvalidTag:
        raise SessionDiscarded(
            "it does not decrypt with this home's key for this account (damaged, or made by another key)"
        ) from None
    try:
        state = json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SessionDiscarded("its content is not a browser session") from None
    if not isinstance(state, dict) or not isinstance(state.get("cookies"), list):
        raise SessionDiscarded("its content is not a browser session")
    return state


def _write_private(path: Path, data: bytes) -> None:
    for folder in (path.parent.parent, path.parent):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
