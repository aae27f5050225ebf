"""The step language: each step type a flow may use (goto, click, fill, press, wait_for, when, dismiss,
read_name_state, reload, reopen, confirm), how a YAML step becomes one, and a walk over nested steps."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Annotated, Literal, Union

from pydantic import BeforeValidator, Field, field_validator

from optout.language.targets import (
    Signals,
    Strict,
    Target,
    Texts,
    _as_list,
)

Key = Literal["Enter", "Escape", "Tab", "Space"]


# `code`: a one-time code sent by e-mail or SMS, which optout never holds (a person is needed); `totp`: an
# authenticator-app code, computed from a secret the person stored, only where the flow marks the step so.
ValueSource = Literal["username", "password", "code", "totp"]


SECRET_SOURCES = frozenset({"password", "code", "totp"})


class StepBase(Strict):
    origin: list[str] | None = Field(
        default=None,
        description="the step acts only while the page is on one of these origins (checked immediately before)",
    )

    chosen: str | None = Field(
        default=None, description="the step runs only when the person chose this (off --choose NAME)"
    )
    unless_chosen: str | None = Field(default=None, description="the step runs only when the person did not")

    @field_validator("origin", mode="before")
    @classmethod
    def _origin_list(cls, value: object) -> object:
        return _as_list(value)

    @property
    def kind(self) -> str:
        return STEP_KINDS[type(self)]

    def applies(self, choices: Collection[str]) -> bool:
        """Whether the step runs, given what the person chose."""
        if self.chosen is not None and self.chosen not in choices:
            return False
        return self.unless_chosen is None or self.unless_chosen not in choices


class GotoStep(StepBase):
    """Open a URL (a fresh document, even when only the fragment differs)."""

    goto: str


class ClickStep(StepBase):
    """Click with real pointer events. `control` is the setting's control (only in `change`)."""

    click: Target | Literal["control"]


class FillStep(StepBase):
    """Type a value from a named source into a field. Secrets need an `origin`."""

    fill: ValueSource
    into: Target


class PressStep(StepBase):
    """Press a key, on a target or on the page."""

    press: Key
    on: Target | None = None


class WaitForStep(StepBase):
    """Wait until the page shows any of the signals (bounded by the run's timeout)."""

    wait_for: Signals


class WhenStep(StepBase):
    """Run `steps` only when a signal is present once the page has settled (an optional page)."""

    when: Signals
    steps: Annotated[list[Step], Field(min_length=1)]


class DismissStep(StepBase):
    """Dismiss a declared overlay when it is shown (its own close button or key)."""

    dismiss: str


class NameState(Strict):
    target: Target
    on_words: Texts
    off_words: Texts


class ReadNameStateStep(StepBase):
    """Note the state a row's accessible name says ("… On"), to cross-check the control's own."""

    read_name_state: NameState


class ReloadStep(StepBase):
    reload: Literal[True] = True


class ConfirmStep(StepBase):
    """Click a confirmation dialog's button, only when the dialog appears within `wait_s` after the
    control's click (and before the page shows the change made without it); else do nothing. The button
    is never the element found as the control, nor a toggle bearing its name, whatever it is called."""

    confirm: Target
    wait_s: float = Field(default=5.0, gt=0, le=30, description="how long the dialog may take to appear")

    @field_validator("confirm")
    @classmethod
    def _in_its_dialog(cls, value: Target) -> Target:
        # Looked for only inside its dialog: never a button of the page behind it.
        if value.within is None:
            raise ValueError("a confirmation's button is looked for 'within' its dialog")
        return value


class ReopenStep(StepBase):
    """Open the setting again from scratch (its `open` steps): for settings shown in a dialog."""

    reopen: Literal[True] = True


STEP_KINDS: dict[type[StepBase], str] = {
    GotoStep: "goto",
    ClickStep: "click",
    FillStep: "fill",
    PressStep: "press",
    WaitForStep: "wait_for",
    WhenStep: "when",
    DismissStep: "dismiss",
    ReadNameStateStep: "read_name_state",
    ReloadStep: "reload",
    ReopenStep: "reopen",
    ConfirmStep: "confirm",
}


_BY_KIND = {kind: cls for cls, kind in STEP_KINDS.items()}


_FIXED_WAITS = ("sleep", "wait", "wait_ms", "delay", "pause", "wait_for_timeout", "timeout")


def _parse_step(value: object) -> object:
    """A step is a mapping keyed by its type (`click: …`), or the bare words `reload` / `reopen`."""
    if isinstance(value, StepBase):
        return value
    if isinstance(value, str):
        if value in ("reload", "reopen"):
            return _BY_KIND[value].model_validate({value: True})
        raise ValueError(f"unknown step {value!r}")
    if not isinstance(value, dict):
        raise ValueError("a step is a mapping such as {click: …} or the word reload/reopen")
    if waits := [k for k in value if k in _FIXED_WAITS]:
        raise ValueError(f"'{waits[0]}': a flow never sleeps for a fixed time; wait for a page signal (wait_for)")
    kinds = [k for k in value if k in _BY_KIND]
    if len(kinds) != 1:
        found = ", ".join(map(str, value)) or "nothing"
        raise ValueError(f"unknown step type ({found}); known: {', '.join(_BY_KIND)}")
    return _BY_KIND[kinds[0]].model_validate(value)


Step = Annotated[
    Union[  # noqa: UP007 - a forward-referenced union needs the explicit form
        GotoStep,
        ClickStep,
        FillStep,
        PressStep,
        WaitForStep,
        WhenStep,
        DismissStep,
        ReadNameStateStep,
        ReloadStep,
        ReopenStep,
        ConfirmStep,
    ],
    BeforeValidator(_parse_step),
]


def walk(steps: Sequence[StepBase]) -> list[StepBase]:
    """Every step, nested `when` steps included, in order."""
    found: list[StepBase] = []
    for step in steps:
        found.append(step)
        if isinstance(step, WhenStep):
            found.extend(walk(step.steps))
    return found
