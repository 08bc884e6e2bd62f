"""The triage service entry point: load a model bundle once, score batches of tips."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sklearn

from ml import DEFAULT_LANGUAGES
from ml.artefacts import load_artefact
from ml.categories import CategoryModel, KeywordCategoriser
from ml.credibility import Factor, compose, credibility
from ml.features import SPECIFIC_LABELS, TextAnalyser, entity_dicts, specificity, warm_up
from ml.language import detect_language
from ml.xling import LEXICON_KEY, featurize

# Languages with labelled topic and actionability training text, and the share of actionable train messages, for
# bundles whose metadata predates these fields (train split: 20,925 English messages, 6,410 Creole and 1,190
# French originals; Spanish 15, Arabic none; 23.5 % actionable).
LABELLED_LANGUAGES = ("en", "ht", "fr")
ACTIONABILITY_PRIOR = 0.2351
RELEVANCE_LABEL = "related"
DISTRESS_LABELS = ("search_and_rescue", "medical_help", "missing_people", "death", "security")
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


def topic_thresholds(bundle: dict[str, Any], langs: list[str]) -> np.ndarray:
    """Return per-tip label thresholds: English ones for 'en' tips, original-language ones otherwise."""
    english = np.asarray(bundle["topic_thresholds"])
    other = np.asarray(bundle.get("topic_thresholds_original", english))
    return np.vstack([english if lang == "en" else other for lang in langs]).reshape(len(langs), len(english))


@dataclass
class TriageResult:
    """The triage of one tip: language, probabilities, topics, category, credibility and its factors."""

    language: str
    spam: float
    actionability: float
    credibility: float
    topics: list[str]
    category: str | None
    urgency: float
    factors: list[Factor]
    entities: list[dict] = field(default_factory=list)
    model_version: str = ""
    relevance: float = 0.0
    spam_flag: bool = False

    @property
    def reasons(self) -> list[str]:
        """Return the English reason sentences of the factors."""
        return [f.text for f in self.factors]


def relevance_scores(bundle: dict[str, Any], topics: np.ndarray) -> np.ndarray:
    """Return the relevance of each tip: the bundle's relevance head over the topic probabilities, or (bundles
    without one) the topic model's probability of `related`."""
    head = bundle.get("relevance")
    if head is not None:
        return head.predict_proba(topics)[:, 1]
    return topics[:, list(bundle["topic_labels"]).index(RELEVANCE_LABEL)]


def _has_content(text: str) -> bool:
    return len(_WORD.findall((text or "")[:5000])) >= 2


def _aligned(values: list | None, n: int, name: str) -> list:
    if values is None:
        return [None] * n
    if len(values) != n:
        raise ValueError(f"{name} has {len(values)} items for {n} texts")
    return list(values)


