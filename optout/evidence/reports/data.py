"""What a report on one run says, collected once from its folder, its manifest and the home's history, then
rendered as HTML, Markdown or JSON.

The manifest is read leniently (unknown fields ignored, newer fields optional) so that a report can be
made from a run written by an older or a newer optout. Every file the report shows is read from the run
folder and hashed again: a screenshot changed or removed since the run is said to be so, never shown as
evidence.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from optout.evidence.history import History, ResultRow, RunRow
from optout.evidence.observed import friction_of, patterns_of
from optout.evidence.reports.observations import NOT_A_VERDICT, PatternSeen, seen
from optout.evidence.timeline import timelines
from optout.paths import Home
from optout.results import Friction, Outcome, State

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"

Kind = Literal["screenshot", "masked-screenshot", "control", "dom", "trace"]
FileStatus = Literal["intact", "changed", "missing"]


class ReportError(Exception):
    """No report can be made; one line a person can act on. `code` is the exit status (2 usage, 3 problem)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


# -- the manifest, as any optout version wrote it --------------------------------------------------


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ManifestFile(_Lenient):
    path: str
    sha256: str
    url: str = ""
    taken_at: datetime | None = None
    platform: str = ""
    account: str = ""
    setting: str | None = None
    step: str = ""
    kind: str | None = None

    @property
    def file_kind(self) -> Kind:
        """The manifest's `kind`, else told by the name (`NN-step.masked.png`, `NN-step.control.json`)."""
        if self.kind in ("screenshot", "masked-screenshot", "control", "dom", "trace"):
            return self.kind  # type: ignore[return-value]
        if self.path.endswith(".masked.png"):
            return "masked-screenshot"
        if self.path.endswith(".control.json"):
            return "control"
        return "screenshot"


class ManifestRef(_Lenient):
    path: str
    sha256: str


class ManifestResult(_Lenient):
    platform: str
    account: str
    setting: str
    state: State
    outcome: Outcome
    verified: bool
    reason: str | None = None
    url: str | None = None
    started_at: datetime
    finished_at: datetime
    evidence: list[ManifestRef] = []
    friction: Any = None  # read by observed.py, which drops what this optout does not know
    dark_patterns: Any = None


class ManifestLink(_Lenient):
    run_id: str
    sha256: str


class RunManifest(_Lenient):
    run_id: str
    command: str
    optout_version: str
    browser_version: str | None = None
    started_at: datetime
    finished_at: datetime | None = None
    interrupted: str | None = None
    flows: dict[str, str] = {}
    files: list[ManifestFile] = []
    results: list[ManifestResult] = []
    previous: ManifestLink | None = None
    signing_key: str | None = None
    mappings: list[Any] | None = None  # real origin -> the server that answered (newer optout versions)


def load_manifest(folder: Path) -> tuple[RunManifest, bytes]:
    """The run's manifest and its exact bytes. Raises ReportError (exit 3) when it cannot be read."""
    path = folder / MANIFEST
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReportError(f"cannot read {path} ({exc.strerror or exc})", 3) from None
    try:
        return RunManifest.model_validate_json(data), data
    except (ValidationError, ValueError) as exc:
        first = str(exc).splitlines()[0]
        raise ReportError(f"{path} is not a readable optout manifest ({first})", 3) from None


def resolve_run(target: str | None, history: History) -> Path:
    """The run folder for a run id from the history, a path to a run folder, or (None) the latest run."""
    if target is None:
        latest = history.latest_run()
        if latest is None:
            raise ReportError("no run is recorded in this home yet; run optout check or optout off first")
        return latest.directory
    row = history.run(target)
    if row is not None:
        return row.directory
    folder = Path(target).expanduser()
    if (folder / MANIFEST).is_file():
        return folder.absolute()
    raise ReportError(
        f"unknown run {target!r}: not a run id in this home's history nor a run folder (see optout history)"
    )


def inside(folder: Path, relative: str) -> Path | None:
    """`relative` under `folder`, or None for a path that leaves it (absolute, `..`): a manifest is data."""
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts or "\\" in relative:
        return None
    return folder.joinpath(*parts)


def read_file(folder: Path, relative: str) -> bytes | None:
    path = inside(folder, relative)
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


