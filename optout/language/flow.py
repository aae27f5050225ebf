"""The flow model: the single description of how to sign in to a platform and reach, read and change
its settings. Flow files (`flows/<platform>.yaml`) are data validated by these models; the engine
knows nothing about any platform beyond what a flow says.

A flow is a small program in a declarative step language (docs/flows.md). The same generic steps
serve every phase: `login`, `open` (reach the control), `change` (what turns sharing off), `commit`
(Done/Save, when the platform needs it) and `verify` (reload, or open again). There is no step that
waits for a fixed time: every wait is for something the page shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, Union
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from optout.language.aria import AriaRole

SCHEMA_VERSION = 2
REQUIRED_LOCALES = ("en", "fr")
_LOCALE = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")
_SLUG = re.compile(r"^[a-z][a-z0-9-]*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_list(value: object) -> object:
    return [value] if isinstance(value, (str, dict)) else value


class Texts(Strict):
    """What a person reads, per locale. Every text a flow matches must exist in English and French."""

    by_locale: dict[str, list[str]]

    @model_validator(mode="before")
    @classmethod
    def _from_mapping(cls, data: object) -> object:
        if isinstance(data, dict) and "by_locale" not in data:
            data = {"by_locale": {k: _as_list(v) for k, v in data.items()}}
        if isinstance(data, dict) and isinstance(data.get("by_locale"), dict):
            for texts in data["by_locale"].values():
                if isinstance(texts, list) and any(isinstance(t, bool) for t in texts):
                    raise ValueError('quote "On", "Off", "Yes" and "No": YAML reads them as true/false')
        return data

    @field_validator("by_locale")
    @classmethod
    def _check(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for locale, texts in value.items():
            if not _LOCALE.match(locale):
                raise ValueError(f"{locale!r} is not a locale code such as 'en' or 'pt-BR'")
            if not texts or any(not t.strip() for t in texts):
                raise ValueError(f"locale {locale!r} needs at least one non-empty text")
        missing = [loc for loc in REQUIRED_LOCALES if loc not in value]
        if missing:
            raise ValueError(f"texts missing for locale(s): {', '.join(missing)}")
        return value

    def all(self) -> list[str]:
        """Every text in every locale: the page's language is not known in advance."""
        return [t for texts in self.by_locale.values() for t in texts]


# A target's selector may name only what a platform keeps stable for its own tests and for assistive
# technology: an element type, an id, and attributes such as data-testid, name, autocomplete, type,
# role or aria-*; compounds joined by spaces (descendant) or commas (alternatives). Classes (hashed,
# atomic, utility), positions (:nth-child, >, +), pseudo-classes, Playwright's own engines (text=,
# xpath=, >>) and framework-generated ids change with every build and are refused.
_STABLE_ATTRIBUTES = r"(?:id|name|type|role|autocomplete|for|href|value|data-testid|aria-[a-z-]+)"
_ATTRIBUTE_TEST = rf"""\[\s*{_STABLE_ATTRIBUTES}\s*(?:[~|^$*]?=\s*(?:"[^"]*"|'[^']*'|[^\]\s]+)\s*(?:i\s*)?)?\]"""
_COMPOUND = re.compile(rf"(?:[a-z][a-z0-9-]*|\*)?(?:#[A-Za-z][\w-]*|{_ATTRIBUTE_TEST})*")
_GENERATED_ID = re.compile(r"ember\d|radix-|headlessui-|^:r|«|:r\d|mui-\d|react-select-\d", re.IGNORECASE)
_ID_VALUES = re.compile(r"""#([A-Za-z][\w-]*)|\[\s*id\s*[~|^$*]?=\s*["']?([^"'\]]*)""")


def _unstable_part(selector: str) -> str | None:
    """The first part of `selector` that is not a stable hook, or None when all of it is."""
    for alternative in _split_top(selector, lambda c: c == ","):
        compounds = [c for c in _split_top(alternative, str.isspace) if c]
        if not compounds:
            return "an empty alternative"
        for compound in compounds:
            if not _COMPOUND.fullmatch(compound):
                return compound
    for match in _ID_VALUES.finditer(selector):
        value = match.group(1) or match.group(2) or ""
        if _GENERATED_ID.search(value):
            return value
    return None


