"""The engine: for one account and one setting, run the flow's phases (open, read, change, commit,
verify) and turn what happened into one Result. Everything platform-specific comes from the flow.

Safety rules, in the order they apply: read before write; click only the one control the flow names,
only when a settled reading says "on" and a last reading just before the click agrees, and only once;
never switch anything on; stop (with a screenshot) when the page is not what the flow expects; submit a
password at most once per account per run, typed only on the flow's sign-in page and origin.

The parts, one job each: `signin` (recognising pages, signing in, challenges), `steps` (running the
step language), `control` (finding, reading and clicking the control), and this module (the phases).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator

from optout.browser.errors import first_line
from optout.engine.account_session import AccountSession
from optout.engine.context import Mode, Notify, Options, RunContext
from optout.engine.dom_excerpt import dom_excerpt
from optout.engine.locate import accessible_name
from optout.engine.masking import target_locator
from optout.engine.observe import page_facts, prompts, texts_of
from optout.engine.page_state import wait_for_state
from optout.engine.request import Reading, RequestSender
from optout.engine.signin import SignIn
from optout.engine.step_runner import StepRunner
from optout.engine.stop import NotOffered, Stop
from optout.engine.terms import terms_rule, terms_stop
from optout.evidence.recorder import RunEvidence
from optout.language.flow import Flow, Setting
from optout.language.targets import PageState, Recognition
from optout.patterns.naming import Observations, name_patterns
from optout.results import (
    OBJECTION_MAYBE_SENT,
    Candidate,
    EvidenceRef,
    Outcome,
    Result,
    State,
    scrub_urls,
    utc_now,
    where,
)

__all__ = ["AccountSession", "Mode", "Options", "SettingPhases", "first_line", "run_setting"]


# What a reading means, for a room watching a walkthrough.
_MEANS = {State.ON: ": the data is used for training", State.OFF: ": the data is not used for training"}


class _SettingRun:
    """The phases of one setting's run, over the parts that do the work."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.signin = SignIn(ctx)
        self.steps = StepRunner(ctx, self.signin, reopen=self.reach)
        self.control = self.steps.control

    @functools.cached_property
    def not_offered_rule(self) -> Recognition | None:
        signals = self.ctx.setting.not_offered
        return Recognition(state=PageState.SIGNED_IN, reason="not offered", when=signals) if signals else None

    async def on_setting_page(self) -> bool:
        """Whether the page shown is the setting's own. Raises NotOffered when the page says instead that
        this account has no such setting."""
        if self.error_page():
            return False
        # "Not offered" answers only while reaching the setting, before anything was read or clicked.
        offered = [self.not_offered_rule] if self.not_offered_rule and self.ctx.trusted is None else []
        # The terms dialog comes before the page's own answers: the page behind it is not the person's choice.
        terms = terms_rule(self.ctx)
        # Signed out last: the setting's own page wins over a sign-in form it may also show.
        signed_out = [r for r in self.ctx.flow.recognise if r.state is PageState.SIGNED_OUT]
        rules = [*self.signin.blockers, *([terms] if terms else []), *offered, self.signin.own_page, *signed_out]
        found = await wait_for_state(self.ctx.page, rules, self.ctx.options.timeout_s)
        if found is None:
            self.error_page()  # a click's page may have arrived meanwhile
            self.control.stop_if_reloading()
            return False
        if terms is not None and found is terms:
            raise terms_stop(self.ctx)
        if found is self.not_offered_rule:
            raise NotOffered()
        if found is self.signin.own_page:
            self.ctx.observed.dead_end = None  # another way led there after all
            return True
        if found in signed_out:
            # The way here signed in (or found the session open): the platform ended it since. Not signed in
            # again: the password is typed once per run, and a change already clicked is read by a check.
            raise Stop(
                Outcome.NEEDS_ATTENTION,
                "signed out during the run (the session ended on the platform's side)",
                shot="signed-out",
                about_control=True,
            )
        with self.ctx.friction.paused():  # a person clearing a challenge is not the setting's friction
            await self.signin.handle_blocker(found)  # stops, or a person cleared it: look again
        return await self.on_setting_page()

    def error_page(self) -> bool:
        """Whether the page shown answered with an error, however it was reached (a click that led to a
        missing page, not only a navigation optout made): where the path ends then is a dead end."""
        status = self.ctx.session.document_status or self.steps.last_status
        if status is None or status < 400:
            return False
        # A missing page where the path leads is a dead end; a busy or refusing server (429, 5xx, a 403
        # from a bot wall) is not the platform's design, nor is any error once the setting was read.
        if status in (404, 410) and self.ctx.trusted is None and not self.ctx.clicked:
            self.ctx.observed.dead_end = f"the path ended at {where(self.ctx.page.url)}, which answered HTTP {status}"
        return True

    async def reach(self) -> None:
        self.ctx.status("opening the setting")
        setting = self.ctx.setting
        self.ctx.friction.start()
        # As a person would (a walkthrough): through the menus, when the flow knows them.
        by_menus = self.ctx.options.by_menus and bool(setting.open_fallback)
        if not by_menus:
            await self.steps.run(setting.open, "open")
            if await self.on_setting_page():
                return
            if not setting.open_fallback:
                raise Stop(Outcome.FAILED, f"{where(self.ctx.page.url)} is not the setting's page")
            self.ctx.notify(f"{setting.url} did not show the setting; following the menus instead")
            self.ctx.friction.restart_path()
        await self.steps.run(setting.open_fallback, "open")
        if not await self.on_setting_page():
            raise Stop(Outcome.FAILED, "neither the deep link nor the menu path led to the setting's page")

    async def run(self) -> Reading:
        ctx = self.ctx
        await self.reach()
        if ctx.setting.request is not None:
            await self.reached(None)
            return await RequestSender(ctx, self.steps.pointer).run()
        control = await self.control.find()
        await self.reached(control)
        before = await self.control.read_settled(control, "setting" if ctx.mode is Mode.CHECK else "before")
        ctx.observed.first_state = before
        if before is State.ON:
            ctx.observed.chosen_before = ctx.evidence.was_off_before(
                ctx.flow.platform, ctx.session.username, ctx.setting.id
            )
        ctx.observed.page_screenshot = ctx.shots[-1].path if ctx.shots else None
        await ctx.watched("read", f"the setting reads {before.value}{_MEANS.get(before, '')}")
        if ctx.mode is Mode.CHECK or before is State.OFF:
            if before is State.OFF:
                await self.seen_once_off()
            return before, Outcome.CHECKED if ctx.mode is Mode.CHECK else Outcome.ALREADY_OFF, False, None, None
        ctx.trusted = before
        await self.steps.run(ctx.setting.change, "change")
        # A confirmation that may follow the click is part of the change: its answer is awaited after it.
        await self.steps.run(ctx.setting.confirmations, "commit")
        shown, confirmed = await self.after_change()
        await ctx.shot("after-change")
        if shown is State.OFF:  # a toast asking to switch it back on may go before the reload
            await self.seen_once_off()
        await self.steps.run(ctx.setting.commit_after, "commit")
        ctx.friction.stop()
        ctx.name_state = None
        await self.steps.run(ctx.setting.verify, "verify")
        if not await self.on_setting_page():
            raise Stop(Outcome.FAILED, "the setting's page did not come back to be verified")
        after = await self.control.read_settled(await self.control.find(offered_check=False), "after-reload")
        await ctx.watched("verify", f"after a reload the setting reads {after.value}{_MEANS.get(after, '')}")
        if after is State.OFF:
            await self.seen_once_off()
            return after, Outcome.SWITCHED_OFF, True, None, None
        if not confirmed:
            why = "the page did not confirm the change in time, and after a reload the setting was on"
        elif shown is State.ON:
            why = "the page refused the change (the switch snapped back on)"
        else:
            why = "the change did not stick: after a reload the setting was on again"
        return after, Outcome.FAILED, True, why, None

    async def reached(self, control: Locator | None) -> None:
        """The control (or a request's form) is on screen: how deep and how long, and what its page says."""
        ctx = self.ctx
        ctx.friction.control_found()
        ctx.observed.depth = ctx.friction.depth
        ctx.observed.page_language, ctx.observed.page_text = await page_facts(ctx.page)
        # What a masked screenshot hides is never quoted either: the flow's PII regions as the page shows them.
        for target in ctx.pii:
            ctx.observed.private += await texts_of(target_locator(ctx.page, target))
        if control is not None:
            with contextlib.suppress(PlaywrightError, asyncio.TimeoutError):
                ctx.observed.control_name = await asyncio.wait_for(accessible_name(control), ctx.options.timeout_s)
        depth = ctx.friction.depth or 0
        await ctx.watched("found", f"the setting is {depth} step{'s' * (depth != 1)} deep", control)

    async def seen_once_off(self) -> None:
        """What the page shows once the setting reads off: a prompt to switch it back on is a nag."""
        shown = await prompts(self.ctx.page)
        if shown:
            seen = self.ctx.observed
            seen.after_off_text = f"{seen.after_off_text}\n{shown}".strip()
            seen.after_off_screenshot = seen.after_off_screenshot or (
                self.ctx.shots[-1].path if self.ctx.shots else None
            )

    async def after_change(self) -> tuple[State, bool]:
        """Wait for the page to confirm the click; the state it then shows and whether it confirmed."""
        control = await self.control.find(offered_check=False)
        confirmed = await self.control.settle(control, self.ctx.setting.settle_timeout_s) is not None
        # Found again: an overlay that came back with the server's answer is dismissed first.
        return await self.control.read(await self.control.find(offered_check=False)), confirmed


