"""Tolerant, never ambiguous text matching."""

from __future__ import annotations

import pytest

from optout import names

FR_FLOW = "Utiliser mes données pour entraîner des modèles d'IA de création de contenu"


@pytest.mark.parametrize(
    "seen",
    [
        "Utiliser mes données pour entraîner les modèles d'IA de création de contenu",  # « les » for « des »
        "utiliser  mes données pour entraîner des modèles d’IA de création de contenu",  # case, spacing, ’
        "Utiliser mes données pour entraîner des modèles d'IA de création de contenu.",
    ],
)
def test_drifted_long_labels_match(seen: str) -> None:
    assert names.best_score(seen, [FR_FLOW]) > 0


def test_row_link_with_state_word_matches_its_title() -> None:
    assert names.similarity("Data for Generative AI Improvement On", "Data for Generative AI Improvement") > 0


@pytest.mark.parametrize(("seen", "expected"), [("Sign up", "Sign in"), ("Home", "Me"), ("Off", "On")])
def test_short_labels_need_an_exact_match(seen: str, expected: str) -> None:
    assert names.similarity(seen, expected) == 0
    assert names.similarity(expected.upper(), expected) == 1.0


def test_different_long_labels_do_not_match() -> None:
    decoy = "Use my data for social, economic and workplace research"
    assert names.similarity(decoy, "Use my data for training content creation AI models") == 0


def test_contains_ignores_case_and_quotes() -> None:
    assert names.contains("That’s not the right password. Try again", ["not the right password"])
    assert not names.contains("Welcome back", ["not the right password"])
