"""`optout history`, `verify`, `report` and `export`: what runs left behind."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from optout.cli.common import AccountOpt, JsonOpt, err, json_out, open_history, stdout_console, usage_error
from optout.cli.output import print_fields, print_rows, shown
from optout.evidence import signing
from optout.evidence import verify as verification
from optout.evidence.history import History, HistoryError
from optout.paths import home
from optout.results import ExitCode

HISTORY_EXIT = (
    "Exit status: 0 shown (also when nothing is recorded yet); 2 usage error; 3 the history database cannot be "
    "used (damaged, locked or from a newer optout; it is left as it is)."
)

HISTORY_HELP = (
    "Show the timeline of each setting's states, from every run recorded in this home.\n\n"
    "One block per account and setting, oldest first; a state that differs from the one before is marked "
    "'changed'. What runs with --origin (the sandbox, the demo) recorded is a block of its own, marked mapped: it "
    "never counts as the real account's state. The history is OPTOUT_HOME/history.db (or the platform's data "
    "folder)."
)


def history_command(
    platform: Annotated[str | None, typer.Option("--platform", metavar="PLATFORM", help="Only this platform.")] = None,
    account: AccountOpt = None,
    json_: JsonOpt = False,
) -> None:
    from optout.evidence.timeline import timelines

    store = open_history(read_only=True)
    try:
        lines = timelines(store.results(platform=platform, account=account))
    except HistoryError as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    finally:
        store.close()
    if json_:
        json_out([line.as_json() for line in lines])
        return
    out = stdout_console()
    if not lines:
        out.print("No results recorded yet" + (" for that selection." if platform or account else "."))
        return
    for line in lines:
        mapped = ("  mapped (--origin)", "yellow") if line.mapped else ""
        out.print(Text.assemble((f"{line.platform}  {line.account}", "bold"), f"  {line.setting}", mapped))
        rows: list[list[str | Text]] = []
        for entry in line.entries:
            state = Text(entry.state.value, "bold yellow" if entry.state.value == "on" else "")
            rows.append(
                [
                    entry.when,
                    state,
                    entry.outcome.value + (" (verified)" if entry.verified else ""),
                    "changed" if entry.changed else "",
                ]
            )
        print_rows(out, ["When (UTC)", "State", "Outcome", ""], rows)


RunArg = Annotated[
    str | None,
    typer.Argument(
        metavar="RUN",
        help="A run id (see optout history) or a run folder (default: the latest run).",
        show_default=False,
    ),
]

REPORT_EXIT = (
    "Exit status: 0 the report was written or printed; 2 usage error (an unknown run, no run recorded yet, with "
    "--friction no result that counted friction); 3 the run's evidence or the history cannot be read, or the report "
    "cannot be written."
)

REPORT_HELP = (
    "Report on one run: a summary table, each setting's screenshots and its history over time.\n\n"
    "html (default): one self-contained file (images embedded, loads nothing), written to report.html in the run "
    "folder unless --out says where; json: the report's data, for scripts; md: Markdown to paste into a complaint "
    "or a ticket (both on stdout unless --out).\n\n"
    "--friction: instead of one run, the platforms of this home's history side by side, for slides: one row per "
    "platform and setting with its clicks, keystrokes, page loads, depth, seconds to the control, confirmations, "
    "default and the patterns named, from the latest result that counted them (an off run's first), and a bar "
    "chart of clicks and depth per platform. html: friction.html in optout's data folder unless --out."
)


def _report_run(run: str | None, use: Callable[[Path, History], None]) -> None:
    """Resolve RUN in this home's history and hand its folder on; every failure is one line."""
    from optout.evidence.reports.data import ReportError, resolve_run

    store = open_history(read_only=True)
    try:
        use(resolve_run(run, store), store)
    except ReportError as exc:
        usage_error(str(exc), ExitCode(exc.code))
    except HistoryError as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    finally:
        store.close()


