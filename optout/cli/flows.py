"""`optout flows install` and `optout flows list`: flows newer than the release, and where each flow in
use comes from."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from optout.cli.common import err, json_out, stdout_console, usage_error
from optout.cli.output import print_rows
from optout.invocation import optout_command, shell_lines
from optout.language.flow import SCHEMA_VERSION, FlowError
from optout.language.install import install
from optout.language.registry import installed_dir, load_located, shipped_dir

INSTALL_HELP = (
    "Install a flow file newer than this release (a fix for a site that changed): it is validated, then "
    "used instead of the shipped flow of its platform from then on.\n\n"
    "It goes into the home's flows folder (under OPTOUT_HOME when set); the installed flow it replaces is "
    "kept under flows/previous/, and the output says how to go back. A flow for a platform optout does not "
    f"ship is allowed. A flow that needs a newer optout (schema_version above {SCHEMA_VERSION}) is refused."
)
INSTALL_EXIT = (
    "Exit status: 0 installed (or already installed); 2 the file is refused, or cannot be installed (one line)."
)

LIST_HELP = (
    "List the flows in use: each platform's flow version and where it comes from (shipped with optout, "
    "installed with 'optout flows install', or OPTOUT_FLOWS_DIR, which when set is read alone)."
)
LIST_EXIT = "Exit status: 0 listed; 2 a flow file cannot be read (one line naming it)."


def flows_install(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The flow file to install.", show_default=False)],
    new_origins: Annotated[
        bool,
        typer.Option(
            "--new-origins",
            help="Accept a flow whose addresses (where optout goes, where it types your password) differ from "
            "the shipped flow's. Only for a file from someone you trust.",
        ),
    ] = False,
) -> None:
    try:
        done = install(file, new_origins=new_origins)
    except FlowError as exc:
        usage_error(str(exc))
    flow = done.flow
    if done.unchanged:
        err.print(
            f"{flow.platform}: flow version {flow.version} is installed already ({done.path})",
            markup=False,
            soft_wrap=True,
        )
        return
    out = stdout_console()

    def say(line: str) -> None:
        # Never broken inside a path: it is copied from here.
        wrapped = textwrap.fill(
            line, min(out.width, 80), subsequent_indent="  ", break_long_words=False, break_on_hyphens=False
        )
        out.print(Text(wrapped), soft_wrap=True)

    say(f"Installed {flow.name} flow version {flow.version}: {done.path}")
    say(f"Its sign-in (where your password is typed): {', '.join(flow.login.origins)}")
    if not done.shipped:
        say(f"{flow.platform} is a new platform: optout ships no flow for it.")
    if done.previous is not None:
        say(f"The flow it replaces is kept: {done.previous}")
        out.print(Text("To go back:"))
        for line in shell_lines(optout_command("flows", "install", str(done.previous)), min(out.width, 80)):
            out.print(Text(line), soft_wrap=True)
    elif done.shipped:
        say(f"To go back to the shipped flow: delete {done.path}")
    if os.environ.get("OPTOUT_FLOWS_DIR"):
        say("OPTOUT_FLOWS_DIR is set: optout reads only that folder, and uses this flow once it is unset.")


def flows_list(json_: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False) -> None:
    try:
        loaded = load_located()
    except FlowError as exc:
        usage_error(str(exc))
    if json_:
        json_out(
            [
                {
                    "platform": p,
                    "name": flow.name,
                    "flow_version": flow.version,
                    "source": where.source,
                    "path": str(where.path),
                    "sha256": where.sha256,
                }
                for p, (flow, where) in loaded.items()
            ]
        )
        return
    out = stdout_console()
    rows = [[p, flow.version, where.source, where.path.name] for p, (flow, where) in loaded.items()]
    print_rows(out, ["Platform", "Version", "Source", "File"], rows)
    sources = {where.source for _, where in loaded.values()}
    folders: list[tuple[str, Path | str]] = []
    if "OPTOUT_FLOWS_DIR" in sources:
        folders.append(("OPTOUT_FLOWS_DIR", os.environ.get("OPTOUT_FLOWS_DIR", "")))
    else:
        folders += [("shipped", shipped_dir()), ("installed", installed_dir())]
    # Each folder whole on a line of its own, for copying, however long.
    for name, folder in folders:
        out.print(Text(f"{name}:\n  {folder}"), soft_wrap=True)
