"""Accounts: who to sign in as (config file, no secrets) and their passwords (keyring only)."""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import shlex
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import keyring.errors
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from optout.accounts import keyrings
from optout.accounts.keyrings import NO_KEYRING, KeyringChoice, KeyringUnavailable
from optout.paths import Home, home

__all__ = ["NO_KEYRING", "Account", "Config", "ConfigError", "KeyringUnavailable"]

# The service name of the default home's entries; every OPTOUT_HOME gets its own (see `service`).
KEYRING_SERVICE = "optout"
# Appended to a home's service name for the entries of mapped runs (`--origin`): a run served by a local
# server never reads the real account's password, and a real run never reads the one stored for those.
MAPPED_SUFFIX = ":mapped"

_LOCALE = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")
_SCOPE = re.compile(r"^[0-9a-f]{16,64}$")
# Control characters, and the invisible ones that make printed text lie (bidi overrides, zero widths).
_UNPRINTABLE = ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")


class ConfigError(Exception):
    """A config file that cannot be used; the message is one line."""


class Account(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: str
    username: str
    locale: str | None = Field(default=None, description="browser language for this account, e.g. fr-FR")

    @field_validator("username")
    @classmethod
    def _printable_username(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("empty")
        if value != value.strip():
            raise ValueError("starts or ends with a space")
        for char in value:
            if unicodedata.category(char) in _UNPRINTABLE:
                raise ValueError(f"contains an invisible or control character (U+{ord(char):04X})")
        return value

    @field_validator("locale")
    @classmethod
    def _known_locale_form(cls, value: str | None) -> str | None:
        if value is not None and not _LOCALE.match(value):
            raise ValueError(f"{value!r} is not a language such as fr or fr-FR")
        return value


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accounts: list[Account] = []
    # Run after a re-check that found drift or needs a person: a command as a list of words (no shell),
    # given the JSON results on stdin. E.g. ["/usr/local/bin/mail-me", "--subject", "optout"].
    on_alert: Annotated[list[str], Field(min_length=1)] | None = None

    def find(self, platform: str, username: str) -> Account | None:
        return next((a for a in self.accounts if a.platform == platform and a.username == username), None)


def problem(exc: ValidationError) -> str:
    """A validation error as one line that names the field: `accounts.0.locale: 'x' is not …`."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top level)"
    message = first["msg"].removeprefix("Value error, ")
    more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {message}{more}"


def load_config(home: Home) -> Config:
    path = home.config_file
    if not path.exists():
        return Config()
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
        return Config.model_validate(data)
    except OSError as exc:
        detail = f"cannot read it ({exc.strerror})"
    except UnicodeDecodeError as exc:
        detail = f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
    except json.JSONDecodeError as exc:
        detail = f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
    except ValidationError as exc:
        detail = problem(exc)
    raise ConfigError(f"{path}: unreadable config: {detail}; fix or remove it")


def save_config(home: Home, config: Config) -> None:
    """Atomic and private: the file lists which accounts a person has."""
    _write_private(home.config_file, config.model_dump_json(indent=2) + "\n")


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# -- passwords ------------------------------------------------------------------------------------


def service(where: Home, *, create: bool = False, mapped: bool = False) -> str | None:
    """The keyring service name of `where`'s entries. The default home keeps the plain "optout" (what
    earlier versions used); an OPTOUT_HOME uses "optout:<random id kept in the home>", so that two
    homes (a test's, the demo's, a person's second set-up) never read or overwrite each other's
    passwords. `mapped`: the service of the secrets stored for mapped runs (that name plus ":mapped",
    which no other home's name can be: an id is hex). None when the home has no id yet, so it has no
    entries."""
    if not where.scoped:
        return KEYRING_SERVICE + (MAPPED_SUFFIX if mapped else "")
    path = where.keyring_scope_file
    try:
        scope = path.read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError):
        scope = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: unreadable keyring scope ({exc}); remove it and add the accounts again") from None
    if scope and not _SCOPE.match(scope):
        raise ConfigError(f"{path}: not a keyring scope id; remove it and add the accounts again")
    if not scope:
        if not create:
            return None
        scope = _new_scope(path)
    return f"{KEYRING_SERVICE}:{scope}" + (MAPPED_SUFFIX if mapped else "")


MAKING_KEYS_WAIT_S = 30.0


@contextmanager
def making_keys(where: Home) -> Iterator[None]:
    """One process (or thread) at a time decides whether the home needs a key of its own in the keyring
    (the signing key, the session key): two runs starting together would otherwise each make one, the
    one written last silently replacing the other, and a file keyring written by two at once breaks."""
    where.data_dir.mkdir(parents=True, exist_ok=True)
    path = where.data_dir / ".making-keys.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        # Making a key takes milliseconds: a lock held much longer belongs to a stuck process.
        deadline = time.monotonic() + MAKING_KEYS_WAIT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OSError(f"another optout has held {path} for {MAKING_KEYS_WAIT_S:g} s") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


def _new_scope(path: Path) -> str:
    scope = secrets.token_hex(8)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole beside it, then linked into place: another optout starting at the same moment either
    # finds no scope or a complete one, never an empty file it would take for no scope.
    staged = path.with_name(f".{path.name}.{scope}")
    with os.fdopen(os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="ascii") as out:
        out.write(scope + "\n")
    try:
        os.link(staged, path)
    except FileExistsError:  # another optout made it meanwhile: use that one
        return path.read_text(encoding="ascii").strip()
    finally:
        staged.unlink()
    return scope


def _key(platform: str, username: str) -> str:
    return f"{platform}:{username}"


def usable_keyring() -> KeyringChoice:
    return keyrings.choice()


def _store(entry: str, value: str, what: str, where: Home | None, mapped: bool = False) -> KeyringChoice:
    found = usable_keyring()
    name = service(where or home(), create=True, mapped=mapped)
    assert name is not None
    try:
        found.backend.set_password(name, entry, value)
    except (keyring.errors.KeyringError, OSError, ValueError) as exc:
        raise KeyringUnavailable(f"{found.name} refused to store the {what}: {_first_line(exc)}") from None
    return found


def _read(entry: str, missing: str, where: Home | None, mapped: bool = False) -> str:
    name = service(where or home(), mapped=mapped)
    value = usable_keyring().backend.get_password(name, entry) if name else None
    if value is None:
        raise KeyringUnavailable(missing)
    return str(value)


def _delete(entry: str, where: Home | None, mapped: bool = False) -> bool:
    name = service(where or home(), mapped=mapped)
    if name is None:
        return False
    try:
        usable_keyring().backend.delete_password(name, entry)
    except keyring.errors.PasswordDeleteError:
        return False
    return True


def store_password(
    platform: str, username: str, password: str, where: Home | None = None, *, mapped: bool = False
) -> KeyringChoice:
    """Returns the keyring that now holds it, so that the person can be told which one. `mapped`: the
    password of mapped runs (`--origin`), never the real account's."""
    return _store(_key(platform, username), password, "password", where, mapped)


def _add_command(platform: str, username: str, mapped: bool, *more: str) -> str:
    return shlex.join(["optout", "accounts", "add", platform, username, *(["--mapped"] if mapped else []), *more])


def get_password(platform: str, username: str, where: Home | None = None, *, mapped: bool = False) -> str:
    which = "for mapped runs (--origin) " if mapped else ""
    missing = f"no password {which}in the keyring for {platform} {username}: {_add_command(platform, username, mapped)}"
    return _read(_key(platform, username), missing, where, mapped)


def has_password(platform: str, username: str, where: Home | None = None, *, mapped: bool = False) -> bool:
    try:
        get_password(platform, username, where, mapped=mapped)
    except KeyringUnavailable:
        return False
    return True


def delete_password(platform: str, username: str, where: Home | None = None, *, mapped: bool = False) -> bool:
    """False when there was no keyring entry to delete."""
    return _delete(_key(platform, username), where, mapped)


# -- authenticator secrets ------------------------------------------------------------------------
# Kept beside the password, in the same home's service, under "totp:PLATFORM:USERNAME": a username may
# hold ":totp" itself, a platform is never called "totp" (the flow model refuses it).


def _totp_key(platform: str, username: str) -> str:
    return f"totp:{_key(platform, username)}"


def store_totp_secret(
    platform: str, username: str, secret: str, where: Home | None = None, *, mapped: bool = False
) -> KeyringChoice:
    return _store(_totp_key(platform, username), secret, "authenticator secret", where, mapped)


def get_totp_secret(platform: str, username: str, where: Home | None = None, *, mapped: bool = False) -> str:
    which = "for mapped runs (--origin) " if mapped else ""
    missing = f"no authenticator secret {which}in the keyring for {platform} {username}: " + _add_command(
        platform, username, mapped, "--totp-secret-stdin"
    )
    return _read(_totp_key(platform, username), missing, where, mapped)


def has_totp_secret(platform: str, username: str, where: Home | None = None, *, mapped: bool = False) -> bool:
    try:
        get_totp_secret(platform, username, where, mapped=mapped)
    except KeyringUnavailable:
        return False
    return True


def delete_totp_secret(platform: str, username: str, where: Home | None = None, *, mapped: bool = False) -> bool:
    """False when there was no authenticator secret to delete."""
    return _delete(_totp_key(platform, username), where, mapped)


def use_file_keyring(path: Path) -> KeyringChoice | None:
    """Select keyrings.alt's plain file backend at `path`. Only for throwaway homes (the demo) whose
    passwords are public; a person chooses a backend for real accounts themselves. Returns the previous
    selection, for `keyrings.use` to restore."""
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(path)
    return keyrings.use(backend, "the demo's throwaway home")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