def _split_top(text: str, is_separator: Callable[[str], bool]) -> list[str]:
    """`text` split where `is_separator` holds, outside quotes and attribute brackets."""
    parts, current, quote, depth = [], "", "", 0
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[]":
            depth += 1 if char == "[" else -1
        elif depth == 0 and is_separator(char):
            parts.append(current)
            current = ""
            continue
        current += char
    return [*parts, current]


class Target(Strict):
    """How to find one element the way a person sees it.

    Tried in order: ARIA role plus accessible name, then the visible label of a form field, then a
    stable hook the platform ships (`selector`: an id, `data-testid`, `name` or `autocomplete`). Never
    a generated class name or a position. `within` scopes the search to a region found first (a
    dialog, a section, a heading's group).
    """

    role: AriaRole | None = None
    name: Texts | None = None
    label: Texts | None = None
    selector: str | None = None
    within: Target | None = None

    @model_validator(mode="after")
    def _check(self) -> Target:
        if (self.role is None) != (self.name is None):
            raise ValueError("'role' and 'name' go together")
        if self.role is None and self.label is None and self.selector is None:
            raise ValueError("a target needs role+name, label or a stable selector")
        if self.selector is not None and (part := _unstable_part(self.selector)) is not None:
            raise ValueError(
                f"selector {self.selector!r} relies on {part!r}, which is not a stable hook: use role+name, a "
                "label, or an element type with an id, data-testid, name, autocomplete, type, role or aria-*"
            )
        return self

    def describe(self) -> str:
        if self.role and self.name:
            what = f'{self.role} "{self.name.all()[0]}"'
        elif self.label:
            what = f'field "{self.label.all()[0]}"'
        else:
            what = f"element {self.selector}"
        return f"{what} in {self.within.describe()}" if self.within else what


class PageState(str, Enum):
    """What a page tells about the session. Everything but SIGNED_IN needs the account owner."""

    SIGNED_IN = "signed_in"
    SIGNED_OUT = "signed_out"
    REJECTED = "rejected"
    VERIFICATION = "verification"
    APP_APPROVAL = "app_approval"
    CAPTCHA = "captcha"
    RESTRICTED = "restricted"

    @property
    def person_can_resolve(self) -> bool:
        """States a person at the keyboard can clear in a headed window, after which the run goes on."""
        return self in (PageState.VERIFICATION, PageState.APP_APPROVAL, PageState.CAPTCHA)


class Signal(Strict):
    """One way to recognise a page. Every condition given must hold. Body text is never read: a post
    that mentions "restricted accounts" must not pass for a restriction notice."""

    url: str | None = Field(default=None, description="substring of the page URL")
    selector: str | None = Field(default=None, description="a visible element matching this CSS exists")
    text: Texts | None = Field(default=None, description="text contained in a visible element matching `selector`")
    heading: Texts | None = Field(default=None, description="text contained in a visible h1")
    title: Texts | None = Field(default=None, description="text contained in the document title")
    alert: Texts | None = Field(default=None, description="text contained in a visible role=alert element")

    @model_validator(mode="after")
    def _not_empty(self) -> Signal:
        if not any((self.url, self.selector, self.heading, self.title, self.alert)):
            raise ValueError("a signal needs at least one condition")
        if self.text is not None and self.selector is None:
            raise ValueError("'text' is read only inside the elements that 'selector' names")
        return self


Signals = Annotated[list[Signal], BeforeValidator(_as_list), Field(min_length=1)]


class Recognition(Strict):
    """A page state and the signals (any of them) that identify it."""

    state: PageState
    reason: str = Field(description="what to tell the person when this state stops a run")
    when: Signals


# -- steps ------------------------------------------------------------------------------------------

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

    @field_validator("origin", mode="before")
    @classmethod
    def _origin_list(cls, value: object) -> object:
        return _as_list(value)

    @property
    def kind(self) -> str:
        return STEP_KINDS[type(self)]


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
    ],
    BeforeValidator(_parse_step),
]
WhenStep.model_rebuild()
Target.model_rebuild()


