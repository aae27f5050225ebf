"""Tolerant, never ambiguous matching of the texts people see (accessible names, headings, messages).

Real wordings drift: case, spacing, accents, typographic quotes, an article (« des modèles » versus
« les modèles »), a state word appended to a row link ("… Improvement On"). Those variants match.
Any other changed word does not: "Do not use my data…", "Ne pas utiliser…" or "…content moderation
AI models" name a different control, and acting on one could switch sharing on.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher

_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "«": '"', "»": '"', "“": '"', "”": '"'})
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")

# Words whose presence, absence or exchange does not change what a label means. Negations ("not",
# "ne", "pas", "don't") are deliberately absent. Written accent-folded, as `words` returns them.
FILLER_WORDS = frozenset(["a", "an", "the", "and", "of", "de", "des", "les", "le", "la", "l", "du", "d", "et"])
# A state a page may append to a label ("… Improvement On"), only ever at the end.
STATE_WORDS = frozenset(
    ["on", "off", "enabled", "disabled", "active", "inactive", "activee", "desactive", "desactivee"]
)
VARIANT_SCORE = 0.9


def normalise(text: str) -> str:
    """Case-fold, unify quotes and apostrophes, collapse whitespace and trim punctuation at the ends."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    text = _SPACE.sub(" ", text)
    return text.strip(' .:;,!?\u00a0"')


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The label's words, case- and accent-folded; punctuation and spacing do not count."""
    return [_fold(w) for w in _WORD.findall(normalise(text))]


def similarity(candidate: str, expected: str) -> float:
    """1.0 for the same words; VARIANT_SCORE for a tolerated variant; 0 for anything else."""
    seen, wanted = words(candidate), words(expected)
    if not wanted:
        return 0.0
    if seen == wanted:
        return 1.0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, seen, wanted, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        changed = set(seen[i1:i2]) | set(wanted[j1:j2])
        if changed <= FILLER_WORDS:
            continue
        trailing_state = tag == "delete" and i2 == len(seen) and set(seen[i1:i2]) <= STATE_WORDS
        if not trailing_state:
            return 0.0
    return VARIANT_SCORE


def best_score(candidate: str, expected: Iterable[str]) -> float:
    return max((similarity(candidate, e) for e in expected), default=0.0)


def contains(haystack: str, needles: Iterable[str]) -> bool:
    """True when any needle occurs in the haystack once both are normalised."""
    hay = normalise(haystack)
    return any(normalise(n) and normalise(n) in hay for n in needles)
