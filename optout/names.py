"""Tolerant, never ambiguous matching of the texts people see (accessible names, headings, messages).

Real wordings drift: case, spacing, typographic quotes, « des modèles » versus « les modèles », a state
word appended to a link ("… Improvement On"). Matching therefore compares normalised texts and accepts
a close variant of a long text, but never a variant of a short one ("Sign in" must not match "Sign up").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher

# Below this many characters only an exact (normalised) match counts: short labels differ by one word.
FUZZY_MIN_LENGTH = 12
FUZZY_THRESHOLD = 0.9

_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "«": '"', "»": '"', "“": '"', "”": '"'})
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Case-fold, unify quotes and apostrophes, collapse whitespace and trim punctuation at the ends."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    text = _SPACE.sub(" ", text)
    return text.strip(' .:;,!?\u00a0"')


def similarity(candidate: str, expected: str) -> float:
    """1.0 for the same normalised text; a ratio below 1 for a close variant of a long text; else 0."""
    a, b = normalise(candidate), normalise(expected)
    if a == b:
        return 1.0
    if min(len(a), len(b)) < FUZZY_MIN_LENGTH:
        return 0.0
    ratio = SequenceMatcher(None, a, b, autojunk=False).ratio()
    return ratio if ratio >= FUZZY_THRESHOLD else 0.0


def best_score(candidate: str, expected: Iterable[str]) -> float:
    return max((similarity(candidate, e) for e in expected), default=0.0)


def contains(haystack: str, needles: Iterable[str]) -> bool:
    """True when any needle occurs in the haystack once both are normalised."""
    hay = normalise(haystack)
    return any(normalise(n) and normalise(n) in hay for n in needles)
