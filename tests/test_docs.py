"""The command-line reference cannot drift from the code, and no command goes undocumented."""

from __future__ import annotations

import subprocess
import sys

import pytest

from optout.cli.app import app
from optout.cli.reference import DOC, EXIT_STATUS, CommandDoc, commands, render
from tests.conftest import REPO

COMMANDS = list(commands(app))
LEAVES = [c for c in COMMANDS if not c.is_group]


def test_the_reference_page_is_the_one_the_code_writes() -> None:
    assert DOC.read_text(encoding="utf-8") == render(app), (
        "docs/cli.md is out of date: run `python -m optout.cli.reference --write`"
    )


def test_the_reference_names_every_command_and_option() -> None:
    page = DOC.read_text(encoding="utf-8")
    for command in LEAVES:
        assert f"`{command.path}`" in page
        for written, _, _ in command.parameters:
            assert f"`{written}`" in page[page.index(f"`{command.path}`") :], (command.path, written)


@pytest.mark.parametrize("command", LEAVES, ids=[c.path for c in LEAVES])
def test_every_command_says_what_it_does_and_what_its_exit_status_means(command: CommandDoc) -> None:
    assert command.help.strip(), f"{command.path} has no help text"
    assert EXIT_STATUS.search(command.text), f"{command.path} --help does not say what its exit status means"
    for written, _, meaning in command.parameters:
        assert meaning.strip(), f"{command.path} {written} has no help text"


def test_the_generator_checks_and_writes_from_the_command_line() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "optout.cli.reference"], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert shown.stdout == render(app)
    wrong = subprocess.run(
        [sys.executable, "-m", "optout.cli.reference", "--bogus"], cwd=REPO, capture_output=True, text=True
    )
    assert wrong.returncode == 2 and "usage:" in wrong.stderr