# -- the report -------------------------------------------------------------------------------------


class Shot(BaseModel):
    """One screenshot of the run, with what the report shows of it."""

    path: str  # the screenshot as the manifest lists it, relative to the run folder
    sha256: str
    step: str
    taken_at: datetime | None
    url: str
    shown: str | None  # the file shown (the masked twin when masking), None when withheld
    shown_sha256: str | None
    shown_masked: bool = False  # the image shown has the account's name, photo and e-mail masked
    status: FileStatus  # of the file shown: a changed or missing file is never shown
    withheld: str | None  # why no image is shown
    control_path: str | None
    control: dict[str, Any] | None  # the control's role, name, state, url, box as saved beside the image


class HistoryEntry(BaseModel):
    run_id: str
    when: str  # UTC
    state: State
    outcome: Outcome
    verified: bool
    reason: str | None
    changed: bool
    this_run: bool


class SettingReport(BaseModel):
    platform: str
    account: str
    setting: str
    title: str | None = None  # what the flow calls the setting (its display name); None when unknown
    state: State
    outcome: Outcome
    verified: bool
    reason: str | None
    url: str | None
    started_at: datetime
    finished_at: datetime
    shots: list[Shot]
    history: list[HistoryEntry]
    friction: Friction | None = None
    dark_patterns: list[PatternSeen] = []


class Integrity(BaseModel):
    manifest_sha256: str
    signing_key: str | None
    # valid | invalid | unsigned | signature missing (a key is named but manifest.sig is gone) | key not found
    signature: Literal["valid", "invalid", "unsigned", "signature missing", "key not found"]
    public_key: str | None  # the key file in the home, when found
    previous: ManifestLink | None


class Listed(BaseModel):
    path: str
    sha256: str
    kind: Kind
    status: FileStatus


class ReportData(BaseModel):
    run_id: str
    run_folder: str
    command: str
    optout_version: str
    browser_version: str | None
    started_at: datetime
    finished_at: datetime | None
    interrupted: str | None
    flows: dict[str, str]
    mappings: list[str] | None  # None: this optout version did not record them
    sandbox: bool | None  # made against a sandbox or under --origin (None: not recorded)
    masked: bool  # images are the masked twins; screenshots without one are withheld
    integrity: Integrity
    settings: list[SettingReport]
    other_shots: list[Shot]  # screenshots tied to no result (a sign-in that failed before any setting)
    files: list[Listed]
    not_a_verdict: str = NOT_A_VERDICT  # said wherever patterns are shown

    @property
    def observed(self) -> bool:
        """Some result counted friction or named a pattern: the report shows them, and says what they are."""
        return any(s.friction is not None or s.dark_patterns for s in self.settings)


def _mapping_text(item: Any) -> str:
    if isinstance(item, dict):
        values = [str(v) for v in item.values()]
        return " → ".join(values)
    return str(item)


def _status(data: bytes | None, sha256: str) -> FileStatus:
    if data is None:
        return "missing"
    return "intact" if hashlib.sha256(data).hexdigest() == sha256 else "changed"


def _stem(path: str) -> str:
    return path[: -len(".png")] if path.endswith(".png") else path


def _signature(manifest: RunManifest, data: bytes, folder: Path, where: Home) -> tuple[str, str | None]:
    """Checked only with the home's own keys, by id: `signing_key` is the manifest's word, never a path (a
    run folder bringing its own key would vouch for itself)."""
    from optout.evidence.signing import home_public_key, keys_dir, verify_signature

    if manifest.signing_key is None:
        return "unsigned", None
    try:
        key_path, public = home_public_key(keys_dir(where), manifest.signing_key)
    except (OSError, ValueError):
        key_path, public = None, None
    try:
        signature = (folder / SIGNATURE).read_bytes()
    except OSError:
        return "signature missing", str(key_path) if key_path else None
    if key_path is None or public is None:
        return "key not found", None
    return ("valid" if verify_signature(public, data, signature) else "invalid"), str(key_path)


