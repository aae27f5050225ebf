"""The `optout` Typer app: the command groups wired to their modules, the callback and main."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from optout import __version__
from optout.cli import accounts as accounts_commands
from optout.cli import canary as canary_commands
from optout.cli import evidence as evidence_commands
from optout.cli import flows as flows_commands
from optout.cli import patterns as patterns_commands
from optout.cli import platforms as platforms_commands
from optout.cli import recheck as recheck_commands
from optout.cli import report_broken
from optout.cli import runs as runs_commands
from optout.cli import scan as scan_commands
from optout.cli import schedule as schedule_commands
from optout.cli import sessions as sessions_commands
from optout.cli.accounts import DOCTOR_HELP
from optout.cli.common import ACCOUNTS_EXIT, EXIT_HELP, MASTER_PASSWORD_EXIT, err
from optout.cli.evidence import (
    EXPORT_EXIT,
    EXPORT_HELP,
    HISTORY_EXIT,
    HISTORY_HELP,
    REPORT_EXIT,
    REPORT_HELP,
    VERIFY_HELP,
)
from optout.cli.help import ClickException, is_no_args_help, one_line, plain_parameter_help
from optout.cli.patterns import PATTERNS_HELP
from optout.cli.platforms import DEMO_HELP, SANDBOX_HELP, SANDBOX_SET_HELP
from optout.cli.recheck import RECHECK_EXIT, RECHECK_HELP
from optout.cli.sessions import SESSIONS_HELP
from optout.results import ExitCode

plain_parameter_help()

app = typer.Typer(
    name="optout",
    help=(
        "Check and switch off the 'use my data to train generative AI' settings in your own accounts, "
        "keeping screenshot evidence of what was seen and done.\n\n"
        "Try it without an account: optout demo. See whether this machine is ready: optout doctor."
    ),
    epilog=(
        "Environment: OPTOUT_HOME=DIR keeps optout's config and state under DIR; OPTOUT_BROWSER=PATH picks "
        "the browser; OPTOUT_BROWSER_WS=URL runs in a browser server's (--browser-ws); OPTOUT_JOBS=N sets "
        "--jobs; OPTOUT_FLOWS_DIR=DIR reads flow files from DIR; PYTHON_KEYRING_BACKEND picks the "
        "keyring backend (see README, 'Passwords and keyrings')."
    ),
    no_args_is_help=True,
    add_completion=False,
    # Never print locals in a traceback: they could hold a password.
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

flows_app = typer.Typer(
    help="Inspect the flow files that describe each platform, list where each comes from, install a newer one.",
    epilog="Exit status: 0 every file is valid; 2 a file is not (one line naming it).",
    no_args_is_help=True,
)

accounts_app = typer.Typer(
    help="Manage the accounts optout signs in to (passwords go to the keyring).",
    epilog=ACCOUNTS_EXIT,
    no_args_is_help=True,
)

app.add_typer(flows_app, name="flows")

schedule_app = typer.Typer(
    help="Run 'optout recheck' unattended: a systemd user timer or a crontab line (Linux), a launchd agent "
    "(macOS), a Task Scheduler task (Windows).",
    epilog="Exit status: 0 done; 1 (status) nothing is installed; 2 usage error; 3 the scheduler failed.",
    no_args_is_help=True,
)

app.add_typer(accounts_app, name="accounts")

app.add_typer(schedule_app, name="schedule")

sandbox_app = typer.Typer(invoke_without_command=True)

app.add_typer(sandbox_app, name="sandbox")


def _version(value: bool) -> None:
    if value:
        print(f"optout {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Global options."""


def main() -> None:
    from optout.cli.streams import guard_standard_streams

    guard_standard_streams()
    try:
        # `python -m optout` and `.venv/bin/optout` are both "optout" to the person reading the help.
        code = app(prog_name="optout", standalone_mode=False)
    except ClickException as exc:
        if is_no_args_help(exc):
            getattr(exc, "show")()  # noqa: B009 - the help, as typer would show it
            sys.exit(ExitCode.USAGE)
        err.print(one_line(exc), markup=False, soft_wrap=True)
        sys.exit(int(getattr(exc, "exit_code", ExitCode.USAGE)))
    sys.exit(code if isinstance(code, int) else 0)


