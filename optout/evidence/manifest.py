"""A run's manifest: the data that lists every evidence file with its SHA-256, and its exact bytes
(what is hashed, chained and signed)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from optout.results import Result

# dom: the page's HTML around where a missing control was expected (values removed, personal data masked);
# trace: a Playwright trace of the account's signed-in pages (`--trace`), never of its sign-in.
FileKind = Literal["screenshot", "masked-screenshot", "control", "dom", "trace"]


class EvidenceFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    kind: FileKind = "screenshot"  # masked-screenshot: personal data masked; control: the control's excerpt
    sha256: str
    url: str
    taken_at: datetime
    platform: str
    account: str
    setting: str | None
    step: str
    flow_version: str


class OriginMapping(BaseModel):
    """A real origin answered by a local server during the run (`--origin`, the demo)."""

    model_config = ConfigDict(extra="forbid")

    origin: str
    served_by: str


class FlowUsed(BaseModel):
    """The flow file a platform's results came from: which one, and the SHA-256 of the bytes read."""

    model_config = ConfigDict(extra="forbid")

    source: Literal["shipped", "installed", "OPTOUT_FLOWS_DIR"]
    path: str
    sha256: str


class ChainLink(BaseModel):
    """The manifest sealed just before this one in the same home, by run id and SHA-256 of its bytes."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    sha256: str


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str
    command: str
    optout_version: str
    browser_version: str | None = None
    started_at: datetime
    finished_at: datetime | None = None
    interrupted: str | None = None  # why the run stopped before its end
    flows: dict[str, str]  # platform -> flow version
    # platform -> the flow file used; empty in manifests from before flows could be installed.
    flow_files: dict[str, FlowUsed] = {}
    mappings: list[OriginMapping] = []
    mask_pii: bool = False
    files: list[EvidenceFile] = []
    results: list[Result] = []
    # Set when the run is sealed (chain.py): None for a home's first run, and in a run with no history.
    previous: ChainLink | None = None
    signing_key: str | None = None  # the id of the key whose signature is in manifest.sig
    # The run that sealed this one, when it was killed before it could seal itself.
    sealed_by: str | None = None


def manifest_bytes(manifest: Manifest) -> bytes:
    """The exact bytes written, hashed and signed."""
    data = manifest.model_dump(mode="json")
    if data["sealed_by"] is None:
        # Left out unless set: a run that sealed itself reads as it did before sealed_by existed.
        del data["sealed_by"]
    if not data["flow_files"]:
        # Likewise: a run that recorded no flow file (the demo, a test's) reads as before.
        del data["flow_files"]
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
