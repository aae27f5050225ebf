"""Undecided: a page that asks the person to accept new terms, with the training switch preset inside
that dialog. The preset is the platform's proposal, not the person's choice, and accepting terms is
for the person alone: the run stops there, needing attention, and nothing in the dialog is clicked."""

from __future__ import annotations

from optout.engine.context import RunContext
from optout.engine.page_state import shows
from optout.engine.stop import Stop
from optout.language.targets import PageState, Recognition
from optout.results import TERMS_PENDING, Outcome


def terms_rule(ctx: RunContext) -> Recognition | None:
    """The setting's `terms_pending` signals as a page state to look for beside the others, if any."""
    signals = ctx.setting.terms_pending
    return Recognition(state=PageState.SIGNED_IN, reason="terms pending", when=signals) if signals else None


def terms_stop(ctx: RunContext) -> Stop:
    return Stop(
        Outcome.NEEDS_ATTENTION,
        f"{ctx.flow.name} asks you to accept new terms, with this setting preset inside that dialog: the "
        "choice is yours, and optout never accepts terms for anyone (nothing in the dialog was clicked). "
        f"Decide in {ctx.flow.name} itself ({ctx.setting.url}), then run optout check",
        shot="terms-pending",
        label=TERMS_PENDING,
    )


async def stop_if_terms_pending(ctx: RunContext) -> None:
    """Stop the run when the page shows the terms dialog now. Looked at before every step of a setting,
    when the control is found, once its reading settled, and last thing before its click."""
    signals = ctx.setting.terms_pending
    if signals and await shows(ctx.page, signals):
        raise terms_stop(ctx)
