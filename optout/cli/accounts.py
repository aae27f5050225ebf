"""`optout accounts add|list|remove` and `optout doctor`."""

from __future__ import annotations

import getpass
import os
import sys
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.text import Text

from optout import __version__
from optout.accounts import config as accounts
from optout.accounts import keyrings, totp
from optout.accounts.saved_sessions import SessionStore
from optout.cli.common import (
    PlatformArg,
    all_flows,
    err,
    json_out,
    keyring_choice,
    release_holds,
    stdout_console,
    usage_error,
)
from optout.cli.output import print_fields, print_rows, shown
from optout.invocation import login_command
from optout.paths import home
from optout.results import ExitCode

UsernameArg = Annotated[
    str, typer.Argument(metavar="USERNAME", help="The e-mail or user name you sign in with.", show_default=False)
]


def accounts_add(
    platform: PlatformArg,
    username: UsernameArg,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from the first line of standard input instead of prompting."
        ),
    ] = False,
    locale: Annotated[
        str | None, typer.Option(metavar="LANG", help="Browser language for this account: fr, or fr-FR.")
    ] = None,
    totp_secret_stdin: Annotated[
        bool,
        typer.Option(
            "--totp-secret-stdin",
            help="Also read an authenticator-app secret (base32, or an otpauth://totp/ URI) from standard input: "
            "the line after the password with --password-stdin, else the first line.",
        ),
    ] = False,
    mapped: Annotated[
        bool,
        typer.Option(
            "--mapped",
            help="Store the password (and secret) that runs with --origin use (the sandbox, a local server), in "
            "keyring entries of their own: a run with --origin never reads the real account's, a run without "
            "it never reads these.",
        ),
    ] = False,
) -> None:
    """Store an account: the password (and an authenticator secret, if given) in the system keyring, the
    account (no secret) in the config file. Adding an account again updates its password and language."""
    flows = all_flows()
    if platform not in flows:
        usage_error(f"unknown platform {platform!r} (see: optout platforms)")
    try:
        account = accounts.Account(platform=platform, username=username, locale=locale)
    except ValidationError as exc:
        usage_error(accounts.problem(exc))
    if flows[platform].login.method == "saved_session":
        if password_stdin or totp_secret_stdin:
            usage_error(f"{flows[platform].name} has no password: nothing is read from standard input for it")
        _add_without_password(account, mapped=mapped)
        return
    # Everything that can fail is checked before the password is asked for or stored.
    where = home()
    try:
        config = accounts.load_config(where)
        accounts.service(where)
        where.config_dir.mkdir(parents=True, exist_ok=True)
    except accounts.ConfigError as exc:
        usage_error(str(exc))
    except OSError as exc:
        usage_error(f"cannot use {where.config_dir}: {exc.strerror}")
    if not password_stdin:
        _refuse_prompt_without_terminal(stdin_taken=totp_secret_stdin)
    found = keyring_choice(unlock=True)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {username} on {platform}: ")
    if not password:
        usage_error("empty password")
    secret: str | None = None
    if totp_secret_stdin:
        try:
            secret = totp.parse_secret(sys.stdin.readline())
        except totp.BadSecret as exc:
            usage_error(str(exc))
    try:
        accounts.store_password(platform, username, password, where, mapped=mapped)
        if secret is not None:
            accounts.store_totp_secret(platform, username, secret, where, mapped=mapped)
    except accounts.KeyringUnavailable as exc:
        usage_error(str(exc))
    existing = config.find(platform, username)
    config.accounts = [a for a in config.accounts if a is not existing]
    config.accounts.append(account)
    try:
        accounts.save_config(where, config)
    except OSError as exc:
        if existing is None:
            accounts.delete_password(platform, username, where, mapped=mapped)
            accounts.delete_totp_secret(platform, username, where, mapped=mapped)
        usage_error(f"cannot write {where.config_file}: {exc.strerror}")
    if where.history_file.exists():
        release_holds([account], mapped=mapped)  # a new password may be tried again by a re-check
    verb = "Updated" if existing else "Added"
    stored = "password and authenticator secret" if secret is not None else "password"
    if mapped:
        stored += " for runs with --origin"
    err.print(
        f"{verb} {platform} account {username}; {stored} stored in {found.describe()}.", markup=False, soft_wrap=True
    )


def _add_without_password(account: accounts.Account, *, mapped: bool) -> None:
    """A platform people sign in to by e-mailed code or link only: nothing to ask, nothing in the keyring.
    The account is stored; its session is opened once by the person (`optout login`)."""
    where = home()
    try:
        config = accounts.load_config(where)
        where.config_dir.mkdir(parents=True, exist_ok=True)
        existing = config.find(account.platform, account.username)
        config.accounts = [a for a in config.accounts if a is not existing] + [account]
        accounts.save_config(where, config)
    except accounts.ConfigError as exc:
        usage_error(str(exc))
    except OSError as exc:
        usage_error(f"cannot write {where.config_file}: {exc.strerror}")
    login = login_command(account.platform, account.username, ("--origin", "PLATFORM=URL") if mapped else ())
    err.print(
        f"{'Updated' if existing else 'Added'} {account.platform} account {account.username}; it has no password "
        f"(nothing stored in a keyring). Open its session once: {login}",
        markup=False,
        soft_wrap=True,
    )


