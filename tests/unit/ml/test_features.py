"""spaCy rule features: specificity entities in every language, masking and similarity."""

from __future__ import annotations

import pytest

from ml.features import TextAnalyser, mask_personal_data, similarity, similarity_matrix, specificity


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "3 men in a truck near Jacmel yesterday at 10:30"),
        ("es", "Tres personas en un camión ayer en Nogales a las 22:15"),
        ("fr", "Deux hommes dans une voiture hier soir à Jacmel"),
        ("ht", "Twa moun nan yon machin ayè nan Jacmel"),
        ("ar", "ثلاثة أشخاص في سيارة أمس"),
    ],
)
def test_specificity_signals_are_found_in_every_language(lang: str, text: str) -> None:
    entities = TextAnalyser(["Jacmel", "Nogales"]).entities([text], [lang])[0]
    labels = {e["label"] for e in entities}
    assert {"PEOPLE", "VEHICLE", "DATE"} <= labels
    assert specificity(entities) == 1.0


def test_gazetteer_place_is_found_case_insensitively() -> None:
    entities = TextAnalyser(["Port-au-Prince"]).entities(["they went to port-au-prince"], ["en"])[0]
    assert [e["text"] for e in entities if e["label"] == "PLACE"] == ["port-au-prince"]


def test_entity_offsets_point_into_the_text() -> None:
    text = "Call +509 3456 7890 now"
    entity = TextAnalyser().entities([text], ["en"])[0][0]
    assert text[entity["start"] : entity["end"]] == entity["text"]


def test_personal_data_is_masked() -> None:
    text = "Call +509 3456-7890 or mail jo@example.org, plate ABC-1234, see https://x.example.com/a"
    masked = mask_personal_data(text, "en")
    assert masked == "Call [phone] or mail [email], plate [plate], see [url]"


def test_masking_leaves_plain_text_alone() -> None:
    assert mask_personal_data("Mwen bezwen dlo", "ht") == "Mwen bezwen dlo"
    assert mask_personal_data("", "en") == ""


def test_similarity_is_one_for_identical_and_low_for_unrelated_tips() -> None:
    assert similarity("white truck at the bridge", "white truck at the bridge") == pytest.approx(1.0)
    assert similarity("white truck at the bridge", "Mwen bezwen dlo") < 0.3
    assert similarity_matrix(["a b", "c"], ["a b", "c", ""]).shape == (2, 3)
