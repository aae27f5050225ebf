"""The flow model: the single description of how to sign in to a platform and reach, read and change
its settings. Flow files (`flows/<platform>.yaml`) are data validated by these models; the engine
knows nothing about any platform beyond what a flow says.

A flow is a small program in a declarative step language (docs/flows.md). The same generic steps
serve every phase: `login`, `open` (reach the control), `change` (what turns sharing off), `commit`
(Done/Save, when the platform needs it) and `verify` (reload, or open again). There is no step that
waits for a fixed time: every wait is for something the page shows.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from optout import __version__
from optout.language.examples import Example
from optout.language.steps import (
    SECRET_SOURCES,
    ClickStep,
    ConfirmStep,
    DismissStep,
    FillStep,
    GotoStep,
    PressStep,
    ReloadStep,
    ReopenStep,
    Step,
    WhenStep,
    walk,
)
from optout.language.targets import (
    PageState,
    Recognition,
    Signal,
    Signals,
    Strict,
    Target,
    Texts,
)

SCHEMA_VERSION = 2
_SLUG = re.compile(r"^[a-z][a-z0-9-]*$")
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]")  # ASCII: IDNs as xn--


def _ascii_host(origin: str) -> str:
    """The origin's host as `skip_hosts` are written: an IDN as xn--."""
    name = urlsplit(origin).hostname or ""
    with contextlib.suppress(UnicodeError):
        name = name.encode("idna").decode("ascii")
    return name


# -- steps ------------------------------------------------------------------------------------------


WhenStep.model_rebuild()
Target.model_rebuild()


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

    @model_validator(mode="before")
    @classmethod
    def _fill_on_the_sign_in_origins(cls, data: object) -> object:
        """A `fill` step that names no origin types only on `origins`, the sign-in pages' own."""
        if isinstance(data, dict) and isinstance(data.get("origins"), list) and "steps" in data:
            data = {**data, "steps": _with_origins(data.get("steps"), data["origins"])}
        return data

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


def _with_origins(steps: object, origins: list[object]) -> object:
    """`steps` (as read from the file) with `origin: origins` on each `fill` step that gives none, nested
    `when` steps included."""
    if not isinstance(steps, list):
        return steps
    done: list[object] = []
    for step in steps:
        if isinstance(step, dict) and "fill" in step and step.get("origin") is None:
            step = {**step, "origin": origins}
        if isinstance(step, dict) and "when" in step and isinstance(step.get("steps"), list):
            step = {**step, "steps": _with_origins(step["steps"], origins)}
        done.append(step)
    return done


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


