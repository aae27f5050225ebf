"""What a run reports: one Result per (account, setting), and the exit code they add up to."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timezone
from enum import Enum
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field


class State(str, Enum):
    """The setting as read at the end: ON means the data is used for training."""

    ON = "on"
    OFF = "off"
    NOT_OFFERED = "not_offered"
    UNKNOWN = "unknown"


class Outcome(str, Enum):
    CHECKED = "checked"
    ALREADY_OFF = "already_off"
    SWITCHED_OFF = "switched_off"
    FAILED = "failed"
    NEEDS_ATTENTION = "needs_attention"
    #: A request (an objection form) was sent in the person's name; the platform confirms by e-mail.
    REQUESTED = "requested"


class EvidenceRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    sha256: str


class Friction(BaseModel):
    """What reaching and switching off the setting asked of a person, counted from the steps optout ran.

    The sign-in is not counted: a saved session skips it, so the same setting would count differently from
    one run to the next, and its keystrokes would put the password's length on record. optout's own
    reload to verify is not counted either (a person need not do it)."""

    model_config = ConfigDict(extra="forbid")

    clicks: int = 0
    #: Keys pressed and characters typed (a secret's would be counted, never its value; none is typed here).
    keystrokes: int = 0
    #: Documents loaded on the way: each page a person waits for.
    page_loads: int = 0
    #: Pages opened and clicks made from the first page to the control (a deep link: 1); None when not reached.
    depth: int | None = None
    seconds_to_control: float | None = None
    #: Dialogs met after the change that asked to confirm it.
    confirmations: int = 0
    #: The state first read, before anything was changed: the default, on the first check of an account.
    first_state: State | None = None


class PatternEvidence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: What was seen: a quote of the page's words, or the numbers in words.
    text: str
    #: The screenshot (a path in the run's folder) that shows it, when one does.
    screenshot: str | None = None
    numbers: dict[str, float] = Field(default_factory=dict)


class DarkPattern(BaseModel):
    """A deceptive-design pattern optout observed, named in the vocabulary of the taxonomies (`refs`). An
    observation with its evidence, not a legal finding."""

    model_config = ConfigDict(extra="forbid")

    name: str
    evidence: PatternEvidence
    refs: list[str]
    #: How it was told: a rule (a fact read off the page) or a heuristic (words or looks a person should confirm).
    method: Literal["rule", "heuristic"] = "rule"


class Candidate(BaseModel):
    """A control on a page that looks like an AI-training setting (`optout scan`, or a failed run whose
    flow's control was gone). Listed for a person to look at; optout never clicks one."""

    model_config = ConfigDict(extra="forbid")

    role: str
    name: str
    #: on, off, unknown; "form" for the send button of a form (an objection), which has no state.
    state: str
    #: The heading above it, when there is one.
    where: str | None = None
    confidence: float
    why: list[str]
    language: str | None = None
    #: Words of training (not only personalisation, ads or memory).
    training: bool = False


class Result(BaseModel):
    model_config = ConfigDict(extra="forbid")

    platform: str
    account: str
    setting: str
    state: State
    outcome: Outcome
    verified: bool
    reason: str | None
    url: str | None
    started_at: datetime
    finished_at: datetime
    evidence: list[EvidenceRef]
    # `optout recheck`: the setting was off when last known and is on now.
    drift: bool = False
    # What the result shows, for scripts: "silent_revert" (drift), "sign_in_rejected" (the password was refused),
    # "sign_in_code" (the password was accepted and the sign-in stopped at a verification code page).
    # "click_unverified" (the run ended after the switch was clicked, before its new state was read).
    # "terms_pending" (the platform asks the person to accept new terms, the switch preset in that dialog).
    label: str | None = None
    #: What reaching and changing the setting took (trainer mode's numbers); None when nothing was reached.
    friction: Friction | None = None
    dark_patterns: list[DarkPattern] = Field(default_factory=list)
    #: When the flow's control was not on the page: what there looks like it, best first (never clicked).
    candidates: list[Candidate] = Field(default_factory=list)


class ExitCode(int, Enum):
    OK = 0
    SETTING_ON = 1
    USAGE = 2
    PROBLEM = 3
    DRIFT = 4


SILENT_REVERT = "silent_revert"
SIGN_IN_REJECTED = "sign_in_rejected"
SIGN_IN_CODE = "sign_in_code"
CLICK_UNVERIFIED = "click_unverified"
TERMS_PENDING = "terms_pending"
#: A request setting (an objection form): whether optout has a request on record for it.
OBJECTION_SENT = "objection_sent"
OBJECTION_NOT_SENT = "objection_not_sent"
#: The form was sent, or may have been, without the platform confirming it: never sent again by optout.
OBJECTION_MAYBE_SENT = "objection_maybe_sent"


def exit_code(results: Iterable[Result]) -> ExitCode:
    """3 if anything failed or needs a person, else 1 if any setting is still on, else 0."""
    results = list(results)
    if any(r.outcome in (Outcome.FAILED, Outcome.NEEDS_ATTENTION) for r in results):
        return ExitCode.PROBLEM
    if any(r.state is State.ON for r in results):
        return ExitCode.SETTING_ON
    return ExitCode.OK


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def where(url: str) -> str:
    """A URL as kept in results, manifests and messages: no credentials, query string or fragment (sign-in
    codes and checkpoint ids travel there)."""
    parts = urlsplit(url)
    if parts.scheme and parts.netloc:
        # Never a user name or password written into the URL (`https://user:secret@host/`).
        host = parts.netloc.rsplit("@", 1)[-1]
        return f"{parts.scheme}://{host}{parts.path}"
    return url.split("?", 1)[0].split("#", 1)[0]


# A URL (with a scheme, or a host name with a path) followed by a query string or a fragment: both are
# dropped up to the next space or quote, wherever the URL sits in the text.
_URL_TAIL = re.compile(r"((?:https?://|\b[a-z0-9-]+(?:\.[a-z0-9-]+)+/)[^\s?#\"'<>]*)[?#][^\s\"'<>]*", re.IGNORECASE)


def scrub_urls(text: str) -> str:
    """Every URL in a text people read, without its query string or fragment."""
    return _URL_TAIL.sub(r"\1", text)
