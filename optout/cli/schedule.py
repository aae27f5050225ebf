"""`optout schedule install|status|remove`."""

from __future__ import annotations

import shlex
import sys
from typing import Annotated

import typer

from optout.cli.common import err, json_out, stdout_console, usage_error
from optout.paths import home
from optout.recheck.schedule import Action, carry_out, install_plan, remove_plan, this_machine
from optout.recheck.schedule_texts import SchedulerFailed, current_job, secrets_left_out
from optout.recheck.timing import DEFAULT_AT, ScheduleError, parse_timing
from optout.results import ExitCode

DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Print what would be done; change nothing.")]


def _perform(actions: list[Action], dry_run: bool) -> None:
    """Each step printed with the full text it writes; done unless `dry_run`. Stops at the first failure,
    after undoing what the steps before it did (see carry_out)."""
    out = stdout_console()
    out.print("Dry run: nothing is changed. Would:" if dry_run else "Done:", markup=False)

    def said(action: Action) -> None:
        out.print(f"- {action.say}", markup=False, soft_wrap=True)
        if action.body is not None:
            # Verbatim, unwrapped: what was written, exactly.
            sys.stdout.write(action.body if action.body.endswith("\n") else action.body + "\n")
            sys.stdout.flush()

    if dry_run:
        for action in actions:
            said(action)
        return
    try:
        carry_out(actions, said)
    except SchedulerFailed as exc:
        usage_error(str(exc), ExitCode.PROBLEM)


def schedule_install(
    every: Annotated[
        str,
        typer.Option(
            "--every",
            metavar="daily|weekly|CRON",
            help="daily, weekly (Sundays), or a 5-field cron expression such as '30 6 * * 1-5' (systemd and cron).",
        ),
    ] = "daily",
    at: Annotated[
        str | None, typer.Option("--at", metavar="HH:MM", help=f"Local time for daily/weekly (default {DEFAULT_AT}).")
    ] = None,
    scheduler: Annotated[
        str,
        typer.Option(
            "--scheduler",
            metavar="NAME",
            help="auto (default), or systemd, cron, launchd, schtasks; cron on Linux takes any cron expression.",
        ),
    ] = "auto",
    dry_run: DryRunOpt = False,
) -> None:
    """Install (or replace) the scheduled 'optout recheck' and print exactly what was installed."""
    where = home()
    machine = this_machine(where)
    try:
        timing = parse_timing(every, at)
        job = current_job(where)
        chosen = machine.choose(scheduler)
        actions = install_plan(machine, chosen, timing, job)
    except ScheduleError as exc:
        usage_error(str(exc))
    except SchedulerFailed as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    _perform(actions, dry_run)
    stdout_console().print(
        f"{'Would run' if dry_run else 'Runs'} {shlex.join(job.command)} {timing.describe()} (local time) "
        f"through {chosen.title}; its output is appended to {job.log}. Remove with: optout schedule remove",
        markup=False,
        soft_wrap=True,
    )
    for name in secrets_left_out():
        err.print(
            f"optout: {name} is not given to the scheduled job: a secret would be written in the clear into its entry",
            markup=False,
            soft_wrap=True,
        )


def schedule_status(json_: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False) -> None:
    """Show the installed schedule: the files and their full text, or the crontab line. Exit 1 when none."""
    where = home()
    try:
        entries = [e for s in this_machine(where).installed() if (e := s.status()) is not None]
    except SchedulerFailed as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    log = where.data_dir / "recheck.log"
    if json_:
        json_out(
            {
                "installed": bool(entries),
                "entries": [
                    {"scheduler": e.scheduler, "files": e.files, "crontab_lines": e.crontab_lines, "state": e.state}
                    for e in entries
                ],
                "log": str(log),
            }
        )
    else:
        out = stdout_console()
        if not entries:
            out.print("No optout schedule is installed. Install one with: optout schedule install", markup=False)
        for entry in entries:
            out.print(f"{entry.scheduler}" + (f" ({entry.state})" if entry.state else "") + ":", markup=False)
            for path, text in entry.files.items():
                out.print(f"- {path}", markup=False, soft_wrap=True)
                sys.stdout.write(text if text.endswith("\n") else text + "\n")
                sys.stdout.flush()
            for line in entry.crontab_lines:
                out.print("- crontab line", markup=False)
                sys.stdout.write(line + "\n")
                sys.stdout.flush()
        written = "not written yet" if not log.exists() else f"{log.stat().st_size} bytes"
        out.print(f"Log: {log} ({written})", markup=False, soft_wrap=True)
    raise typer.Exit(ExitCode.OK if entries else ExitCode.SETTING_ON)


def schedule_remove(dry_run: DryRunOpt = False) -> None:
    """Remove the scheduled 'optout recheck' from every scheduler of this system, printing what goes."""
    try:
        actions = remove_plan(this_machine(home()))
    except SchedulerFailed as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    if not actions:
        stdout_console().print("No optout schedule is installed: nothing to remove.", markup=False)
        return
    _perform(actions, dry_run)
