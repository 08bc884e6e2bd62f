"""Language identification: deployment languages, Haitian Creole and undetermined text."""

from __future__ import annotations

import pytest

from ml.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mwen bezwen dlo ak manje pou timoun yo, tanpri ede nou", "ht"),
        ("Three men are unloading boxes from a white truck behind the market", "en"),
        ("Necesito ayuda, hay tres personas heridas cerca del puente", "es"),
        ("Il y a des gens bloqués sous les décombres près de l'école", "fr"),
        ("هناك ثلاثة أشخاص في سيارة بيضاء قرب الجسر", "ar"),
    ],
)
def test_message_is_detected_in_its_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_haitian_creole_message_is_detected_as_ht() -> None:
    assert detect_language("Nou pa gen manje ni dlo, nou bezwen ed kounye a") == "ht"


@pytest.mark.parametrize("text", ["", "   ", "ok", "😀😀😀", "12345 678", "!!!???"])
def test_too_short_or_symbol_only_text_is_und(text: str) -> None:
    assert detect_language(text) == "und"


def test_only_deployment_languages_are_returned() -> None:
    assert detect_language("Il y a des gens bloqués sous les décombres", languages=("en", "es")) in {"en", "es", "und"}


def test_very_long_text_is_detected_quickly() -> None:
    assert detect_language("the truck left the border crossing at night " * 3000) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "助けてください、火事です",
        "Мені потрібна допомога",
        "Γεια σας, χρειάζομαι βοήθεια αμέσως",
        "Eu preciso de ajuda agora, há um incêndio na rua",
    ],
)
def test_message_in_a_language_outside_the_deployment_is_und(text: str) -> None:
    assert detect_language(text) == "und"


@pytest.mark.parametrize(
    ("text", "expected"), [("Check the map near the bay", "en"), ("Yo necesito ayuda urgente", "es")]
)
def test_creole_words_shared_with_english_or_spanish_do_not_make_a_message_creole(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_all_caps_creole_with_shared_words_is_still_ht() -> None:
    assert detect_language("NOU PA GEN KAT POU NOU RELE BAY ENFOMASYON SA YO ESEYE JERE NOU ANTANKE ITILIZATE") == "ht"


def test_script_of_a_configured_language_is_not_foreign() -> None:
    assert detect_language("Мне нужна помощь, в доме пожар", languages=("en", "ru")) == "ru"
    assert detect_language("هناك ثلاثة أشخاص في سيارة بيضاء قرب الجسر", languages=("en", "es")) == "und"
