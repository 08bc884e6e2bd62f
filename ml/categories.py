"""Deployment categories: keyword patterns per language, then a model trained on officers' labels."""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import spacy_lookups_data
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from ml.pipeline import make_featurizer, make_multilabel_model

MIN_EXAMPLES_PER_CATEGORY = 20
MIN_CATEGORY_PROBABILITY = 0.5


def fold(text: str) -> str:
    """Return text lower-cased without accents, for accent-insensitive keyword matching."""
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _compile(pattern: str) -> str:
    body = re.escape(fold(pattern.strip()).rstrip("*"))
    tail = r"\w*" if pattern.strip().endswith("*") else ""
    return rf"(?<!\w){body}{tail}(?!\w)"


def _lookup_table(lang: str) -> dict[str, str]:
    path = Path(spacy_lookups_data.__file__).parent / "data" / f"{lang}_lemma_lookup.json.gz"
    if not path.is_file():
        return {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        raw = json.load(handle)
    return {form: (lemma[0] if isinstance(lemma, list) and lemma else str(lemma)) for form, lemma in raw.items()}


def inflections(lang: str, words: list[str]) -> dict[str, set[str]]:
    """Return, per single word, its spacy-lookups-data lemma and every form with that lemma (lookup tables)."""
    table = _lookup_table(lang)
    lemma_of = {w: table.get(w.lower(), w.lower()) for w in words if w and " " not in w and not w.endswith("*")}
    wanted = set(lemma_of.values())
    forms: dict[str, set[str]] = {lemma: {lemma} for lemma in wanted}
    for form, lemma in table.items():
        if lemma in wanted:
            forms[lemma].add(form)
    return {w: forms[lemma] | {w.lower()} for w, lemma in lemma_of.items()}


def _expand(lang: str, phrases: list[str]) -> list[str]:
    expanded = inflections(lang, phrases)
    out = []
    for phrase in phrases:
        out += sorted(expanded.get(phrase, {phrase}))
    return out


class KeywordCategoriser:
    """Assign a category from patterns {category: {lang: [phrase, prefix*]}}, words matched in any inflection."""

    def __init__(self, patterns: dict[str, dict[str, list[str]]] | None = None) -> None:
        self.patterns = patterns or {}
        self._regex: dict[str, dict[str, re.Pattern[str]]] = {}
        for category, by_lang in self.patterns.items():
            for lang, phrases in by_lang.items():
                alternatives = [_compile(p) for p in _expand(lang, phrases) if p and p.strip().rstrip("*")]
                if alternatives:
                    self._regex.setdefault(lang, {})[category] = re.compile("|".join(alternatives))

    @property
    def categories(self) -> list[str]:
        """Return the configured category names."""
        return sorted(self.patterns)

    def predict_one(self, text: str, lang: str) -> str | None:
        """Return the category with most pattern hits in text, or None."""
        folded = fold(text)
        table = self._regex.get(lang) or {k: v for d in self._regex.values() for k, v in d.items()}
        hits = {cat: len(rx.findall(folded)) for cat, rx in sorted(table.items())}
        best = max(hits.items(), key=lambda kv: kv[1], default=(None, 0))
        return best[0] if best[1] > 0 else None

    def predict(self, texts: list[str], langs: list[str]) -> list[str | None]:
        """Return one category (or None) per text."""
        return [self.predict_one(t, lang) for t, lang in zip(texts, langs, strict=True)]


class CategoryModel:
    """A model trained on officers' confirmed category labels (one label per tip)."""

    def __init__(self, pipeline: Pipeline, categories: list[str]) -> None:
        self.pipeline = pipeline
        self.categories = categories

    def predict(self, texts: list[str], langs: list[str] | None = None) -> list[str | None]:
        """Return the most probable category per text, or None below the minimum probability."""
        probs = self.pipeline.predict_proba(texts)
        best = probs.argmax(axis=1)
        return [self.categories[j] if probs[i, j] >= MIN_CATEGORY_PROBABILITY else None for i, j in enumerate(best)]


@dataclass
class PromotionResult:
    """The outcome of the promotion gate: whether the candidate replaces the current categoriser."""

    promoted: bool
    candidate_score: float
    current_score: float
    reason: str
    model: CategoryModel | None


def _macro_f1(predicted: list[str | None], truth: list[str]) -> float:
    return float(
        f1_score(truth, [p or "" for p in predicted], labels=sorted(set(truth)), average="macro", zero_division=0)
    )


def _fit(texts: list[str], labels: list[str], categories: list[str]) -> CategoryModel:
    onehot = np.array([[int(label == c) for c in categories] for label in labels])
    pipeline = Pipeline([("features", make_featurizer(k=30000)), ("model", make_multilabel_model())])
    return CategoryModel(pipeline.fit(texts, onehot), categories)


def train_category_model(
    texts: list[str], labels: list[str], langs: list[str], current: Any, test_size: float = 0.25, seed: int = 0
) -> PromotionResult:
    """Train on confirmed labels; promote only if the held-out macro-F1 does not drop below current's."""
    counts = {c: labels.count(c) for c in set(labels)}
    if len(counts) < 2 or min(counts.values()) < MIN_EXAMPLES_PER_CATEGORY:
        return PromotionResult(False, 0.0, 0.0, "not enough confirmed labels per category", None)
    idx = np.arange(len(texts))
    fit_idx, held = train_test_split(idx, test_size=test_size, random_state=seed, stratify=labels)
    categories = sorted(counts)
    candidate = _fit([texts[i] for i in fit_idx], [labels[i] for i in fit_idx], categories)
    truth = [labels[i] for i in held]
    held_texts, held_langs = [texts[i] for i in held], [langs[i] for i in held]
    new_score = _macro_f1(candidate.predict(held_texts, held_langs), truth)
    old_score = _macro_f1(current.predict(held_texts, held_langs), truth) if current is not None else 0.0
    if new_score < old_score:
        return PromotionResult(False, new_score, old_score, "held-out macro-F1 would drop", None)
    final = _fit(texts, labels, categories)
    return PromotionResult(True, new_score, old_score, "held-out macro-F1 does not drop", final)
