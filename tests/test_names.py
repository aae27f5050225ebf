"""Tolerant, never ambiguous text matching."""

from __future__ import annotations

import pytest

from optout.language import names

EN_FLOW = "Use my data for training content creation AI models"
FR_FLOW = "Utiliser mes données pour entraîner des modèles d'IA de création de contenu"


@pytest.mark.parametrize(
    "seen",
    [
        "Utiliser mes données pour entraîner les modèles d'IA de création de contenu",  # « les » for « des »
        "utiliser  mes données pour entraîner des modèles d’IA de création de contenu",  # case, spacing, ’
        "Utiliser mes donnees pour entrainer des modeles d'IA de creation de contenu.",  # accents, full stop
    ],
)
def test_drifted_french_labels_match(seen: str) -> None:
    assert names.best_score(seen, [FR_FLOW]) > 0


def test_row_link_with_state_word_matches_its_title() -> None:
    assert names.similarity("Data for Generative AI Improvement On", "Data for Generative AI Improvement") > 0
    assert (
        names.similarity(
            "Données pour l'amélioration de l'IA générative Activé", "Données pour l'amélioration de l'IA générative"
        )
        > 0
    )


@pytest.mark.parametrize(
    "seen",
    [
        "Do not use my data for training content creation AI models",  # negated: opposite polarity
        "Use my data for training content moderation AI models",  # another setting
        "Use my data for social, economic and workplace research",
        "Use my data for training content creation AI models (beta)",
        "On: use my data for training content creation AI models",  # state word only counts at the end
    ],
)
def test_other_meanings_do_not_match(seen: str) -> None:
    assert names.similarity(seen, EN_FLOW) == 0


def test_negated_french_label_does_not_match() -> None:
    assert (
        names.similarity("Ne pas utiliser mes données pour entraîner des modèles d'IA de création de contenu", FR_FLOW)
        == 0
    )


@pytest.mark.parametrize(("seen", "expected"), [("Sign up", "Sign in"), ("Home", "Me"), ("Off", "On")])
def test_short_labels_need_their_own_words(seen: str, expected: str) -> None:
    assert names.similarity(seen, expected) == 0
    assert names.similarity(expected.upper(), expected) == 1.0


def test_contains_ignores_case_and_quotes() -> None:
    assert names.contains("That’s not the right password. Try again", ["not the right password"])
    assert not names.contains("Welcome back", ["not the right password"])
