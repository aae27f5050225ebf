"""How a flow finds things the way a person sees them: texts per locale (EN + FR at least), targets
(role and accessible name, a stable hook as the last resort), page signals and the page states they tell."""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from optout.language.aria import AriaRole

REQUIRED_LOCALES = ("en", "fr")


_LOCALE = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")


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


def unstable_part(selector: str, compound_rule: re.Pattern[str] = _COMPOUND) -> str | None:
    """The first part of `selector` that is not a stable hook (each compound matching `compound_rule`),
    or None when all of it is."""
    for alternative in _split_top(selector, lambda c: c == ","):
        compounds = [c for c in _split_top(alternative, str.isspace) if c]
        if not compounds:
            return "an empty alternative"
        for compound in compounds:
            if not compound_rule.fullmatch(compound):
                return compound
    for match in _ID_VALUES.finditer(selector):
        value = match.group(1) or match.group(2) or ""
        if _GENERATED_ID.search(value):
            return value
    return None


# A signal never acts on the page, so its selector may also name what embeds and trackers keep (classes,
# `src`, `title`, any `data-*`): a name that changes makes the signal miss, and a page no signal
# recognises stops the run. Positions, pseudo-classes and Playwright's engines stay refused: they match
# elements nobody named.
_SIGNAL_ATTRIBUTE = r"""\[\s*[A-Za-z][\w-]*\s*(?:[~|^$*]?=\s*(?:"[^"]*"|'[^']*'|[^\]\s]+)\s*(?:i\s*)?)?\]"""
_SIGNAL_COMPOUND = re.compile(rf"(?:[a-z][a-z0-9-]*|\*)?(?:#[A-Za-z][\w-]*|\.[A-Za-z_][\w-]*|{_SIGNAL_ATTRIBUTE})*")

# `text` is read inside the elements a selector names. It must name elements that hold the platform's
# own words, never a region that holds anyone's (a post, a comment, a chat): the last compound of each
# alternative is a heading, a label or legend, or an alert or status. An element named by its id or test
# id is allowed too, with a note (a platform may name a post's body so: X's `tweetText`).
_NARROW_LAST = re.compile(
    r"""^(?:h[1-6]|label|legend)(?![\w-])|\[\s*role\s*=\s*["']?(?:heading|alert|status|alertdialog)["']?\s*\]"""
)
_NAMED_LAST = re.compile(r"""#|\[\s*(?:id|data-testid)\s*=""")


def _alternatives_with_last(selector: str) -> list[tuple[str, str]]:
    """Each alternative of `selector` with its last compound (the elements whose words would be read)."""
    found = []
    for alternative in _split_top(selector, lambda c: c == ","):
        compounds = [c for c in _split_top(alternative, str.isspace) if c]
        if compounds:
            found.append((alternative.strip(), compounds[-1]))
    return found


def broad_for_text(selector: str) -> str | None:
    """The first alternative of `selector` whose elements may hold anyone's words (a bare `p`, a
    `section`, `[role=main]`, `a[href*=…]`), or None when each is a heading, label, alert or status, or
    names its element by an id or test id."""
    for alternative, last in _alternatives_with_last(selector):
        if not (_NARROW_LAST.search(last) or _NAMED_LAST.search(last)):
            return alternative
    return None


def named_for_text(selector: str) -> str | None:
    """The first alternative of `selector` that reads words in an element named only by its id or test
    id (allowed; `optout flows validate` notes it)."""
    for alternative, last in _alternatives_with_last(selector):
        if not _NARROW_LAST.search(last) and _NAMED_LAST.search(last):
            return alternative
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
        if self.selector is not None and (part := unstable_part(self.selector)) is not None:
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


Urls = Annotated[list[str], BeforeValidator(_as_list), Field(min_length=1)]


class Signal(Strict):
    """One way to recognise a page. Every condition given must hold. Text is read only where the
    platform writes it: a post that mentions "restricted accounts" must not pass for a restriction
    notice. So `text` goes with a selector that names such elements (see `broad_for_text`), or, with a
    broader one, only on a page the signal's `url` pins down (a sign-in flow: nobody else writes there)."""

    # One URL or several: any of them matches (a page served on two hosts, a sign-in on two paths).
    url: Urls | None = Field(default=None, description="substring of the page URL, or a list of them (any matches)")
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
        if self.selector is not None and (part := unstable_part(self.selector, _SIGNAL_COMPOUND)) is not None:
            raise ValueError(
                f"selector {self.selector!r} relies on {part!r}, which names no element in particular: a "
                "signal's selector is element types, ids, classes and attributes, with spaces and commas"
            )
        broad = broad_for_text(self.selector) if self.text is not None and self.selector is not None else None
        if broad is not None and not _pins_a_page(self.url):
            raise ValueError(
                f"'text' inside {broad!r} would read any words on the page (a post, a comment): name a "
                "heading, a label, an alert, or an element by its id or test id, or add the 'url' (host "
                "and path) of the one page where only the platform writes"
            )
        return self


def _pins_a_page(urls: list[str] | None) -> bool:
    """A URL condition naming a host and a path on it, not a whole site (`x.com/i/flow/login`); in a
    list, every URL must (any of them may be the page the words are read on)."""
    return bool(urls) and all(_pins_one_page(url) for url in urls or [])


def _pins_one_page(url: str) -> bool:
    host, _, path = url.split("://", 1)[-1].partition("/")
    return "." in host and " " not in host and bool(path.strip("/"))


Signals = Annotated[list[Signal], BeforeValidator(_as_list), Field(min_length=1)]


class Recognition(Strict):
    """A page state and the signals (any of them) that identify it."""

    state: PageState
    reason: str = Field(description="what to tell the person when this state stops a run")
    when: Signals