# The commands, in the order --help lists them.
app.command(epilog="Exit status: 0 listed; 2 a flow file cannot be read (one line naming it).")(
    platforms_commands.platforms
)
flows_app.command(
    "validate", epilog="Exit status: 0 every file is valid; 2 a file is not, or cannot be read (one line naming it)."
)(platforms_commands.flows_validate)
flows_app.command("install", help=flows_commands.INSTALL_HELP, epilog=flows_commands.INSTALL_EXIT)(
    flows_commands.flows_install
)
flows_app.command("list", help=flows_commands.LIST_HELP, epilog=flows_commands.LIST_EXIT)(flows_commands.flows_list)
accounts_app.command(
    "add",
    epilog="Exit status: 0 stored; 2 usage or configuration error (an unknown platform, a refused username, no "
    f"usable keyring, no password; one line on stderr); {MASTER_PASSWORD_EXIT}.",
)(accounts_commands.accounts_add)
accounts_app.command(
    "list",
    epilog="Exit status: 0 listed (none is fine); 2 the config cannot be read or the keyring cannot be used; "
    f"{MASTER_PASSWORD_EXIT}.",
)(accounts_commands.accounts_list)
accounts_app.command(
    "remove",
    epilog="Exit status: 0 removed; 2 no such account, or the config or the keyring cannot be used; "
    f"{MASTER_PASSWORD_EXIT}.",
)(accounts_commands.accounts_remove)
schedule_app.command(
    "install",
    epilog="Exit status: 0 installed (with --dry-run: shown); 2 usage error (a timing or scheduler that cannot be "
    "used here); 3 the scheduler failed (what was done before is printed).",
)(schedule_commands.schedule_install)
schedule_app.command(
    "status", epilog="Exit status: 0 a schedule is installed; 1 none is; 3 the scheduler cannot be asked."
)(schedule_commands.schedule_status)
schedule_app.command("remove", epilog="Exit status: 0 removed (or nothing was installed); 3 the scheduler failed.")(
    schedule_commands.schedule_remove
)
app.command("check", epilog=EXIT_HELP)(runs_commands.check_command)
app.command("off", epilog=EXIT_HELP)(runs_commands.off_command)
app.command(
    "login",
    help="Open a browser window to sign in to PLATFORM yourself (2FA, passkey, SSO), then save the session.\n\n"
    "The password is typed for you when the keyring holds it; otherwise nothing is typed and you sign in in the "
    "window. Waits up to 5 minutes. Needs a display. An account not configured yet is added (no password).\n\n"
    + SESSIONS_HELP,
    epilog="Exit status: 0 signed in, the session saved; 2 usage or configuration error (no display, an unknown "
    f"platform or account, no usable keyring, no browser); 3 not signed in (refused, a challenge not completed in "
    f"time, the window closed), or {MASTER_PASSWORD_EXIT.removeprefix('3 ')}; 130 interrupted.",
)(sessions_commands.login_command)
app.command(
    "logout",
    help="Delete the saved session(s) of PLATFORM (every account, or only --account), those of runs with --origin "
    "included.",
    epilog="Exit status: 0 deleted, or nothing to delete; 2 an unknown platform, or a session file that cannot be "
    "deleted.",
)(sessions_commands.logout_command)
app.command("history", help=HISTORY_HELP, epilog=HISTORY_EXIT)(evidence_commands.history_command)
app.command("recheck", help=RECHECK_HELP, epilog=RECHECK_EXIT)(recheck_commands.recheck_command)
app.command("verify", help=VERIFY_HELP)(evidence_commands.verify_command)
app.command("report", help=REPORT_HELP, epilog=REPORT_EXIT)(evidence_commands.report_command)
app.command("export", help=EXPORT_HELP, epilog=EXPORT_EXIT)(evidence_commands.export_command)
app.command("report-broken", help=report_broken.REPORT_BROKEN_HELP, epilog=report_broken.REPORT_BROKEN_EXIT)(
    report_broken.report_broken_command
)
app.command(help=DOCTOR_HELP)(accounts_commands.doctor)
app.command(help=DEMO_HELP)(platforms_commands.demo)
app.command("scan", help=scan_commands.SCAN_HELP, epilog=scan_commands.SCAN_EXIT)(scan_commands.scan_command)
app.command("canary", help=canary_commands.CANARY_HELP, epilog=canary_commands.CANARY_EXIT)(
    canary_commands.canary_command
)
app.command("patterns", help=PATTERNS_HELP, epilog="Exit status: 0 listed; 2 an unknown option (one line).")(
    patterns_commands.patterns_command
)
sandbox_app.callback(
    help=SANDBOX_HELP,
    epilog="Exit status: 0 stopped with Ctrl-C; 2 the port cannot be listened on, no such pattern, or no such fault.",
)(platforms_commands.sandbox)
sandbox_app.command("set", help=SANDBOX_SET_HELP)(platforms_commands.sandbox_set)