def _refuse_prompt_without_terminal(*, stdin_taken: bool) -> None:
    """The password is asked on the terminal. Without one, getpass would read standard input with a
    warning; with data piped in (and not asked for), that data would be ignored or taken for the password.
    Either way a person meant --password-stdin."""
    if not stdin_taken and not sys.stdin.isatty():
        usage_error(
            "standard input is not a terminal, and the password is asked on one: "
            "to read it from standard input, add --password-stdin"
        )
    if os.name == "posix" and not keyrings.has_terminal():
        usage_error("there is no terminal to ask for the password on: give it on standard input with --password-stdin")


def _password_column(config: accounts.Config) -> dict[tuple[str, str], bool | None]:
    """Whether each account has a password in the keyring; None when that cannot be told (no usable
    keyring, or one whose master password cannot be asked here)."""
    unknown: dict[tuple[str, str], bool | None] = {(a.platform, a.username): None for a in config.accounts}
    try:
        keyrings.unlock(accounts.usable_keyring())
    except keyrings.WrongMasterPassword as exc:
        usage_error(str(exc), ExitCode.PROBLEM)  # the person is there: a wrong password is not "unknown"
    except accounts.KeyringUnavailable:
        return unknown
    return {(a.platform, a.username): accounts.has_password(a.platform, a.username) for a in config.accounts}


def _totp_column(config: accounts.Config) -> dict[tuple[str, str], bool | None]:
    """Whether each account has an authenticator secret in the keyring; None when that cannot be told."""
    try:
        keyrings.unlock(accounts.usable_keyring())
    except keyrings.WrongMasterPassword as exc:
        usage_error(str(exc), ExitCode.PROBLEM)
    except accounts.KeyringUnavailable:
        return {(a.platform, a.username): None for a in config.accounts}
    return {(a.platform, a.username): accounts.has_totp_secret(a.platform, a.username) for a in config.accounts}


def accounts_list(json_: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False) -> None:
    """List configured accounts, and whether the keyring holds a password for each (never the password)."""
    try:
        config = accounts.load_config(home())
    except accounts.ConfigError as exc:
        usage_error(str(exc))
    stored = _password_column(config)
    otp = _totp_column(config)
    if json_:
        json_out(
            [
                {
                    **a.model_dump(),
                    "password_stored": stored[a.platform, a.username],
                    "totp_stored": otp[a.platform, a.username],
                }
                for a in config.accounts
            ]
        )
        return
    if not config.accounts:
        err.print("No accounts. Add one with: optout accounts add PLATFORM USERNAME")
        return
    words = {True: "stored", False: "missing", None: "unknown (no usable keyring)"}
    # A platform signed in to by e-mailed code or link only: no password is missing.
    passwordless = {p for p, f in all_flows().items() if f.login.method == "saved_session"}
    totp_words = {True: "stored", False: "none", None: "unknown"}
    rows = [
        [
            a.platform,
            a.username,
            a.locale or "",
            "not used" if a.platform in passwordless else words[stored[a.platform, a.username]],
            totp_words[otp[a.platform, a.username]],
        ]
        for a in config.accounts
    ]
    print_rows(stdout_console(), ["Platform", "Account", "Language", "Password", "Authenticator"], rows, heading=2)


def accounts_remove(platform: PlatformArg, username: UsernameArg) -> None:
    """Forget an account: its keyring entries (those for runs with --origin too) and saved sessions."""
    where = home()
    try:
        config = accounts.load_config(where)
    except accounts.ConfigError as exc:
        usage_error(str(exc))
    account = config.find(platform, username)
    if account is None:
        usage_error(f"no {platform} account {username!r} is configured")
    keyring_choice(unlock=True)
    try:
        for mapped in (False, True):
            accounts.delete_password(platform, username, where, mapped=mapped)
            accounts.delete_totp_secret(platform, username, where, mapped=mapped)
    except (accounts.KeyringUnavailable, accounts.ConfigError) as exc:
        usage_error(str(exc))
    config.accounts.remove(account)
    accounts.save_config(where, config)
    gone = [p for m in (False, True) if (p := SessionStore(where, mapped=m).delete(platform, username))]
    also = f"; deleted its saved session {', '.join(shown(p) for p in gone)}" if gone else ""
    err.print(f"Removed {platform} account {username} and its keyring entry{also}.", markup=False, soft_wrap=True)


DOCTOR_HELP = (
    "Say whether optout can run here, and where it keeps its files.\n\n"
    "Shows the keyring backend (whether it is safe, and what chose it), the browser, whether a display is there "
    "for --headed, and optout's home, config, keyring entries and flows. Changes nothing. Exit status: 0 when "
    "ready, 2 when something must be fixed first (one line per problem on stderr)."
)


def doctor(json_: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False) -> None:
    from optout.cli import doctor as examine

    findings = examine.examine()
    ready = examine.ready(findings)
    if json_:
        json_out(examine.as_json(findings))
    else:
        out = stdout_console()
        out.print(f"optout {__version__}")
        styles = {True: "green", False: "bold red", None: "yellow"}
        print_fields(
            out,
            [(f.topic, Text.assemble((f.status, styles[f.ok]), "\n", "\n".join(f.lines))) for f in findings],
            indent=0,
        )
        out.print("Ready." if ready else "Not ready: fix what is marked PROBLEM.")
    for f in findings:
        if f.ok is False:
            err.print(f"optout: doctor: {f.topic}: {f.lines[0]}", markup=False, soft_wrap=True)
    raise typer.Exit(ExitCode.OK if ready else ExitCode.USAGE)