class _Files:
    """The run's files by path, each read and hashed once."""

    def __init__(self, folder: Path, manifest: RunManifest) -> None:
        self.folder = folder
        self.by_path = {f.path: f for f in manifest.files}
        self.status = {f.path: _status(read_file(folder, f.path), f.sha256) for f in manifest.files}

    def twin_of(self, entry: ManifestFile) -> ManifestFile | None:
        """The masked copy saved beside a screenshot (`NN-step.masked.png`)."""
        return self.by_path.get(f"{_stem(entry.path)}.masked.png")

    def is_twin(self, entry: ManifestFile) -> bool:
        """A masked copy of a screenshot the manifest also lists (rather than a capture saved masked only,
        as a --mask-pii run saves them)."""
        plain = self.by_path.get(entry.path[: -len(".masked.png")] + ".png")
        return entry.path.endswith(".masked.png") and plain is not None and plain.file_kind == "screenshot"

    def _shown(self, entry: ManifestFile, masked: bool) -> ManifestFile | None:
        """The image to show for a capture: a masked-only capture itself; with masking, only the masked
        copy; without, the screenshot, or its masked copy when the screenshot is missing or changed."""
        if entry.file_kind == "masked-screenshot":
            return entry
        twin = self.twin_of(entry)
        if masked:
            return twin
        if self.status[entry.path] != "intact" and twin is not None and self.status[twin.path] == "intact":
            return twin
        return entry

    def shot(self, entry: ManifestFile, masked: bool) -> Shot:
        stem = _stem(entry.path)
        control_entry = self.by_path.get(f"{stem}.control.json")
        control: dict[str, Any] | None = None
        if control_entry is not None and self.status[control_entry.path] == "intact":
            raw = read_file(self.folder, control_entry.path)
            try:
                loaded = json.loads(raw or b"")
                control = loaded if isinstance(loaded, dict) else {"excerpt": loaded}
            except ValueError:
                control = None
        shown = self._shown(entry, masked)
        withheld: str | None = None
        status: FileStatus = "missing"
        if shown is None:
            withheld = "no masked copy of this screenshot was made, and masking is on"
        else:
            status = self.status[shown.path]
            if status == "missing":
                withheld = "the file is missing from the run folder"
            elif status == "changed":
                withheld = "the file was changed after the run (its SHA-256 no longer matches the manifest)"
        return Shot(
            path=entry.path,
            sha256=entry.sha256,
            step=entry.step,
            taken_at=entry.taken_at,
            url=entry.url,
            shown=shown.path if shown is not None and withheld is None else None,
            shown_sha256=shown.sha256 if shown is not None and withheld is None else None,
            shown_masked=shown is not None and withheld is None and shown.file_kind == "masked-screenshot",
            status=status,
            withheld=withheld,
            control_path=control_entry.path if control_entry else None,
            control=control,
        )


def _belongs(result: ManifestResult, entry: ManifestFile) -> bool:
    for ref in result.evidence:
        if ref.sha256 == entry.sha256 or ref.path == entry.path or ref.path.endswith("/" + entry.path):
            return True
    return False


def _utc_key(moment: str | datetime) -> datetime:
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _history_rows(manifest: RunManifest, history: History | None) -> list[ResultRow]:
    """Every result recorded for this run's settings up to and including this run, oldest first. This run's
    own results come from its manifest (the history may not know a run folder brought from elsewhere). A mapped
    run's (`--origin`) earlier states are those of mapped runs only, a real run's those of real runs only."""
    mapped = bool(manifest.mappings)
    own = [
        ResultRow(
            run_id=manifest.run_id,
            platform=r.platform,
            account=r.account,
            setting=r.setting,
            state=r.state,
            outcome=r.outcome,
            verified=r.verified,
            reason=r.reason,
            started_at=r.started_at.isoformat(),
            finished_at=r.finished_at.isoformat(),
            flow_version=manifest.flows.get(r.platform),
            mapped=mapped,
            friction=friction_of(r.friction),
            dark_patterns=patterns_of(r.dark_patterns),
        )
        for r in manifest.results
    ]
    rows = list(own)
    if history is not None:
        starts: dict[str, RunRow] = {run.run_id: run for run in history.runs()}
        keys = {(r.platform, r.account, r.setting) for r in manifest.results}
        for platform, account in sorted({(p, a) for p, a, _ in keys}):
            for row in history.results(platform=platform, account=account):
                run = starts.get(row.run_id)
                if row.run_id == manifest.run_id or (row.platform, row.account, row.setting) not in keys:
                    continue
                if row.mapped != mapped:
                    continue
                if run is None or _utc_key(run.started_at) > _utc_key(manifest.started_at):
                    continue
                rows.append(row)
    return sorted(rows, key=lambda r: _utc_key(r.finished_at))