async def run_setting(
    session: AccountSession,
    flow: Flow,
    setting: Setting,
    mode: Mode,
    *,
    options: Options,
    evidence: RunEvidence,
    notify: Notify = lambda _: None,
    status: Notify = lambda _: None,
) -> Result:
    """Check or switch off one setting for one signed-in (or signable) account. Never raises."""
    started = utc_now()
    ctx = RunContext(session, flow, setting, options, evidence, notify, status, mode, started=started)
    kept: list[EvidenceRef] = []  # files beside the screenshots (a DOM excerpt)

    def result(
        state: State,
        outcome: Outcome,
        *,
        verified: bool = False,
        reason: str | None = None,
        label: str | None = None,
        candidates: list[Candidate] | None = None,
    ) -> Result:
        if setting.request is not None and ctx.clicked and outcome is not Outcome.REQUESTED:
            # Its send button was pressed without the platform confirming: it may have gone. Never again.
            label = OBJECTION_MAYBE_SENT
        return Result(
            platform=flow.platform,
            account=session.username,
            setting=setting.id,
            state=state,
            outcome=outcome,
            verified=verified,
            reason=scrub_urls(reason) if reason else None,
            url=where(ctx.page.url) if not ctx.page.is_closed() else None,
            started_at=started,
            finished_at=utc_now(),
            evidence=[*ctx.shots, *kept],
            label=label,
            friction=ctx.friction.friction(ctx.observed.first_state),
            dark_patterns=name_patterns(_with_a_page_shot(ctx)),
            candidates=candidates or [],
        )

    try:
        # Every wait below is bounded; this bounds them all together, and a page that stops answering.
        budget_s = _budget_s(options, setting)
        try:
            state, outcome, verified, reason, label = await asyncio.wait_for(_SettingRun(ctx).run(), budget_s)
        except asyncio.TimeoutError:
            raise Stop(Outcome.FAILED, f"the page stopped answering (gave up after {budget_s:g} s)") from None
        return result(state, outcome, verified=verified, reason=reason, label=label)
    except NotOffered:
        if ctx.clicked:  # a page that says so only after the click contradicts what was read
            reason = f"after the click the page said this setting is not offered; {ctx.untouched}"
            return result(State.UNKNOWN, Outcome.FAILED, reason=reason)
        await _try_shot(ctx, "not-offered")
        outcome = Outcome.CHECKED if mode is Mode.CHECK else Outcome.ALREADY_OFF
        return result(State.NOT_OFFERED, outcome, reason="the platform does not offer this setting to this account")
    except Stop as stop:
        await _try_shot(ctx, stop.shot)
        if stop.excerpt:
            kept += await _try_excerpt(ctx, stop.shot)
        foreign = await _foreign_language(ctx) if stop.outcome is Outcome.FAILED and ctx.trusted is None else None
        note = stop.about_control or ctx.clicked or foreign is not None
        reason = f"{stop.reason}; {ctx.untouched}" if note else stop.reason
        reason = f"{foreign}; {reason}" if foreign else reason
        return result(stop.state, stop.outcome, reason=reason, label=stop.label, candidates=stop.candidates)
    except Exception as exc:  # noqa: BLE001 - one account's surprise must not end the run
        await _try_shot(ctx, "error")
        reason = f"unexpected error: {first_line(exc)}"
        return result(State.UNKNOWN, Outcome.FAILED, reason=f"{reason}; {ctx.untouched}" if ctx.clicked else reason)
    finally:
        ctx.friction.close()