def walk(steps: Sequence[StepBase]) -> list[StepBase]:
    """Every step, nested `when` steps included, in order."""
    found: list[StepBase] = []
    for step in steps:
        found.append(step)
        if isinstance(step, WhenStep):
            found.extend(walk(step.steps))
    return found


# -- login, overlays, settings ---------------------------------------------------------------------------


class Login(Strict):
    """How to sign in. `method: saved_session` says the platform signs in only by e-mailed link, SSO or
    passkey: optout never types anything and needs a session the person opened."""

    method: Literal["password", "saved_session"] = "password"
    url: str = Field(description="where signing in starts")
    origins: Annotated[list[str], Field(min_length=1)] = Field(
        description="the sign-in origins: the only ones where a secret is ever typed"
    )
    page: Signals = Field(description="how the sign-in page is recognised, checked before any secret is typed")
    steps: list[Step] = []

    @model_validator(mode="after")
    def _check(self) -> Login:
        fills = [s for s in walk(self.steps) if isinstance(s, FillStep)]
        if self.method == "saved_session" and fills:
            raise ValueError("a saved_session login types nothing: it has no fill steps")
        if self.method == "password" and not any(s.fill == "password" for s in fills):
            raise ValueError("login steps must fill the password")
        if sum(s.fill == "password" for s in fills) > 1:
            raise ValueError("the password is typed once: one 'fill: password' step")
        if sum(s.fill == "totp" for s in fills) > 1:
            raise ValueError("the authenticator code is typed once: one 'fill: totp' step")
        for step in fills:
            if step.fill in SECRET_SOURCES and not step.origin:
                raise ValueError(f"'fill: {step.fill}' types a secret: give it an 'origin' (a sign-in origin)")
            if not step.origin:
                raise ValueError(f"'fill: {step.fill}' types personal data: give it an 'origin' (a sign-in origin)")
            outside = [o for o in step.origin or [] if o not in self.origins]
            if step.fill in SECRET_SOURCES and outside:
                raise ValueError(f"'fill: {step.fill}' may only be typed on a sign-in origin, not {outside[0]}")
        return self


class Overlay(Strict):
    """Something the platform lays over its pages (a product tour): dismissed with its own button or
    key whenever it is shown before a step; never clicked through."""

    name: str
    when: Signals
    close: Target | None = Field(default=None, description="its own button, found `within` the overlay")
    # Only Escape: Enter or Space would act on whatever has the focus (the switch, after its click).
    press: Literal["Escape"] | None = None

    @model_validator(mode="after")
    def _check(self) -> Overlay:
        if (self.close is None) == (self.press is None):
            raise ValueError("an overlay is dismissed by either 'close' (its button) or 'press: Escape'")
        if self.close is not None and self.close.within is None:
            raise ValueError("an overlay's 'close' button is looked for 'within' the overlay itself")
        return self


class Shown(Strict):
    """A setting whose state shows as which of two controls the page offers: "Turn off" while it is on,
    "Turn on" while it is off (Google's activity controls)."""

    # Not `on`/`off`: YAML 1.1 reads those keys as booleans.
    while_on: Target = Field(description="present while the data is used for training; what `click: control` clicks")
    while_off: Target = Field(description="present while it is not")


class Control(Strict):
    """The one control a setting is read from and changed with. A `target` is read the way assistive
    technology reads it (a native checkbox's checked property, else `aria-checked`); `shown_by` reads
    the state from which of two controls is present."""

    target: Target | None = None
    shown_by: Shown | None = None
    shared_when: Literal["checked", "unchecked"] = Field(
        "checked", description="which state of `target` means the data is used for training (reported as 'on')"
    )
    script_click: bool = Field(
        False, description="may be clicked by script when, and only when, its own label covers it"
    )

    @model_validator(mode="after")
    def _check(self) -> Control:
        if (self.target is None) == (self.shown_by is None):
            raise ValueError("a control has either a 'target' or 'shown_by'")
        for target in (self.target, *((self.shown_by.while_on, self.shown_by.while_off) if self.shown_by else ())):
            if target is not None and target.role is None:
                raise ValueError("a control is located by role and accessible name")
        return self

    def describe(self) -> str:
        if self.target is not None:
            return self.target.describe()
        assert self.shown_by is not None
        return self.shown_by.while_on.describe()

    def targets(self) -> list[Target]:
        """What to look for: the control, or the two whose presence tells the state (on first)."""
        if self.shown_by is not None:
            return [self.shown_by.while_on, self.shown_by.while_off]
        assert self.target is not None
        return [self.target]


