"""Friction and named patterns kept in the history and the manifests: an old history (and a run an older
optout made) upgraded and still verified, results' friction read back from a real SQLite file, each run's
report showing them, and `optout report --friction` in HTML (opened in real Chromium), Markdown and JSON
through the real command line."""

from __future__ import annotations

import contextlib
import html
import json
import re
import sqlite3
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from optout.evidence.history import SCHEMA_VERSION, History
from optout.evidence.migrations import MIGRATIONS, applied
from optout.evidence.recorder import RunEvidence
from optout.patterns.catalogue import NOT_A_VERDICT, named
from optout.results import DarkPattern, Friction, Outcome, Result, State
from tests.conftest import REPO, Cli, cli_under
from tests.test_report import TABLE_ROWS, open_report, png

SETTING = "generative-ai-training"
LINKEDIN = "Data for Generative AI Improvement"  # what the flows call the settings
ALICE = "alice@example.com"


def a_result(
    platform: str,
    setting: str,
    *,
    state: State = State.OFF,
    outcome: Outcome = Outcome.SWITCHED_OFF,
    friction: Friction | None = None,
    patterns: list[DarkPattern] | None = None,
    evidence: list[Any] | None = None,
) -> Result:
    now = datetime.now(timezone.utc)
    return Result(
        platform=platform,
        account=ALICE,
        setting=setting,
        state=state,
        outcome=outcome,
        verified=True,
        reason=None,
        url=None,
        started_at=now,
        finished_at=now,
        evidence=evidence or [],
        friction=friction,
        dark_patterns=patterns or [],
    )


def record(home: Path, command: str, results: list[Result], *, shot: bool = False) -> Path:
    """One run recorded the way the engine records it: RunEvidence on the home's real history, sealed.
    With `shot`, each result gets a real screenshot, and its patterns point at it."""
    history = History.open(home / "history.db")
    try:
        run = RunEvidence(home / "ev", command, {r.platform: "1" for r in results}, history=history)
        for result in results:
            if shot:
                ref = run.add_capture(
                    platform=result.platform,
                    account=result.account,
                    setting=result.setting,
                    step="settings",
                    url="https://example.com/settings",
                    taken=datetime.now(timezone.utc),
                    images=[("", "screenshot", png(200, 30, 30))],
                )
                result.evidence = [ref]
                for p in result.dark_patterns:
                    p.evidence.screenshot = ref.path
            run.record(result)
        run.finish()
        assert run.write_problem is None, run.write_problem
        return run.directory
    finally:
        history.close()


def linkedin_off() -> Result:
    return a_result(
        "linkedin",
        SETTING,
        friction=Friction(
            clicks=4,
            keystrokes=0,
            page_loads=3,
            depth=3,
            seconds_to_control=6.25,
            confirmations=1,
            first_state=State.ON,
        ),
        patterns=[
            named("default_on", "The first reading found the setting on"),
            named("buried", "3 pages and menus from the first page to the control", numbers={"depth": 3}),
        ],
    )


# -- the history -----------------------------------------------------------------------------------


