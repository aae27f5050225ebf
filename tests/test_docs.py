"""The command-line reference cannot drift from the code, and no command goes undocumented."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

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


_FACTS = re.compile(r"docs/platforms/([a-z0-9_-]+)\.md")
_SECTION = re.compile(r"§(\d+(?:\.\d+)?)")


def _cited(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for page in _FACTS.findall(line):
            yield number, page, _SECTION.findall(line)


@pytest.mark.parametrize("flow", sorted((REPO / "flows").glob("*.yaml")), ids=lambda p: p.stem)
def test_a_flow_and_its_sandbox_cite_their_facts_inside_the_repository(flow: Path) -> None:
    """Each flow, and the sandbox package that reproduces its platform, cites its facts page in
    docs/platforms/ (every section named there exists), never a file outside the repository."""
    platform = flow.stem
    page = REPO / "docs" / "platforms" / f"{platform}.md"
    assert page.is_file(), f"{platform} has no facts page: add {page.relative_to(REPO)} (see CONTRIBUTING.md)"
    headings = re.findall(r"^#{2,4} (\d+(?:\.\d+)?)\b", page.read_text(encoding="utf-8"), re.MULTILINE)
    sandbox = REPO / "optout" / "sandbox" / platform
    files = [flow, *sorted(p for p in sandbox.rglob("*") if p.suffix in {".py", ".html", ".js"})]
    assert any(page_name == platform for _, page_name, _ in _cited(flow)), f"{flow.name} does not cite {page.name}"
    for path in files:
        text = path.read_text(encoding="utf-8")
        for outside in ("shared/reference", "page-structure.md", " platforms.md"):
            assert outside not in text, f"{path.relative_to(REPO)} cites {outside!r}, outside the repository"
        for line, page_name, sections in _cited(path):
            assert page_name == platform, f"{path.relative_to(REPO)}:{line} cites another platform's page"
            for section in sections:
                assert any(h == section or h.startswith(f"{section}.") for h in headings), (
                    f"{path.relative_to(REPO)}:{line}: {page.name} has no section {section}"
                )


def test_contributing_names_only_paths_and_commands_that_exist() -> None:
    """CONTRIBUTING.md is the checklist for adding a platform: every path it names is in the repository
    (`<platform>` standing for each platform there is), and every optout command it quotes exists."""
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    platforms = [p.stem for p in sorted((REPO / "flows").glob("*.yaml"))]
    quoted = re.findall(r"`([^`\s]+)`", text)
    paths = [q for q in quoted if "/" in q.rstrip("/") and not q.startswith(("http", "-"))]
    assert len(paths) > 10, paths
    for path in paths:
        for platform in platforms if "<platform>" in path else [""]:
            assert (REPO / path.replace("<platform>", platform)).exists(), f"CONTRIBUTING.md names {path}"
    known = {c.path for c in COMMANDS}
    quoted_commands = re.findall(r"`(optout [a-z][a-z -]*[a-z])", text)
    assert quoted_commands, "CONTRIBUTING.md quotes no optout command"
    for command in quoted_commands:
        words = command.split()
        assert any(" ".join(words[:n]) in known for n in range(2, len(words) + 1)), f"no command {command!r}"
    for step in ("facts", "sandbox", "flow", "Test it", "gallery", "unverified", "What the review looks at"):
        assert step in text, f"the checklist says nothing of {step!r}"
