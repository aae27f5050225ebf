"""The report as Markdown, to paste into a complaint or a ticket: the summary table, what was seen for each
setting and when, every evidence file with its SHA-256, and how to check them.

Usernames, reasons and URLs are data: characters Markdown or HTML would act on are escaped, so a hostile
username stays text wherever the Markdown is rendered.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from optout.evidence.reports.data import ReportData, SettingReport, Shot
from optout.evidence.reports.observations import friction_cells

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(text: object) -> str:
    """Text safe in a Markdown paragraph or table cell."""
    value = " ".join(str(text).split())
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", value)


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "not finished"
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _code(text: str) -> str:
    # Paths and hashes are made by optout from safe characters; a backtick would end the span early.
    return "`" + text.replace("`", "'") + "`"


def _setting(setting: SettingReport) -> str:
    """The setting by its display name, its id beside it."""
    return f"{md(setting.title)} ({_code(setting.setting)})" if setting.title else md(setting.setting)


def _shot_line(shot: Shot) -> str:
    taken = f", {_when(shot.taken_at)}" if shot.taken_at else ""
    line = f"  - {md(shot.step)}{taken}: {_code(shot.path)} SHA-256 {_code(shot.sha256)}, at {md(shot.url)}"
    if shot.control:
        seen = ", ".join(f"{md(k)}: {md(v)}" for k, v in shot.control.items() if k in ("role", "name", "state"))
        line += f" (control: {seen})" if seen else ""
    if shot.withheld:
        line += f" (not included: {md(shot.withheld)})"
    return line


def _observed(s: SettingReport) -> list[str]:
    out: list[str] = []
    cells = friction_cells(s.friction)
    if cells:
        out += ["", "- What it took: " + ", ".join(f"{label.lower()} {md(value)}" for label, value in cells)]
    if s.dark_patterns:
        out += ["", "- Patterns observed:"]
    for p in s.dark_patterns:
        out.append(f"  - **{md(p.title)}** ({_code(p.name)}, {p.method}): {md(p.text)}")
        if p.screenshot:
            out.append(f"    Screenshot: {_code(p.screenshot)}")
        if p.refs:
            out.append(f"    References: {md('; '.join(p.refs))}")
    return out


def render_markdown(report: ReportData) -> str:
    out: list[str] = [f"# optout report: {md(report.run_id)}", ""]
    out.append(f"- Command: optout {md(report.command)}")
    out.append(f"- Started: {_when(report.started_at)}; finished: {_when(report.finished_at)}")
    out.append(f"- optout {md(report.optout_version)}, browser {md(report.browser_version or 'not recorded')}")
    if report.flows:
        out.append("- Flows: " + ", ".join(f"{md(p)} {md(v)}" for p, v in report.flows.items()))
    if report.sandbox:
        mapped = "; ".join(md(m) for m in report.mappings or []) or "the built-in sandbox"
        out.append(f"- **Sandbox / mapped run** (not evidence from the real sites): {mapped}")
    if report.interrupted:
        out.append(f"- Stopped before its end: {md(report.interrupted)}")
    if report.observed:
        out.append(f"- Friction and patterns: {md(report.not_a_verdict)}")
    integrity = report.integrity
    out.append(f"- Manifest SHA-256: {_code(integrity.manifest_sha256)}")
    if integrity.signing_key:
        out.append(f"- Signature (Ed25519, key {_code(integrity.signing_key)}): {integrity.signature}")
    else:
        out.append("- Signature: none (the run is not signed)")
    if integrity.previous:
        out.append(
            f"- Previous run in the chain: {_code(integrity.previous.run_id)}, "
            f"manifest SHA-256 {_code(integrity.previous.sha256)}"
        )
    out += ["", "## Summary", ""]
    out.append("| Platform | Account | Setting | State | When | Verified | Outcome | Reason |")
    out.append("|---|---|---|---|---|---|---|---|")
    for s in report.settings:
        cells = [md(s.platform), md(s.account), _setting(s), md(s.state.value), md(_when(s.finished_at))]
        cells += ["yes" if s.verified else "no", md(s.outcome.value), md(s.reason or "")]
        out.append("| " + " | ".join(cells) + " |")
    out += ["", "## What was seen", ""]
    for s in report.settings:
        out.append(f"### {md(s.platform)}, {md(s.account)}, {_setting(s)}")
        out.append("")
        verified = ", verified after a reload" if s.verified else ""
        at = f" at {md(s.url)}" if s.url else ""
        out.append(f"{_when(s.finished_at)}: state **{s.state.value}**, outcome {s.outcome.value}{verified}{at}.")
        if s.reason:
            out.append(f"Reason: {md(s.reason)}")
        out += _observed(s)
        if s.shots:
            out += ["", "- Screenshots:"]
            out += [_shot_line(shot) for shot in s.shots]
        earlier = [e for e in s.history if not e.this_run]
        if earlier:
            out += ["", "- Earlier states:"]
            out += [f"  - {e.when} UTC: {e.state.value} ({e.outcome.value}), run {_code(e.run_id)}" for e in earlier]
        out.append("")
    out += ["## Evidence files", "", "Paths are relative to the run folder.", ""]
    out += ["| File | SHA-256 |", "|---|---|"]
    out += [f"| {_code(f.path)} | {_code(f.sha256)} |" for f in report.files]
    out += [
        "",
        "## How to verify",
        "",
        "1. Each file's SHA-256 must equal its line above and its entry in `manifest.json`: "
        "`sha256sum FILE` (Linux), `shasum -a 256 FILE` (macOS).",
        "2. The signature covers `manifest.json` byte for byte: "
        "`openssl pkeyutl -verify -pubin -inkey signing-key.pem -rawin -in manifest.json -sigfile manifest.sig`.",
        "3. `previous` in `manifest.json` is the SHA-256 of the prior run's manifest in the same home: "
        "`optout verify --all` checks the whole chain.",
        "",
    ]
    return "\n".join(out)
