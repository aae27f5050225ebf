"""Walkthroughs end to end: a sandbox account switched off in slow motion by the real engine in real
Chromium, each step captioned and screenshotted, a video recorded, and walkthrough.html written; a first
pass counts the steps, so the captions' "of N" is the number of steps the recorded run took."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from optout.cli.walkthrough import run_walkthrough
from optout.results import Outcome, State
from tests.conftest import FLOWS, Cli

PNG = b"\x89PNG\r\n\x1a\n"
EBML = bytes.fromhex("1a45dfa3")


@pytest.mark.slow
async def test_a_linkedin_walkthrough_follows_the_menus_and_writes_its_page_video_and_screenshots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    run = await run_walkthrough(FLOWS["linkedin"], None, tmp_path / "talk", pause_s=0.05, slow_mo_ms=0)
    off = run.results[0]
    assert (off.outcome, off.state, off.verified) == (Outcome.SWITCHED_OFF, State.OFF, True)
    captions = [s.caption for s in run.walk.steps]
    total = len(captions)
    # The counting pass and the recorded one agree: every caption says "of N", N the steps taken.
    assert all(c.startswith(f"Step {i} of {total}: ") for i, c in enumerate(captions, 1))
    # Through the menus, as a person goes: three deep, said when it is reached.
    assert any("The setting is three pages and menus deep" in c for c in captions)
    assert any("Click \u201cData privacy\u201d" in c for c in captions)
    assert off.friction is not None and (off.friction.depth, off.friction.clicks) == (3, 3)
    assert [p.name for p in run.walk.patterns] == ["default_on", "buried"]
    # The files: one screenshot per step, the video, the page that shows them all.
    for step in run.walk.steps:
        assert (run.folder / step.screenshot).read_bytes()[:8] == PNG
    assert (run.folder / "walkthrough.webm").read_bytes()[:4] == EBML
    html = run.page.read_text(encoding="utf-8")
    assert run.page == run.folder / "walkthrough.html"
    assert all(f'src="{s.screenshot}"' in html for s in run.walk.steps)
    assert "walkthrough.webm" in html and "Privacy maze" in html and "not legal findings" in html
    # The recorded run joined the demo home's history; the counting pass left nothing behind.
    assert (tmp_path / "talk" / "demo-home" / "history.db").is_file()
    assert sorted(p.name for p in (tmp_path / "talk").iterdir() if p.name.startswith("run-"))[0].endswith("-demo")
    assert len([p for p in (tmp_path / "talk").iterdir() if p.name.startswith("run-")]) == 1


def test_walkthrough_options_that_do_not_go_together_are_one_line_each(cli: Cli, tmp_path: Path) -> None:
    for args, said in [
        (["--pattern", "nag"], "--pattern goes with --walkthrough"),
        (["--walkthrough", "--pattern", "no-such"], "no pattern 'no-such'"),
        (["--walkthrough", "--platform", "x", "--platform", "linkedin"], "one platform at a time"),
        (["--walkthrough", "--pattern", "nag", "--platform", "x"], "not both"),
    ]:
        done = cli("demo", *args, "--out", str(tmp_path / "o"))
        assert done.returncode == 2, (args, done.stderr)
        assert said in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert not re.search(r"Traceback", done.stderr)
