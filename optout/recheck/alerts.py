"""Telling a person when a re-check found drift or needs them: a desktop notification where one can be
shown, and the command the person configured (`on_alert`), given the JSON results on its stdin."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence

from optout.results import Outcome, Result

HOOK_TIMEOUT_S = 60.0


def summary(results: Sequence[Result]) -> str:
    """One line: what needs looking at."""
    drift = [r for r in results if r.drift]
    attention = [r for r in results if r.outcome in (Outcome.NEEDS_ATTENTION, Outcome.FAILED) and not r.drift]
    parts = []
    if drift:
        parts.append(
            f"{len(drift)} setting(s) switched back on: " + ", ".join(f"{r.platform} {r.account}" for r in drift)
        )
    if attention:
        parts.append(f"{len(attention)} need(s) you: " + ", ".join(f"{r.platform} {r.account}" for r in attention))
    return "; ".join(parts)


def notify_desktop(title: str, body: str) -> str | None:
    """Show a desktop notification; None when shown, else why not (one line)."""
    if sys.platform == "darwin" and shutil.which("osascript"):
        script = f"display notification {json.dumps(body)} with title {json.dumps(title)}"
        argv = ["osascript", "-e", script]
    elif sys.platform.startswith("linux") or "bsd" in sys.platform:
        if not (os.environ.get("DBUS_SESSION_BUS_ADDRESS") or os.environ.get("DISPLAY")):
            return "no desktop session to show a notification in"
        tool = shutil.which("notify-send")
        if tool is None:
            return "notify-send is not installed (Debian/Ubuntu: apt-get install libnotify-bin)"
        argv = [tool, "--app-name=optout", "--urgency=critical", title, body]
    else:
        return f"desktop notifications are not supported on {sys.platform}; use on_alert"
    try:
        done = subprocess.run(argv, capture_output=True, timeout=15, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"the notification could not be shown ({exc})"
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return f"the notification could not be shown ({why[0] if why else f'exit {done.returncode}'})"
    return None


def run_hook(argv: Sequence[str], results: Sequence[Result]) -> str | None:
    """Run the configured `on_alert` command with the results as JSON on stdin; None when it succeeded,
    else why not (one line). No shell: the command is a list of words."""
    payload = json.dumps([r.model_dump(mode="json") for r in results], ensure_ascii=False) + "\n"
    try:
        done = subprocess.run(
            list(argv), input=payload.encode("utf-8"), capture_output=True, timeout=HOOK_TIMEOUT_S, check=False
        )
    except FileNotFoundError:
        return f"on_alert: {argv[0]} not found"
    except subprocess.TimeoutExpired:
        return f"on_alert: {argv[0]} did not finish within {HOOK_TIMEOUT_S:g} s"
    except OSError as exc:
        return f"on_alert: {argv[0]}: {exc.strerror or exc}"
    if done.returncode != 0:
        return f"on_alert: {argv[0]} exited with status {done.returncode}"
    return None
