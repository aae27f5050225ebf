"""`optout export`: one run as a zip a third party can check without optout.

Inside: manifest.json and manifest.sig byte for byte, the screenshots (their masked copies unless masking
is turned off; a screenshot with no masked copy is withheld, never put in unmasked), the control
excerpts, the HTML report made from the same images, the public key, `SHA256SUMS` in `sha256sum`'s own
format, and a README saying how to check it all with standard tools. The zip is written to a temporary
file and renamed into place: a full disk or a crash never leaves a partial bundle behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from optout import __version__
from optout.evidence.history import History
from optout.evidence.output_file import OutputRefused, refuse_unsafe, write_output
from optout.evidence.reports.data import MANIFEST, SIGNATURE, ReportData, ReportError, collect, read_file
from optout.evidence.reports.html import render_html
from optout.evidence.signing import home_public_key, keys_dir
from optout.files import NO_SPACE
from optout.paths import Home

SUMS = "SHA256SUMS"
KEY = "signing-key.pem"
REPORT = "report.html"
README = "README.txt"


@dataclass
class Bundle:
    """What goes in the zip, in order, and what was left out and why."""

    members: dict[str, bytes] = field(default_factory=dict)
    withheld: dict[str, str] = field(default_factory=dict)


def sha256sums(members: dict[str, bytes]) -> bytes:
    """`sha256sum`'s own format: hash, two spaces (text mode), the relative path; one line per file."""
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in members.items()).encode("utf-8")


def gather(folder: Path, report: ReportData, where: Home) -> Bundle:
    bundle = Bundle()
    bundle.members[MANIFEST] = (folder / MANIFEST).read_bytes()
    signature = read_file(folder, SIGNATURE)
    if signature is not None:
        bundle.members[SIGNATURE] = signature
    for listed in report.files:
        if report.masked and listed.kind == "screenshot":
            continue  # its masked copy, when there is one, is listed on its own
        if report.masked and listed.kind == "trace":
            bundle.withheld[listed.path] = "a trace shows the pages unmasked (names, photos, e-mail addresses)"
            continue
        if listed.status != "intact":
            why = "missing from the run folder" if listed.status == "missing" else "changed after the run"
            bundle.withheld[listed.path] = why
            continue
        data = read_file(folder, listed.path)
        assert data is not None  # intact: read and hashed a moment ago
        bundle.members[listed.path] = data
    if report.masked:
        for shot in [*(s for setting in report.settings for s in setting.shots), *report.other_shots]:
            if shot.shown is None:
                bundle.withheld[shot.path] = shot.withheld or "withheld"
    # The home's key the report checked the signature with, never a file the manifest points at.
    if report.integrity.signing_key is not None:
        with contextlib.suppress(OSError, ValueError):
            key_path, _ = home_public_key(keys_dir(where), report.integrity.signing_key)
            bundle.members[KEY] = key_path.read_bytes()
    bundle.members[REPORT] = render_html(report, folder).encode("utf-8")
    bundle.members[README] = readme(report, bundle).encode("utf-8")
    bundle.members[SUMS] = sha256sums(bundle.members)
    return bundle


