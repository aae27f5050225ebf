"""`optout login`: a window where the person signs in (2FA, passkeys, SSO: whatever the platform asks),
after which the session is saved for later runs. When the keyring holds the password, the flow's own
sign-in types it (same rules as any run); otherwise nothing is typed and the person does it all."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from optout.engine.context import Mode, Notify, Options, RunContext
from optout.engine.page_state import wait_for_state
from optout.engine.runner import AccountTarget, Runner
from optout.engine.signin import SignIn
from optout.engine.step_runner import StepRunner
from optout.engine.stop import Stop
from optout.evidence.recorder import RunEvidence
from optout.language.targets import PageState
from optout.results import Outcome

# How long the person has to sign in in the window.
LOGIN_WAIT_S = 300.0


async def open_session(
    runner: Runner,
    target: AccountTarget,
    *,
    type_password: bool,
    notify: Notify,
    wait_s: float = LOGIN_WAIT_S,
) -> Path:
    """Sign `target` in in a fresh context and save its session; the path saved. Raises Stop."""
    flow = target.flow
    session = await runner.session(target, restore=False)
    options = Options(timeout_s=runner.options.timeout_s, interactive=True, human_timeout_s=wait_s)
    # Signing in takes no screenshot (only a setting's run does): there is no evidence to keep.
    ctx = RunContext(session, flow, flow.settings[0], options, cast(RunEvidence, None), notify, notify, Mode.CHECK)
    signin = SignIn(ctx)
    steps = StepRunner(ctx, signin, reopen=_nothing)
    minutes = f"{wait_s / 60:g} min"
    if type_password and flow.login.method == "password":
        # A challenge (PIN, app approval, CAPTCHA) met on the way is waited for: the person clears it.
        await signin.sign_in(steps)
    else:
        await steps.navigate(flow.login.url)
        notify(f"sign in to {flow.name} as {target.username} in the browser window (waiting up to {minutes})")
        others = tuple(s for s in PageState if s is not PageState.SIGNED_IN)
        found = await wait_for_state(ctx.page, signin.rules, wait_s, ignore=others)
        if found is None:
            raise Stop(Outcome.NEEDS_ATTENTION, f"not signed in within {minutes}; nothing was saved")
    key = (flow.platform, target.username)
    if key not in runner.saved:
        await session.signed_in()
    # In a persistent profile the session stays in the profile itself.
    path = runner.saved.get(key) or runner.profile
    if path is None:
        raise Stop(Outcome.FAILED, "signed in, but the session could not be saved")
    return path


async def _nothing() -> None:
    """Signing in never reopens a setting's page."""