VERIFY_HELP = (
    "Check that the evidence of runs in this home is as it was recorded: nothing changed, missing, added or "
    "removed.\n\n"
    "For each run: every file its manifest.json lists is there with the SHA-256 it gives; no other file is in the "
    "run folder (beside manifest.json, manifest.sig, manifest.progress and report.html); manifest.sig is a valid "
    "Ed25519 signature of manifest.json by the key it names, read from the home's keys/ folder (the keyring is "
    "not needed); the manifest hashes to the value the history recorded when it was sealed and to the one the "
    "next run's manifest chains to; and its 'previous' link names the run sealed just before it, so a run removed "
    "from the middle of the chain is named.\n\n"
    "Warnings (exit 0): a run sealed without a signing key (unsigned; the chain still covers it), a run "
    "not sealed yet (still running, or killed and waiting for the next run to seal it), and a run sealed by "
    "another run (killed before its end; the run that sealed it is named). A run that stopped but that no "
    "other run may seal (its token, files or manifest are not as its own run left them: planted, or changed) "
    "is a mismatch.\n\n"
    "The chain head (the last sealed run and its manifest's SHA-256) is printed before the verdict: keep it "
    "elsewhere. Removing the newest runs, folder and history row, leaves a chain that checks; --expect-head "
    "SHA-256 (or RUN_ID:SHA-256) then tells: the head kept must still be in the chain, as the head or before "
    "runs sealed since, or it is a mismatch.\n\n"
    "Exit status: 0 everything matches (warnings allowed); 1 something does not match; 2 usage error (such "
    "as an unknown run); 3 the history database cannot be used (damaged or locked; it is left as it is)."
)