class Triage:
    """Loaded triage models plus the deployment's gazetteer, category patterns and languages."""

    def __init__(
        self,
        bundle: dict[str, Any],
        meta: dict[str, Any],
        gazetteer: list[str] | None = None,
        category_patterns: dict | None = None,
        languages: tuple[str, ...] = DEFAULT_LANGUAGES,
    ) -> None:
        self.bundle = bundle
        self.meta = meta
        self.languages = tuple(languages)
        self.keywords = KeywordCategoriser(category_patterns)
        self.category_model: CategoryModel | None = None
        self.analyser = TextAnalyser(gazetteer)
        self.labels: list[str] = list(bundle["topic_labels"])
        self._distress = [self.labels.index(n) for n in DISTRESS_LABELS if n in self.labels]
        self._warm_up = warm_up(self.languages, self.analyser.lemmatise)

    def wait_until_ready(self, timeout: float | None = None) -> bool:
        """Wait for the background spaCy warm-up of every deployment language; True when done."""
        self._warm_up.join(timeout)
        return not self._warm_up.is_alive()

    @classmethod
    def load(
        cls,
        path: str | Path | None = None,
        gazetteer: list[str] | None = None,
        category_patterns: dict | None = None,
        languages: tuple[str, ...] = DEFAULT_LANGUAGES,
    ) -> Triage:
        """Load a model directory (None: the shipped default) and the deployment configuration."""
        bundle, meta = load_artefact(Path(path) if path else None)
        return cls(bundle, meta, gazetteer, category_patterns, tuple(languages))

    @property
    def version(self) -> str:
        """Return the model version string recorded in the metadata."""
        return str(self.meta.get("model_version", "unknown"))

    def actionability_floor(self, lang: str) -> float:
        """The lowest actionability a tip in this language gets: 0 where the model was trained on labelled text in
        the language (or it is unknown), else the average tip's, so a language the model cannot read is never
        scored below average for that alone (the language parity rule of the credibility score)."""
        labelled = self.meta.get("labelled_languages", LABELLED_LANGUAGES)
        if lang in labelled or lang == "und":
            return 0.0
        return float(self.meta.get("actionability_prior", ACTIONABILITY_PRIOR))

    def relevance_floor(self, lang: str) -> float:
        """The lowest relevance a tip in this language gets (0, or the share of related training messages where
        the model cannot read the language), by the same rule as actionability_floor."""
        if self.actionability_floor(lang) == 0.0:
            return 0.0
        return float(self.meta.get("relevance_prior", 0.0))

    def use_category_model(self, model: CategoryModel | None) -> None:
        """Use a promoted category model instead of the keyword patterns (None: back to keywords)."""
        self.category_model = model

    def probabilities(self, texts: list[str], langs: list[str] | None = None) -> dict[str, np.ndarray]:
        """Return spam, actionability and topic probabilities for texts (no rules applied)."""
        langs = [detect_language(t, self.languages) for t in texts] if langs is None else langs
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return self._probabilities(texts, langs)

    def _probabilities(self, texts: list[str], langs: list[str]) -> dict[str, np.ndarray]:
        # tips not detected as English get the lexicon's English words appended (ml.xling)
        X = featurize(self.bundle["featurizer"], self.bundle.get(LEXICON_KEY), texts, langs)
        topics = self.bundle["topics"].predict_proba(X)
        return {
            "spam": self.bundle["spam"].predict_proba(texts)[:, 1],
            "actionability": self.bundle["actionability"].predict_proba(X)[:, 1],
            "topics": topics,
            "relevance": relevance_scores(self.bundle, topics),
        }

    def _categories(self, texts: list[str], langs: list[str]) -> list[str | None]:
        if self.category_model is not None:
            return self.category_model.predict(texts, langs)
        if not self.keywords.patterns:
            return [None] * len(texts)
        return self.keywords.predict(texts, langs)

    def score(
        self,
        texts: list[str],
        attachments: list[int] | None = None,
        answered_followups: list[bool] | None = None,
        corroboration: list[float] | None = None,
    ) -> list[TriageResult]:
        """Score tips; corroboration is, per tip, the max similarity in [0, 1] to prior tips (see similarity)."""
        texts = [t if isinstance(t, str) else "" for t in texts]
        n = len(texts)
        if n == 0:
            return []
        extras = zip(
            _aligned(attachments, n, "attachments"),
            _aligned(answered_followups, n, "answered_followups"),
            _aligned(corroboration, n, "corroboration"),
            strict=True,
        )
        langs = [detect_language(t, self.languages) for t in texts]
        probs = self.probabilities(texts, langs)
        probs["thresholds"] = topic_thresholds(self.bundle, langs)
        docs = self.analyser.docs(texts, langs)
        categories = self._categories(texts, langs)
        results = []
        for i, (files, answered, similar) in enumerate(extras):
            results.append(self._result(i, texts[i], langs[i], probs, docs[i], categories[i], files, answered, similar))
        return results

    def _result(
        self,
        i: int,
        text: str,
        lang: str,
        probs: dict,
        doc: Any,
        category: str | None,
        files: int | None,
        answered: bool | None,
        similar: float | None,
    ) -> TriageResult:
        content = _has_content(text)
        spam = float(probs["spam"][i])
        action = float(probs["actionability"][i]) if content else 0.0
        floor = self.actionability_floor(lang) if content else 0.0
        assessed = action >= floor
        action = max(action, floor)
        row = probs["topics"][i] if content else np.zeros(len(self.labels))
        topics = [name for name, p, t in zip(self.labels, row, probs["thresholds"][i], strict=True) if p >= t]
        urgency = float(max((row[j] for j in self._distress), default=0.0))
        relevance = float(probs["relevance"][i]) if content else 0.0
        relevance_floor = self.relevance_floor(lang) if content else 0.0
        entities = entity_dicts(doc)
        kinds = sorted({e["label"].lower() for e in entities if e["label"] in SPECIFIC_LABELS})
        factors = compose(
            spam,
            action,
            specificity(entities),
            kinds,
            similar,
            files,
            answered,
            content,
            assessed,
            relevance=max(relevance, relevance_floor),
            relevance_assessed=relevance >= relevance_floor,
            weights=self.meta.get("credibility_weights"),
        )
        return TriageResult(
            lang,
            round(spam, 4),
            round(action, 4),
            credibility(factors),
            topics,
            category,
            round(urgency, 4),
            factors,
            entities,
            self.version,
            round(max(relevance, relevance_floor), 4),
            spam >= float(self.bundle["spam_threshold"]),
        )
