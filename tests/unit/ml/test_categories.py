"""Deployment categories: keyword patterns and the promotion gate for a trained model."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml.categories import KeywordCategoriser, train_category_model
from ml.data import load_disaster


def test_keyword_patterns_match_accents_and_prefixes() -> None:
    rules = KeywordCategoriser({"smuggling": {"es": ["contrabando", "lancha*"]}, "misconduct": {"es": ["soborno"]}})
    assert rules.predict(["Vi lanchas con CONTRABANDO", "Pidió un sóborno", "hola"], ["es"] * 3) == [
        "smuggling",
        "misconduct",
        None,
    ]


def _labelled(data_dir: Path, per_class: int) -> tuple[list[str], list[str]]:
    data = load_disaster(data_dir).split()[0]
    water, food = data.label_names.index("water"), data.label_names.index("food")
    texts, labels = [], []
    for message, row in zip(data.messages, data.labels, strict=True):
        label = "water" if row[water] and not row[food] else "food" if row[food] and not row[water] else None
        if label and labels.count(label) < per_class:
            texts.append(message)
            labels.append(label)
    return texts, labels


def test_model_trained_on_confirmed_labels_is_promoted_over_weak_keywords(data_dir: Path) -> None:
    texts, labels = _labelled(data_dir, 60)
    keywords = KeywordCategoriser({"water": {"en": ["thirsty"]}, "food": {"en": ["rice"]}})
    result = train_category_model(texts, labels, ["en"] * len(texts), keywords)
    assert result.promoted and result.model is not None
    assert result.candidate_score >= result.current_score


def test_gate_keeps_current_model_when_new_one_scores_lower(data_dir: Path) -> None:
    texts, labels = _labelled(data_dir, 60)

    class Perfect:
        def predict(self, batch: list[str], langs: list[str]) -> list[str]:
            return [labels[texts.index(t)] for t in batch]

    result = train_category_model(texts, labels, ["en"] * len(texts), Perfect())
    assert not result.promoted and result.model is None


def test_too_few_labels_are_not_trained() -> None:
    result = train_category_model(["a", "b"], ["x", "y"], ["en", "en"], None)
    assert not result.promoted and "not enough" in result.reason


def test_promoted_category_model_round_trips_through_skops(data_dir: Path, tmp_path: Path) -> None:
    from ml.artefacts import load_category_model, save_category_model

    texts, labels = _labelled(data_dir, 30)
    result = train_category_model(texts, labels, ["en"] * len(texts), None)
    assert result.model is not None
    save_category_model(tmp_path / "categories", result.model, {"version": "test"})
    loaded = load_category_model(tmp_path / "categories")
    assert loaded.predict(texts[:5]) == result.model.predict(texts[:5])


def test_keyword_matches_inflected_forms_from_spacy_lookup_tables() -> None:
    rules = KeywordCategoriser({"suspicious vehicle": {"es": ["camión"], "en": ["truck"], "fr": ["voiture"]}})
    texts = ["Dos camiones sin placas", "Two trucks at the gate", "Trois voitures noires"]
    assert rules.predict(texts, ["es", "en", "fr"]) == ["suspicious vehicle"] * 3


def test_category_model_with_metadata_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    from ml.artefacts import METADATA_FILE, ArtefactError, load_category_model

    (tmp_path / METADATA_FILE).write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ArtefactError, match="not a JSON object"):
        load_category_model(tmp_path)
