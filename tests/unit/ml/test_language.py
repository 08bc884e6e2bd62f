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
