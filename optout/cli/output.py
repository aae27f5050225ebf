"""What a person reads during and after a run: progress, a line per result with the next command to
run, and tables that fit the terminal.

Anything that came from outside optout (usernames, page texts, reasons) is printed literally, never
as Rich markup. A table too wide for the terminal (80 columns, or a pipe) is printed as one block per
row instead: account names, URLs and descriptions are wrapped, never cut.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rich.cells import cell_len
from rich.console import Console
from rich.status import Status
from rich.table import Table
from rich.text import Text

from optout.engine.context import Mode
from optout.invocation import command
from optout.results import OBJECTION_MAYBE_SENT, OBJECTION_NOT_SENT, OBJECTION_SENT, Outcome, Result, State

Cell = str | Text


def _text(cell: Cell) -> Text:
    # A plain str is data, never markup.
    return cell if isinstance(cell, Text) else Text(cell)


def print_rows(
    console: Console,
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    title: str | None = None,
    heading: int = 1,
) -> None:
    """A table when every cell fits on one line at the console's width, else one block per row: the
    first `heading` cells on a line of their own, then `Header: value` lines, wrapped."""
    cells = [[_text(c) for c in row] for row in rows]
    widths = [cell_len(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], *(cell_len(line) for line in cell.plain.splitlines() or [""]))
    if sum(widths) + 2 * (len(headers) - 1) <= console.width:
        table = Table(*headers, title=title, box=None, pad_edge=False, show_edge=False, title_justify="left")
        for column in table.columns:
            column.no_wrap = True
        for row in cells:
            table.add_row(*row)
        console.print(table)
        return
    if title:
        console.print(Text(title, style="italic"))
    for row in cells:
        names = [c for c in row[:heading] if c.plain]
        if sum(c.cell_len for c in names) + 2 * (len(names) - 1) <= console.width:
            console.print(Text("  ").join(names), style="bold")
        else:  # one per line, so that a long name is wrapped only when it is wider than the terminal
            for name in names:
                console.print(name, style="bold")
        print_fields(console, [(h, c) for h, c in zip(headers[heading:], row[heading:], strict=True) if c.plain])


def print_fields(console: Console, fields: Sequence[tuple[str, Cell]], *, indent: int = 2) -> None:
    """`Label: value` lines, labels aligned, values wrapped under themselves (a value may hold several
    lines). A line with a word too long for the space beside the label (a URL, a path) is printed
    below, indented, so that the word stays whole."""
    width = max((cell_len(label) for label, _ in fields), default=0) + 1
    beside = max(console.width - indent - width - 1, 10)
    below = max(console.width - indent - 2, 10)
    hanging = Text(" " * (indent + width + 1))
    for label, cell in fields:
        head: Text | None = Text(" " * indent) + Text(f"{label}:".ljust(width), style="dim") + Text(" ")
        for paragraph in _text(cell).split("\n"):
            longest = max((cell_len(word) for word in paragraph.plain.split()), default=0)
            if longest > beside:
                if head is not None:
                    console.print(Text(" " * indent) + Text(f"{label}:", style="dim"))
                    head = None
                for line in paragraph.wrap(console, below):
                    line.rstrip()
                    console.print(Text(" " * (indent + 2)) + line, soft_wrap=True)
                continue
            for line in paragraph.wrap(console, beside):
                line.rstrip()
                console.print((head or hanging) + line, soft_wrap=True)
                head = None


def print_unbroken(console: Console, head: str, whole: str, tail: str = "", *, indent: int = 2) -> None:
    """`head whole tail` on one line when it fits, else `whole` (a command, a path) on a line of its own
    below `head`, never broken: a person copies it. It may run past the width (the terminal folds it, no
    line break is added); `head` and `tail` wrap as text."""
    if cell_len(f"{head} {whole} {tail}".rstrip()) <= console.width:
        console.print(Text(f"{head} {whole} {tail}".rstrip()), soft_wrap=True)
        return
    margin = " " * (len(head) - len(head.lstrip()) + indent)
    if cell_len(f"{head} {whole}") <= console.width:
        console.print(Text(f"{head} {whole}"), soft_wrap=True)
    else:
        console.print(Text(head))
        console.print(Text(margin + whole), soft_wrap=True)
    if tail:
        console.print(Text(margin + tail))


def print_hint(console: Console, label: str, hint: str) -> None:
    """`label: what to do: command`, the command never broken across lines (see print_unbroken)."""
    what, sep, run = hint.partition(": ")
    if not sep:  # the hint is the command alone
        what, run = "", hint
    print_unbroken(console, f"{label}: {what}{sep}".rstrip(), run)


@dataclass(frozen=True)
class Rerun:
    """What made a run, carried by every command it suggests: pasted, a suggested command must reach the same
    servers (`--origin`: a hint without it would send the sandbox's password to the real platform), the same
    browser and the same home."""

    options: tuple[str, ...] = ()  # --origin, --browser-profile, --cdp, as words
    home: str | None = None  # OPTOUT_HOME, when the run had one

    def command(self, *words: str) -> str:
        line = command(*words, *self.options)
        return f"OPTOUT_HOME={shlex.quote(self.home)} {line}" if self.home else line


class ResultWords:
    """How results read: the setting's title, what a state means, and what to run next."""

    def __init__(
        self,
        mode: Mode,
        titles: dict[tuple[str, str], str],
        *,
        headed: bool,
        next_steps: bool = True,
        rerun: Rerun | None = None,
    ) -> None:
        self.mode = mode
        self.titles = titles
        self.headed = headed
        self.next_steps = next_steps  # the demo runs its own next step
        self.rerun = rerun or Rerun()

    def title(self, result: Result) -> str:
        return self.titles.get((result.platform, result.setting), result.setting)

    def next_step(self, result: Result) -> str | None:
        """The command that moves things on, when there is one."""
        if not self.next_steps:
            return None
        if result.label in (OBJECTION_SENT, OBJECTION_MAYBE_SENT):
            return None  # said in the reason: the platform's e-mail tells; optout never sends it twice
        if result.label == OBJECTION_NOT_SENT:
            if result.reason and "not an e-mail address" in result.reason:
                return None  # the reason says where to send it by hand
            send = ("optout", "off", result.platform, "--account", result.account, "--submit-objection")
            return "send the objection in your name: " + self.rerun.command(*send)
        if result.outcome is Outcome.CHECKED and result.state is State.ON:
            return "switch it off: " + self.rerun.command("optout", "off", result.platform, "--account", result.account)
        if result.outcome is Outcome.NEEDS_ATTENTION and not self.headed:
            again = self.rerun.command(
                "optout", self.mode.value, result.platform, "--account", result.account, "--headed"
            )
            return f"complete it yourself in the browser window: {again}"
        return None

    def line(self, result: Result) -> Text:
        """`✓ linkedin you@example.com: switched_off, Data for … is off (verified after a reload)`."""
        marks = {Outcome.FAILED: ("✗", "red"), Outcome.NEEDS_ATTENTION: ("!", "yellow")}
        mark, colour = marks.get(result.outcome, ("✓", "green"))
        if result.state is State.ON:
            mark, colour = ("!" if result.outcome is not Outcome.FAILED else mark), "yellow"
        text = Text.assemble((mark, f"bold {colour}"), " ", f"{result.platform} ", result.account, ": ")
        text.append(result.outcome.value)
        title = self.title(result)
        said = {OBJECTION_NOT_SENT: "no objection sent", OBJECTION_SENT: "objection sent"}
        if result.label in said:  # a form, not a switch: "Object to … is ON" would read backwards
            text.append(f", {title}: ")
            text.append(said[result.label], "bold yellow" if result.label == OBJECTION_NOT_SENT else "")
        elif result.state is State.ON:
            text.append(f", {title} is ")
            text.append("ON", "bold yellow")
        elif result.state is State.OFF:
            text.append(f", {title} is off")
        elif result.state is State.NOT_OFFERED:
            text.append(f", {title} is not offered")
        else:
            text.append(f" ({title})")
        if result.verified:
            # A request's "off" is verified by the platform's own page saying it received one; no reload.
            text.append(" (the page says so)" if result.label == OBJECTION_SENT else " (verified after a reload)")
        if result.reason:
            text.append(f" — {result.reason}")
        return text


class ConsoleReporter:
    """Rich progress on `console` (stderr): a spinner with the current step, and alerts; a line per result on
    `out` (stdout, so that `optout check > results.txt` keeps the results)."""

    def __init__(self, console: Console, words: ResultWords | None = None, *, out: Console | None = None) -> None:
        self.console = console
        self.out = out or console
        self.words = words
        self._status: Status | None = None

    def __enter__(self) -> ConsoleReporter:
        self._status = self.console.status("starting the browser")
        self._status.start()
        return self

    def __exit__(self, *_: object) -> None:
        if self._status is not None:
            self._status.stop()

    def status(self, text: str) -> None:
        if self._status is not None:
            self._status.update(Text(text))

    def alert(self, text: str) -> None:
        self.console.print(Text.assemble(("!", "bold yellow"), " ", text))

    def result(self, result: Result) -> None:
        words = self.words or ResultWords(Mode.CHECK, {}, headed=True)
        with self._spinner_paused():
            self.out.print(words.line(result))
            step = words.next_step(result)
            if step:
                print_hint(self.out, "  next", step)

    @contextmanager
    def _spinner_paused(self) -> Iterator[None]:
        # The spinner redraws its line on stderr: a line written to stdout in the same terminal meanwhile
        # would be drawn over, or left with the spinner's remains.
        if self._status is None:
            yield
            return
        self._status.stop()
        try:
            yield
        finally:
            self._status.start()


_STATE_WORDS = {State.ON: Text("ON", "bold yellow"), State.NOT_OFFERED: Text("not offered")}
_OUTCOME_STYLE = {Outcome.FAILED: "red", Outcome.NEEDS_ATTENTION: "yellow"}


def print_summary(console: Console, results: Sequence[Result], words: ResultWords) -> None:
    """The run's table, then the commands that move things on. "Verified" (re-read after a reload)
    is a column of `off` only: `check` never changes anything, so there is nothing to verify."""
    several = len({(r.platform, r.setting) for r in results}) > len({r.platform for r in results})
    headers = ["Platform", "Account", *(["Setting"] if several else []), "State", "Outcome"]
    if words.mode is Mode.OFF:
        headers.append("Verified")
    headers.append("Reason")
    rows: list[list[Cell]] = []
    for r in results:
        row: list[Cell] = [r.platform, r.account]
        if several:
            row.append(words.title(r))
        row.append(_STATE_WORDS.get(r.state, Text(r.state.value)))
        row.append(Text(r.outcome.value, _OUTCOME_STYLE.get(r.outcome, "green")))
        if words.mode is Mode.OFF:
            row.append("yes" if r.verified else "—")
        row.append(r.reason or "")
        rows.append(row)
    print_rows(console, headers, rows, title="optout summary", heading=2)
    steps = list(dict.fromkeys(s for s in (words.next_step(r) for r in results) if s))
    for step in steps:
        print_hint(console, "Next", step)


def shown(path: Path) -> str:
    """A path as people read it: relative to the current folder when it is inside it (short, and what they
    typed), else absolute."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path.absolute())
