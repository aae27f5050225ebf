"""What `optout flows validate` tells a flow author beyond valid or not: the signals that lean on names a
platform may change, and those that read words beyond headings, alerts and named elements (allowed on
one page the signal's URL pins down)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from optout.language.flow import Flow
from optout.language.targets import Signal, broad_for_text, named_for_text, unstable_part


def signals(value: Any) -> Iterator[Signal]:
    """Every signal in a flow (recognition, pages, steps, overlays), wherever the model holds one."""
    if isinstance(value, Signal):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from signals(getattr(value, name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from signals(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from signals(item)


def notes(flow: Flow) -> list[str]:
    """One line per signal worth a second look, each said once."""
    said: list[str] = []
    for signal in signals(flow):
        if signal.selector is None:
            continue
        if (part := unstable_part(signal.selector)) is not None:
            said.append(f"signal {signal.selector!r} leans on {part!r}, not a stable hook: it misses if that changes")
        if signal.text is not None and (broad := broad_for_text(signal.selector)) is not None:
            said.append(f"signal reads any words inside {broad!r}, on {', '.join(signal.url or [])} only")
        elif signal.text is not None and (named := named_for_text(signal.selector)) is not None:
            said.append(f"signal reads the words inside {named!r}: only the platform may write there")
    return list(dict.fromkeys(said))
