"""`optout patterns`: the deceptive-design patterns optout names, what each does to a person, how optout
tells it, and where the taxonomies describe it."""

from __future__ import annotations

import textwrap
from typing import Annotated

import typer
from rich.text import Text

from optout.cli.common import json_out, stdout_console
from optout.patterns.catalogue import CATALOGUE, NOT_A_VERDICT

PATTERNS_HELP = (
    "List the deceptive-design patterns optout names in its reports: what each does to a person, how "
    "optout tells it, and the taxonomies that describe it (EDPB, Brignull, Mathur et al., the Norwegian "
    "Consumer Council, Gray et al.).\n\n"
    "See one alone in the sandbox: optout sandbox --pattern NAME (a name or an alias). A name is an "
    "observation's label, never a legal finding."
)


def patterns_command(json_: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False) -> None:
    if json_:
        json_out([p.model_dump(mode="json") for p in CATALOGUE])
        return
    out = stdout_console()
    # Never wider than 80 columns, so that a block reads the same on a terminal, in a pipe and on paper.
    width = min(out.width, 80)

    def paragraph(label: str, text: str) -> None:
        out.print(Text(textwrap.fill(f"{label}: {text}", width, initial_indent="  ", subsequent_indent="    ")))

    for index, known in enumerate(CATALOGUE):
        if index:
            out.print()
        out.print(Text.assemble((known.name, "bold"), f"  {known.title}"))
        paragraph("What it does", known.effect)
        paragraph(f"How optout tells it ({known.method})", known.detection)
        if known.aliases:
            paragraph("Also called", ", ".join(known.aliases))
        out.print(Text("  References:"))
        for ref in known.refs:
            out.print(Text(textwrap.fill(ref, width, initial_indent="    - ", subsequent_indent="      ")))
    out.print()
    out.print(Text("See one alone, on a page of its own: optout sandbox --pattern NAME"))
    out.print(Text(textwrap.fill(NOT_A_VERDICT, width)))
