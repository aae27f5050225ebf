"""The command-line reference (`docs/cli.md`), written from the Typer app itself.

The page is generated, never edited: `python -m optout.cli.reference --write` rewrites it, and
tests/test_docs.py fails when the file and the app disagree, so a command, an option or an exit status
added to the code without reaching the page is caught before it lands (the way sqlite-utils keeps its
CLI reference with cog).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
import typer.main

# optout/cli/reference.py -> the repository's docs/cli.md
DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
# How a command's help states what its exit status means (EXIT_HELP and its relatives).
EXIT_STATUS = re.compile(r"\bExit (status|codes?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class CommandDoc:
    """One command as the reference shows it: its full name, usage line, texts and parameters."""

    path: str
    usage: str
    help: str
    epilog: str
    parameters: tuple[tuple[str, str, str], ...]  # (how it is written, what it takes, what it means)
    is_group: bool

    @property
    def text(self) -> str:
        return f"{self.help}\n{self.epilog}"


def commands(app: typer.Typer) -> Iterator[CommandDoc]:
    """Every command and group of APP, depth first, in the order `--help` lists them."""
    root = typer.main.get_command(app)
    yield from _walk(root, "optout", None)


def _walk(command: Any, path: str, parent: Any) -> Iterator[CommandDoc]:
    context = type(command).context_class(command, info_name=path.rsplit(" ", 1)[-1], parent=parent)
    children = command.list_commands(context) if hasattr(command, "list_commands") else []
    yield CommandDoc(
        path=path,
        usage=f"{path} {' '.join(command.collect_usage_pieces(context))}".strip(),
        help=_clean(command.help or command.short_help or ""),
        epilog=_clean(command.epilog or ""),
        parameters=tuple(_parameter(p, context) for p in command.get_params(context) if not _is_help(p)),
        is_group=bool(children),
    )
    for name in children:
        yield from _walk(command.get_command(context, name), f"{path} {name}", context)


def _is_help(parameter: Any) -> bool:
    return "--help" in getattr(parameter, "opts", ())


def _parameter(parameter: Any, context: Any) -> tuple[str, str, str]:
    if getattr(parameter, "param_type_name", "") == "argument":
        written = str(parameter.metavar or parameter.name).upper()
        takes = "required" if parameter.required else "optional"
        if parameter.nargs != 1:
            takes += ", repeatable"
        return written, takes, _clean(getattr(parameter, "help", "") or "")
    written = ", ".join([*parameter.opts, *parameter.secondary_opts])
    takes = "" if parameter.is_flag else str(parameter.metavar or parameter.make_metavar(context))
    meaning = _clean(parameter.help or "")
    default = parameter.default
    if default not in (None, False, (), []) and not parameter.is_flag and parameter.show_default is not False:
        meaning += f" (default: {_default(default)})"
    return written, takes, meaning


def _default(value: Any) -> str:
    value = getattr(value, "value", value)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _clean(text: str) -> str:
    """Typer's help as plain paragraphs: rich markup's line breaks (\\b) out, spaces folded per line."""
    paragraphs = [" ".join(p.split()) for p in text.replace("\b", "").split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def render(app: typer.Typer) -> str:
    """The whole reference page, as Markdown."""
    out = [
        "# optout command-line reference",
        "",
        "Generated from the code by `python -m optout.cli.reference --write`; do not edit by hand.",
        "`optout COMMAND --help` prints the same text in the terminal.",
        "",
    ]
    docs = list(commands(app))
    out += [f"- [`{d.path}`](#{_anchor(d.path)})" for d in docs if not d.is_group] + [""]
    for doc in docs:
        level = "#" * min(2 + doc.path.count(" "), 4)
        out += [f"{level} `{doc.path}`", "", "```", doc.usage, "```", ""]
        if doc.help:
            out += [doc.help, ""]
        if doc.parameters and not doc.is_group:
            out += ["| parameter | takes | meaning |", "|---|---|---|"]
            out += [f"| `{w}` | {_takes(t)} | {_cell(m)} |" for w, t, m in doc.parameters]
            out.append("")
        if doc.epilog:
            out += [doc.epilog, ""]
    return "\n".join(out).rstrip() + "\n"


def _anchor(path: str) -> str:
    """GitHub's heading anchor for a heading of `PATH` in backticks."""
    return re.sub(r"[^a-z0-9 -]", "", path.lower()).replace(" ", "-")


def _takes(takes: str) -> str:
    """A value's metavar as code; what an argument is (required, repeatable) as words."""
    if not takes or takes.startswith(("required", "optional")):
        return takes
    return f"`{takes}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n\n", "<br>")


def main(argv: list[str]) -> int:
    from optout.cli.app import app

    text = render(app)
    if argv == ["--write"]:
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC}", file=sys.stderr)
        return 0
    if argv:
        print("usage: python -m optout.cli.reference [--write]", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