def _default_change() -> list[Step]:
    return [ClickStep(click="control")]


def _default_verify() -> list[Step]:
    return [ReloadStep()]


class Setting(Strict):
    id: str
    title: Texts = Field(description="what the setting is called, for people and reports (never a page check)")
    url: str = Field(description="the real deep link, shown by `optout platforms`")
    page: Annotated[list[Signal], Field(min_length=1)] = Field(
        description="how the setting's page (or dialog) is recognised before reading: a heading, a hook, a URL"
    )
    open: Annotated[list[Step], Field(min_length=1)]
    open_fallback: list[Step] = Field(default=[], description="tried when `open` did not show the setting's page")
    control: Control
    not_offered: list[Signal] = Field(default=[], description="a positive sign that this account has no such setting")
    change: Annotated[list[Step], Field(min_length=1)] = Field(default_factory=_default_change)
    commit: list[Step] = []
    verify: Annotated[list[Step], Field(min_length=1)] = Field(default_factory=_default_verify)
    quiet_ms: int = Field(
        default=500,
        ge=0,
        le=10_000,
        description="how long the platform's data requests must stay quiet before a reading is trusted "
        "(covers values loaded after the page and saves sent after a debounce)",
    )
    settle_timeout_s: float = Field(default=15.0, gt=0, le=120, description="how long a change may take to confirm")
    on_request_only: bool = Field(
        default=False,
        description="`change` sends something in the person's name (an objection form): never done unasked",
    )
    unverified: list[str] = Field(default=[], description="facts of this setting the reference does not confirm")

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("setting id must be a lowercase slug")
        return value

    @model_validator(mode="after")
    def _check(self) -> Setting:
        phases: dict[str, list[Any]] = {
            "open": self.open,
            "open_fallback": self.open_fallback,
            "change": self.change,
            "commit": self.commit,
            "verify": self.verify,
        }
        for phase, steps in phases.items():
            for step in walk(steps):
                if isinstance(step, FillStep) and step.fill in SECRET_SOURCES:
                    raise ValueError(f"{phase}: secrets are typed only in 'login'")
                if isinstance(step, ClickStep) and step.click == "control" and phase != "change":
                    raise ValueError(f"{phase}: the control is clicked only in 'change'")
                if isinstance(step, ReopenStep) and phase != "verify":
                    raise ValueError(f"{phase}: 'reopen' belongs to 'verify'")
        clicks = [s for s in walk(self.change) if isinstance(s, ClickStep) and s.click == "control"]
        if len(clicks) != 1:
            raise ValueError("change: the control is clicked exactly once ('click: control')")
        # The click acts on the reading taken before `change`: no new page may come in between.
        before_click = walk(self.change)[: walk(self.change).index(clicks[0])]
        if any(isinstance(s, (GotoStep, ReloadStep, ReopenStep)) for s in before_click):
            raise ValueError("change: no goto or reload before 'click: control' (it acts on the reading taken)")
        controls = self.control.targets()
        for phase, steps in phases.items():
            for step in walk(steps):
                acts_on = (
                    step.on if isinstance(step, PressStep) else step.click if isinstance(step, ClickStep) else None
                )
                if acts_on in controls:
                    raise ValueError(f"{phase}: the control is acted on only by 'click: control' in 'change'")
                # After its click the switch keeps the focus: a key pressed on "the page" would toggle it.
                keyed = isinstance(step, PressStep) and step.on is None and step.press != "Escape"
                if keyed and phase in ("change", "commit", "verify"):
                    raise ValueError(f"{phase}: a key other than Escape needs 'on' (a target) here")
        return self