def readme(report: ReportData, bundle: Bundle) -> str:
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [
        f"optout evidence bundle: run {report.run_id}",
        f"Made by optout {__version__} on {made} from the run of 'optout {report.command}' started "
        f"{report.started_at.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S} UTC.",
    ]
    if report.sandbox:
        lines.append("WARNING: a sandbox / mapped run: its pages did not come from the real sites.")
    lines += [
        "",
        "WHAT IS HERE",
        "  manifest.json    the run's manifest, byte for byte as optout wrote and signed it: every result,",
        "                   and every evidence file with its SHA-256 (paths relative to the run folder)",
        "  manifest.sig     raw Ed25519 signature over manifest.json's exact bytes",
        "  signing-key.pem  the public key the signature checks against",
        "  report.html      the report: summary, screenshots, each setting's history (loads nothing)",
        "  <platform>/...   screenshots (NN-step.png, masked copies NN-step.masked.png) and what the",
        "                   control said of itself (NN-step.control.json)",
        "  SHA256SUMS       the SHA-256 of every other file in this bundle",
        "",
        "HOW TO CHECK IT (standard tools only)",
        "1. No file in the bundle was changed:",
        "     sha256sum -c SHA256SUMS            (macOS: shasum -a 256 -c SHA256SUMS)",
    ]
    if SIGNATURE in bundle.members and KEY in bundle.members:
        lines += [
            "2. The manifest is the one optout signed (OpenSSL 3.0 or later; prints 'Signature Verified",
            "   Successfully'):",
            "     openssl pkeyutl -verify -pubin -inkey signing-key.pem -rawin -in manifest.json -sigfile manifest.sig",
            f"   The key id in manifest.json (signing_key: {report.integrity.signing_key}) is the first 32 hex digits",
            "   of the SHA-256 of the raw public key:",
            "     openssl pkey -pubin -in signing-key.pem -outform DER | tail -c 32 | sha256sum",
        ]
    elif SIGNATURE in bundle.members:
        lines += [
            f"2. The run is signed with key {report.integrity.signing_key}, but that public key was not found in",
            "   the optout home this bundle was made from, so signing-key.pem is NOT included: ask the person who",
            "   made the run for it, then check with:",
            "     openssl pkeyutl -verify -pubin -inkey signing-key.pem -rawin -in manifest.json -sigfile manifest.sig",
        ]
    else:
        lines += ["2. This run is NOT signed (there is no manifest.sig): only the hashes and the chain can be checked."]
    lines += [
        '3. Each file is the one the run recorded: manifest.json lists every file ("files": path, sha256);',
        "   `sha256sum PATH` must print the same SHA-256 as the file's entry there.",
        '4. The chain: "previous" in manifest.json holds the run id and the SHA-256 of the manifest sealed',
        "   just before this one in the same optout home; `sha256sum manifest.json` in that run's bundle must",
        "   print it. A run removed from the chain, or a manifest changed afterwards, breaks this link.",
    ]
    if report.integrity.previous is None:
        lines.append("   This run has no previous link (the first run of its home, or a run that was not sealed).")
    else:
        previous = report.integrity.previous
        lines.append(f"   Previous here: run {previous.run_id}, manifest SHA-256 {previous.sha256}.")
    lines += ["", "WITHHELD FILES (listed in manifest.json, not in this bundle)"]
    if report.masked:
        lines.append("  Masked bundle: each screenshot is here as its masked copy (NN-step.masked.png) only.")
    if bundle.withheld:
        lines += [f"  {path}: {why}" for path, why in bundle.withheld.items()]
        if report.masked:
            lines.append(
                "  A screenshot never travels unmasked in a masked bundle: names, photos and e-mail addresses."
            )
    else:
        lines.append("  none")
    return "\n".join(lines) + "\n"


def _zip_bytes(bundle: Bundle, stamp: datetime) -> bytes:
    when = stamp.astimezone(timezone.utc)
    date_time = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in bundle.members.items():
            info = zipfile.ZipInfo(name, date_time=date_time)
            # Images are compressed already; text is not.
            info.compress_type = zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def export(
    folder: Path, out: Path, *, history: History | None, where: Home, mask: bool = True, force: bool = False
) -> Bundle:
    """Write the bundle of the run in `folder` to `out`. Raises ReportError (or HistoryError)."""
    try:
        refuse_unsafe(out, force=force)
    except OutputRefused as exc:
        raise ReportError(str(exc)) from None
    report = collect(folder, history=history, where=where, masked=mask)
    bundle = gather(folder, report, where)
    data = _zip_bytes(bundle, report.finished_at or report.started_at)
    try:
        write_output(out, data, force=force)
    except OutputRefused as exc:
        raise ReportError(str(exc)) from None
    except OSError as exc:
        why = exc.strerror or str(exc)
        if exc.errno in NO_SPACE:
            raise ReportError(f"the disk is full: cannot write {out} ({why}); nothing was written", 3) from None
        raise ReportError(f"cannot write {out} ({why}); nothing was written", 3) from None
    return bundle
