"""How a setting's run ends early: a Stop carries the outcome and the reason people read."""

from __future__ import annotations

from optout.results import Candidate, Outcome, State


class Stop(Exception):
    """Ends one setting's run with an outcome; raised anywhere below `run_setting`. `about_control`:
    the stop concerns the control itself, so the reason also says whether it had been clicked."""

    def __init__(
        self,
        outcome: Outcome,
        reason: str,
        state: State = State.UNKNOWN,
        shot: str = "stopped",
        *,
        about_control: bool = False,
        label: str | None = None,
        candidates: list[Candidate] | None = None,
        excerpt: bool = False,
    ):
        super().__init__(reason)
        self.outcome, self.reason, self.state, self.shot = outcome, reason, state, shot
        self.about_control = about_control
        self.label = label  # see Result.label
        self.candidates = candidates or []  # see Result.candidates
        # The page is not what the flow expects: its HTML where the control was expected is kept too.
        self.excerpt = excerpt


class NotOffered(Exception):
    """The page positively shows that this account has no such setting (a plan or region without it)."""


class NothingToType(Exception):
    """A sign-in step would type a value optout does not hold (no authenticator secret stored): the
    remaining sign-in steps are skipped, and the message says how a person can provide it."""
