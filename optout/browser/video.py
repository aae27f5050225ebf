"""Making Playwright's video recorder work where Playwright's own ffmpeg was never downloaded.

Playwright records a context's video by piping frames into its own ffmpeg build, which it looks for at
`<registry>/ffmpeg-<revision>/<executable>` (registry/index.js in its driver): `<registry>` is
`PLAYWRIGHT_BROWSERS_PATH` when set ("0": the package's `.local-browsers`), else `ms-playwright` in the
user's cache folder; the revision is in the driver's browsers.json. It takes no other path. Where that
build is missing (no `playwright install ffmpeg`, no internet), any ffmpeg with libvpx-vp9 does the same
job (Debian's does): the driver process is started with `PLAYWRIGHT_BROWSERS_PATH` pointing at a private
folder that holds a link to it under the expected name, beside links to every entry of the real registry
so that Playwright's own browsers, when installed, are still found.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import playwright

HOW_TO_FIX = (
    "Debian/Ubuntu: apt-get install --no-install-recommends ffmpeg; "
    "or Playwright's own: python -m playwright install ffmpeg"
)
NO_FFMPEG = f"no ffmpeg found to record the video with ({HOW_TO_FIX})"

# Playwright's executable name for its ffmpeg build, per platform (registry/index.js, EXECUTABLE_PATHS).
_EXECUTABLE = {"linux": "ffmpeg-linux", "darwin": "ffmpeg-mac", "win32": "ffmpeg-win64.exe"}


def _driver_package() -> Path:
    return Path(playwright.__file__).parent / "driver" / "package"


def ffmpeg_revision() -> str:
    """The ffmpeg revision the installed Playwright driver expects (its browsers.json)."""
    browsers = json.loads((_driver_package() / "browsers.json").read_text(encoding="utf-8"))["browsers"]
    return str(next(b["revision"] for b in browsers if b["name"] == "ffmpeg"))


def executable_name() -> str | None:
    """Playwright's name for its ffmpeg here; None on a platform it ships no build for."""
    platform = "linux" if sys.platform.startswith("linux") else sys.platform
    return _EXECUTABLE.get(platform)


def registry_directory() -> Path:
    """Where the Playwright driver started now would look for its browsers and ffmpeg."""
    configured = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if configured == "0":
        return _driver_package() / ".local-browsers"
    if configured:
        return Path(configured).absolute()
    if sys.platform == "darwin":
        cache = Path.home() / "Library" / "Caches"
    elif sys.platform == "win32":
        cache = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "ms-playwright"


def playwright_ffmpeg() -> Path | None:
    """Playwright's own ffmpeg, when installed where the driver looks for it."""
    name = executable_name()
    if name is None:
        return None
    path = registry_directory() / f"ffmpeg-{ffmpeg_revision()}" / name
    return path if path.is_file() and os.access(path, os.X_OK) else None


def other_ffmpeg() -> Path | None:
    """An ffmpeg that is not Playwright's: the system's on PATH, else imageio-ffmpeg's bundled one."""
    found = shutil.which("ffmpeg")
    if found:
        return Path(found)
    try:
        import imageio_ffmpeg  # type: ignore[import-not-found]  # optional: only used when installed
    except ImportError:
        return None
    try:
        bundled = Path(imageio_ffmpeg.get_ffmpeg_exe())
    except (RuntimeError, OSError):
        return None
    return bundled if bundled.is_file() else None


def find_ffmpeg() -> Path | None:
    """Playwright's own ffmpeg if installed, else `ffmpeg` on PATH (Debian's), else imageio_ffmpeg's if
    that package is importable."""
    return playwright_ffmpeg() or other_ffmpeg()


# One private registry per process, per (real registry, ffmpeg): the driver resolves its paths when it
# starts and spawns ffmpeg whenever a recording starts, so the folder must outlive the context manager.
_shims: dict[tuple[Path, Path], Path] = {}


def _link(target: Path, link: Path) -> None:
    try:
        link.symlink_to(target, target_is_directory=target.is_dir())
    except OSError:
        # Windows without the right to make symbolic links: a copy of the one file that matters.
        if target.is_file():
            shutil.copy2(target, link)


def _shim_registry(registry: Path, ffmpeg: Path, name: str) -> Path:
    key = (registry, ffmpeg)
    if key in _shims and _shims[key].is_dir():
        return _shims[key]
    shim = Path(tempfile.mkdtemp(prefix="optout-playwright-"))
    atexit.register(shutil.rmtree, shim, True)
    wanted = f"ffmpeg-{ffmpeg_revision()}"
    if registry.is_dir():
        for entry in registry.iterdir():
            if entry.name != wanted:
                _link(entry, shim / entry.name)
    (shim / wanted).mkdir()
    _link(ffmpeg, shim / wanted / name)
    _shims[key] = shim
    return shim


@contextmanager
def recording_enabled() -> Iterator[str | None]:
    """Around starting Playwright (`async_playwright().start()`): when Playwright's own ffmpeg is missing
    but another is found, sets PLAYWRIGHT_BROWSERS_PATH (for the driver process being started) to a private
    temporary folder holding `ffmpeg-<rev>/<exe name>` linked to that ffmpeg, and links to every entry of
    the default registry folder (so Playwright's own browsers still resolve); restores the environment
    after. Yields None when recording will work, else one line saying why not and how to fix it."""
    name = executable_name()
    if playwright_ffmpeg() is not None:
        yield None
        return
    ffmpeg = other_ffmpeg()
    if name is None or ffmpeg is None:
        yield NO_FFMPEG
        return
    before = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    os.environ["PLAYWRIGHT_BROWSERS_PATH"] = str(_shim_registry(registry_directory(), ffmpeg, name))
    try:
        yield None
    finally:
        if before is None:
            os.environ.pop("PLAYWRIGHT_BROWSERS_PATH", None)
        else:
            os.environ["PLAYWRIGHT_BROWSERS_PATH"] = before


def main() -> int:
    """`python -m optout.browser.video`: which ffmpeg video would be recorded with; exit 1 when none.
    The set-up script uses it to decide whether to install one."""
    found = find_ffmpeg()
    if found is None:
        print(f"optout: {NO_FFMPEG}", file=sys.stderr)
        return 1
    if found == playwright_ffmpeg():
        source = "Playwright's ffmpeg"
    else:
        source = "on PATH" if shutil.which("ffmpeg") else "imageio-ffmpeg's"
    print(f"{found} ({source})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
