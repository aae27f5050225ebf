"""Accounts: who to sign in as (config file, no secrets) and their passwords (keyring only)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from optout.paths import Home

KEYRING_SERVICE = "optout"

NO_KEYRING = (
    "no usable keyring backend: optout keeps passwords only in a keyring, and this system has none. "
    "Either run a Secret Service in your session (GNOME Keyring, KWallet, KeePassXC), or choose "
    "keyrings.alt's file backend explicitly: export PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring "
    "(asks for a master password) or =keyrings.alt.file.PlaintextKeyring (an unencrypted file only your "
    "user can read). See README, 'Passwords and keyrings'."
)


class ConfigError(Exception):
    """A config file that cannot be used; the message is one line."""


class KeyringUnavailable(Exception):
    pass


class Account(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: str
    username: str = Field(min_length=1)
    locale: str | None = Field(default=None, description="browser language for this account, e.g. fr-FR")


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accounts: list[Account] = []

    def find(self, platform: str, username: str) -> Account | None:
        return next((a for a in self.accounts if a.platform == platform and a.username == username), None)


def load_config(home: Home) -> Config:
    path = home.config_file
    if not path.exists():
        return Config()
    try:
        return Config.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, ValidationError) as exc:
        detail = str(exc).splitlines()[0]
        raise ConfigError(f"{path}: unreadable config ({detail}); fix or remove it") from None


def save_config(home: Home, config: Config) -> None:
    """Atomic and private: the file lists which accounts a person has."""
    path = home.config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(config.model_dump_json(indent=2) + "\n")
    os.replace(tmp, path)


def _key(platform: str, username: str) -> str:
    return f"{platform}:{username}"


def usable_keyring() -> KeyringBackend:
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or (isinstance(backend, chainer.ChainerBackend) and not backend.backends):
        raise KeyringUnavailable(NO_KEYRING)
    return backend


def store_password(platform: str, username: str, password: str) -> None:
    try:
        usable_keyring().set_password(KEYRING_SERVICE, _key(platform, username), password)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"the keyring refused to store the password: {exc}") from None


def get_password(platform: str, username: str) -> str:
    password = usable_keyring().get_password(KEYRING_SERVICE, _key(platform, username))
    if password is None:
        raise KeyringUnavailable(
            f"no password in the keyring for {platform} {username}: optout accounts add {platform} {username}"
        )
    return password


def delete_password(platform: str, username: str) -> bool:
    """False when there was no keyring entry to delete."""
    try:
        usable_keyring().delete_password(KEYRING_SERVICE, _key(platform, username))
    except keyring.errors.PasswordDeleteError:
        return False
    return True


def use_file_keyring(path: Path) -> None:
    """Select keyrings.alt's plain file backend at `path`. Only for throwaway homes (the demo) whose
    passwords are public; a person chooses a backend for real accounts themselves."""
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(path)
    keyring.set_keyring(backend)
