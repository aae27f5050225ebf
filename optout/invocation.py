"""How a person can run optout again from where they are, and how to print such a command.

After `./run.sh demo` no `optout` is on PATH (it lives in `.venv/bin`), so a printed `optout verify` would
fail when pasted. run.sh says how it was called in OPTOUT_VIA; otherwise the command that is running is
named as the shell can find it: `optout` when PATH leads to this very program, else its absolute path.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

VIA_ENV = "OPTOUT_VIA"


def optout_words() -> list[str]:
    """The words that start optout for the person who ran this process: `optout`, `./run.sh optout`,
    `/abs/.venv/bin/optout` or `/abs/python -m optout`."""
    via = os.environ.get(VIA_ENV, "").strip()
    if via:
        return [via, "optout"]
    script = _this_script()
    if script is None:
        return [sys.executable, "-m", "optout"]
    found = shutil.which("optout")
    if found is not None and _same_file(Path(found), script):
        return ["optout"]
    return [str(script)]


def _this_script() -> Path | None:
    """The `optout` executable running now, or the one installed beside this Python (`python -m optout`)."""
    candidates = [Path(sys.argv[0]) if sys.argv and sys.argv[0] else None, Path(sys.executable).parent / "optout"]
    for candidate in candidates:
        if candidate is not None and candidate.stem == "optout" and candidate.is_file():
            return candidate.absolute()
    return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def optout_command(*args: str, env: dict[str, str] | None = None) -> list[str]:
    """`optout ARGS` as the person can paste it, word by word, each word quoted as the shell needs, with
    environment assignments (`NAME=value`) in front. `" ".join(...)` is the command on one line."""
    assignments = [f"{name}={shlex.quote(value)}" for name, value in (env or {}).items()]
    return [*assignments, *(shlex.quote(word) for word in [*optout_words(), *args])]


def shell_lines(words: list[str], width: int, indent: int = 2) -> list[str]:
    """A command (quoted words, as optout_command gives) for a terminal `width` wide: one line when it
    fits, else broken between words with a trailing backslash, continuation lines indented two more, so
    that it still pastes as one command. Never broken inside a word: a word wider than a line keeps a
    line of its own."""
    if indent + len(" ".join(words)) <= width:
        return [" " * indent + " ".join(words)]
    lines: list[str] = []
    current = ""
    for word in words:
        prefix = " " * (indent + (2 if lines else 0))
        candidate = f"{current} {word}" if current else word
        # Each line keeps room for the " \\" that continues it.
        if current and len(prefix) + len(candidate) + 2 > width:
            lines.append(f"{prefix}{current} \\")
            current = word
        else:
            current = candidate
    lines.append(" " * (indent + (2 if lines else 0)) + current)
    return lines


def command(*words: str) -> str:
    """A command line a person can paste: every word quoted as the shell needs."""
    return shlex.join(words)


def login_command(platform: str, username: str, options: tuple[str, ...] = ()) -> str:
    """The command a person runs to open a new saved session for this account (ready to paste); `options`:
    those of the run (--origin: a mapped run's sessions are its own)."""
    return shlex.join(["optout", "login", platform, "--account", username, *options])
