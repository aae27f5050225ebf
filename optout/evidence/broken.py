"""`optout report-broken`: what a flow's maintainer needs from a run that failed, as one zip to attach to
an issue. Nothing in it names the account or shows it unmasked, and nothing secret is in it.

Per failed result, in `N-platform-setting/`: result.json (the failing step, its reason, where, the scan's
candidates; the account replaced), the masked screenshot of the failing step (never an unmasked one: none
is withheld rather), the DOM excerpt kept where the control was expected, and the account's Playwright
traces when the run was made with `--trace` (their text with the username replaced; their images show the
pages as they were). At the top: summary.md and README.txt (versions of the flow, optout and the browser).
Every file is taken only when it still has the SHA-256 its manifest gives. Written like `optout export`:
to a temporary file renamed into place, so a failed write leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from pydantic import ValidationError

from optout import __version__
from optout.evidence.bundle import Bundle as _Bundle
from optout.evidence.bundle import _zip_bytes
from optout.evidence.manifest import EvidenceFile, Manifest, sha256_of
from optout.evidence.output_file import OutputRefused, refuse_unsafe, write_output
from optout.evidence.private_text import hide_username
from optout.evidence.reports.data import MANIFEST, ReportError, inside
from optout.files import NO_SPACE
from optout.results import Outcome, Result

README = "README.txt"
SUMMARY = "summary.md"
# Where a report is filed when optout's metadata names no issue tracker.
NO_TRACKER = "optout's issue tracker"


@dataclass
class Broken:
    """The zip's members, what was left out and why, and what the person is told."""

    members: dict[str, bytes] = field(default_factory=dict)
    withheld: dict[str, str] = field(default_factory=dict)
    failed: int = 0
    traces: int = 0


def issue_tracker() -> str:
    """The issue tracker optout's package metadata names (Project-URL), else where to find it."""
    try:
        urls = metadata.metadata("optout").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        urls = []
    named = dict(u.split(", ", 1) for u in urls if ", " in u)
    for label in ("Issues", "Bug Tracker", "Tracker", "issues"):
        if label in named:
            return str(named[label])
    return NO_TRACKER


def _manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    try:
        return Manifest.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise ReportError(f"cannot read {path} ({exc.strerror or exc})", 3) from None
    except (ValidationError, ValueError):
        raise ReportError(f"{path} is not a manifest this optout reads (another version's?)", 3) from None


class _Run:
    def __init__(self, folder: Path, manifest: Manifest) -> None:
        self.folder = folder
        self.manifest = manifest
        self.by_path = {f.path: f for f in manifest.files}

    def relative(self, path: str) -> str:
        try:
            return str(Path(path).relative_to(self.folder))
        except ValueError:
            return path

    def read(self, entry: EvidenceFile, into: Broken) -> bytes | None:
        """The file as the manifest lists it, or None (and why, in `into.withheld`)."""
        path = inside(self.folder, entry.path)
        if path is None or not path.is_file():
            into.withheld[entry.path] = "missing from the run folder"
            return None
        if sha256_of(path) != entry.sha256:
            into.withheld[entry.path] = "changed after the run (its SHA-256 no longer matches the manifest)"
            return None
        return path.read_bytes()

    def files_of(self, result: Result) -> list[EvidenceFile]:
        return [e for ref in result.evidence if (e := self.by_path.get(self.relative(ref.path))) is not None]

    def masked_of(self, entry: EvidenceFile) -> EvidenceFile | None:
        if entry.kind == "masked-screenshot":
            return entry
        if entry.kind == "screenshot" and entry.path.endswith(".png"):
            return self.by_path.get(entry.path[: -len(".png")] + ".masked.png")
        return None


def gather(folder: Path, *, with_traces: bool = False) -> Broken:
    """What goes in the zip for the run in `folder`; its traces only `with_traces` (their pages are shown
    unmasked). Raises ReportError (2: no failed result)."""
    manifest = _manifest(folder)
    run = _Run(folder, manifest)
    failed = [r for r in manifest.results if r.outcome is Outcome.FAILED]
    if not failed:
        raise ReportError(f"run {manifest.run_id} has no failed result: nothing to report")
    broken = Broken(failed=len(failed))
    sections: list[str] = []
    traced: set[tuple[str, str]] = set()
    for number, result in enumerate(failed, 1):
        prefix = f"{number}-{result.platform}-{result.setting}/"
        files = run.files_of(result)
        shots = [f for f in files if f.kind in ("screenshot", "masked-screenshot")]
        step = shots[-1].step if shots else None
        masked = run.masked_of(shots[-1]) if shots else None
        if shots and masked is None:
            broken.withheld[shots[-1].path] = "no masked copy of this screenshot: never sent unmasked"
        if masked is not None and (data := run.read(masked, broken)) is not None:
            broken.members[f"{prefix}screenshot.masked.png"] = data
        for dom in (f for f in files if f.kind == "dom"):
            if (data := run.read(dom, broken)) is not None:
                text = hide_username(data.decode("utf-8", "replace"), result.account)
                broken.members[f"{prefix}dom-excerpt.html"] = text.encode("utf-8")
        about = _about(result, step, manifest)
        broken.members[f"{prefix}result.json"] = _private(json.dumps(about, indent=2, ensure_ascii=False), result)
        key = (result.platform, result.account)
        if with_traces and key not in traced:
            traced.add(key)
            traces = [f for f in manifest.files if f.kind == "trace" and (f.platform, f.account) == key]
            for index, trace in enumerate(traces, 1):
                if (data := run.read(trace, broken)) is not None:
                    broken.members[f"{prefix}trace-{index}.zip"] = _trace_without(data, result.account)
                    broken.traces += 1
        sections.append(_section(number, prefix, about, broken))
    broken.members[SUMMARY] = _summary(manifest, sections).encode("utf-8")
    broken.members[README] = _readme(manifest, broken).encode("utf-8")
    return broken