def test_a_schema_5_history_gains_friction_columns_and_reads_its_old_rows_as_none(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        for _, apply in MIGRATIONS[:5]:
            apply(db)
        db.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (MIGRATIONS[4][0], "2026-01-01"))
        db.execute("PRAGMA user_version = 5")
        db.execute(
            "INSERT INTO runs (run_id, command, directory, started_at, optout_version, flows)"
            " VALUES ('run-old', 'check', '/x', '2026-01-01T00:00:00+00:00', '0', '{}')"
        )
        db.execute(
            "INSERT INTO results (run_id, platform, account, setting, state, outcome, verified, started_at,"
            " finished_at, optout_version) VALUES ('run-old', 'x', 'a', 's', 'on', 'checked', 1,"
            " '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:01+00:00', '0')"
        )
    history = History.open(path)
    history.add_run(
        run_id="run-new", command="off", directory=tmp_path, started_at=datetime.now(timezone.utc),
        optout_version="0", flows="{}",
    )  # fmt: skip
    history.add_result("run-new", linkedin_off(), flow_version="1", optout_version="0", browser=None)
    old, new = history.results()
    history.close()
    assert SCHEMA_VERSION == 6 and [n for n, _ in MIGRATIONS][5] == "m006_result_friction_and_dark_patterns"
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert applied(db) == [name for name, _ in MIGRATIONS]
        stored = db.execute("SELECT friction, dark_patterns FROM results ORDER BY id").fetchall()
    assert stored[0] == (None, None)  # the old row: NULL, nothing was counted
    assert json.loads(stored[1][0])["clicks"] == 4 and [p["name"] for p in json.loads(stored[1][1])] == [
        "default_on", "buried",
    ]  # fmt: skip
    assert (old.run_id, old.friction, old.dark_patterns) == ("run-old", None, [])
    assert old.as_json()["friction"] is None and old.as_json()["dark_patterns"] == []
    assert new.friction == linkedin_off().friction
    assert [(p.name, p.evidence.numbers, p.refs) for p in new.dark_patterns] == [
        (p.name, p.evidence.numbers, p.refs) for p in linkedin_off().dark_patterns
    ]
    shown = new.as_json()
    assert shown["friction"]["first_state"] == "on" and shown["friction"]["seconds_to_control"] == 6.25
    assert shown["dark_patterns"][1]["evidence"]["text"].startswith("3 pages")