class RequestForm(Strict):
    """A setting that is no switch but a request the person sends (an objection form): `check` sends
    nothing, `off` sends it only when the person asks for it (`--submit-objection`), once. The e-mail
    field the site prefilled is kept; an empty one gets the account's username when that is an e-mail."""

    email: Target = Field(description="the e-mail field (kept when the site prefilled it)")
    reason: Target | None = Field(None, description="the optional free-text field (`--objection-reason`)")
    submit: Target = Field(description="the button that sends the form: clicked once")
    sent: Annotated[list[Signal], Field(min_length=1)] = Field(description="the platform's confirmation")
    already_sent: list[Signal] = Field(default=[], description="the page says a request was already received")
    code_asked: list[Signal] = Field(default=[], description="the platform asks for a code it e-mailed")
    refused: list[Signal] = Field(default=[], description="the platform answered the form with an error")

    @model_validator(mode="after")
    def _located_as_seen(self) -> RequestForm:
        for what, target in (("email", self.email), ("reason", self.reason)):
            if target is not None and target.label is None and target.role is None:
                raise ValueError(f"request.{what}: a form field is located by its label (a selector as fallback)")
        if self.submit.role is None:
            raise ValueError("request.submit: the button is located by role and accessible name")
        return self


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
    control: Control | None = Field(None, description="the switch (every setting but a `request` has one)")
    request: RequestForm | None = Field(None, description="instead of a control: a form sent in the person's name")
    not_offered: list[Signal] = Field(default=[], description="a positive sign that this account has no such setting")
    terms_pending: list[Signal] = Field(
        default=[],
        description="a page asking the person to accept new terms, the switch preset inside it: never answered",
    )
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
    unverified: list[str] = Field(default=[], description="facts of this setting the reference does not confirm")

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("setting id must be a lowercase slug")
        return value

    @model_validator(mode="after")
    def _check(self) -> Setting:
        if (self.control is None) == (self.request is None):
            raise ValueError("a setting has either a 'control' (a switch) or a 'request' (a form it sends)")
        if self.request is not None:
            written = {"change", "commit", "verify", "terms_pending"} & self.model_fields_set
            if written:
                raise ValueError(f"a request setting has no {', '.join(sorted(written))}: it sends the form, once")
            form = [self.request.email, self.request.submit, *([self.request.reason] if self.request.reason else [])]
            for step in walk(self.open) + walk(self.open_fallback):
                if isinstance(step, FillStep) and step.fill in SECRET_SOURCES:
                    raise ValueError("open: secrets are typed only in 'login'")
                # Enter in a form field sends the form: reaching it never presses anything but Escape.
                if isinstance(step, PressStep) and step.press != "Escape":
                    raise ValueError("open: a request's page is reached without keys (Enter would send its form)")
                if (
                    isinstance(step, (ClickStep, FillStep))
                    and (step.click if isinstance(step, ClickStep) else step.into) in form
                ):
                    raise ValueError("open: the request's form is filled and sent only by optout's own send step")
            return self
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
                if isinstance(step, ConfirmStep) and not any(step is c for c in self.confirmations):
                    raise ValueError(f"{phase}: 'confirm' steps come first in 'commit' (they follow the click)")
        clicks = [s for s in walk(self.change) if isinstance(s, ClickStep) and s.click == "control"]
        if len(clicks) != 1:
            raise ValueError("change: the control is clicked exactly once ('click: control')")
        # The click acts on the reading taken before `change`: no new page may come in between.
        before_click = walk(self.change)[: walk(self.change).index(clicks[0])]
        if any(isinstance(s, (GotoStep, ReloadStep, ReopenStep)) for s in before_click):
            raise ValueError("change: no goto or reload before 'click: control' (it acts on the reading taken)")
        controls = self.the_control.targets()
        for phase, steps in phases.items():
            for step in walk(steps):
                acts_on = (
                    step.on
                    if isinstance(step, PressStep)
                    else step.click
                    if isinstance(step, ClickStep)
                    else step.confirm
                    if isinstance(step, ConfirmStep)
                    else None
                )
                if acts_on in controls:
                    raise ValueError(f"{phase}: the control is acted on only by 'click: control' in 'change'")
                # After its click the switch keeps the focus: a key pressed on "the page" would toggle it.
                keyed = isinstance(step, PressStep) and step.on is None and step.press != "Escape"
                if keyed and phase in ("change", "commit", "verify"):
                    raise ValueError(f"{phase}: a key other than Escape needs 'on' (a target) here")
        return self

    @property
    def the_control(self) -> Control:
        """The switch of a setting that has one (every kind but `request`)."""
        if self.control is None:
            raise ValueError(f"setting {self.id} is a request: it has no control")
        return self.control

    @property
    def confirmations(self) -> list[ConfirmStep]:
        """The `confirm` steps that open `commit`: run right after `change`, before its answer is awaited."""
        leading: list[ConfirmStep] = []
        for step in self.commit:
            if not isinstance(step, ConfirmStep):
                break
            leading.append(step)
        return leading

    @property
    def commit_after(self) -> list[Step]:
        """The rest of `commit`, run once the page has answered the change."""
        return self.commit[len(self.confirmations) :]


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
    #: The platform's own trackers and beacons (hosts, each with its subdomains): never loaded in a browser
    #: optout starts, like the common analytics hosts the engine always skips. Never the flow's own hosts.
    skip_hosts: list[str] = []
    #: What a person may ask `off` to do beyond the default (`--choose NAME`), each said in a sentence: steps
    #: marked `chosen: NAME` run only then, `unless_chosen: NAME` only otherwise.
    choices: dict[str, str] = {}
    #: Sandbox accounts and what check, then off, report for each: the tests run them (examples.py).
    examples: list[Example] = []

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

    @field_validator("skip_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        hosts = [host.lower().rstrip(".") for host in value]
        for host in hosts:
            if not _HOST.fullmatch(host):
                raise ValueError(f"{host!r} is not a host name such as px.ads.example.com (no scheme, path or *)")
        return hosts

    @model_validator(mode="after")
    def _consistent(self) -> Flow:
        own = {origin: _ascii_host(origin) for origin in self.origins}
        for host in self.skip_hosts:
            for origin, name in own.items():
                if name == host or name.endswith("." + host):
                    raise ValueError(f"skip_hosts: {host} would refuse the flow's own pages ({origin})")
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
        for name in self.choices:
            if not _SLUG.match(name):
                raise ValueError(f"choices: {name!r} is not a lowercase slug (it is typed as --choose {name})")
        for step in every_step:
            for wanted in (step.chosen, step.unless_chosen):
                if wanted is not None and wanted not in self.choices:
                    raise ValueError(f"{step.kind} step: {wanted!r} is not one of the flow's choices")
            if isinstance(step, ClickStep) and step.click == "control" and (step.chosen or step.unless_chosen):
                raise ValueError("'click: control' is never conditional: switching off is what off does")
        overlays = {o.name for o in self.overlays}
        for step in every_step:
            if isinstance(step, DismissStep) and step.dismiss not in overlays:
                raise ValueError(f"dismiss: no overlay named {step.dismiss!r} is declared")
        terms = [signal for s in self.settings for signal in s.terms_pending]
        if any(signal in terms for overlay in self.overlays for signal in overlay.when):
            # Dismissing it would answer the terms (a close button is "Not now"): optout never does.
            raise ValueError("the terms dialog (terms_pending) is never an overlay: optout does not answer it")
        states = {r.state for r in self.recognise}
        for needed in (PageState.SIGNED_IN, PageState.SIGNED_OUT, PageState.REJECTED):
            if needed not in states:
                raise ValueError(f"'recognise' must say how to recognise {needed.value}")
        ids = [s.id for s in self.settings]
        if len(set(ids)) != len(ids):
            raise ValueError("setting ids must be unique")
        seen: set[tuple[str, str | None]] = set()
        for example in self.examples:
            if example.setting is not None and example.setting not in ids:
                raise ValueError(f"examples: {example.account}: no setting {example.setting!r} in this flow")
            if (example.account, example.setting) in seen:
                raise ValueError(f"examples: {example.account} is listed twice")
            seen.add((example.account, example.setting))
        return self

    def origin_of(self, url: str) -> str | None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        return origin if origin in self.origins else None


class FlowError(Exception):
    """A flow file that cannot be used; the message is one line naming the file and the problem."""


def load_flow(path: Path, *, named: bool = True) -> Flow:
    """The flow in `path`. `named`: its platform must be the file's name (as in a flows folder); a file
    given to `flows install` may be called anything, it is installed under its platform's name."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FlowError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_flow(raw, path, named=named)


def parse_flow(raw: bytes, path: Path, *, named: bool = True) -> Flow:
    """The flow in `raw`, the bytes of the file `path` (named in errors; see `load_flow`)."""
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise FlowError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        raise FlowError(f"{path}:{line} not valid YAML: {getattr(exc, 'problem', exc)}") from None
    needed = data.get("schema_version") if isinstance(data, dict) else None
    # A newer optout's flow: its new words would read as mistakes, so say what is needed instead.
    if isinstance(needed, int) and not isinstance(needed, bool) and needed > SCHEMA_VERSION:
        raise FlowError(
            f"{path} needs flow schema {needed}; this optout ({__version__}) reads schema {SCHEMA_VERSION}: "
            "upgrade optout"
        )
    try:
        flow = Flow.model_validate(data)
    except ValidationError as exc:
        raise FlowError(f"{path}: {describe_error(exc)}") from None
    if named and flow.platform != path.stem:
        raise FlowError(f"{path}: platform {flow.platform!r} does not match the file name")
    return flow


def describe_error(exc: ValidationError) -> str:
    """A pydantic error as one line: where (dotted path) and what, plus how many more."""
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"] if not str(p).startswith("function-")) or "(top level)"
    message = str(first["msg"]).removeprefix("Value error, ")
    more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{loc}: {message}{more}".replace("\n", " ")
