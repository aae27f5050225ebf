"""Which keyring backend holds optout's passwords, and whether it may.

A backend the person chose (`PYTHON_KEYRING_BACKEND`, or keyring's own config file `keyringrc.cfg`) is
used as chosen, file backends included. A backend keyring would pick by itself is used only when it is a
real secret store: on a headless Linux box keyring's own pick is a keyrings.alt file, and a password must
never land in a file nobody asked for.
"""

from __future__ import annotations

import configparser
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import keyring.backend
import keyring.core
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.util import platform_

ENV_VAR = "PYTHON_KEYRING_BACKEND"

NO_KEYRING = (
    "no usable keyring backend: optout keeps passwords only in a keyring, and this system has none. "
    "Either run a Secret Service in your session (GNOME Keyring, KWallet, KeePassXC), or choose "
    "keyrings.alt's file backend explicitly: export PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring "
    "(asks for a master password) or =keyrings.alt.file.PlaintextKeyring (an unencrypted file only your "
    "user can read). See README, 'Passwords and keyrings'."
)


class KeyringUnavailable(Exception):
    """No keyring optout may use; the message is one line and says what to do."""


class NoTerminal(KeyringUnavailable):
    """The keyring needs its master password and there is no terminal to ask it on (a scheduler, say)."""


class WrongMasterPassword(KeyringUnavailable):
    """The encrypted keyring's master password was wrong at every try: the person is there and needs to
    know, rather than a keyring reported as unusable."""


#: Tries at the master password, as sudo and ssh give.
MASTER_PASSWORD_TRIES = 3


@dataclass(frozen=True)
class KeyringChoice:
    backend: KeyringBackend
    chosen_by: str  # "PYTHON_KEYRING_BACKEND", "keyring's config file PATH", "keyring's own pick", …

    @property
    def name(self) -> str:
        return backend_name(self.backend)

    @property
    def file(self) -> Path | None:
        """Where a file backend keeps its entries; None for a secret store."""
        path = getattr(self.backend, "file_path", None)
        return Path(path) if isinstance(path, str) and is_file_backend(self.backend) else None

    @property
    def encrypted(self) -> bool:
        """False only for a file that holds passwords as they are (base64 is not encryption)."""
        return not _is_plaintext(self.backend)

    def describe(self) -> str:
        """The backend as a person needs to know it: its name, and where a file backend writes."""
        if self.file is None:
            return self.name
        kind = "an encrypted file" if self.encrypted else "an unencrypted file"
        return f"{self.name} ({kind}: {self.file})"


def backend_name(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def is_file_backend(backend: KeyringBackend) -> bool:
    # Every keyrings.alt backend keeps its entries in a file (plain, encrypted, keyczar, the Windows file).
    return type(backend).__module__.startswith("keyrings.alt") or hasattr(backend, "file_path")


def _is_plaintext(backend: KeyringBackend) -> bool:
    from keyrings.alt.file import PlaintextKeyring

    return isinstance(backend, PlaintextKeyring)


def _is_secret_store(backend: KeyringBackend) -> bool:
    """What keyring itself calls recommended (priority ≥ 1), and not a file."""
    try:
        priority = float(backend.priority)
    except Exception:  # noqa: BLE001 - a backend's priority may raise anything when it cannot work here
        return False
    return priority >= 1 and not is_file_backend(backend) and not isinstance(backend, chainer.ChainerBackend)


_override: KeyringChoice | None = None
_cached: KeyringChoice | None = None


def use(backend: KeyringBackend | None, chosen_by: str = "optout") -> KeyringChoice | None:
    """Make optout use `backend` in this process (the demo's throwaway keyring, tests); None goes back to
    the person's choice. Returns the previous override."""
    global _override, _cached
    previous = _override
    _override = KeyringChoice(backend, chosen_by) if backend is not None else None
    _cached = None
    return previous


def restore(previous: KeyringChoice | None) -> None:
    """Put back what `use` returned."""
    global _override, _cached
    _override, _cached = previous, None


def choice() -> KeyringChoice:
    """The keyring optout will use, or KeyringUnavailable. Chosen once per process: an encrypted file
    backend remembers its master password on the object."""
    global _cached
    if _override is not None:
        return _checked(_override)
    if _cached is None:
        _cached = _checked(_detect())
    return _cached


def reset() -> None:
    """Forget the cached choice (tests that change the environment)."""
    global _cached
    _cached = None


def config_file() -> Path:
    """keyring's own config file, where a person can choose a backend for every program."""
    return Path(platform_.config_root()) / "keyringrc.cfg"


def _detect() -> KeyringChoice:
    name = os.environ.get(ENV_VAR, "").strip()
    if name:
        return KeyringChoice(_load(name, ENV_VAR), ENV_VAR)
    path = config_file()
    named = _named_in_config(path)
    if named is not None:
        return KeyringChoice(_load(named, f"keyring's config file {path}"), f"keyring's config file {path}")
    return _own_pick()


def _named_in_config(path: Path) -> str | None:
    if not path.is_file():
        return None
    config = configparser.RawConfigParser()
    try:
        config.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError) as exc:
        raise KeyringUnavailable(f"keyring's config file {path} is unreadable: {_first_line(exc)}") from None
    if not config.has_option("backend", "default-keyring"):
        return None
    if config.has_option("backend", "keyring-path"):
        # keyring's own loader honours this too: a backend shipped outside site-packages.
        keyring.core._load_keyring_path(config)
    return config.get("backend", "default-keyring").strip() or None


