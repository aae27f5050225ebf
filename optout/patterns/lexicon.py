"""The words that tell the wording patterns, per language (English and French at least): guilt on the
way out, a threat of lost features, a prompt to switch back on, a caveat on what the switch covers, and
negations in a switch's name. Phrases, not single words: "lose" alone is in too many honest sentences.

A match is a heuristic: the pattern is named with the sentence that matched, for a person to judge.
"""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["confirmshaming", "feature_threat", "nag", "scope_caveat", "negation", "negative_verb"]

LEXICON: dict[Kind, dict[str, tuple[str, ...]]] = {
    "confirmshaming": {
        "en": (
            "i don't care",
            "i do not care",
            "i don't want better",
            "i don't want smarter",
            "i prefer a worse",
            "i prefer worse",
            "i'd rather have worse",
            "i'd rather not help",
            "i don't want to help",
            "no thanks, i",
            "no, i don't want",
            "leave me behind",
            "i like outdated",
            "dumber",
        ),
        "fr": (
            "je m'en fiche",
            "je me moque",
            "ça m'est égal",
            "je ne veux pas de meilleur",
            "je ne veux pas aider",
            "je préfère un assistant moins",
            "je préfère des réponses moins",
            "non merci, je",
            "non, je ne veux pas",
            "moins intelligent",
        ),
    },
    "feature_threat": {
        "en": (
            "you will lose",
            "you'll lose",
            "you may lose",
            "will no longer work",
            "won't work as well",
            "will stop working",
            "less relevant",
            "less personalized",
            "less personalised",
            "worse experience",
            "degrade your experience",
            "features will be unavailable",
            "some features may not",
            "miss out on",
        ),
        "fr": (
            "vous perdrez",
            "vous risquez de perdre",
            "ne fonctionneront plus",
            "ne fonctionnera plus",
            "moins pertinent",
            "moins personnalisé",
            "expérience dégradée",
            "dégrader votre expérience",
            "certaines fonctionnalités ne",
            "passer à côté",
        ),
    },
    "nag": {
        "en": (
            "turn it back on",
            "turn ai training back on",
            "switch it back on",
            "back on for better",
            "turn on again",
            "help us improve again",
        ),
        # Not "change your mind" nor a bare "re-enable": help text says "you can change your mind at any time".
        "fr": ("réactivez-le", "réactiver pour de meilleures", "rallumer", "de nouveau activer"),
    },
    "scope_caveat": {
        "en": (
            "does not affect training that has already",
            "won't affect training that has already",
            "not retroactive",
            "already been used",
            "already taken place",
            "does not apply to",
            "separate form",
            # Not "other models" alone: "…to train Grok and other AI models" says what is covered, not a caveat.
            "other models are covered",
            "other uses are covered",
            "does not cover",
        ),
        "fr": (
            "n'affecte pas l'entraînement déjà",
            "n'est pas rétroactif",
            "déjà été utilisées",
            "déjà eu lieu",
            "ne s'applique pas",
            "formulaire distinct",
            "formulaire séparé",
            "autres modèles sont couverts",
            "ne couvre pas",
        ),
    },
    # A double negative is a negation of a negative verb ("Do not exclude…", « Ne pas exclure… »): one
    # alone ("Never use my posts…") is an inverted switch, plainly worded.
    "negation": {
        "en": ("don't", "do not", "never", "not "),
        "fr": ("ne pas", "n'", "jamais"),
    },
    "negative_verb": {
        "en": ("exclude", "prevent", "block", "opt out", "stop", "disallow", "refuse", "withhold"),
        "fr": ("exclure", "empêcher", "bloquer", "refuser", "retirer", "désactiver"),
    },
}

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u00a0": " ", "\u202f": " "})


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.translate(_APOSTROPHES)).strip().lower()


def find(kind: Kind, text: str) -> str | None:
    """The first phrase of `kind`, in any language, found in `text`; None when none is."""
    plain = normalise(text)
    for phrases in LEXICON[kind].values():
        for phrase in phrases:
            if _has(plain, phrase):
                return phrase
    return None


def sentence_with(kind: Kind, text: str) -> str | None:
    """The sentence of `text` holding a phrase of `kind`, quoted as evidence (at most 240 characters)."""
    for sentence in re.split(r"(?<=[.!?…])\s+|\n+", text):
        if find(kind, sentence):
            quoted = re.sub(r"\s+", " ", sentence).strip()
            return quoted if len(quoted) <= 240 else quoted[:239] + "…"
    return None


def _has(plain: str, phrase: str) -> bool:
    # Whole words at the phrase's ends ("stop" is not in "nonstop"); a phrase ending in a space or an
    # apostrophe ("not ", "n'") is its own boundary.
    left = r"\b" if phrase[0].isalnum() else ""
    right = r"\b" if phrase[-1].isalnum() else ""
    return re.search(left + re.escape(phrase) + right, plain) is not None
