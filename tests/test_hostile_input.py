"""Input that used to end in a traceback or a wrong result, through the real command line: each is now
one line on stderr and exit 2, with nothing half-done."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, Cli
from tests.test_cli import add_account, one_line_error, stored_password


def test_config_that_is_not_utf8_is_one_line(cli: Cli) -> None:
    config = cli.home / "config.json"
    config.write_bytes(b'{"accounts": [{"platform": "linkedin", "username": "caf\xe9"}]}')
    line = one_line_error(cli("check"))
    assert f"{config}: unreadable config: not UTF-8 text (byte 0xe9 at offset 55)" in line
    assert "UnicodeDecodeError" not in line and config.read_bytes().endswith(b'\xe9"}]}')


@pytest.mark.parametrize(
    ("accounts", "problem"),
    [
        ('[{"platform": "linkedin"}]', "accounts.0.username: Field required"),
        (
            '[{"platform": "linkedin", "username": "a@x.com", "locale": "english"}]',
            "accounts.0.locale: 'english' is not a language such as fr or fr-FR",
        ),
        (
            '[{"platform": "linkedin", "username": "a\\nb"}]',
            "accounts.0.username: contains an invisible or control character (U+000A)",
        ),
        ('[{"platform": "linkedin", "username": "a@x.com", "pasword": "x"}]', "accounts.0.pasword: Extra inputs"),
    ],
)
def test_config_schema_errors_name_the_field(cli: Cli, accounts: str, problem: str) -> None:
    (cli.home / "config.json").write_text(f'{{"accounts": {accounts}}}')
    assert problem in one_line_error(cli("accounts", "list"))


@pytest.mark.parametrize(
    ("username", "problem"),
    [
        ("a\nb@example.com", "control character (U+000A)"),
        ("a\tb@example.com", "control character (U+0009)"),
        ("evil\u202eoc.elpmaxe@a", "control character (U+202E)"),
        (" you@example.com", "starts or ends with a space"),
    ],
)
def test_unprintable_usernames_are_refused_before_the_keyring(cli: Cli, username: str, problem: str) -> None:
    line = one_line_error(add_account(cli, username, "pw"))
    assert line.startswith("optout: error: username: ") and problem in line
    assert stored_password(cli, username) is None and not (cli.home / "config.json").exists()


@pytest.mark.parametrize("locale", ["fr_FR", "french", "fr-fr"])
def test_locale_is_checked_when_the_account_is_added(cli: Cli, locale: str) -> None:
    done = cli("accounts", "add", "linkedin", "a@example.com", "--locale", locale, "--password-stdin", input="pw\n")
    assert f"locale: {locale!r} is not a language such as fr or fr-FR" in one_line_error(done)


def test_valid_locales_are_kept(cli: Cli) -> None:
    for username, locale in (("a@example.com", "fr"), ("b@example.com", "fr-FR")):
        done = cli("accounts", "add", "linkedin", username, "--locale", locale, "--password-stdin", input="pw\n")
        assert done.returncode == 0, done.stderr
    assert '"locale": "fr-FR"' in (cli.home / "config.json").read_text()


def test_two_flow_files_for_one_platform_are_refused(cli: Cli, tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    shutil.copy(REPO / "flows" / "linkedin.yaml", flows / "linkedin.yaml")
    shutil.copy(REPO / "flows" / "linkedin.yaml", flows / "linkedin.yml")
    for args in (["platforms"], ["flows", "validate"], ["check"]):
        line = one_line_error(cli(*args, env={"OPTOUT_FLOWS_DIR": str(flows)}))
        assert line == (
            f"optout: error: two flow files for platform 'linkedin': {flows / 'linkedin.yaml'} and "
            f"{flows / 'linkedin.yml'}; keep only one"
        )


@pytest.mark.parametrize("command", [["check", "--headed"], ["off", "--headed"], ["demo", "--headed"]])
def test_headed_without_a_display_says_how_to_get_one(cli: Cli, command: list[str]) -> None:
    add_account(cli, "alice@example.com", "pw")
    done = cli(*command, env={"DISPLAY": None, "WAYLAND_DISPLAY": None})
    line = one_line_error(done)
    assert "--headed needs a display to show the browser window, and this session has none" in line
    # Started the way this optout was (optout, ./run.sh optout, its full path), so that it can be pasted.
    assert re.search(rf"xvfb-run -a (\S+ -m )?\S*optout {' '.join(command)} \(Debian", line), line
    assert not any((cli.home / "screenshots").glob("run-*"))  # refused before anything was written


def test_headed_on_a_display_that_is_not_there(cli: Cli, tmp_path: Path) -> None:
    add_account(cli, "alice@example.com", "pw")
    # A display number nobody serves: Chromium cannot open its window there.
    done = cli("check", "--headed", "--out", "ev", env={"DISPLAY": ":97", "WAYLAND_DISPLAY": None, "XAUTHORITY": None})
    line = one_line_error(done)
    assert line.startswith("optout: error: the browser could not open a window on display :97 (")
    assert "xvfb-run" in line
