"""Evaluation on the documented protocols: spam, topics, actionability, language and parity."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, matthews_corrcoef, roc_auc_score

from ml.data import DisasterData, SmsData
from ml.language import detect_language
from ml.predict import topic_thresholds
from ml.train import actionable
from ml.xling import LEXICON_KEY, featurize


def spam_metrics(labels: np.ndarray, flagged: np.ndarray) -> dict[str, float]:
    """Return SC % (spam caught), BH % (ham blocked), accuracy % and MCC (spam positive)."""
    labels, flagged = np.asarray(labels).astype(bool), np.asarray(flagged).astype(bool)
    spam, ham = max(1, labels.sum()), max(1, (~labels).sum())
    return {
        "SC_percent": round(100 * float((flagged & labels).sum() / spam), 2),
        "BH_percent": round(100 * float((flagged & ~labels).sum() / ham), 3),
        "accuracy_percent": round(100 * float((flagged == labels).mean()), 2),
        "MCC": round(float(matthews_corrcoef(labels, flagged)), 4),
        "n": int(labels.size),
    }


def spam_scores(bundle: dict[str, Any], texts: list[str]) -> np.ndarray:
    """Return spam probabilities of texts under a bundle holding the spam model (texts in)."""
    return bundle["spam"].predict_proba(texts)[:, 1]


def evaluate_spam(bundle: dict[str, Any], test: SmsData) -> tuple[dict[str, float], np.ndarray]:
    """Return the spam metrics on test and the scores."""
    scores = spam_scores(bundle, test.texts)
    return spam_metrics(np.asarray(test.labels), scores >= bundle["spam_threshold"]), scores


def topic_predictions(bundle: dict[str, Any], texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return (probabilities, 0/1 predictions with per-label thresholds for each text's language) for texts."""
    langs = [detect_language(t) for t in texts]
    probs = bundle["topics"].predict_proba(featurize(bundle["featurizer"], bundle.get(LEXICON_KEY), texts, langs))
    thresholds = topic_thresholds(bundle, langs)
    return probs, (probs >= thresholds).astype(int)


def topic_metrics(truth: np.ndarray, predicted: np.ndarray, names: list[str]) -> dict[str, Any]:
    """Return micro-F1, macro-F1 and per-label F1."""
    per_label = f1_score(truth, predicted, average=None, zero_division=0)
    return {
        "micro_f1": round(float(f1_score(truth, predicted, average="micro", zero_division=0)), 4),
        "macro_f1": round(float(np.mean(per_label)), 4),
        "n": int(len(truth)),
        "per_label_f1": {name: round(float(v), 4) for name, v in zip(names, per_label, strict=True)},
    }


def topic_texts(test: DisasterData, text: str) -> tuple[list[int], list[str]]:
    """Return the row positions and texts scored by the protocol for text = message | original."""
    if text == "original":
        rows = test.with_original()
        return rows, [test.originals[i] for i in rows]
    return list(range(len(test.ids))), list(test.messages)


def evaluate_topics(bundle: dict[str, Any], test: DisasterData) -> dict[str, Any]:
    """Return topic metrics on all messages, and message vs original on rows that have an original."""
    truth = np.asarray(test.labels)
    out: dict[str, Any] = {}
    _, pred = topic_predictions(bundle, test.messages)
    out["message"] = topic_metrics(truth, pred, test.label_names)
    rows, originals = topic_texts(test, "original")
    _, pred_o = topic_predictions(bundle, originals)
    out["original_rows_message"] = topic_metrics(truth[rows], pred[rows], test.label_names)
    out["original_rows_original"] = topic_metrics(truth[rows], pred_o, test.label_names)
    ratio = out["original_rows_original"]["macro_f1"] / max(1e-9, out["original_rows_message"]["macro_f1"])
    langs = [detect_language(t) for t in originals]
    for lang in ("ht", "fr"):
        keep = [k for k, code in enumerate(langs) if code == lang]
        sub = [rows[k] for k in keep]
        out[f"original_{lang}"] = topic_metrics(truth[sub], pred_o[keep], test.label_names)
        out[f"original_{lang}_as_message"] = topic_metrics(truth[sub], pred[sub], test.label_names)
    out["summary"] = {
        "macro_f1_message": out["message"]["macro_f1"],
        "micro_f1_message": out["message"]["micro_f1"],
        "macro_f1_same_rows_message": out["original_rows_message"]["macro_f1"],
        "macro_f1_same_rows_original": out["original_rows_original"]["macro_f1"],
        "original_to_message_ratio": round(ratio, 4),
        **{
            f"macro_f1_{kind}_{lang}": out[f"original_{lang}{suffix}"]["macro_f1"]
            for lang in ("ht", "fr")
            for kind, suffix in (("original", ""), ("english_of", "_as_message"))
        },
        **{f"rows_detected_{lang}": out[f"original_{lang}"]["n"] for lang in ("ht", "fr")},
    }
    return out


def evaluate_actionability(bundle: dict[str, Any], test: DisasterData) -> dict[str, float]:
    """Return ROC AUC and F1 at 0.5 of actionability on messages and on originals."""
    truth = actionable(np.asarray(test.labels), test.label_names)
    out = {}
    for kind in ("message", "original"):
        rows, texts = topic_texts(test, kind)
        features = featurize(bundle["featurizer"], bundle.get(LEXICON_KEY), texts)
        probs = bundle["actionability"].predict_proba(features)[:, 1]
        out[f"auc_{kind}"] = round(float(roc_auc_score(truth[rows], probs)), 4)
        out[f"f1_{kind}"] = round(float(f1_score(truth[rows], probs >= 0.5)), 4)
    return out


def evaluate_language(test: DisasterData, languages: tuple[str, ...]) -> dict[str, Any]:
    """Return how English messages and original texts are identified (originals are mostly Creole)."""
    messages = Counter(detect_language(t, languages) for t in test.messages)
    originals = Counter(detect_language(test.originals[i], languages) for i in test.with_original())
    return {
        "english_messages_detected_en": round(messages["en"] / max(1, sum(messages.values())), 4),
        "originals_detected_ht": round(originals["ht"] / max(1, sum(originals.values())), 4),
        "originals_distribution": dict(originals.most_common()),
        "messages_distribution": dict(messages.most_common()),
    }


def evaluate_parity(triage: Any, test: DisasterData) -> dict[str, float]:
    """Return the mean |credibility(original) - credibility(English)| over test rows with an original."""
    rows = test.with_original()
    english = triage.score([test.messages[i] for i in rows])
    original = triage.score([test.originals[i] for i in rows])
    diffs = np.array([abs(a.credibility - b.credibility) for a, b in zip(english, original, strict=True)])
    return {
        "mean_abs_credibility_diff": round(float(diffs.mean()), 4),
        "p90_abs_credibility_diff": round(float(np.quantile(diffs, 0.9)), 4),
        "n": len(rows),
        "mean_credibility_english": round(float(np.mean([r.credibility for r in english])), 4),
        "mean_credibility_original": round(float(np.mean([r.credibility for r in original])), 4),
    }
