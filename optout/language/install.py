"""`optout flows install`: a flow newer than the release, validated, then written whole into the home's
`flows/` (which overlays the shipped flows), the one it replaces kept under `flows/previous/`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from optout.files import make_private_dirs, write_atomically
from optout.language.flow import Flow, FlowError, load_flow, parse_flow
from optout.language.registry import flow_files, installed_dir, shipped_dir

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Installed:
    flow: Flow
    path: Path
    shipped: bool  # optout ships a flow for this platform (else: a new platform)
    previous: Path | None = None  # where the installed flow it replaced is kept
    unchanged: bool = False  # the very same file was installed already: nothing written


def previous_dir() -> Path:
    return installed_dir() / "previous"


def install(source: Path, *, new_origins: bool = False) -> Installed:
    """Install the flow in `source`. Raises FlowError (one line) when it cannot be read or used, or
    written; nothing is installed then. A flow for a platform optout ships must keep the shipped flow's
    origins and sign-in origins (where the password is typed) unless `new_origins`: a file from anywhere
    must not send a stored password to another site."""
    # Read once: the bytes validated are the bytes installed, whatever happens to the file meanwhile.
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise FlowError(f"{source}: cannot read: {exc.strerror}") from None
    flow = parse_flow(data, source, named=False)
    ships = [p for p in flow_files(shipped_dir()) if p.stem == flow.platform]
    shipped = bool(ships)
    if ships and not new_origins:
        original = load_flow(ships[0])
        added = sorted(set(flow.origins) - set(original.origins))
        signin = sorted({o.rstrip("/") for o in flow.login.origins} - {o.rstrip("/") for o in original.login.origins})
        if added or signin:
            raise FlowError(
                f"{source}: its {'sign-in ' if signin and not added else ''}addresses differ from the shipped "
                f"{flow.platform} flow's ({', '.join(signin or added)}): your password would be typed there; "
                "if you trust them, install with --new-origins"
            )
    folder = installed_dir()
    target = folder / f"{flow.platform}.yaml"
    # The one in use now, spelled .yaml or .yml: either is replaced, never left beside the new one.
    current = next((p for p in (target, target.with_suffix(".yml")) if p.is_file()), None)
    try:
        if current is not None and current.read_bytes() == data:
            return Installed(flow, current, shipped, unchanged=True)
        make_private_dirs(folder)
        kept = _keep(current) if current is not None else None
        write_atomically(target, data)
        if current is not None and current != target:
            current.unlink()
    except OSError as exc:
        raise FlowError(f"{folder}: cannot install {source.name}: {exc.strerror or exc}") from None
    return Installed(flow, target, shipped, previous=kept)


def _keep(current: Path) -> Path:
    """A copy of the installed flow about to be replaced, named by its version, so it can be reinstalled."""
    data = current.read_bytes()
    try:
        version = _UNSAFE.sub("_", load_flow(current).version) or "unknown"
    except FlowError:
        version = "unknown"  # a file broken by hand is kept all the same
    folder = previous_dir()
    make_private_dirs(folder)
    platform = current.stem
    kept = folder / f"{platform}.{version}.yaml"
    n = 1
    while kept.exists() and kept.read_bytes() != data:
        n += 1
        kept = folder / f"{platform}.{version}-{n}.yaml"
    if not kept.exists():
        write_atomically(kept, data)
    return kept