class EvidencePolicy(Strict):
    """What screenshots must treat specially on this platform's pages."""

    pii: list[Target] = Field(
        default=[],
        description="where the pages show the account's own name, photo or e-mail: masked in masked images",
    )


class Flow(Strict):
    schema_version: Literal[2]
    platform: str
    name: str
    version: str
    origins: Annotated[list[str], Field(min_length=1)]
    unverified: list[str] = Field(default=[], description="facts of this flow the reference does not confirm")
    login: Login
    recognise: Annotated[list[Recognition], Field(min_length=1)]
    overlays: list[Overlay] = []
    settings: Annotated[list[Setting], Field(min_length=1)]
    evidence: EvidencePolicy | None = None

    @model_validator(mode="before")
    @classmethod
    def _old_schema(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("schema_version") == 1:
            raise ValueError("schema_version 1 is no longer read: rewrite the flow as version 2 (docs/flows.md)")
        return data

    @field_validator("platform")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("platform must be a lowercase slug")
        if value == "totp":  # the keyring's authenticator entries are "totp:PLATFORM:USERNAME"
            raise ValueError("'totp' is reserved and cannot name a platform")
        return value

    @field_validator("origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            parts = urlsplit(origin)
            if parts.scheme != "https" or not parts.hostname or parts.path not in ("", "/"):
                raise ValueError(f"{origin!r} is not an https origin such as https://www.example.com")
        return [o.rstrip("/") for o in value]

    @model_validator(mode="after")
    def _consistent(self) -> Flow:
        for origin in self.login.origins:
            if origin.rstrip("/") not in self.origins:
                raise ValueError(f"login.origins: {origin} is not one of the flow's origins")
        urls = [self.login.url] + [s.url for s in self.settings]
        every_step = walk(self.login.steps) + [
            step
            for s in self.settings
            for phase in (s.open, s.open_fallback, s.change, s.commit, s.verify)
            for step in walk(phase)
        ]
        urls += [s.goto for s in every_step if isinstance(s, GotoStep)]
        for url in urls:
            if self.origin_of(url) is None:
                raise ValueError(f"{url} is not on one of the flow's origins")
        for step in every_step:
            for origin in step.origin or []:
                if origin.rstrip("/") not in self.origins:
                    raise ValueError(f"{step.kind} step: origin {origin} is not one of the flow's origins")
        overlays = {o.name for o in self.overlays}
        for step in every_step:
            if isinstance(step, DismissStep) and step.dismiss not in overlays:
                raise ValueError(f"dismiss: no overlay named {step.dismiss!r} is declared")
        states = {r.state for r in self.recognise}
        for needed in (PageState.SIGNED_IN, PageState.SIGNED_OUT, PageState.REJECTED):
            if needed not in states:
                raise ValueError(f"'recognise' must say how to recognise {needed.value}")
        ids = [s.id for s in self.settings]
        if len(set(ids)) != len(ids):
            raise ValueError("setting ids must be unique")
        return self

    def origin_of(self, url: str) -> str | None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        return origin if origin in self.origins else None


class FlowError(Exception):
    """A flow file that cannot be used; the message is one line naming the file and the problem."""


def load_flow(path: Path) -> Flow:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FlowError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise FlowError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        raise FlowError(f"{path}:{line} not valid YAML: {getattr(exc, 'problem', exc)}") from None
    try:
        flow = Flow.model_validate(data)
    except ValidationError as exc:
        raise FlowError(f"{path}: {describe_error(exc)}") from None
    if flow.platform != path.stem:
        raise FlowError(f"{path}: platform {flow.platform!r} does not match the file name")
    return flow


def describe_error(exc: ValidationError) -> str:
    """A pydantic error as one line: where (dotted path) and what, plus how many more."""
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"] if not str(p).startswith("function-")) or "(top level)"
    message = str(first["msg"]).removeprefix("Value error, ")
    more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{loc}: {message}{more}".replace("\n", " ")
