"""Friction and named patterns as the history and the reports keep them: JSON text in a column, read back
into the models of optout.results.

Read leniently: a field a newer optout added is dropped, and a value that is not what this optout knows
is left out (a pattern) or read as nothing (friction), so an older optout still shows what it can of a
history or a manifest a newer one wrote, instead of failing on it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

from optout.results import DarkPattern, Friction, PatternEvidence


def _known(model: type[BaseModel], data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValueError(f"not an object: {data!r:.40}")
    return {key: value for key, value in data.items() if key in model.model_fields}


def friction_of(data: Any) -> Friction | None:
    """Friction from decoded JSON (None, or an object)."""
    if data is None:
        return None
    try:
        return Friction.model_validate(_known(Friction, data))
    except (ValidationError, ValueError):
        return None


def patterns_of(data: Any) -> list[DarkPattern]:
    """Named patterns from decoded JSON (None, or a list of objects); the unreadable ones left out."""
    found: list[DarkPattern] = []
    for item in data if isinstance(data, list) else []:
        try:
            known = _known(DarkPattern, item)
            known["evidence"] = PatternEvidence.model_validate(_known(PatternEvidence, known.get("evidence")))
            found.append(DarkPattern.model_validate(known))
        except (ValidationError, ValueError):
            continue
    return found


def friction_json(friction: Friction | None) -> str | None:
    """The column's text: NULL when nothing was counted."""
    return None if friction is None else friction.model_dump_json()


def patterns_json(patterns: Iterable[DarkPattern]) -> str | None:
    """The column's text: NULL when no pattern was named."""
    listed = [p.model_dump(mode="json") for p in patterns]
    return json.dumps(listed, ensure_ascii=False) if listed else None


def _decoded(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def read_friction(text: str | None) -> Friction | None:
    return friction_of(_decoded(text))


def read_patterns(text: str | None) -> list[DarkPattern]:
    return patterns_of(_decoded(text))
