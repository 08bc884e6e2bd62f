"""The relevance head and the credibility weights, fitted on out-of-fold scores of the train splits."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from ml.credibility import TEXT_FACTORS, fit_weights
from ml.data import DisasterData, SmsData
from ml.features import TextAnalyser, entity_dicts, specificity
from ml.language import detect_language
from ml.xling import LEXICON_KEY, featurize

RELEVANCE_LABEL = "related"
RELEVANCE_C = 1.0


def fit_relevance(topics: np.ndarray, labels: np.ndarray, names: list[str], fold: np.ndarray) -> tuple[Any, dict]:
    """Return a logistic regression of `related` on all topic probabilities (out-of-fold train scores) if it ranks
    better out of fold than the topic model's own `related` probability (else None), with both AUCs."""
    column = names.index(RELEVANCE_LABEL)
    related = np.asarray(labels)[:, column]
    stacked = np.zeros(len(related))
    for k in np.unique(fold):
        head = LogisticRegression(C=RELEVANCE_C, max_iter=2000).fit(topics[fold != k], related[fold != k])
        stacked[fold == k] = head.decision_function(topics[fold == k])
    notes = {
        "oof_auc_related_probability": round(float(roc_auc_score(related, topics[:, column])), 4),
        "oof_auc_stacked": round(float(roc_auc_score(related, stacked)), 4),
    }
    better = notes["oof_auc_stacked"] > notes["oof_auc_related_probability"]
    notes["head"] = "stacked" if better else "related probability"
    head = LogisticRegression(C=RELEVANCE_C, max_iter=2000).fit(topics, related) if better else None
    return head, notes


def specificities(texts: list[str]) -> np.ndarray:
    """Return the specificity factor of each text (no gazetteer: the training data names no deployment place)."""
    langs = [detect_language(t) for t in texts]
    return np.array([specificity(entity_dicts(doc)) for doc in TextAnalyser().docs(texts, langs)])


def _relevance(bundle: dict[str, Any], topics: np.ndarray) -> np.ndarray:
    head = bundle.get("relevance")
    if head is not None:
        return head.predict_proba(topics)[:, 1]
    return topics[:, list(bundle["topic_labels"]).index(RELEVANCE_LABEL)]


def factor_values(
    bundle: dict[str, Any], texts: list[str], spam: np.ndarray, topics: np.ndarray, action: np.ndarray
) -> np.ndarray:
    """Return the text factors (columns in TEXT_FACTORS order) from given spam, topic and actionability scores."""
    return np.column_stack([1.0 - spam, _relevance(bundle, topics), action, specificities(texts)])


def sms_scores(bundle: dict[str, Any], sms: SmsData) -> tuple[np.ndarray, np.ndarray]:
    """Return topic and actionability probabilities of SMS texts (the topic models never saw them)."""
    langs = [detect_language(t) for t in sms.texts]
    X = featurize(bundle["featurizer"], bundle.get(LEXICON_KEY), sms.texts, langs)
    return bundle["topics"].predict_proba(X), bundle["actionability"].predict_proba(X)[:, 1]


def fit_credibility(
    bundle: dict[str, Any],
    disaster: DisasterData,
    oof: dict[str, np.ndarray],
    actionable: np.ndarray,
    sms: SmsData,
    sms_spam_oof: np.ndarray,
) -> dict[str, Any]:
    """Fit the credibility weights on train rows against the actionable label: every disaster message (out-of-fold
    spam, topic and actionability scores) and every SMS (out-of-fold spam score; an SMS is never actionable)."""
    dis = factor_values(bundle, disaster.messages, oof["spam"], oof["topics"], oof["actionability"])
    topics, action = sms_scores(bundle, sms)
    texts = factor_values(bundle, sms.texts, sms_spam_oof, topics, action)
    values = np.vstack([dis, texts])
    target = np.concatenate([actionable, np.zeros(len(sms.texts), dtype=int)])
    fold = np.concatenate([oof["fold"], np.arange(len(sms.texts)) % (int(oof["fold"].max()) + 1)])
    fitted = fit_weights(values, target, fold)
    fitted["rows"] = {"disaster_messages": len(disaster.messages), "sms": len(sms.texts)}
    fitted["factors"] = list(TEXT_FACTORS)
    return fitted
