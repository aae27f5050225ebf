"""Passwords with the real `keyring` library and real backends (keyrings.alt's files in this test's
folders), through the real command line: a file backend keyring picks by itself is refused, one chosen
explicitly is used and named, the encrypted file backend works with its master password asked on the
terminal, bad backend names are one line, and two homes never share an entry."""

from __future__ import annotations

import base64
import errno
import fcntl
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from keyrings.alt.file import EncryptedKeyring, PlaintextKeyring

from optout.accounts import config as accounts
from optout.accounts.keyrings import NO_KEYRING
from optout.evidence import signing
from optout.paths import Home
from tests.conftest import Cli, Sandbox
from tests.test_cli import add, add_account, one_line_error

MASTER = "correct horse battery staple"


def no_choice(cli: Cli) -> dict[str, str | None]:
    """The environment of a person who chose no keyring backend, on a machine without a Secret Service
    (no session bus): what a fresh headless Linux box looks like."""
    return {
        "PYTHON_KEYRING_BACKEND": None,
        "DBUS_SESSION_BUS_ADDRESS": f"unix:path={cli.home.parent / 'no-bus'}",
    }


def data_files(cli: Cli) -> list[Path]:
    root = Path(cli.env["XDG_DATA_HOME"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_file_backend_keyring_picks_by_itself_is_refused(cli: Cli) -> None:
    env = no_choice(cli)
    # The hazard is real here: left to itself, keyring would store passwords in a keyrings.alt file.
    probe = subprocess.run(
        [sys.executable, "-c", "import keyring; b = keyring.get_keyring(); print(type(b).__module__, b.priority)"],
        capture_output=True,
        text=True,
        env=cli.environ(env),
        check=True,
    )
    assert probe.stdout.startswith(("keyrings.alt.file", "keyring.backends.chainer")), probe.stdout

    done = add_account(cli, "you@example.com", "Secret-Typed-Once!", env=env)
    assert one_line_error(done) == f"optout: error: {NO_KEYRING}"
    assert data_files(cli) == [] and not (cli.home / "config.json").exists()
    doctor = cli("doctor", env=env)
    assert doctor.returncode == 2
    assert doctor.stderr.startswith("optout: doctor: keyring: no usable keyring backend")


def test_explicit_plain_file_backend_is_used_and_named(cli: Cli) -> None:
    done = add_account(cli, "you@example.com", "Secret-Typed-Once!")
    assert done.returncode == 0, done.stderr
    keyring_file = Path(cli.env["XDG_DATA_HOME"]) / "python_keyring" / "keyring_pass.cfg"
    assert done.stderr.strip() == (
        "Added linkedin account you@example.com; password stored in keyrings.alt.file.PlaintextKeyring "
        f"(an unencrypted file: {keyring_file})."
    )
    again = add_account(cli, "you@example.com", "Another-Secret!")
    assert again.stderr.startswith("Updated linkedin account you@example.com;"), again.stderr
    assert json.loads(cli("accounts", "list", "--json").stdout)[0]["password_stored"] is True


def test_backend_chosen_in_keyrings_own_config_file_counts_as_chosen(cli: Cli) -> None:
    env = no_choice(cli)
    config = Path(cli.env["XDG_CONFIG_HOME"]) / "python_keyring" / "keyringrc.cfg"
    config.parent.mkdir(parents=True)
    config.write_text("[backend]\ndefault-keyring = keyrings.alt.file.PlaintextKeyring\n")
    done = add_account(cli, "you@example.com", "Secret-Typed-Once!", env=env)
    assert done.returncode == 0, done.stderr
    assert "keyrings.alt.file.PlaintextKeyring (an unencrypted file:" in done.stderr
    report = json.loads(cli("doctor", "--json", env=env).stdout)
    assert report["keyring"]["chosen_by"] == f"keyring's config file {config}"
    assert report["keyring"]["encrypted"] is False


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("no_such_module.Keyring", "No module named 'no_such_module'"),
        ("keyrings.alt.file.NoSuchKeyring", "has no attribute 'NoSuchKeyring'"),
        ("json", "cannot be used here"),
        ("keyring.backends.null.Keyring", "no usable keyring backend"),
    ],
)
def test_bad_backend_names_are_one_line(cli: Cli, name: str, words: str) -> None:
    done = add_account(cli, "you@example.com", "pw", env={"PYTHON_KEYRING_BACKEND": name})
    assert words in one_line_error(done)
    assert "Traceback" not in done.stderr and data_files(cli) == []