def _about(result: Result, step: str | None, manifest: Manifest) -> dict[str, object]:
    return {
        "platform": result.platform,
        "setting": result.setting,
        "failing_step": step,
        "outcome": result.outcome.value,
        "reason": result.reason,
        "url": result.url,
        "label": result.label,
        "candidates": [c.model_dump(mode="json") for c in result.candidates],
        "flow_version": manifest.flows.get(result.platform),
        "optout_version": manifest.optout_version,
        "browser_version": manifest.browser_version,
        "started_at": result.started_at.isoformat(),
    }


def _private(text: str, result: Result) -> bytes:
    return hide_username(text, result.account).encode("utf-8")


def _trace_without(data: bytes, username: str) -> bytes:
    """A trace with the username replaced in every text member (snapshots, network log, HTML, CSS): a
    member that is not UTF-8 text (an image) is left as it is."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = source.read(info)
            with contextlib.suppress(UnicodeDecodeError):
                member = hide_username(member.decode("utf-8"), username).encode("utf-8")
            target.writestr(info.filename, member)
    return out.getvalue()


def _section(number: int, prefix: str, about: dict[str, object], broken: Broken) -> str:
    candidates = about["candidates"]
    assert isinstance(candidates, list)
    lines = [
        f"## {number}. {about['platform']} · {about['setting']}",
        "",
        f"- failing step: {about['failing_step'] or 'before any screenshot'}",
        f"- reason: {about['reason']}",
        f"- page: {about['url'] or 'unknown'}",
        f"- flow version: {about['flow_version']}",
    ]
    for name, label in (("screenshot.masked.png", "masked screenshot"), ("dom-excerpt.html", "DOM excerpt")):
        if f"{prefix}{name}" in broken.members:
            lines.append(f"- {label}: {prefix}{name}")
    if candidates:
        lines += ["", "What the page has instead (never clicked):", ""]
        for c in candidates[:10]:
            lines.append(f"- {c['role']} “{c['name']}” ({c['state']}), confidence {c['confidence']:.2f}")
    else:
        lines += ["", "The scan found no control that looks like this setting."]
    return "\n".join(lines) + "\n"


def _summary(manifest: Manifest, sections: list[str]) -> str:
    head = [
        f"# optout breakage report: run {manifest.run_id}",
        "",
        f"optout {manifest.optout_version} (report made by {__version__}), "
        f"browser {manifest.browser_version or 'unknown'}, command `optout {manifest.command}`.",
        "",
    ]
    if manifest.mappings:
        head += ["A sandbox / mapped run: its pages did not come from the real sites.", ""]
    return "\n".join(head) + "\n" + "\n".join(sections)


def _readme(manifest: Manifest, broken: Broken) -> str:
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [
        f"optout breakage report for run {manifest.run_id}, made {made}.",
        f"File it as a new issue {'at ' if '://' in issue_tracker() else 'in '}{issue_tracker()}, with this zip.",
        "",
        "WHAT IS HERE",
        "  summary.md           each failed setting: the failing step, its reason, what the page has instead",
        "  N-platform-setting/  result.json (reason, candidates, versions), screenshot.masked.png,",
        "                       dom-excerpt.html (the page around where the control was expected),",
        "                       trace-N.zip (with --trace: open at https://trace.playwright.dev or with",
        "                       `playwright show-trace`)",
        "",
        "WHAT IS NOT",
        "  No password, code, cookie or unmasked screenshot; the username is replaced by [username].",
        "  Field values are removed from the DOM excerpt; the masked screenshot hides the name, photo, e-mail.",
    ]
    if broken.traces:
        lines += [
            "  A trace records nothing while optout signs in, and its cookies are removed, but its screenshots",
            "  show the pages as they were (the account's name and photo): look before you share it.",
        ]
    lines += ["", "WITHHELD"]
    lines += [f"  {path}: {why}" for path, why in broken.withheld.items()] or ["  none"]
    return "\n".join(lines) + "\n"


def write_report(folder: Path, out: Path, *, force: bool = False, with_traces: bool = False) -> Broken:
    """Write the breakage report of the run in `folder` to `out`. Raises ReportError."""
    try:
        refuse_unsafe(out, force=force)
    except OutputRefused as exc:
        raise ReportError(str(exc)) from None
    broken = gather(folder, with_traces=with_traces)
    manifest = _manifest(folder)
    data = _zip_bytes(_Bundle(members=broken.members), manifest.finished_at or manifest.started_at)
    try:
        write_output(out, data, force=force)
    except OutputRefused as exc:
        raise ReportError(str(exc)) from None
    except OSError as exc:
        why = exc.strerror or str(exc)
        full = "the disk is full: " if exc.errno in NO_SPACE else ""
        raise ReportError(f"{full}cannot write {out} ({why}); nothing was written", 3) from None
    return broken