# The languages a page may answer in that a flow has no names for, as a reason names them.
_LANGUAGES = {
    "ar": "Arabic",
    "da": "Danish",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fi": "Finnish",
    "fr": "French",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "nl": "Dutch",
    "no": "Norwegian",
    "pl": "Polish",
    "pt": "Portuguese",
    "ru": "Russian",
    "sv": "Swedish",
    "tr": "Turkish",
    "zh": "Chinese",
}


async def _foreign_language(ctx: RunContext) -> str | None:
    """Why a flow's names did not match, when the page declares a language the flow has none in: said
    first, as the cause (the account's language changed, or the platform answered in another one)."""
    if ctx.page.is_closed():
        return None
    lang, _ = await page_facts(ctx.page)
    known = sorted({locale.split("-")[0].lower() for locale in ctx.setting.title.by_locale})
    if lang is None or lang in known:
        return None
    name = _LANGUAGES.get(lang, f"the language {lang!r}")
    return f'the page is in {name} (lang="{lang}"), a language the flow has no names for ({", ".join(known)})'


def _with_a_page_shot(ctx: RunContext) -> Observations:
    """The observations, completed for naming: the account's language and what quotes must hide (the
    username, an e-mail's local part), and their page shown by the run's last screenshot when none was
    taken on the setting's page (a path that ended elsewhere: the page it ended on)."""
    seen, session = ctx.observed, ctx.session
    seen.account_language = session.locale.split("-")[0].lower() if session.locale else None
    username = session.username.strip()
    seen.private += [username, *([username.split("@")[0]] if "@" in username else [])]
    if seen.page_screenshot is None and ctx.shots:
        seen.page_screenshot = ctx.shots[-1].path
    return seen