# -- the encrypted file backend: its master password on the terminal, the account's on stdin --------


def with_terminal(
    cli: Cli,
    args: list[str],
    answers: list[tuple[str, str]],
    stdin: str = "",
    *,
    backend: str = "keyrings.alt.file.EncryptedKeyring",
    terminal: list[str] | None = None,
    timeout: float = 120,
) -> tuple[int, str, str]:
    """Run the CLI with a pseudo-terminal as its controlling terminal (what getpass reads) and pipes
    for stdin/stdout/stderr. `answers`: (prompt, reply) pairs, answered as each prompt appears. What the
    terminal showed, up to the last prompt answered, is added to `terminal`."""
    master, slave = pty.openpty()
    slave_name = os.ttyname(slave)

    def take_terminal() -> None:
        os.setsid()
        os.close(os.open(slave_name, os.O_RDWR))  # the first terminal a session leader opens is its own

    proc = subprocess.Popen(
        [sys.executable, "-m", "optout", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli.environ({"PYTHON_KEYRING_BACKEND": backend}),
        cwd=cli.home,
        preexec_fn=take_terminal,
    )
    os.close(slave)
    seen = ""
    deadline = time.monotonic() + 60
    try:
        for prompt, reply in answers:
            while prompt not in seen:
                assert time.monotonic() < deadline, f"no prompt {prompt!r}; terminal showed {seen!r}"
                ready, _, _ = select.select([master], [], [], 1)
                if not ready:
                    continue
                try:
                    seen += os.read(master, 1024).decode(errors="replace")
                except OSError as exc:
                    # EIO: no process has the terminal open right now (between two prompts).
                    assert exc.errno == errno.EIO and proc.poll() is None, (exc, proc.poll())
                    time.sleep(0.05)
            shown, seen = seen.split(prompt, 1)
            if terminal is not None:
                terminal.append(shown + prompt)
            os.write(master, reply.encode() + b"\n")
        out, error = proc.communicate(stdin, timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return proc.returncode, out, error


def test_encrypted_file_backend_works_with_password_stdin(cli: Cli, sandbox: Sandbox) -> None:
    secret = "alice-demo-pass"
    new_keyring = [("Please set a password for your new keyring: ", MASTER), ("Please confirm the password: ", MASTER)]
    code, _, error = with_terminal(
        cli,
        ["accounts", "add", "linkedin", "alice@example.com", "--password-stdin", "--mapped"],
        new_keyring,
        stdin=secret + "\n",
    )
    assert code == 0, error
    crypted = Path(cli.env["XDG_DATA_HOME"]) / "python_keyring" / "crypted_pass.cfg"
    assert error.strip() == (
        "Added linkedin account alice@example.com; password for runs with --origin stored in "
        "keyrings.alt.file.EncryptedKeyring "
        f"(an encrypted file: {crypted})."
    )
    assert secret not in crypted.read_text()
    stored = EncryptedKeyring()
    stored.file_path = str(crypted)
    stored.keyring_key = MASTER
    service = accounts.service(Home(config_dir=cli.home, data_dir=cli.home, scoped=True), mapped=True)
    assert stored.get_password(service, "linkedin:alice@example.com") == secret

    # A run asks for the master password once, before the browser starts, and signs in with it.
    unlock = [("Please enter password for encrypted keyring: ", MASTER)]
    origin = f"linkedin={sandbox.origin()}"
    code, out, error = with_terminal(cli, ["check", "--origin", origin, "--json", "--timeout", "5"], unlock)
    assert code == 1, error  # alice's setting is on
    assert [(r["outcome"], r["state"]) for r in json.loads(out)] == [("checked", "on")]

    # Wrong three times: one line, exit 3 (a person's problem, not a usage error), nothing run.
    wrong = [("encrypted keyring: ", "wrong")] * 3
    code, out, error = with_terminal(cli, ["check", "--origin", origin, "--json"], wrong)
    assert (code, out) == (3, "") and error.strip() == (
        "optout: error: keyrings.alt.file.EncryptedKeyring: the keyring's master password was wrong 3 times "
        "(Incorrect Password); nothing was read or changed"
    )


def test_a_wrong_then_right_master_password_unlocks_the_keyring(cli: Cli) -> None:
    new_keyring = [("Please set a password for your new keyring: ", MASTER), ("Please confirm the password: ", MASTER)]
    args = ["accounts", "add", "linkedin", "alice@example.com", "--password-stdin"]
    code, _, error = with_terminal(cli, args, new_keyring, stdin="alice-demo-pass\n")
    assert code == 0, error

    # A typo, then the right one: the keyring opens, and the list says what it holds.
    terminal: list[str] = []
    answers = [("encrypted keyring: ", "typo"), ("encrypted keyring: ", MASTER)]
    code, out, error = with_terminal(cli, ["accounts", "list", "--json"], answers, terminal=terminal)
    assert code == 0, error
    (listed,) = json.loads(out)
    assert (listed["password_stored"], listed["totp_stored"]) == (True, False)
    assert "Wrong master password; try again (2 tries left)." in terminal[1]
    assert error == ""


# -- a password from a pipe without --password-stdin ---------------------------------------------------

PLAIN = "keyrings.alt.file.PlaintextKeyring"


def test_a_piped_password_without_password_stdin_is_refused_in_one_line(cli: Cli) -> None:
    # No terminal at all (a script, a CI job): getpass would read the pipe and print a GetPassWarning.
    done = subprocess.run(
        [sys.executable, "-m", "optout", "accounts", "add", "linkedin", "me@example.com"],
        input="piped-password\n",
        capture_output=True,
        text=True,
        env=cli.environ(),
        cwd=cli.home,
        start_new_session=True,
    )
    line = one_line_error(done)
    assert "--password-stdin" in line and "Warning" not in done.stdout + done.stderr
    assert not (cli.home / "config.json").exists() and data_files(cli) == []

    # A terminal, and a password piped in: getpass would ignore the pipe and wait on the terminal.
    code, out, error = with_terminal(
        cli, ["accounts", "add", "linkedin", "me@example.com"], [], stdin="piped-password\n", backend=PLAIN, timeout=30
    )
    assert code == 2 and out == ""
    assert error.strip() == (
        "optout: error: standard input is not a terminal, and the password is asked on one: to read it from "
        "standard input, add --password-stdin"
    )
    assert not (cli.home / "config.json").exists() and data_files(cli) == []


def test_encrypted_file_backend_without_a_terminal_is_one_line(cli: Cli) -> None:
    # No controlling terminal: getpass would read the master password from stdin, taking the account's.
    done = subprocess.run(
        [sys.executable, "-m", "optout", "accounts", "add", "linkedin", "a@example.com", "--password-stdin"],
        input="account-password\n",
        capture_output=True,
        text=True,
        env=cli.environ({"PYTHON_KEYRING_BACKEND": "keyrings.alt.file.EncryptedKeyring"}),
        cwd=cli.home,
        start_new_session=True,
    )
    assert "asks for its master password on a terminal, and there is none here" in one_line_error(done)
    assert data_files(cli) == [] and not (cli.home / "config.json").exists()


# -- homes -------------------------------------------------------------------------------------------


def test_two_homes_never_share_a_keyring_entry(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    """Same keyring file, same username, two OPTOUT_HOMEs: each keeps and signs in with its own password."""
    other = tmp_path / "other-home"
    other.mkdir()
    add(cli, "alice@example.com", "alice-demo-pass")
    done = add_account(cli, "alice@example.com", "Not-Alices-Password", env={"OPTOUT_HOME": str(other)}, mapped=True)
    assert done.returncode == 0, done.stderr

    origin = f"linkedin={sandbox.origin()}"
    mine = cli("check", "--origin", origin, "--json", "--timeout", "5")
    assert mine.returncode == 1, mine.stderr
    assert json.loads(mine.stdout)[0]["outcome"] == "checked"
    theirs = cli("check", "--origin", origin, "--json", "--timeout", "5", env={"OPTOUT_HOME": str(other)})
    assert theirs.returncode == 3
    assert "sign-in rejected" in json.loads(theirs.stdout)[0]["reason"]

    stored = PlaintextKeyring()
    stored.file_path = str(Path(cli.env["XDG_DATA_HOME"]) / "python_keyring" / "keyring_pass.cfg")
    services = [accounts.service(Home(h, h, scoped=True), mapped=True) for h in (cli.home, other)]
    assert None not in services and len(set(services)) == 2 and "optout:mapped" not in services
    passwords = [stored.get_password(s, "linkedin:alice@example.com") for s in services]
    assert passwords == ["alice-demo-pass", "Not-Alices-Password"]
    for default in ("optout", "optout:mapped"):  # the default home's, untouched
        assert stored.get_password(default, "linkedin:alice@example.com") is None


def test_a_run_starting_while_another_makes_the_homes_key_signs_with_that_key(cli: Cli) -> None:
    """Two first runs of a home started together (two schedules, say): the one that came second used to
    see the first one's public key before its private half reached the keyring, and left its run
    unsigned. Here this test is the first run, caught between those two writes."""
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    kid = signing.key_id(private.public_key())
    where = Home(cli.home, cli.home, scoped=True)
    service = accounts.service(where, create=True)
    assert service is not None
    with (cli.home / ".making-keys.lock").open("w") as making:
        fcntl.flock(making.fileno(), fcntl.LOCK_EX)
        signing._write_public(where, private.public_key())  # the first half written, the keyring not yet
        second = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from optout.evidence import signing; from optout.paths import home; "
                "print(signing.signer(home()).key_id)",
            ],
            env=cli.environ(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.5)
        assert second.poll() is None, second.communicate()  # it waits for the key being made
        stored = PlaintextKeyring()
        stored.file_path = str(Path(cli.env["XDG_DATA_HOME"]) / "python_keyring" / "keyring_pass.cfg")
        entry = {"key_id": kid, "ed25519": base64.b64encode(raw).decode("ascii")}
        stored.set_password(service, "signing-key", json.dumps(entry))
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert out.strip() == kid
    assert [p.name for p in (cli.home / "keys").glob("*.pem")] == [f"{kid}.pem"]


def test_a_run_starting_while_another_makes_the_session_key_uses_that_key(cli: Cli) -> None:
    """The same for the key saved sessions are encrypted with: made twice, the sessions saved with the
    first would no longer open (and a file keyring written by two at once breaks)."""
    key = base64.b64encode(bytes(range(32))).decode("ascii")
    service = accounts.service(Home(cli.home, cli.home, scoped=True), create=True)
    assert service is not None
    script = (
        "import base64; from optout.accounts.saved_sessions import SessionStore; from optout.paths import home; "
        "print(base64.b64encode(SessionStore(home())._key(create=True)).decode())"
    )
    with (cli.home / ".making-keys.lock").open("w") as making:
        fcntl.flock(making.fileno(), fcntl.LOCK_EX)
        second = subprocess.Popen(
            [sys.executable, "-c", script], env=cli.environ(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        time.sleep(1.5)
        assert second.poll() is None, second.communicate()  # it waits for the key being made
        stored = PlaintextKeyring()
        stored.file_path = str(Path(cli.env["XDG_DATA_HOME"]) / "python_keyring" / "keyring_pass.cfg")
        stored.set_password(service, "session-key", key)
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert out.strip() == key
