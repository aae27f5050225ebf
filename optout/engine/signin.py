"""Signing in: recognising what each page says about the session, running the flow's login steps once,
and handling the pages only the account owner can clear (PIN, app approval, CAPTCHA)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from typing import Literal, Protocol

from optout.engine.context import RunContext
from optout.engine.page_state import wait_for_state
from optout.engine.stop import NothingToType, Stop
from optout.invocation import login_command
from optout.language.steps import StepBase
from optout.language.targets import PageState, Recognition, Signal
from optout.results import SIGN_IN_CODE, SIGN_IN_REJECTED, Outcome, where


class LoginSteps(Protocol):
    """What signing in needs from the step runner. The runner holds a SignIn (any step may find the
    session gone), so sign-in names only this, never the runner: the arrow goes one way."""

    async def navigate(self, url: str) -> None: ...

    async def run(self, steps: Sequence[StepBase], phase: Literal["login"]) -> bool: ...

    @property
    def totp_typed(self) -> bool:
        """Whether this run typed the authenticator code already."""
        ...


class SignIn:
    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx

    @functools.cached_property
    def own_page(self) -> Recognition:
        """The setting's own page: signed in, whatever else it shows or lacks (a settings app without
        the main navigation, say)."""
        return Recognition(state=PageState.SIGNED_IN, reason="the setting's page", when=self.ctx.setting.page)

    @functools.cached_property
    def rules(self) -> list[Recognition]:
        """The flow's page states, and last the setting's own page."""
        return [*self.ctx.flow.recognise, self.own_page]

    @functools.cached_property
    def blockers(self) -> list[Recognition]:
        """The states that stop a run wherever they appear (not signed in, not signed out)."""
        return [r for r in self.ctx.flow.recognise if r.state not in (PageState.SIGNED_IN, PageState.SIGNED_OUT)]

    async def recognise(self, ignore: tuple[PageState, ...] = ()) -> Recognition:
        found = await wait_for_state(self.ctx.page, self.rules, self.ctx.options.timeout_s, ignore=ignore)
        if found is None:
            raise Stop(Outcome.FAILED, f"the page at {where(self.ctx.page.url)} is not one the flow recognises")
        return found

    async def arrived(self, steps: LoginSteps) -> bool:
        """After a navigation: make sure the account is signed in. True when the page had to be left (to
        sign in, or for a person to clear a challenge), so the caller opens its URL again."""
        state = await self.recognise()
        if state.state is PageState.SIGNED_IN:
            return False
        if state.state is PageState.SIGNED_OUT:
            await self.sign_in(steps)
        else:
            await self.handle_blocker(state)
        return True

    async def sign_in(self, steps: LoginSteps) -> None:
        session = self.ctx.session
        if session.no_sign_in is not None:
            raise Stop(Outcome.NEEDS_ATTENTION, session.no_sign_in, shot="attention")
        if session.login_stopped is not None:
            await self.handle_blocker(session.login_stopped, earlier=True)
        if session.password_submitted:
            raise Stop(
                Outcome.NEEDS_ATTENTION,
                "signed out during the run, after signing in (the session ended on the platform's side); "
                "the password is not submitted twice in one run",
            )
        login = login_command(self.ctx.flow.platform, session.username, session.login_options)
        if self.ctx.flow.login.method == "saved_session":
            raise Stop(
                Outcome.NEEDS_ATTENTION,
                f"session expired: run {login}"
                if session.restored
                else f"not signed in, and {self.ctx.flow.name} is signed in to only by the person (e-mailed link, "
                f"SSO or passkey): optout types nothing for it and needs a browser session: run {login}",
            )
        if session.restored and not _has_password(session.password):
            # The saved session was the only way in; a person has to open a new one.
            raise Stop(Outcome.NEEDS_ATTENTION, f"session expired: run {login}")
        self.ctx.status("signing in")
        await steps.navigate(self.ctx.flow.login.url)
        already = await self.recognise()
        if already.state is PageState.SIGNED_IN:
            return
        # From here on the password and a code may be typed: no trace records them.
        await session.secret_next()
        try:
            await steps.run(self.ctx.flow.login.steps, "login")
        except NothingToType as nothing:
            # The remaining steps would answer what optout cannot: the page stays as it is, for the
            # reading below (a person in the window, or needs_attention with this hint).
            session.sign_in_hint = str(nothing)
        # The last step's answer may still be on its way (a code being checked): until it is, the page
        # still shows the step itself, which would read as a challenge.
        loop = asyncio.get_running_loop()
        await session.quiet(self.ctx.setting.quiet_ms / 1000, loop.time() + self.ctx.options.timeout_s)
        state = await self.recognise(ignore=(PageState.SIGNED_OUT,))
        if state.state is PageState.VERIFICATION and steps.totp_typed:
            # Still asked for the code after typing one: the stored secret (or this machine's clock) is
            # wrong. A refusal like a wrong password: an unattended re-check must not try it again.
            state = Recognition(
                state=PageState.REJECTED,
                reason=f"{self.ctx.flow.name} did not accept the code from the stored authenticator secret "
                "(a wrong secret, or this machine's clock is off): store it again with "
                f"optout accounts add {self.ctx.flow.platform} {session.username} --totp-secret-stdin",
                when=state.when,
            )
        if state.state is not PageState.SIGNED_IN:
            session.login_stopped = state
            await self.handle_blocker(state)
        await session.signed_in()

    async def wait_for(self, signals: list[Signal]) -> bool:
        """Wait until the page shows one of `signals`. A challenge or rejection met meanwhile stops the
        run as it would anywhere else, or waits for the person: then True, as the account is now
        signed in and what was awaited is behind."""
        wanted = Recognition(state=PageState.SIGNED_IN, reason="the awaited page", when=signals)
        found = await wait_for_state(self.ctx.page, [*self.blockers, wanted], self.ctx.options.timeout_s)
        if found is None:
            raise Stop(Outcome.FAILED, f"the page at {where(self.ctx.page.url)} never showed what the flow waits for")
        if found is wanted:
            return False
        await self.handle_blocker(found)
        return True

    async def handle_blocker(self, state: Recognition, *, earlier: bool = False) -> None:
        """A page that is not the signed-in app: a person may clear it, else the run stops here."""
        prefix = "earlier in this run: " if earlier else ""
        if state.state is PageState.REJECTED:
            raise Stop(
                Outcome.FAILED, f"{prefix}sign-in rejected: {state.reason}", shot="rejected", label=SIGN_IN_REJECTED
            )
        if state.state is PageState.SIGNED_OUT:
            raise Stop(Outcome.FAILED, f"{prefix}still signed out after submitting the sign-in form")
        hint = self.ctx.session.sign_in_hint
        reason = f"{state.reason}; {hint}" if hint and state.state is PageState.VERIFICATION else state.reason
        if earlier or not (self.ctx.options.asks_person and state.state.person_can_resolve):
            # A code page met after typing the password: each new try would send the person another code.
            code = state.state is PageState.VERIFICATION and self.ctx.session.password_submitted
            label = SIGN_IN_CODE if code else None
            raise Stop(Outcome.NEEDS_ATTENTION, f"{prefix}{reason}", shot="attention", label=label)
        minutes = self.ctx.options.human_timeout_s / 60
        await self.ctx.session.secret_next()  # the person may type a code, a password, in the window
        self.ctx.notify(f"{reason}. Complete it in the browser window (waiting up to {minutes:g} min).")
        # A person may clear one challenge only to meet the next (CAPTCHA, then PIN): keep waiting.
        resolvable = tuple(s for s in PageState if s.person_can_resolve)
        found = await wait_for_state(self.ctx.page, self.rules, self.ctx.options.human_timeout_s, ignore=resolvable)
        if found is None or found.state is not PageState.SIGNED_IN:
            why = "nobody completed it in time" if found is None else found.reason
            raise Stop(Outcome.NEEDS_ATTENTION, f"{reason}; {why}", shot="attention")
        self.ctx.session.login_stopped = None
        if self.ctx.session.trace is not None:
            await self.ctx.session.trace.release()


def _has_password(password: Callable[[], str]) -> bool:
    try:
        return bool(password())
    except Exception:  # noqa: BLE001 - keyring backends raise anything: no password to sign in with
        return False
