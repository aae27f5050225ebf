"""`optout report-broken`: a run's failure as a zip for whoever keeps the flow, and where to file it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from optout.cli.common import err, stdout_console
from optout.cli.output import shown

REPORT_BROKEN_HELP = (
    "Bundle what a flow's maintainer needs when a run failed because a site changed: for each failed "
    "setting, the failing step and its reason, the masked screenshot (never an unmasked one), the page's "
    "HTML around where the control was expected (field values removed, masked like the screenshot), what "
    "the page has instead (the scan's candidates, never clicked), the flow, optout and browser versions, "
    "and, with --with-trace, the Playwright traces of a run made with --trace (their screenshots and page "
    "snapshots show the pages unmasked: your name, your photo). The username's text is replaced "
    "throughout; no password or code is in it. Prints where to file it and the zip's path."
)

REPORT_BROKEN_EXIT = (
    "Exit status: 0 the zip was written; 2 usage error (an unknown run, a run with no failed result, "
    "FILE.zip exists and no --force); 3 the run's evidence or the history cannot be read, or the zip "
    "cannot be written (then nothing is)."
)


def report_broken_command(
    run: Annotated[
        str, typer.Argument(metavar="RUN", help="A run id (see optout history) or a run folder.", show_default=False)
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE.zip",
            help="The zip to write (in a folder: RUN-broken.zip there; default: in the current folder).",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE.zip if it exists.")] = False,
    with_trace: Annotated[
        bool,
        typer.Option(
            "--with-trace",
            help="Also put in the run's Playwright traces (--trace): they show the pages unmasked.",
        ),
    ] = False,
) -> None:
    from optout.cli.evidence import _output_target, _report_run
    from optout.evidence.broken import issue_tracker, write_report
    from optout.evidence.history import History

    def make(folder: Path, store: History) -> None:
        target = _output_target(out or Path("."), f"{folder.name}-broken.zip", force=force)
        broken = write_report(folder, target, force=force, with_traces=with_trace)
        console = stdout_console()
        settings = f"{broken.failed} failed setting{'s' * (broken.failed != 1)}"
        console.print(f"Breakage report ({settings}):", markup=False)
        console.print(f"  {shown(target)}", markup=False, soft_wrap=True)
        where = issue_tracker()
        console.print(f"File it as a new issue {'at ' if '://' in where else 'in '}{where},", markup=False)
        console.print("with the zip attached.", markup=False)
        if broken.traces:
            err.print(
                "optout: its trace shows the pages unmasked (your name, photo):\nlook at it before you share it",
                markup=False,
            )

    _report_run(run, make)
