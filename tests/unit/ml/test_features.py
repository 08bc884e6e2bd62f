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


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "A white van waits at the old bridge every night around 2 am, two men unload boxes."),
        ("es", "Una camioneta blanca espera en el puente viejo todas las noches a las 2, dos hombres descargan cajas."),
        (
            "fr",
            "Une camionnette blanche attend au vieux pont chaque nuit vers 2 h, deux hommes déchargent des caisses.",
        ),
        ("ht", "Yon kamyonèt blan ap tann bò ansyen pon an chak swa vè 2 è, de gason ap dechaje bwat."),
        ("ar", "شاحنة بيضاء تنتظر عند الجسر القديم كل ليلة حوالي الساعة 2، ورجلان يفرغان صناديق."),
    ],
)
def test_the_same_report_shows_the_same_details_in_every_language(lang: str, text: str) -> None:
    """Specificity must not depend on the language: clock times, nights, and Arabic's attached "and" and dual."""
    labels = {e["label"] for e in TextAnalyser().entities([text], [lang])[0]}
    assert labels == {"VEHICLE", "DATE", "TIME", "PEOPLE"}


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


@pytest.mark.parametrize(
    ("lang", "text", "masked"),
    [
        ("en", "plate ABC 1234 seen", "plate [plate] seen"),
        ("ht", "plak AA 1234", "plak [plate]"),
        ("fr", "plaque AB 123 CD", "plaque [plate]"),
        ("es", "placa ABC 123 vista", "placa [plate] vista"),
        ("fr", "Tél:0612345678", "[phone]"),
        ("ar", "هاتف:0501234567", "[phone]"),
        ("en", "My number,5551234567", "My [phone]"),
        ("fr", "site: exemple.fr", "site: [url]"),
        ("es", "visita ejemplo.es", "visita [url]"),
        ("fr", "voir interieur.gouv.fr/contact", "voir [url]"),
    ],
)
def test_spaced_plates_phones_after_punctuation_and_country_domains_are_masked(
    lang: str, text: str, masked: str
) -> None:
    assert mask_personal_data(text, lang) == masked


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Meet at 7.30 or 10:30, it costs 1,000 dollars or 2,500.50, on 12/05/2010 or 12.05.2010"),
        ("en", "Total 1,000,000 people, 3,5 km away"),
        ("en", "WE ARE 22 IN THE HOUSE, SEND SMS 4636"),
        ("fr", "LE SEISME DU 12 JANVIER"),
        ("es", "Necesito ayuda.Es urgente"),
        ("en", "a plate of rice for 12 people"),
    ],
)
def test_ordinary_numbers_and_words_are_not_masked(lang: str, text: str) -> None:
    assert mask_personal_data(text, lang) == text


@pytest.mark.parametrize(
    ("text", "lang", "hidden"),
    [
        ("Me llamó a las 3 (0612345678) para amenazarme.", "es", "0612345678"),
        ("Llamaron desde el 0612345678 (10 de la noche).", "es", "0612345678"),
        ("Il a appelé vers 2 h au 06 12 34 56 78.", "fr", "06 12 34 56 78"),
    ],
)
def test_a_time_next_to_a_phone_number_never_unmasks_it(text: str, lang: str, hidden: str) -> None:
    masked = mask_personal_data(text, lang)
    assert hidden not in masked and "[phone]" in masked


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("fr", "Ils habitent au 3è étage de l'immeuble."),
        ("fr", "Ils ont attendu pendant 2 heures."),
        ("en", "They live in Apartment 12 H."),
        ("ht", "Swa ou vini, swa ou rete lakay ou."),
    ],
)
def test_floors_durations_and_either_or_are_not_times_or_dates(lang: str, text: str) -> None:
    labels = {e["label"] for e in TextAnalyser().entities([text], [lang])[0]}
    assert not labels & {"TIME", "DATE"}


def test_a_las_before_a_count_of_people_is_the_count_not_a_time() -> None:
    """The count "a las 3 mujeres" (to the 3 women) is three people; "a las 3 se fueron" (at 3 they left) a time."""
    analyser = TextAnalyser()
    women, left = analyser.entities(["Le gritaron a las 3 mujeres en la parada.", "A las 3 se fueron."], ["es", "es"])
    assert [(e["label"], e["text"]) for e in women] == [("PEOPLE", "3 mujeres")]
    assert [(e["label"], e["text"]) for e in left] == [("TIME", "A las 3")]