def setting_titles() -> dict[tuple[str, str], str]:
    """What each flow calls its settings (English first), by (platform, setting id); empty when the flows
    cannot be read: a report then names settings by id only."""
    from optout.language.flow import FlowError
    from optout.language.registry import load_all

    try:
        flows = load_all()
    except FlowError:
        return {}
    titles = {}
    for flow in flows.values():
        for setting in flow.settings:
            texts = setting.title.by_locale.get("en") or next(iter(setting.title.by_locale.values()), [])
            if texts:
                titles[flow.platform, setting.id] = texts[0]
    return titles


def collect(
    folder: Path,
    *,
    history: History | None,
    where: Home,
    masked: bool = False,
    titles: dict[tuple[str, str], str] | None = None,
) -> ReportData:
    """The report on the run in `folder`. Raises ReportError, or HistoryError when the history cannot be read.
    `titles`: the settings' display names (default: from the flows)."""
    manifest, data = load_manifest(folder)
    files = _Files(folder, manifest)
    titles = setting_titles() if titles is None else titles
    # One image per capture: a screenshot (its masked copy goes with it), or a capture saved masked only.
    screenshots = [
        f
        for f in manifest.files
        if f.file_kind == "screenshot" or (f.file_kind == "masked-screenshot" and not files.is_twin(f))
    ]
    lines = {(t.platform, t.account, t.setting): t for t in timelines(_history_rows(manifest, history))}
    figures = {f.path: f.path for f in screenshots}
    figures.update({twin.path: f.path for f in screenshots if (twin := files.twin_of(f)) is not None})
    used: set[str] = set()
    settings = []
    for result in manifest.results:
        mine = [f for f in screenshots if _belongs(result, f)]
        used.update(f.path for f in mine)
        line = lines.get((result.platform, result.account, result.setting))
        settings.append(
            SettingReport(
                platform=result.platform,
                account=result.account,
                setting=result.setting,
                title=titles.get((result.platform, result.setting)),
                state=result.state,
                outcome=result.outcome,
                verified=result.verified,
                reason=result.reason,
                url=result.url,
                started_at=result.started_at,
                finished_at=result.finished_at,
                shots=[files.shot(f, masked) for f in mine],
                friction=friction_of(result.friction),
                dark_patterns=seen(patterns_of(result.dark_patterns), folder, figures),
                history=[
                    HistoryEntry(
                        run_id=e.run_id,
                        when=e.when,
                        state=e.state,
                        outcome=e.outcome,
                        verified=e.verified,
                        reason=e.reason,
                        changed=e.changed,
                        this_run=e.run_id == manifest.run_id,
                    )
                    for e in (line.entries if line else [])
                ],
            )
        )
    signature, key_file = _signature(manifest, data, folder, where)
    mappings = None if manifest.mappings is None else [_mapping_text(m) for m in manifest.mappings]
    sandbox: bool | None = None if mappings is None else bool(mappings)
    if manifest.command == "demo":
        sandbox = True
    return ReportData(
        run_id=manifest.run_id,
        run_folder=str(folder.absolute()),
        command=manifest.command,
        optout_version=manifest.optout_version,
        browser_version=manifest.browser_version,
        started_at=manifest.started_at,
        finished_at=manifest.finished_at,
        interrupted=manifest.interrupted,
        flows=manifest.flows,
        mappings=mappings,
        sandbox=sandbox,
        masked=masked,
        integrity=Integrity(
            manifest_sha256=hashlib.sha256(data).hexdigest(),
            signing_key=manifest.signing_key,
            signature=signature,  # type: ignore[arg-type]
            public_key=key_file,
            previous=manifest.previous,
        ),
        settings=settings,
        other_shots=[files.shot(f, masked) for f in screenshots if f.path not in used],
        files=[
            Listed(path=f.path, sha256=f.sha256, kind=f.file_kind, status=files.status[f.path]) for f in manifest.files
        ],
    )


def as_json(report: ReportData) -> str:
    return json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
