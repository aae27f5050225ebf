"""A setting that is a request, not a switch (`request:` in a flow): a form that sends an objection in the
person's name, which the platform confirms by e-mail alone.

Nothing on the page says whether an objection was sent (unless the platform itself says it received
one), so the record is optout's history: `check` reports "on" (the platform's published default: data
used unless you object) until a request is on record. `off` sends the form only when the person asked
for it (`Options.send_requests`, `--submit-objection`), once, never a second time after an error, and
never when one is already on record or the page says it was received. A re-check never sends one.
"""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator

from optout.browser.errors import first_line
from optout.engine.context import Mode, RunContext
from optout.engine.locate import Ambiguous, GaveUp, NotFound, find
from optout.engine.page_state import shows, wait_for_state
from optout.engine.pointer import Pointer
from optout.engine.stop import Stop
from optout.evidence.history import HistoryError, ResultRow
from optout.invocation import command
from optout.language.flow import RequestForm
from optout.language.targets import PageState, Recognition, Target
from optout.results import (
    CLICK_UNVERIFIED,
    OBJECTION_MAYBE_SENT,
    OBJECTION_NOT_SENT,
    OBJECTION_SENT,
    Outcome,
    Result,
    State,
    utc_now,
    where,
)

#: What a setting's run reports: state, outcome, verified, reason, label.
Reading = tuple[State, Outcome, bool, str | None, str | None]

# An address as a person types it; a masked one (n***@e***.com, n•••@…) is not one to send.
_EMAIL = re.compile(r"[^@\s*•…]+@[^@\s*•…]+\.[^@\s*•…]+")

# The value goes into this very field (an input or a textarea) of this origin's document, or nowhere.
_SET_TEXT = """(el, [value, origin]) => {
  const input = el instanceof HTMLInputElement, area = el instanceof HTMLTextAreaElement;
  if (!(input || area) || !el.isConnected) return 'the field went away';
  if (input && el.type === 'password') return 'the field is a password field';
  const view = el.ownerDocument.defaultView;
  if (!view || view.location.origin !== origin) return 'the page moved to another origin';
  if (el.matches(':disabled') || el.readOnly) return 'the field is not editable';
  el.focus();
  const proto = input ? HTMLInputElement.prototype : HTMLTextAreaElement.prototype;
  Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, value);
  el.dispatchEvent(new Event('input', {bubbles: true}));
  el.dispatchEvent(new Event('change', {bubbles: true}));
  return el.value === value ? '' : 'the page refused the value';
}"""


