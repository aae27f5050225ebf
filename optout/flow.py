"""The flow model: the single description of how to sign in to a platform and reach, read and change
its settings. Flow files (`flows/<platform>.yaml`) are data validated by these models; the engine
knows nothing about any platform beyond what a flow says.
"""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SCHEMA_VERSION = 1
REQUIRED_LOCALES = ("en", "fr")
_LOCALE = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")
_SLUG = re.compile(r"^[a-z][a-z0-9-]*$")

# The ARIA roles Playwright's get_by_role accepts; a typo in a flow fails validation, not a run.
AriaRole = Literal[
    "alert",
    "alertdialog",
    "application",
    "article",
    "banner",
    "blockquote",
    "button",
    "caption",
    "cell",
    "checkbox",
    "code",
    "columnheader",
    "combobox",
    "complementary",
    "contentinfo",
    "definition",
    "deletion",
    "dialog",
    "directory",
    "document",
    "emphasis",
    "feed",
    "figure",
    "form",
    "generic",
    "grid",
    "gridcell",
    "group",
    "heading",
    "img",
    "insertion",
    "link",
    "list",
    "listbox",
    "listitem",
    "log",
    "main",
    "marquee",
    "math",
    "menu",
    "menubar",
    "menuitem",
    "menuitemcheckbox",
    "menuitemradio",
    "meter",
    "navigation",
    "none",
    "note",
    "option",
    "paragraph",
    "presentation",
    "progressbar",
    "radio",
    "radiogroup",
    "region",
    "row",
    "rowgroup",
    "rowheader",
    "scrollbar",
    "search",
    "searchbox",
    "separator",
    "slider",
    "spinbutton",
    "status",
    "strong",
    "subscript",
    "superscript",
    "switch",
    "tab",
    "table",
    "tablist",
    "tabpanel",
    "term",
    "textbox",
    "time",
    "timer",
    "toolbar",
    "tooltip",
    "tree",
    "treegrid",
    "treeitem",
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


class Texts(Strict):
    """What a person reads, per locale. Every text a flow matches must exist in English and French."""

    by_locale: dict[str, list[str]]

    @model_validator(mode="before")
    @classmethod
    def _from_mapping(cls, data: object) -> object:
        if isinstance(data, dict) and "by_locale" not in data:
            return {"by_locale": {k: _as_list(v) for k, v in data.items()}}
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


class Target(Strict):
    """How to find one element the way a person sees it.

    Tried in order: ARIA role plus accessible name, then the visible label of a form field, then a
    stable hook the platform ships (`selector`, e.g. an id or `autocomplete` attribute). Never a
    generated class name.
    """

    role: AriaRole | None = None
    name: Texts | None = None
    label: Texts | None = None
    selector: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Target:
        if (self.role is None) != (self.name is None):
            raise ValueError("'role' and 'name' go together")
        if self.role is None and self.label is None and self.selector is None:
            raise ValueError("a target needs role+name, label or selector")
        return self

    def describe(self) -> str:
        if self.role and self.name:
            return f'{self.role} "{self.name.all()[0]}"'
        if self.label:
            return f'field "{self.label.all()[0]}"'
        return f"element {self.selector}"


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
    """One way to recognise a page. Every condition given must hold."""

    url: str | None = Field(default=None, description="substring of the page URL")
    selector: str | None = Field(default=None, description="a visible element matching this CSS exists")
    heading: Texts | None = Field(default=None, description="text contained in a visible h1")
    title: Texts | None = Field(default=None, description="text contained in the document title")
    alert: Texts | None = Field(default=None, description="text contained in a visible role=alert element")

    @model_validator(mode="after")
    def _not_empty(self) -> Signal:
        if not any((self.url, self.selector, self.heading, self.title, self.alert)):
            raise ValueError("a signal needs at least one condition")
        return self


class Recognition(Strict):
    """A page state and the signals (any of them) that identify it."""

    state: PageState
    reason: str = Field(description="what to tell the person when this state stops a run")
    when: Annotated[list[Signal], Field(min_length=1)]


class FillStep(Strict):
    fill: Literal["username", "password"]
    into: Target


class ClickStep(Strict):
    click: Target


Step = FillStep | ClickStep


class Login(Strict):
    url: str
    steps: Annotated[list[Step], Field(min_length=1)]

    @model_validator(mode="after")
    def _check(self) -> Login:
        filled = [s.fill for s in self.steps if isinstance(s, FillStep)]
        if "password" not in filled:
            raise ValueError("login steps must fill the password")
        return self


class Control(Strict):
    """The one control a setting is read from and changed with."""

    kind: Literal["switch", "checkbox"]
    target: Target
    state_from: Literal["checked", "aria-checked"] = Field(
        "checked", description="the live .checked property, or the aria-checked attribute"
    )
    shared_when: Literal["checked", "unchecked"] = Field(
        "checked", description="which state means the data is used for training (reported as 'on')"
    )

    @field_validator("target")
    @classmethod
    def _needs_role(cls, value: Target) -> Target:
        if value.role is None:
            raise ValueError("a control is located by role and accessible name")
        return value


class AfterChange(Strict):
    settle_timeout_s: float = Field(default=15.0, gt=0, description="how long the page may take to confirm")
    verify: Literal["reload"] = "reload"


class MenuPath(Strict):
    """How a person reaches the setting when the deep link has moved."""

    start: str
    clicks: Annotated[list[Target], Field(min_length=1)]


class Setting(Strict):
    id: str
    title: Texts = Field(description="the page heading checked before anything is read or changed")
    url: str = Field(description="the real deep link")
    menu: MenuPath
    control: Control
    quiet_ms: int = Field(
        default=500,
        ge=0,
        le=10_000,
        description="how long the platform's data requests must stay quiet before a reading is trusted "
        "(covers values loaded after the page and saves sent after a debounce)",
    )
    after_change: AfterChange = Field(default_factory=AfterChange)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("setting id must be a lowercase slug")
        return value


class Flow(Strict):
    schema_version: Literal[1]
    platform: str
    name: str
    version: str
    origins: Annotated[list[str], Field(min_length=1)]
    login: Login
    recognise: Annotated[list[Recognition], Field(min_length=1)]
    settings: Annotated[list[Setting], Field(min_length=1)]

    @field_validator("platform")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("platform must be a lowercase slug")
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
    def _urls_on_origins(self) -> Flow:
        urls = [self.login.url] + [u for s in self.settings for u in (s.url, s.menu.start)]
        for url in urls:
            if self.origin_of(url) is None:
                raise ValueError(f"{url} is not on one of the flow's origins")
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
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        raise FlowError(f"{path}:{line} not valid YAML: {getattr(exc, 'problem', exc)}") from None
    try:
        flow = Flow.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise FlowError(f"{path}: {loc}: {first['msg']}{more}") from None
    if flow.platform != path.stem:
        raise FlowError(f"{path}: platform {flow.platform!r} does not match the file name")
    return flow