def _load(name: str, source: str) -> KeyringBackend:
    try:
        backend = keyring.core.load_keyring(name)
    except Exception as exc:  # noqa: BLE001 - import errors, missing classes, backends refusing to run here
        raise KeyringUnavailable(
            f"{source} names the keyring backend {name!r}, which cannot be used here: {_first_line(exc)}"
        ) from None
    if not isinstance(backend, KeyringBackend):
        raise KeyringUnavailable(f"{source} names {name!r}, which is not a keyring backend")
    return backend


def _own_pick() -> KeyringChoice:
    """The best real secret store keyring can reach, never its chainer (which would read from and
    write to a file backend too) and never a file."""
    try:
        candidates = [b for b in keyring.backend.get_all_keyring() if _is_secret_store(b)]
    except Exception:  # noqa: BLE001 - a broken backend plugin must not stop optout from explaining
        candidates = []
    if not candidates:
        raise KeyringUnavailable(NO_KEYRING)
    best = max(candidates, key=lambda b: float(b.priority))
    return KeyringChoice(best, "keyring's own pick (a secret store)")


def _checked(found: KeyringChoice) -> KeyringChoice:
    backend = found.backend
    if isinstance(backend, chainer.ChainerBackend):
        # Chosen explicitly: it writes to its first backend, and that is the one to name.
        if not backend.backends:
            raise KeyringUnavailable(NO_KEYRING)
        return _checked(KeyringChoice(backend.backends[0], f"{found.chosen_by}, via keyring's chainer"))
    if isinstance(backend, (fail.Keyring, null.Keyring)):
        # fail refuses everything; null silently forgets what it is given.
        raise KeyringUnavailable(NO_KEYRING)
    return found


# -- the encrypted file backend's master password ---------------------------------------------------


def needs_master_password(backend: KeyringBackend) -> bool:
    from keyrings.alt.file import EncryptedKeyring

    return isinstance(backend, EncryptedKeyring) and "keyring_key" not in vars(backend)


def unlock(found: KeyringChoice) -> None:
    """Ask an encrypted file backend for its master password now, on the terminal, before optout asks
    or prints anything else; a no-op for other backends. keyrings.alt asks through getpass, which reads
    the terminal, so standard input stays free for --password-stdin. Without a terminal getpass would
    read standard input instead, taking the account's password for the master password: refused."""
    if not needs_master_password(found.backend):
        return
    if os.name == "posix" and not has_terminal():
        raise NoTerminal(
            f"{found.name} asks for its master password on a terminal, and there is none here; "
            "run the command from a terminal, or choose another keyring backend"
        )
    for tries_left in range(MASTER_PASSWORD_TRIES - 1, -1, -1):
        try:
            getattr(found.backend, "keyring_key")  # noqa: B009 - the property prompts and keeps the key on the object
            return
        except ValueError as exc:
            if tries_left == 0:
                raise WrongMasterPassword(
                    f"{found.name}: the keyring's master password was wrong {MASTER_PASSWORD_TRIES} times "
                    f"({_first_line(exc)}); nothing was read or changed"
                ) from None
            _tell_terminal(
                f"Wrong master password; try again ({tries_left} {'tries' if tries_left > 1 else 'try'} left)."
            )
        except (EOFError, KeyboardInterrupt):
            raise KeyringUnavailable(f"{found.name}: no master password given") from None


def _tell_terminal(line: str) -> None:
    """A line where the prompt was (getpass asks on the terminal, and stderr may be a file)."""
    try:
        with open("/dev/tty", "w", encoding="utf-8") as tty:
            tty.write(line + "\n")
    except OSError:
        sys.stderr.write(line + "\n")


def has_terminal() -> bool:
    """Whether this process has a controlling terminal, which is where getpass asks."""
    try:
        with open("/dev/tty", "rb"):
            return True
    except OSError:
        return False


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