def verify_command(
    run: Annotated[
        str | None,
        typer.Argument(
            metavar="RUN",
            help="A run id as 'optout history --json' or 'optout verify --all' shows it, or the path to a run "
            "folder (default: the latest run).",
            show_default=False,
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Verify every run in this home, and the whole chain.")] = False,
    expect_head: Annotated[
        str | None,
        typer.Option(
            "--expect-head",
            metavar="SHA256",
            help="The chain head an earlier verify printed (its SHA-256, or RUN_ID:SHA-256): a mismatch when it "
            "is no longer in the chain (the newest runs removed) or its manifest changed.",
            show_default=False,
        ),
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    if run is not None and all_:
        usage_error("give a RUN or --all, not both")
    if expect_head is not None:
        try:
            verification.parse_expected_head(expect_head)
        except ValueError as exc:
            usage_error(str(exc))
    where = home()
    if not where.history_file.exists():
        if run is not None:
            usage_error(f"no run {run!r}: no runs are recorded in this home yet ({where.history_file} does not exist)")
        if not all_:
            usage_error(f"no runs recorded in this home yet ({where.history_file} does not exist)")
        result = None
    else:
        store = open_history(read_only=True)
        try:
            rows = store.runs()
            chosen: list[str] | None = None
            if not all_:
                row = verification.select(rows, run) if run is not None else store.latest_run()
                if row is None:
                    usage_error(
                        f"no run {run!r} in this home's history; list the runs with: optout verify --all"
                        if run is not None
                        else "no runs recorded in this home yet"
                    )
                chosen = [row.run_id]
            result = verification.verify(store, signing.keys_dir(where), chosen, expect_head=expect_head)
        except HistoryError as exc:
            usage_error(str(exc), ExitCode.PROBLEM)
        finally:
            store.close()
    if result is None or not result.runs:
        empty = verification.Verification([])
        if expect_head is not None:
            # Every run gone, folders and rows: the head kept elsewhere is all that tells.
            empty.head_check = verification.HeadCheck(
                expect_head,
                False,
                f"the expected chain head {expect_head} is no longer in the chain: this home has no sealed run",
            )
        if json_:
            json_out(empty.as_json())
        elif empty.head_check is not None:
            stdout_console().print(Text(f"NOT VERIFIED: {empty.head_check.text}", "bold red"))
        else:
            stdout_console().print("Nothing to verify: no runs recorded in this home yet.")
        raise typer.Exit(ExitCode.OK if empty.ok else ExitCode.SETTING_ON)
    if json_:
        json_out(result.as_json())
    else:
        _print_verification(result)
    raise typer.Exit(ExitCode.OK if result.ok else ExitCode.SETTING_ON)


def _print_verification(result: verification.Verification) -> None:
    kind = verification.Kind
    out = stdout_console()
    rows: list[list[str | Text]] = []
    for check in result.runs:
        kinds = {f.kind for f in check.findings}
        if check.seq is None:
            signature = "not sealed"
        elif check.signed:
            signature = "valid"
        elif kind.UNSIGNED in kinds:
            signature = "unsigned"
        elif kind.UNKNOWN_KEY in kinds:
            signature = "unknown key"
        else:
            signature = "BAD" if kind.BAD_SIGNATURE in kinds else "—"
        status = Text(check.status, "bold red" if not check.ok else ("yellow" if check.findings else "green"))
        note = "interrupted" if check.interrupted else ""
        rows.append([check.run_id, str(check.seq or "—"), str(check.files_checked), signature, status, note])
    print_rows(out, ["Run", "Seq", "Files", "Signature", "Status", ""], rows, heading=1)
    for check in result.runs:
        if not check.findings:
            continue
        out.print(Text(f"\n{check.run_id}", "bold"))
        if check.interrupted:
            print_fields(out, [("interrupted", check.interrupted)])
        print_fields(
            out,
            [
                (f.kind.value, Text(f.text, "yellow" if f.warning else "red"))
                for f in sorted(check.findings, key=lambda f: f.warning)
            ],
        )
    _print_head(result)
    runs = len(result.runs)
    bad = sum(1 for c in result.runs if not c.ok)
    if not result.ok and not bad and result.head_check is not None:
        verdict = f"NOT VERIFIED: {result.head_check.text}"
    elif not result.ok:
        mismatches = result.mismatches - int(result.head_check is not None and not result.head_check.ok)
        verdict = f"NOT VERIFIED: {mismatches} mismatch(es) in {bad} of {runs} run(s); see above."
    elif result.warnings:
        verdict = (
            f"Verified: {runs} run(s), nothing changed, missing or inserted; {result.warnings} warning(s) above "
            "about what could not be fully checked."
        )
    else:
        verdict = f"Verified: {runs} run(s); every file, chain link and signature matches."
    out.print(Text(verdict, "bold green" if result.ok else "bold red"))


def _print_head(result: verification.Verification) -> None:
    """The chain head, to keep elsewhere (a hash on a line of its own, to copy), and --expect-head's answer."""
    out = stdout_console()
    if result.head is not None:
        out.print(Text(f"\nChain head: {result.head.run_id} (seq {result.head.seq})", "bold"))
        out.print(Text(f"  SHA-256 {result.head.sha256}"))
        out.print(Text("  keep it elsewhere; check it later with --expect-head", "dim"))
    check = result.head_check
    if check is not None and check.ok:
        out.print(Text(check.text, "green"))
    elif check is not None and any(not c.ok for c in result.runs):  # else it is the verdict
        out.print(Text(f"MISMATCH: {check.text}", "bold red"))


def _output_target(out: Path, default_name: str, *, force: bool) -> Path:
    """Where --out says to write (`default_name` inside a folder), refused now, before any work, when it is
    not a file optout may write."""
    from optout.evidence.output_file import OutputRefused, output_path, refuse_unsafe

    target = output_path(out, default_name)
    try:
        refuse_unsafe(target, force=force)
    except OutputRefused as exc:
        usage_error(str(exc))
    return target


def _write_output(path: Path, text: str, *, force: bool) -> None:
    from optout.evidence.output_file import OutputRefused, write_output

    try:
        write_output(path, text.encode("utf-8"), force=force)
    except OutputRefused as exc:
        usage_error(str(exc))
    except OSError as exc:
        why = exc.strerror or str(exc)
        usage_error(f"cannot write the report to {shown(path)}: {why[:1].lower()}{why[1:]}", ExitCode.PROBLEM)


def report_command(
    run: RunArg = None,
    latest: Annotated[bool, typer.Option("--latest", help="The latest run (the default).")] = False,
    format_: Annotated[
        str, typer.Option("--format", metavar="html|json|md", help="What to produce.", case_sensitive=False)
    ] = "html",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE",
            help="Write the report to FILE (in a folder: report.html, .json or .md there; friction.* with --friction).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
    friction: Annotated[
        bool, typer.Option("--friction", help="Compare the platforms' friction across the history (no RUN).")
    ] = False,
) -> None:
    from optout.evidence.reports.data import as_json, collect
    from optout.evidence.reports.html import render_html
    from optout.evidence.reports.markdown import render_markdown

    kind = format_.lower()
    if kind not in ("html", "json", "md"):
        usage_error(f"--format must be html, json or md, not {format_!r}")
    if latest and run is not None:
        usage_error("give a RUN or --latest, not both")
    if friction:
        if run is not None or latest:
            usage_error("--friction compares the whole history: give no RUN or --latest with it")
        _friction_report(kind, out, force=force)
        return

    def make(folder: Path, store: History) -> None:
        target = None if out is None else _output_target(out, f"report.{kind}", force=force)
        report = collect(folder, history=store, where=home())
        if kind == "html":
            # The run folder's own report.html is optout's to replace; a file the person names is not.
            html = target or folder / "report.html"
            _write_output(html, render_html(report, folder), force=force or target is None)
            print(shown(html))
            return
        text = as_json(report) if kind == "json" else render_markdown(report)
        if target is None:
            sys.stdout.write(text)
        else:
            _write_output(target, text, force=force)
            print(shown(target))

    _report_run(run, make)


def _friction_report(kind: str, out: Path | None, *, force: bool) -> None:
    from optout.evidence.reports import friction
    from optout.evidence.reports.data import ReportError

    target = None if out is None else _output_target(out, f"friction.{kind}", force=force)
    store = open_history(read_only=True)
    try:
        report = friction.collect_friction(store)
    except ReportError as exc:
        usage_error(str(exc), ExitCode(exc.code))
    except HistoryError as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    finally:
        store.close()
    if kind == "html":
        # optout's own file in its data folder is replaced each time; a file the person names is not.
        html = target or home().data_dir / "friction.html"
        _write_output(html, friction.render_html(report), force=force or target is None)
        print(shown(html))
        return
    text = friction.as_json(report) if kind == "json" else friction.render_markdown(report)
    if target is None:
        sys.stdout.write(text)
    else:
        _write_output(target, text, force=force)
        print(shown(target))


EXPORT_EXIT = (
    "Exit status: 0 the zip was written; 2 usage error (an unknown run, FILE.zip exists and no --force, or is a "
    "folder); 3 the run's evidence or the history cannot be read, or the zip cannot be written (then nothing is)."
)

EXPORT_HELP = (
    "Write one run as a zip a third party can check with standard tools: manifest.json and manifest.sig as they "
    "are, the screenshots (masked copies only, unless --no-mask-pii), control excerpts, the HTML report, the "
    "public key, SHA256SUMS (sha256sum -c) and a README saying how to check it."
)


def export_command(
    run: Annotated[
        str, typer.Argument(metavar="RUN", help="A run id (see optout history) or a run folder.", show_default=False)
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", metavar="FILE.zip", help="The zip to write (in a folder: RUN.zip there).", show_default=False
        ),
    ],
    mask_pii: Annotated[
        bool,
        typer.Option(
            "--mask-pii/--no-mask-pii",
            help="Only masked screenshots (default); screenshots without a masked copy are withheld.",
        ),
    ] = True,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE.zip if it exists.")] = False,
) -> None:
    from optout.evidence.bundle import export

    def make(folder: Path, store: History) -> None:
        target = _output_target(out, f"{folder.name}.zip", force=force)
        bundle = export(folder, target, history=store, where=home(), mask=mask_pii, force=force)
        print(shown(target))
        if bundle.withheld:
            err.print(
                f"optout: {len(bundle.withheld)} file(s) withheld from the bundle (its README.txt says which and why)",
                markup=False,
                soft_wrap=True,
            )

    _report_run(run, make)
