"""Where optout keeps its own state: `OPTOUT_HOME` when set, else the platform's user directories."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "optout"


@dataclass(frozen=True)
class Home:
    """Locations of optout's files. One object so that every module agrees on them."""

    config_dir: Path
    data_dir: Path
    # An OPTOUT_HOME: its keyring entries are kept apart from every other home's (see accounts.service).
    scoped: bool = False

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.json"

    @property
    def keyring_scope_file(self) -> Path:
        """A random id, made when the home first stores a password, that names its keyring entries."""
        return self.config_dir / "keyring-scope"

    @property
    def sessions_dir(self) -> Path:
        return self.data_dir / "sessions"

    @property
    def mapped_sessions_dir(self) -> Path:
        """The sessions of mapped runs (`--origin`), apart from the real ones."""
        return self.data_dir / "sessions-mapped"

    @property
    def history_file(self) -> Path:
        return self.data_dir / "history.db"


def home() -> Home:
    """Resolve optout's home. `OPTOUT_HOME=DIR` puts everything under DIR (tests, demo, portable use)."""
    override = os.environ.get("OPTOUT_HOME")
    if override:
        root = Path(override).expanduser().absolute()
        return Home(config_dir=root, data_dir=root, scoped=True)
    return Home(
        config_dir=Path(platformdirs.user_config_dir(APP_NAME)),
        data_dir=Path(platformdirs.user_data_dir(APP_NAME)),
    )


def account_folder(account: str) -> str:
    """A folder name per account: readable, and distinct for every username, including ones that read
    the same once reduced to safe characters (`a/b@x.com`, `a_b@x.com`, `a b@x.com`)."""
    slug = re.sub(r"[^A-Za-z0-9.@+-]+", "_", account).strip("._") or "account"
    return f"{slug[:48]}-{hashlib.sha256(account.encode('utf-8')).hexdigest()[:10]}"