class RequestSender:
    """One request setting's run on its page, once the page is reached (and offered)."""

    def __init__(self, ctx: RunContext, pointer: Pointer) -> None:
        self.ctx = ctx
        self.pointer = pointer
        assert ctx.setting.request is not None
        self.form: RequestForm = ctx.setting.request

    async def run(self) -> Reading:
        ctx = self.ctx
        submit = await self._submit_or_already_sent()
        if submit is None:
            await ctx.shot("already-sent")
            outcome = Outcome.CHECKED if ctx.mode is Mode.CHECK else Outcome.ALREADY_OFF
            return State.OFF, outcome, True, "the platform's page says it already received the request", OBJECTION_SENT
        # The way out, shown: a form to send in the person's name where a switch could be.
        ctx.observed.dead_end = f"the way out is a form to send in your name ({where(ctx.page.url)}), not a switch"
        on_record = self._on_record()
        if on_record is not None and on_record.outcome is Outcome.REQUESTED:
            await ctx.shot("setting")
            outcome = Outcome.CHECKED if ctx.mode is Mode.CHECK else Outcome.ALREADY_OFF
            reason = (
                f"the request was sent on {on_record.finished_at[:10]} (run {on_record.run_id}); "
                "the platform confirms it by e-mail, not on this page"
            )
            return State.OFF, outcome, False, reason, OBJECTION_SENT
        if on_record is not None:
            await ctx.shot("setting")
            reason = (
                f"the request may have been sent on {on_record.finished_at[:10]} (run {on_record.run_id}) without "
                "the platform confirming it, and optout never sends it twice: the platform's e-mail tells; if none "
                f"comes, send the form yourself at {ctx.setting.url}"
            )
            return State.UNKNOWN, Outcome.NEEDS_ATTENTION, False, reason, OBJECTION_MAYBE_SENT
        send = command(
            "optout",
            "off",
            ctx.flow.platform,
            "--account",
            ctx.session.username,
            *ctx.session.login_options,
            "--submit-objection",
        )
        if ctx.mode is Mode.CHECK:
            await ctx.shot("setting")
            reason = f"no request on record: the form at {ctx.setting.url} sends one in your name ({send})"
            return State.ON, Outcome.CHECKED, False, reason, OBJECTION_NOT_SENT
        if not ctx.options.send_requests:
            await ctx.shot("setting")
            reason = (
                f"switching it off sends a request in your name; nothing was sent. To send it: {send} "
                "(and --objection-reason TEXT to give your reason)"
            )
            return State.ON, Outcome.NEEDS_ATTENTION, False, reason, OBJECTION_NOT_SENT
        return await self._send(submit)

    def _on_record(self, *, other_runs: bool = False) -> ResultRow | None:
        ctx = self.ctx
        try:
            return ctx.evidence.request_on_record(
                ctx.flow.platform, ctx.session.username, ctx.setting.id, other_runs=other_runs
            )
        except HistoryError as exc:
            raise Stop(
                Outcome.FAILED,
                f"the history cannot be read, so whether a request was sent is not known; nothing was sent ({exc})",
            ) from None

    async def _submit_or_already_sent(self) -> Locator | None:
        """The form's send button, or None when the page says instead that the request was received."""
        page, timeout_s = self.ctx.page, self.ctx.options.timeout_s
        already = self.form.already_sent
        await self.pointer.overlays.clear()  # a declared overlay (a cookie dialog) may hide the form

        async def already_shown() -> bool:
            return await shows(page, already)

        try:
            submit = await find(page, self.form.submit, timeout_s, give_up=already_shown if already else None)
        except GaveUp:
            return None
        except (NotFound, Ambiguous) as exc:
            raise Stop(Outcome.FAILED, f"the form: {exc}; nothing was sent") from None
        return None if await shows(page, already) else submit

    async def _field(self, target: Target) -> Locator:
        try:
            return await find(self.ctx.page, target, self.ctx.options.timeout_s)
        except (NotFound, Ambiguous) as exc:
            raise Stop(Outcome.FAILED, f"the form: {exc}; nothing was sent") from None

    async def _type(self, field: Locator, value: str, what: str) -> None:
        await self.ctx.watched("type", f"type into {what}", field)
        origin = self.ctx.flow.origin_of(self.ctx.page.url)
        try:
            refused = await asyncio.wait_for(field.evaluate(_SET_TEXT, [value, origin]), self.ctx.options.timeout_s)
        except (PlaywrightError, asyncio.TimeoutError) as exc:
            raise Stop(Outcome.FAILED, f"could not fill {what}: {first_line(exc)}; nothing was sent") from None
        if refused:
            raise Stop(Outcome.FAILED, f"could not fill {what}: {refused}; nothing was sent")
        self.ctx.friction.keys(len(value))

    async def _fill(self) -> None:
        ctx, form = self.ctx, self.form
        if ctx.flow.origin_of(ctx.page.url) is None:
            raise Stop(Outcome.FAILED, f"the form is not on the platform's own site ({where(ctx.page.url)})")
        email = await self._field(form.email)
        try:
            prefilled = await asyncio.wait_for(email.input_value(), ctx.options.timeout_s)
        except (PlaywrightError, asyncio.TimeoutError) as exc:
            raise Stop(Outcome.FAILED, f"could not read {form.email.describe()}: {first_line(exc)}") from None
        if prefilled.strip() and not _EMAIL.fullmatch(prefilled.strip()):
            # A masked or partial address (n***@e***.com), a phone number: not one to send in the person's name.
            raise Stop(
                Outcome.NEEDS_ATTENTION,
                "the form's e-mail field holds something that is not an e-mail address; nothing was sent: send "
                f"the form yourself at {ctx.setting.url}",
                state=State.ON,
                label=OBJECTION_NOT_SENT,
            )
        if not prefilled.strip():
            if not _EMAIL.fullmatch(ctx.session.username):
                raise Stop(
                    Outcome.NEEDS_ATTENTION,
                    f"the form's e-mail field is empty and the account's username ({ctx.session.username}) is "
                    f"not an e-mail address; nothing was sent: send the form yourself at {ctx.setting.url}",
                    state=State.ON,
                    label=OBJECTION_NOT_SENT,
                )
            await self._type(email, ctx.session.username, form.email.describe())
        wanted = ctx.options.request_reason
        if wanted:
            if form.reason is None:
                raise Stop(Outcome.FAILED, "the flow names no reason field for --objection-reason; nothing was sent")
            await self._type(await self._field(form.reason), wanted, form.reason.describe())

    async def _send(self, submit: Locator) -> Reading:
        ctx, form = self.ctx, self.form
        answers = [*form.sent, *form.code_asked, *form.refused]
        if await shows(ctx.page, answers):
            # An answer already on the page would be taken for the answer to a send that did nothing.
            raise Stop(Outcome.FAILED, "the form's page already shows an answer before sending; nothing was sent")
        await self._fill()
        await ctx.shot("filled-form")
        what = f"the form's {form.submit.describe()}"
        # Recorded before it is sent: a run that ends after the click still tells that it may have gone.
        attempt = ctx.evidence.attempt(self._in_flight(), what)
        if ctx.evidence.write_problem is not None:
            raise Stop(
                Outcome.FAILED,
                f"the request could not be recorded before it was sent, so it was not sent: "
                f"{ctx.evidence.write_problem}",
            )
        # Another run for this account (started at the same time) may have recorded its own send meanwhile.
        if self._on_record(other_runs=True) is not None:
            raise Stop(Outcome.NEEDS_ATTENTION, "another optout run sent this request meanwhile; nothing was sent")

        def clicking(sent: bool) -> None:
            ctx.clicked = attempt.sent = sent

        ctx.status("sending the request")
        await self.pointer.click(submit, what, clicking=clicking)
        rules = [
            Recognition(state=PageState.SIGNED_IN, reason="sent", when=form.sent),
            *([Recognition(state=PageState.VERIFICATION, reason="code", when=form.code_asked)] * bool(form.code_asked)),
            *([Recognition(state=PageState.REJECTED, reason="refused", when=form.refused)] * bool(form.refused)),
        ]
        found = await wait_for_state(ctx.page, rules, ctx.setting.settle_timeout_s)
        await ctx.shot("after-sending")
        # Each stop below says, through ctx.untouched, that the form was sent once and will not be again.
        if found is None:
            raise Stop(Outcome.FAILED, "no confirmation came after the form was sent (a check later tells more)")
        if found.reason == "code":
            raise Stop(
                Outcome.NEEDS_ATTENTION,
                "the platform asks for a code it e-mailed to finish the request: enter it yourself "
                "(optout never reads your e-mail)",
            )
        if found.reason == "refused":
            raise Stop(Outcome.FAILED, "the platform answered the form with an error")
        return State.OFF, Outcome.REQUESTED, False, "sent; the platform confirms it by e-mail", OBJECTION_SENT

    def _in_flight(self) -> Result:
        ctx = self.ctx
        return Result(
            platform=ctx.flow.platform,
            account=ctx.session.username,
            setting=ctx.setting.id,
            state=State.UNKNOWN,
            outcome=Outcome.FAILED,
            verified=False,
            reason="the run ended as the form was being sent; whether the platform received it is not known "
            "(its e-mail will tell)",
            url=where(ctx.page.url),
            started_at=ctx.started,
            finished_at=utc_now(),
            evidence=list(ctx.shots),
            label=CLICK_UNVERIFIED,
        )
