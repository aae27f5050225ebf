"""`optout doctor`: whether optout can run here, and where it keeps things.

Each topic is examined without side effects: no keyring is unlocked or written, no browser is launched
(its version comes from `--version`), no file is created.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optout import __version__
from optout.accounts import config as accounts
from optout.accounts import keyrings
from optout.browser.launch import BrowserNotFound, browser_version, display_advice, display_available, find_browser
from optout.language.flow import FlowError
from optout.language.registry import flows_dir, load_all, loaded_from
from optout.paths import home


@dataclass
class Finding:
    topic: str
    ok: bool | None  # None: worth knowing, never a reason optout cannot run
    lines: list[str]
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return {True: "ok", False: "PROBLEM", None: "note"}[self.ok]


def examine(bundled_browser: Path | None = None) -> list[Finding]:
    return [_keyring(), _browser(bundled_browser), _display(), _home(), _flows()]


def ready(findings: list[Finding]) -> bool:
    return all(f.ok is not False for f in findings)


def as_json(findings: list[Finding]) -> dict[str, Any]:
    return {
        "optout_version": __version__,
        "ready": ready(findings),
        "problems": [f"{f.topic}: {f.lines[0]}" for f in findings if f.ok is False],
        **{f.topic: {"status": f.status, **f.facts} for f in findings},
    }


def _keyring() -> Finding:
    where = home()
    try:
        scope = accounts.service(where)
    except accounts.ConfigError as exc:
        return Finding("keyring", False, [str(exc)], {"service": None})
    service = scope or "optout:<a random id, made when this home stores its first password>"
    entries = f'entries: service "{service}"' + (" (this OPTOUT_HOME's only)" if where.scoped else "")
    entries += f'; for runs with --origin: that name followed by "{accounts.MAPPED_SUFFIX}"'
    try:
        found = keyrings.choice()
    except keyrings.KeyringUnavailable as exc:
        return Finding("keyring", False, [str(exc)], {"backend": None, "service": service})
    lines = [found.describe(), f"chosen by {found.chosen_by}", entries]
    if found.file is not None and not found.encrypted:
        lines.append("anyone who can read that file can read the passwords")
    facts = {
        "backend": found.name,
        "chosen_by": found.chosen_by,
        "file": str(found.file) if found.file else None,
        "encrypted": found.encrypted,
        "service": service,
    }
    return Finding("keyring", True, lines, facts)


def _browser(bundled: Path | None) -> Finding:
    if bundled is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            bundled = Path(p.chromium.executable_path)
    try:
        choice = find_browser(bundled, shell=True)
    except BrowserNotFound as exc:
        return Finding("browser", False, [str(exc)], {"executable": None})
    executable = choice.executable or bundled
    version = browser_version(executable)
    lines = [str(executable), f"{choice.source}" + (f", {version}" if version else "")]
    try:
        whole = find_browser(bundled)
        headed: str | None = str(whole.executable or bundled)
    except BrowserNotFound:  # a headless shell alone runs everything but a window or a profile
        whole, headed = None, None
    if whole != choice:
        lines.append(f"--headed and --browser-profile: {headed or 'no whole browser (apt-get install chromium)'}")
    facts = {"executable": str(executable), "source": choice.source, "version": version, "headed_executable": headed}
    return Finding("browser", True, lines, facts)


def _display() -> Finding:
    shown = os.environ.get("WAYLAND_DISPLAY") or os.environ.get("DISPLAY")
    if display_available():
        where = f"display {shown}" if shown else "this system's desktop"
        return Finding("display", True, [f"--headed shows the browser on {where}"], {"available": True})
    advice = display_advice(["check", "--headed"])
    return Finding("display", None, ["none, which only --headed needs", *advice], {"available": False})


def _home() -> Finding:
    where = home()
    facts: dict[str, Any] = {
        "OPTOUT_HOME": os.environ.get("OPTOUT_HOME"),
        "config_file": str(where.config_file),
        "data_dir": str(where.data_dir),
        "accounts": None,
    }
    lines = [f"config: {where.config_file}", f"data: {where.data_dir}"]
    if where.scoped:
        lines.insert(0, "OPTOUT_HOME is set: everything below is under it")
    try:
        config = accounts.load_config(where)
    except accounts.ConfigError as exc:
        return Finding("home", False, [str(exc), *lines], facts)
    facts["accounts"] = len(config.accounts)
    lines.append(f"{len(config.accounts)} account(s) configured")
    lines.append("evidence: ./screenshots (or --out DIR), relative to where optout runs")
    return Finding("home", True, lines, facts)


def _flows() -> Finding:
    try:
        directory = flows_dir()
        flows = load_all()
    except FlowError as exc:
        return Finding("flows", False, [str(exc)], {"dir": None, "platforms": []})
    names = ", ".join(f"{f.platform} ({f.name}, version {f.version})" for f in flows.values()) or "none"
    mine = [p for p in flows if (where := loaded_from(p)) is not None and where.source == "installed"]
    lines = [str(directory), names] + ([f"installed: {', '.join(mine)} (optout flows list)"] if mine else [])
    return Finding("flows", True, lines, {"dir": str(directory), "platforms": sorted(flows), "installed": mine})
