"""The report as one self-contained HTML file: images embedded as data: URIs, inline CSS, no script, and a
Content-Security-Policy that forbids fetching anything, so opening it never touches the network.

Every text comes from outside optout at some point (usernames, page texts, reasons): the template escapes
all of it (Jinja2 autoescape), and nothing is ever marked safe.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from pathlib import Path

import jinja2

from optout import __version__
from optout.evidence.reports.data import ReportData, read_file
from optout.evidence.reports.observations import friction_cells, shot_anchor

TEMPLATE = Path(__file__).with_name("report.html.j2")


def _when(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _mime(data: bytes) -> str:
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    return "image/png"


def render_html(report: ReportData, folder: Path) -> str:
    """The report on the run in `folder`; images are read from there (only the ones the report shows)."""

    def image(relative: str) -> str:
        data = read_file(folder, relative) or b""
        return f"data:{_mime(data)};base64,{base64.b64encode(data).decode('ascii')}"

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    template = env.from_string(TEMPLATE.read_text(encoding="utf-8"))
    return template.render(
        r=report, when=_when, image=image, version=__version__, anchor=shot_anchor, friction_cells=friction_cells
    )
