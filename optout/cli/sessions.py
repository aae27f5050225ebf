"""`optout login` and `optout logout`: saved sessions."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from optout.accounts import config as accounts
from optout.accounts.saved_sessions import SessionStore
from optout.browser.launch import BrowserNotFound, display_available, no_display_message
from optout.cli.common import (
    TIMEOUT_RANGE,
    AccountOpt,
    OriginOpt,
    PlatformArg,
    ProfileOpt,
    TimeoutOpt,
    all_flows,
    bounded,
    err,
    keyring_choice,
    own_browser,
    release_holds,
    traffic_map,
    usage_error,
)
from optout.cli.output import shown
from optout.engine.context import Options
from optout.language.flow import Flow
from optout.paths import home
from optout.results import ExitCode

SESSIONS_HELP = (
    "After a sign-in, optout keeps the browser session (the platform's own cookies and storage) so later "
    "runs skip signing in. It is encrypted (AES-GCM, key in the keyring) in OPTOUT_HOME/sessions (or the "
    "platform's data folder), readable by you only. When it expires, optout signs in again if the keyring "
    "holds the password; otherwise the result needs your attention: run optout login PLATFORM."
)

SessionAccountOpt = Annotated[
    str | None,
    typer.Option(
        "--account", metavar="USERNAME", help="The account (needed when PLATFORM has more than one configured)."
    ),
]


def _session_account(platform: str, account: str | None, flows: dict[str, Flow]) -> tuple[accounts.Config, str]:
    if platform not in flows:
        usage_error(f"unknown platform {platform!r} (known: {', '.join(sorted(flows))})")
    try:
        config = accounts.load_config(home())
    except accounts.ConfigError as exc:
        usage_error(str(exc))
    if account is not None:
        return config, account
    known = [a.username for a in config.accounts if a.platform == platform]
    if len(known) != 1:
        some = f"one of: {', '.join(known)}" if known else "the username you sign in with"
        usage_error(f"say which {platform} account with --account ({some})")
    return config, known[0]


def login_command(
    platform: PlatformArg,
    account: SessionAccountOpt = None,
    origin: OriginOpt = None,
    timeout: TimeoutOpt = 15.0,
    browser_profile: ProfileOpt = None,
) -> None:
    from optout.engine.login import open_session
    from optout.engine.runner import AccountTarget, Runner
    from optout.engine.stop import Stop

    bounded("--timeout", timeout, TIMEOUT_RANGE, "seconds")
    flows = all_flows()
    config, username = _session_account(platform, account, flows)
    try:
        accounts.Account(platform=platform, username=username)
    except ValidationError as exc:
        usage_error(accounts.problem(exc))
    traffic = traffic_map(origin, flows)
    if not display_available():
        # login is always headed: the person never typed --headed, so the message must not name it.
        usage_error(
            no_display_message(needs="optout login needs a display to open the browser window you sign in with")
        )
    own = own_browser(browser_profile, None, [], traffic)
    keyring_choice(unlock=True)
    where = home()
    flow = flows[platform]
    # With --origin: the password stored for mapped runs, and a session kept apart from the real one.
    mapped = traffic is not None
    target = AccountTarget(
        flow=flow,
        username=username,
        locale=(found.locale if (found := config.find(platform, username)) else None),
        password=functools.partial(accounts.get_password, platform, username, where, mapped=mapped),
        totp_secret=functools.partial(accounts.get_totp_secret, platform, username, where, mapped=mapped),
    )
    type_password = accounts.has_password(platform, username, where, mapped=mapped)

    def say(text: str) -> None:
        err.print(f"optout: {text}", markup=False, soft_wrap=True)

    async def go() -> Path:
        async with Runner(
            traffic=traffic,
            options=Options(timeout_s=timeout),
            headed=True,
            **{"sessions": SessionStore(where, mapped=mapped), **own},
        ) as runner:
            return await open_session(runner, target, type_password=type_password, notify=say)

    try:
        saved = asyncio.run(go())
    except BrowserNotFound as exc:
        usage_error(str(exc))
    except Stop as exc:
        err.print(f"optout: not signed in to {platform} as {username}: {exc.reason}", markup=False, soft_wrap=True)
        raise typer.Exit(ExitCode.PROBLEM) from None
    except KeyboardInterrupt:
        err.print("optout: login interrupted; nothing was saved", markup=False)
        raise typer.Exit(130) from None
    if config.find(platform, username) is None:
        # So that check and off run this account (signing in with the saved session only).
        config.accounts.append(accounts.Account(platform=platform, username=username))
        accounts.save_config(where, config)
    if where.history_file.exists():
        # A person signed in: a re-check held after a refused password may use this new session.
        release_holds([accounts.Account(platform=platform, username=username)], mapped=mapped)
    err.print(
        f"Signed in to {platform} as {username}; session kept in the browser profile {shown(saved)}"
        if browser_profile is not None
        else f"Signed in to {platform} as {username}; session saved (encrypted) at {shown(saved)}",
        markup=False,
        soft_wrap=True,
    )


def logout_command(platform: PlatformArg, account: AccountOpt = None) -> None:
    flows = all_flows()
    if platform not in flows:
        usage_error(f"unknown platform {platform!r} (known: {', '.join(sorted(flows))})")
    paths: list[Path] = []
    for store in (SessionStore(home()), SessionStore(home(), mapped=True)):  # real ones, and those of --origin
        if account is not None:
            paths.append(store.path(platform, account))
        else:
            folder = store.folder / platform
            paths += sorted(folder.glob("*.session")) if folder.is_dir() else []
    deleted = 0
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            usage_error(f"cannot delete {shown(path)}: {exc.strerror}")
        deleted += 1
        err.print(f"Deleted the saved session {shown(path)}", markup=False, soft_wrap=True)
    if not deleted:
        who = f" for {account}" if account else ""
        err.print(f"No saved {platform} session{who}; nothing to delete.", markup=False, soft_wrap=True)
