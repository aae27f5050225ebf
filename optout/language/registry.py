"""Finds the flow files: `OPTOUT_FLOWS_DIR` when set, else the ones shipped with optout."""

from __future__ import annotations

import os
from pathlib import Path

from optout.language.flow import Flow, FlowError, load_flow

# The optout package itself: this module sits one folder below it.
_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def flows_dir() -> Path:
    override = os.environ.get("OPTOUT_FLOWS_DIR")
    if override:
        return Path(override)
    # In a wheel the flows are copied into the package; in a source checkout they sit beside it.
    for candidate in (_PACKAGE_DIR / "flows", _PACKAGE_DIR.parent / "flows"):
        if candidate.is_dir():
            return candidate
    raise FlowError(f"no flows directory found next to {_PACKAGE_DIR}")


def flow_files(directory: Path | None = None) -> list[Path]:
    """The flow files in `directory`, one per platform: two for one platform (`x.yaml` and `x.yml`) is
    an error, since either could be the one a person edited."""
    directory = directory or flows_dir()
    try:
        files = sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml"))
    except OSError as exc:
        raise FlowError(f"{directory}: cannot list flow files: {exc.strerror}") from None
    seen: dict[str, Path] = {}
    for path in files:
        if path.stem in seen:
            raise FlowError(f"two flow files for platform {path.stem!r}: {seen[path.stem]} and {path}; keep only one")
        seen[path.stem] = path
    return files


def load_all(directory: Path | None = None) -> dict[str, Flow]:
    """Every flow, by platform. Raises FlowError on the first broken file: a run never half-loads."""
    return {flow.platform: flow for flow in (load_flow(p) for p in flow_files(directory))}
