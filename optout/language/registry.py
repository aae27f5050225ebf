"""Finds the flow files: `OPTOUT_FLOWS_DIR` when set (it alone), else the ones shipped with optout,
each overlaid by the person's installed one (`optout flows install`, under the home's `flows/`)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from optout.language.flow import Flow, FlowError, load_flow
from optout.paths import home

# The optout package itself: this module sits one folder below it.
_PACKAGE_DIR = Path(__file__).resolve().parent.parent

Source = Literal["shipped", "installed", "OPTOUT_FLOWS_DIR"]


@dataclass(frozen=True)
class FlowFile:
    """Where a platform's flow was read from, and the SHA-256 of the bytes read (what a manifest records)."""

    platform: str
    path: Path
    source: Source
    sha256: str = ""


# What the last load_all read, by platform: a run records the flow it used, not the file as it is later.
_loaded: dict[str, FlowFile] = {}


def shipped_dir() -> Path:
    # In a wheel the flows are copied into the package; in a source checkout they sit beside it.
    for candidate in (_PACKAGE_DIR / "flows", _PACKAGE_DIR.parent / "flows"):
        if candidate.is_dir():
            return candidate
    raise FlowError(f"no flows directory found next to {_PACKAGE_DIR}")


def installed_dir() -> Path:
    """The person's own flows (`optout flows install`), overlaying the shipped ones."""
    return home().data_dir / "flows"


def flows_dir() -> Path:
    """`OPTOUT_FLOWS_DIR` when set, else the shipped flows (installed ones overlay them: `located`)."""
    override = os.environ.get("OPTOUT_FLOWS_DIR")
    return Path(override) if override else shipped_dir()


def flow_files(directory: Path | None = None) -> list[Path]:
    """The flow files in `directory`, one per platform: two for one platform (`x.yaml` and `x.yml`) is
    an error, since either could be the one a person edited."""
    directory = directory or flows_dir()
    try:
        files = sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    except OSError as exc:
        raise FlowError(f"{directory}: cannot list flow files: {exc.strerror}") from None
    seen: dict[str, Path] = {}
    for path in files:
        if path.stem in seen:
            raise FlowError(f"two flow files for platform {path.stem!r}: {seen[path.stem]} and {path}; keep only one")
        seen[path.stem] = path
    return files


def located() -> dict[str, FlowFile]:
    """Each platform's flow file, by platform: what optout uses."""
    override = os.environ.get("OPTOUT_FLOWS_DIR")
    if override:
        return {p.stem: FlowFile(p.stem, p, "OPTOUT_FLOWS_DIR") for p in flow_files(Path(override))}
    found = {p.stem: FlowFile(p.stem, p, "shipped") for p in flow_files(shipped_dir())}
    mine = installed_dir()
    if mine.is_dir():
        found.update({p.stem: FlowFile(p.stem, p, "installed") for p in flow_files(mine)})
    return dict(sorted(found.items()))


def load_located() -> dict[str, tuple[Flow, FlowFile]]:
    """Every flow used, with where it came from. Raises FlowError on the first broken file."""
    loaded: dict[str, tuple[Flow, FlowFile]] = {}
    for platform, where in located().items():
        flow = load_flow(where.path)
        try:
            digest = hashlib.sha256(where.path.read_bytes()).hexdigest()
        except OSError as exc:
            raise FlowError(f"{where.path}: cannot read: {exc.strerror}") from None
        loaded[platform] = (flow, FlowFile(platform, where.path, where.source, digest))
    return loaded


def load_all(directory: Path | None = None) -> dict[str, Flow]:
    """Every flow, by platform (those of `directory` only, when given). Raises FlowError on the first
    broken file: a run never half-loads."""
    if directory is not None:
        return {flow.platform: flow for flow in (load_flow(p) for p in flow_files(directory))}
    loaded = load_located()
    _loaded.clear()
    _loaded.update({p: where for p, (_, where) in loaded.items()})
    return {p: flow for p, (flow, _) in loaded.items()}


def loaded_from(platform: str) -> FlowFile | None:
    """Where the flow of `platform` that load_all last returned was read from (None: not loaded)."""
    return _loaded.get(platform)