def _budget_s(options: Options, setting: Setting) -> float:
    """The most one setting's run may take: a safety net for a page that stops answering, far above the
    sum of the bounded waits a slow but live run meets (sign-in, steps, settling, verifying), plus the
    change's own wait and a person's."""
    person = options.human_timeout_s if options.asks_person else 0.0
    return 60 * options.timeout_s + setting.settle_timeout_s + person


async def _try_excerpt(ctx: RunContext, step: str) -> list[EvidenceRef]:
    """The page's HTML where the control was expected, kept beside the screenshot (engine/dom_excerpt.py)."""
    try:
        html = await dom_excerpt(ctx)
        if html is None:
            return []
        return [
            ctx.evidence.add_file(
                platform=ctx.flow.platform,
                account=ctx.session.username,
                setting=ctx.setting.id,
                step=f"{ctx.mode.value}-{step}",
                url=where(ctx.page.url),
                name=f"{ctx.mode.value}-{step}.dom.html",
                kind="dom",
                data=html.encode("utf-8"),
            )
        ]
    except Exception:  # noqa: BLE001 - a missing excerpt must not hide the real reason
        return []


async def _try_shot(ctx: RunContext, step: str) -> None:
    try:
        await ctx.shot(step)
    except Exception:  # noqa: BLE001 - a missing screenshot must not hide the real reason
        return


#: The phases of one setting's run, for a caller that needs only some of them (a scan reaches the page).
SettingPhases = _SettingRun
