"""`optout report --friction`: the platforms of a home's history side by side, for slides. One row per
(platform, setting) with what reaching and switching it off took and the patterns named on the way, from
the most recent result of that setting that counted friction.

Which result stands for a setting: a real account's before a mapped run's (`--origin`, the sandbox), then
one whose counts include the change (an `off` run's, or any result that switched the setting off), then
the most recent. Each row says which run it comes from and when.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import jinja2
from pydantic import BaseModel

from optout import __version__
from optout.evidence.history import History, ResultRow
from optout.evidence.reports.data import ReportError, setting_titles
from optout.evidence.reports.markdown import md
from optout.patterns.catalogue import NOT_A_VERDICT, pattern
from optout.results import Outcome, State

TEMPLATE = Path(__file__).with_name("friction.html.j2")

NOTHING = (
    "nothing to compare: no result in this home's history counted friction yet "
    "(run optout check or optout off with this optout version first)"
)


class FrictionRow(BaseModel):
    platform: str
    platform_name: str
    setting: str
    title: str | None  # what the flow calls the setting
    clicks: int
    keystrokes: int
    page_loads: int
    depth: int | None  # None: the control was not reached
    seconds_to_control: float | None
    confirmations: int
    first_state: State | None  # the default, when read before anything was changed
    patterns: list[str]  # the catalogue's names
    pattern_titles: list[str]
    run_id: str
    command: str | None  # the run's command (off, check, recheck, demo)
    when: str  # the result's end, UTC
    mapped: bool  # from a mapped run (`--origin`, the sandbox), not a real account


class PlatformBar(BaseModel):
    """One platform in the charts: its settings' clicks added up, and the deepest of its controls."""

    platform: str
    platform_name: str
    clicks: int
    depth: int | None


class FrictionReport(BaseModel):
    not_a_verdict: str = NOT_A_VERDICT
    rows: list[FrictionRow]
    platforms: list[PlatformBar]


def platform_names() -> dict[str, str]:
    """Each flow's display name by platform id; empty when the flows cannot be read."""
    from optout.language.flow import FlowError
    from optout.language.registry import load_all

    try:
        return {flow.platform: flow.name for flow in load_all().values()}
    except FlowError:
        return {}


def _utc(stamp: str) -> str:
    moment = datetime.fromisoformat(stamp)
    moment = moment.astimezone(timezone.utc) if moment.tzinfo else moment
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _title(name: str) -> str:
    known = pattern(name)
    return known.title if known else name


def _rank(row: ResultRow, commands: dict[str, str]) -> tuple[bool, bool, bool, str]:
    """What stands best for a setting: a real account's before the sandbox's, one that reached the control
    before one that stopped short (a sign-in page, a failure), one whose counts include the change (it was
    switched off, or its form sent) before a reading, then the latest."""
    reached = row.friction is not None and row.friction.depth is not None
    changed = row.outcome in (Outcome.SWITCHED_OFF, Outcome.REQUESTED)
    return (not row.mapped, reached, changed, row.finished_at)


def collect_friction(
    history: History, *, names: dict[str, str] | None = None, titles: dict[tuple[str, str], str] | None = None
) -> FrictionReport:
    """The comparison from the history. Raises ReportError (exit 2) when no result counted friction."""
    commands = {run.run_id: run.command for run in history.runs()}
    chosen: dict[tuple[str, str], ResultRow] = {}
    for row in history.results():
        if row.friction is None:
            continue
        key = (row.platform, row.setting)
        if key not in chosen or _rank(row, commands) >= _rank(chosen[key], commands):
            chosen[key] = row
    if not chosen:
        raise ReportError(NOTHING)
    names = platform_names() if names is None else names
    titles = setting_titles() if titles is None else titles
    rows = []
    for (platform, setting), row in chosen.items():
        f = row.friction
        assert f is not None
        rows.append(
            FrictionRow(
                platform=platform,
                platform_name=names.get(platform, platform),
                setting=setting,
                title=titles.get((platform, setting)),
                clicks=f.clicks,
                keystrokes=f.keystrokes,
                page_loads=f.page_loads,
                depth=f.depth,
                seconds_to_control=f.seconds_to_control,
                confirmations=f.confirmations,
                first_state=f.first_state,
                patterns=[p.name for p in row.dark_patterns],
                pattern_titles=[_title(p.name) for p in row.dark_patterns],
                run_id=row.run_id,
                command=commands.get(row.run_id),
                when=_utc(row.finished_at),
                mapped=row.mapped,
            )
        )
    rows.sort(key=lambda r: (r.platform_name.lower(), r.platform, r.title or r.setting))
    return FrictionReport(rows=rows, platforms=_platforms(rows))


def _platforms(rows: list[FrictionRow]) -> list[PlatformBar]:
    bars: dict[str, PlatformBar] = {}
    for r in rows:
        bar = bars.setdefault(
            r.platform, PlatformBar(platform=r.platform, platform_name=r.platform_name, clicks=0, depth=None)
        )
        bar.clicks += r.clicks
        if r.depth is not None:
            bar.depth = max(bar.depth or 0, r.depth)
    return list(bars.values())


# -- rendering -------------------------------------------------------------------------------------


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def maybe(value: object) -> str:
    return "—" if value is None else str(value)


def source(row: FrictionRow) -> str:
    """Where a row comes from, in words."""
    run = f"optout {row.command} run" if row.command else "run"
    sandbox = ", sandbox or --origin" if row.mapped else ""
    return f"{run} of {row.when}{sandbox} ({row.run_id})"


def as_json(report: FrictionReport) -> str:
    return json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def render_markdown(report: FrictionReport) -> str:
    out = ["# What switching off AI training takes, platform by platform", ""]
    head = ["Platform", "Setting", "Clicks", "Keystrokes", "Page loads", "Depth", "Seconds to control"]
    head += ["Confirmations", "Default", "Patterns", "From"]
    out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in report.rows:
        cells = [md(r.platform_name), md(r.title or r.setting), str(r.clicks), str(r.keystrokes), str(r.page_loads)]
        cells += [maybe(r.depth), seconds(r.seconds_to_control), str(r.confirmations)]
        cells += [r.first_state.value if r.first_state else "—", md(", ".join(r.pattern_titles) or "—"), md(source(r))]
        out.append("| " + " | ".join(cells) + " |")
    out += ["", f"_{md(report.not_a_verdict)}_", ""]
    out.append(
        "Clicks, keystrokes and page loads: from the first page to the setting switched off, sign-in left out. "
        "Depth: pages and menus from the first page to the control. Default: the state first read."
    )
    return "\n".join(out) + "\n"


class Bar(BaseModel):
    label: str
    value: int | None
    y: float
    width: float


def chart(values: list[tuple[str, int | None]], *, width: float = 400) -> tuple[list[Bar], float]:
    """Horizontal bars, a label above each: their geometry in the SVG's own units, and its height."""
    top = max((v for _, v in values if v is not None), default=0) or 1
    bars = [
        Bar(label=label, value=value, y=i * ROW + LABEL, width=0 if value is None else width * value / top)
        for i, (label, value) in enumerate(values)
    ]
    return bars, len(values) * ROW + 8


ROW = 74  # one platform: its name, then its bar
LABEL = 30


def render_html(report: FrictionReport) -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    template = env.from_string(TEMPLATE.read_text(encoding="utf-8"))
    clicks = chart([(p.platform_name, p.clicks) for p in report.platforms])
    depth = chart([(p.platform_name, p.depth) for p in report.platforms])
    return template.render(
        r=report, clicks=clicks, depth=depth, seconds=seconds, maybe=maybe, source=source, version=__version__
    )