def test_a_value_a_newer_optout_wrote_is_read_as_far_as_this_one_knows_it(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    history = History.open(path)
    history.add_run(
        run_id="run-1", command="off", directory=tmp_path, started_at=datetime.now(timezone.utc),
        optout_version="0", flows="{}",
    )  # fmt: skip
    history.add_result("run-1", linkedin_off(), flow_version="1", optout_version="0", browser=None)
    newer_friction = json.dumps({"clicks": 9, "scrolls": 40})
    newer_patterns = json.dumps(
        [
            {"name": "buried", "evidence": {"text": "deep", "colour": "grey"}, "refs": [], "weight": 2},
            {"name": "broken"},  # no evidence: left out
        ]
    )
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE results SET friction = ?, dark_patterns = ?", (newer_friction, newer_patterns))
    (row,) = history.results()
    history.close()
    assert row.friction == Friction(clicks=9)
    assert [(p.name, p.evidence.text) for p in row.dark_patterns] == [("buried", "deep")]


# -- runs, verify, history --json, the run's report --------------------------------------------------


def _old_optout(tmp_path: Path) -> Path:
    """The optout source from before results carried friction (the parent of the commit that added it)."""
    git = ["git", "-C", str(REPO)]
    shallow = subprocess.run([*git, "rev-parse", "--is-shallow-repository"], capture_output=True, text=True)
    if not (REPO / ".git").exists() or shallow.returncode != 0 or shallow.stdout.strip() != "false":
        # A shallow clone (CI may make one) lacks the older commits: there is no older optout to run.
        pytest.skip("needs the full git history to run the older optout")
    added = subprocess.run(
        [*git, "log", "--reverse", "--format=%H", "-S", "dark_patterns: list[DarkPattern]", "--", "optout/results.py"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert added, "the commit that gave results their patterns is not in the history"
    archive = subprocess.run([*git, "archive", f"{added[0]}^", "optout"], capture_output=True, check=True).stdout
    folder = tmp_path / "old-optout"
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    assert "friction" not in (folder / "optout" / "results.py").read_text()
    return folder


OLD_RUN = """
import sys
from datetime import datetime, timezone
from pathlib import Path
from optout.evidence.history import History
from optout.evidence.recorder import RunEvidence
from optout.results import Outcome, Result, State

home = Path(sys.argv[1])
history = History.open(home / "history.db")
run = RunEvidence(home / "ev", "check", {"linkedin": "1"}, history=history)
now = datetime.now(timezone.utc)
run.record(Result(platform="linkedin", account="alice@example.com", setting="generative-ai-training",
    state=State.ON, outcome=Outcome.CHECKED, verified=True, reason=None, url=None, started_at=now,
    finished_at=now, evidence=[]))
run.finish()
history.close()
print(run.directory)
"""


@dataclass
class Home:
    cli: Cli
    old: Path  # the run the older optout made
    off: Path  # linkedin switched off, friction and patterns with a screenshot each


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    root = tmp_path_factory.mktemp("friction")
    cli = cli_under(root)
    old_source = _old_optout(root)
    made = subprocess.run(
        [sys.executable, "-c", OLD_RUN, str(cli.home)], capture_output=True, text=True,
        env={**cli.env, "PYTHONPATH": str(old_source)}, cwd=old_source, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    old = Path(made.stdout.strip())
    assert '"friction"' not in (old / "manifest.json").read_text()
    with contextlib.closing(sqlite3.connect(cli.home / "history.db")) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (5,)
    off = record(cli.home, "off", [linkedin_off()], shot=True)
    return Home(cli, old, off)


def test_verify_passes_on_runs_with_and_without_friction(home: Home) -> None:
    done = home.cli("verify", "--all", "--json")
    assert done.returncode == 0, (done.stdout, done.stderr)
    runs = {r["run_id"]: r for r in json.loads(done.stdout)["runs"]}
    assert set(runs) == {home.old.name, home.off.name}
    assert all(r["ok"] for r in runs.values()), runs
    manifest = json.loads((home.off / "manifest.json").read_bytes())
    assert manifest["results"][0]["friction"]["clicks"] == 4
    assert manifest["results"][0]["dark_patterns"][1]["name"] == "buried"


def test_history_json_shows_friction_and_patterns(home: Home) -> None:
    done = home.cli("history", "--json")
    assert done.returncode == 0, done.stderr
    (line,) = json.loads(done.stdout)
    old, off = line["entries"]
    assert (old["run_id"], old["friction"], old["dark_patterns"]) == (home.old.name, None, [])
    assert off["friction"] == {
        "clicks": 4, "keystrokes": 0, "page_loads": 3, "depth": 3, "seconds_to_control": 6.25,
        "confirmations": 1, "first_state": "on",
    }  # fmt: skip
    assert [p["name"] for p in off["dark_patterns"]] == ["default_on", "buried"]
    assert off["dark_patterns"][0]["refs"] and off["dark_patterns"][0]["method"] == "rule"


async def test_the_runs_report_shows_friction_and_patterns(home: Home, browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "off.html"
    done = home.cli("report", home.off.name, "--out", str(out))
    assert done.returncode == 0, done.stderr
    context, page, requested = await open_report(browser, out)
    try:
        assert requested == [out.as_uri()]
        assert await page.locator("#not-a-verdict").count() == 1
        assert NOT_A_VERDICT in await page.locator("#not-a-verdict").inner_text()
        assert await page.locator("#not-a-verdict").is_visible()
        (cells,) = await page.evaluate(TABLE_ROWS, "table.friction tbody tr")
        assert cells == ["4", "0", "3", "3", "6.2 s", "1", "on"]
        items = await page.locator("ul.patterns li").all_inner_texts()
        assert len(items) == 2 and items[0].startswith("Preselection default_on (rule)")
        assert "EDPB 03/2022 v2" in items[0] and "3 pages and menus" in items[1]
        # The pattern's screenshot links to its figure in the report, which shows the image.
        link = page.locator("ul.patterns li a").first
        target = await link.get_attribute("href")
        assert target and await page.locator(f"figure{target} img").count() == 1
    finally:
        await context.close()
    old = home.cli("report", home.old.name, "--format", "md")
    assert old.returncode == 0 and "What it took" not in old.stdout and "legal findings" not in old.stdout
    md = home.cli("report", home.off.name, "--format", "md")
    assert md.returncode == 0, md.stderr
    assert md.stdout.count("they are not legal findings") == 1
    assert "What it took: clicks 4, keystrokes 0, page loads 3, depth 3, seconds to the control 6.2 s" in md.stdout
    assert "**Preselection** (`default_on`, rule)" in md.stdout and "    Screenshot: `linkedin/" in md.stdout
    data = json.loads(home.cli("report", home.off.name, "--format", "json").stdout)
    (setting,) = data["settings"]
    assert setting["friction"]["depth"] == 3 and data["not_a_verdict"] == NOT_A_VERDICT
    assert setting["dark_patterns"][0]["screenshot"].startswith("linkedin/")


# -- optout report --friction ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    """Three platforms with friction (LinkedIn's check, its off run, then a later check and two later off
    runs that changed nothing; X's check only; Claude's off), one without (ChatGPT)."""
    cli = cli_under(tmp_path_factory.mktemp("compared"))
    check = Friction(clicks=2, page_loads=3, depth=3, seconds_to_control=5.0, first_state=State.ON)
    record(cli.home, "check", [a_result("linkedin", SETTING, state=State.ON, outcome=Outcome.CHECKED, friction=check)])
    record(cli.home, "off", [linkedin_off()])
    later = Friction(clicks=1, page_loads=1, depth=1, seconds_to_control=1.0, first_state=State.OFF)
    record(cli.home, "check", [a_result("linkedin", SETTING, outcome=Outcome.ALREADY_OFF, friction=later)])
    # Later off runs that changed nothing: one found it off, one stopped at a PIN page before the setting.
    record(cli.home, "off", [a_result("linkedin", SETTING, outcome=Outcome.ALREADY_OFF, friction=later)])
    short = Friction(page_loads=1)
    stopped = a_result("linkedin", SETTING, state=State.UNKNOWN, outcome=Outcome.NEEDS_ATTENTION, friction=short)
    record(cli.home, "off", [stopped])
    x = Friction(clicks=3, keystrokes=7, page_loads=2, depth=2, seconds_to_control=4.25, first_state=State.ON)
    record(cli.home, "check", [a_result("x", SETTING, state=State.ON, outcome=Outcome.CHECKED, friction=x)])
    claude = Friction(clicks=6, page_loads=2, depth=4, seconds_to_control=9.5, confirmations=2, first_state=State.ON)
    record(
        cli.home,
        "off",
        [
            a_result("claude", "help-improve-claude", friction=claude, patterns=[named("extra_confirmation", "2")]),
            a_result("chatgpt", SETTING),
        ],
    )
    return cli


EXPECTED = [
    # platform, setting, clicks, keystrokes, page loads, depth, seconds, confirmations, default, patterns
    ["Claude", "Help improve Claude", "6", "0", "2", "4", "9.5", "2", "on", "Extra confirmation"],
    ["LinkedIn", LINKEDIN, "4", "0", "3", "3", "6.2", "1", "on", "Preselection, Privacy maze"],
    ["X", "Grok & Third-party Collaborators", "3", "7", "2", "2", "4.2", "0", "on", "—"],
]  # fmt: skip


def test_friction_json_takes_each_settings_off_result_first(compared: Cli) -> None:
    done = compared("report", "--friction", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["not_a_verdict"] == NOT_A_VERDICT
    rows = {r["platform"]: r for r in data["rows"]}
    assert [r["platform"] for r in data["rows"]] == ["claude", "linkedin", "x"]  # ChatGPT counted nothing
    linkedin = rows["linkedin"]
    # The off run's counts, not the later check's, nor the earlier check's, nor later off runs' that found it
    # off or stopped before reaching it.
    assert (linkedin["clicks"], linkedin["depth"], linkedin["command"]) == (4, 3, "off")
    assert linkedin["patterns"] == ["default_on", "buried"] and linkedin["first_state"] == "on"
    assert rows["x"]["command"] == "check" and rows["x"]["seconds_to_control"] == 4.25
    runs = sorted(p.name for p in (compared.home / "ev").iterdir())
    assert linkedin["run_id"] == runs[1] and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", linkedin["when"])
    assert [(p["platform"], p["clicks"], p["depth"]) for p in data["platforms"]] == [
        ("claude", 6, 4), ("linkedin", 4, 3), ("x", 3, 2),
    ]  # fmt: skip


def test_friction_markdown_is_a_table_and_the_not_a_verdict_line(compared: Cli, tmp_path: Path) -> None:
    done = compared("report", "--friction", "--format", "md")
    assert done.returncode == 0, done.stderr
    table = [line for line in done.stdout.splitlines() if line.startswith("| ") and "---" not in line]
    assert table[0].startswith("| Platform | Setting | Clicks | Keystrokes | Page loads | Depth |")
    cells = [[html.unescape(c.strip()) for c in line.strip("|").split(" | ")] for line in table[1:]]
    assert [row[:10] for row in cells] == EXPECTED
    assert "optout off run of" in cells[1][10] and "optout check run of" in cells[2][10]
    assert NOT_A_VERDICT in done.stdout
    out = tmp_path / "slides.md"
    written = compared("report", "--friction", "--format", "md", "--out", str(out))
    assert written.returncode == 0 and out.read_text() == done.stdout
    again = compared("report", "--friction", "--format", "md", "--out", str(out))
    assert again.returncode == 2 and "exists" in again.stderr and "Traceback" not in again.stderr
    folder = compared("report", "--friction", "--out", str(tmp_path))  # a folder: the default name there
    assert folder.returncode == 0 and (tmp_path / "friction.html").read_text().startswith("<!DOCTYPE html>")


async def test_friction_html_has_the_table_and_one_bar_per_platform(
    compared: Cli, browser: Any, tmp_path: Path
) -> None:
    done = compared("report", "--friction")
    assert done.returncode == 0, done.stderr
    html_path = compared.home / "friction.html"
    assert done.stdout.strip() == str(html_path.relative_to(compared.home))
    text = html_path.read_text()
    assert '<meta name="viewport"' in text and "<script" not in text
    # Nothing to fetch: no address in an attribute (src, href, url(), @import), no "http" but the CSP's meta.
    assert not re.search(r"""(src|href)\s*=|url\(|@import|xlink""", text)
    assert "http" not in text.replace('<meta http-equiv="Content-Security-Policy"', "")
    context, page, requested = await open_report(browser, html_path)
    try:
        assert requested == [html_path.as_uri()]
        rows = await page.evaluate(TABLE_ROWS, "#friction-table tbody tr")
        assert [row[1:] for row in rows] == [row[1:] for row in EXPECTED]
        # Each platform's row says which run it comes from, and when; the sources below name the runs.
        assert [row[0].split(" run, ")[0] for row in rows] == ["Claudeoff", "LinkedInoff", "Xcheck"]
        sources = await page.locator("#sources li").all_inner_texts()
        runs = sorted(p.name for p in (compared.home / "ev").iterdir())
        assert len(sources) == 3 and sources[1].startswith(f"LinkedIn, {LINKEDIN}: optout off run of ")
        assert sources[1].endswith(f"({runs[1]})") and sources[2].endswith(f"({runs[5]})")
        for chart, values in (("clicks", ["6", "4", "3"]), ("depth", ["4", "3", "2"])):
            bars = page.locator(f"svg.chart-{chart} rect.bar")
            assert await bars.count() == 3
            assert [await bars.nth(i).get_attribute("data-platform") for i in range(3)] == ["Claude", "LinkedIn", "X"]
            assert [await bars.nth(i).get_attribute("data-value") for i in range(3)] == values
            widths = [float(await bars.nth(i).get_attribute("width") or 0) for i in range(3)]
            assert widths[0] > widths[1] > widths[2] > 0
        assert NOT_A_VERDICT in await page.locator("#not-a-verdict").inner_text()
        # Readable on a phone: nothing wider than the screen.
        await page.set_viewport_size({"width": 390, "height": 844})
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        await context.close()


def test_friction_with_nothing_counted_is_one_line_and_exit_2(tmp_path: Path) -> None:
    empty = cli_under(tmp_path / "empty")
    for args in (("report", "--friction"), ("report", "--friction", "--format", "json")):
        done = empty(*args)
        assert done.returncode == 2 and done.stdout == "", (done.stdout, done.stderr)
        assert done.stderr.strip().splitlines() == [
            "optout: error: nothing to compare: no result in this home's history counted friction yet "
            "(run optout check or optout off with this optout version first)"
        ]
    record(empty.home, "check", [a_result("x", SETTING, state=State.ON, outcome=Outcome.CHECKED)])
    done = empty("report", "--friction", "--format", "md")
    assert done.returncode == 2 and "nothing to compare" in done.stderr
    both = empty("report", "--friction", "--latest")
    assert both.returncode == 2 and "--friction compares the whole history" in both.stderr
