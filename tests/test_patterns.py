"""The dark-pattern catalogue and the naming of observations, alone (the Pattern Lab's pages test them end
to end in a browser): each rule names its pattern from what it is given, and nothing from a clean page."""

from __future__ import annotations

import pytest

from optout.patterns import lexicon
from optout.patterns.catalogue import CATALOGUE, NOT_A_VERDICT, pattern
from optout.patterns.naming import Choice, Dialog, Observations, name_patterns
from optout.results import State

CLEAN = dict(
    first_state=State.OFF,
    depth=2,
    control_name="Use my data to train AI",
    page_text="Privacy\nUse my data to train AI\nWe use your posts to improve our models.",
    page_language="en",
    account_language="en",
)


def names(**seen: object) -> list[str]:
    return [p.name for p in name_patterns(Observations(**{**CLEAN, **seen}))]  # type: ignore[arg-type]


def test_the_catalogue_has_at_least_ten_patterns_each_with_references() -> None:
    assert len(CATALOGUE) >= 10
    assert len({p.name for p in CATALOGUE}) == len(CATALOGUE)
    for known in CATALOGUE:
        assert known.refs and known.effect.endswith(".") and known.detection
    assert "not legal findings" in NOT_A_VERDICT


@pytest.mark.parametrize(
    ("alias", "name"),
    [("Preselection", "default_on"), ("privacy maze", "buried"), ("nag", "nag_after_optout"),
     ("asymmetric-buttons", "asymmetric_choice"), ("double_negative", "double_negative"), ("dead-end", "dead_end")],
)  # fmt: skip
def test_a_pattern_is_found_by_its_name_or_the_names_trainers_use(alias: str, name: str) -> None:
    found = pattern(alias)
    assert found is not None and found.name == name
    assert pattern("no such pattern") is None


def test_a_clean_page_names_nothing() -> None:
    assert names() == []


def test_default_on_unless_the_person_chose_off_before() -> None:
    assert names(first_state=State.ON) == ["default_on"]
    assert names(first_state=State.ON, chosen_before=True) == []


def test_buried_from_three_deep() -> None:
    assert names(depth=2) == []
    (buried,) = name_patterns(Observations(**{**CLEAN, "depth": 3}))  # type: ignore[arg-type]
    assert buried.name == "buried" and buried.evidence.numbers == {"depth": 3}


def test_dialog_wording_names_confirmation_shaming_and_threats_in_english_and_french() -> None:
    plain = Dialog("Turn off AI training?\nTurn off\nCancel", screenshot="shot.png")
    assert names(dialogs=[plain]) == ["extra_confirmation"]
    shame = Dialog("Turn off?\nKeep helping\nTurn off, I don't care about better answers")
    assert names(dialogs=[shame]) == ["extra_confirmation", "confirmshaming"]
    threat = Dialog("Si vous désactivez ceci, vous perdrez les suggestions personnalisées.")
    assert names(dialogs=[threat]) == ["extra_confirmation", "feature_threat"]
    (_, named) = name_patterns(Observations(**{**CLEAN, "dialogs": [threat]}))  # type: ignore[arg-type]
    assert "vous perdrez" in named.evidence.text


def test_asymmetric_choices_by_area_or_contrast_and_not_when_alike() -> None:
    alike = [Choice("Turn off", 4000, 12.0, 600, chosen=True), Choice("Cancel", 4000, 12.0, 600)]
    assert "asymmetric_choice" not in names(dialogs=[Dialog("Turn off?", alike)])
    small = [Choice("Turn off", 900, 12.0, 400, chosen=True), Choice("Keep AI training on", 17920, 12.0, 700)]
    assert "asymmetric_choice" in names(dialogs=[Dialog("Turn off?", small)])
    faint = [Choice("Turn off", 4000, 1.9, 400, chosen=True), Choice("Keep it on", 4000, 15.0, 400)]
    (seen,) = [
        p
        for p in name_patterns(Observations(**{**CLEAN, "dialogs": [Dialog("?", faint)]}))
        if p.name == "asymmetric_choice"
    ]  # type: ignore[arg-type]
    assert seen.evidence.numbers["opt_out_contrast"] == 1.9


def test_negations_nags_caveats_languages_and_dead_ends() -> None:
    assert names(control_name="Do not exclude my data from AI training") == ["double_negative"]
    assert names(control_name="Ne pas exclure mes données de l'entraînement") == ["double_negative"]
    # One negation is an inverted switch, plainly worded; a negative verb alone too.
    assert names(control_name="Never use my posts for AI training") == []
    assert names(control_name="Block AI crawlers from my profile") == []
    assert names(after_off_text="You can change your mind at any time in Settings.") == []
    assert names(after_off_text="You turned off AI training. Turn it back on for better answers?") == [
        "nag_after_optout"
    ]
    assert names(after_off_text="Saved.") == []
    assert names(page_text="Turning this off does not affect training that has already taken place.") == [
        "scope_caveat"
    ]
    # Saying what is covered is not a caveat (X's "…train Grok and other AI models").
    assert names(page_text="to train and fine-tune Grok and other AI models developed by xAI.") == []
    assert names(page_language="en", account_language="fr") == ["language_discontinuity"]
    assert names(page_language=None, account_language="fr") == []
    assert names(dead_end="the path ended at https://x.invalid/help, which answered HTTP 404") == ["dead_end"]


def test_quotes_hide_what_masked_screenshots_hide() -> None:
    (nag,) = name_patterns(
        Observations(
            **{**CLEAN, "after_off_text": "Jane Doe, turn it back on for better answers?", "private": ["jane doe"]}
        )  # type: ignore[arg-type]
    )
    assert nag.evidence.text == 'with the setting off, the page says: "[hidden], turn it back on for better answers?"'


def test_phrases_match_whole_words_and_curly_apostrophes() -> None:
    assert lexicon.find("confirmshaming", "No thanks, I don\u2019t care") == "i don't care"
    assert lexicon.find("negation", "Nonstop learning") is None
    assert lexicon.sentence_with("nag", "Saved. Want to turn it back on? We miss you.") == "Want to turn it back on?"
