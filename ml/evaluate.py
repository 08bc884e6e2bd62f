"""Evaluation on the documented protocols: spam, topics, actionability, language and parity."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
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
        "hams_blocked": int((flagged & ~labels).sum()),
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


BOOTSTRAP_REPS = 1000


def bootstrap_interval(
    statistic: Callable[..., float], *arrays: np.ndarray, reps: int = BOOTSTRAP_REPS, seed: int = 0
) -> list[float]:
    """Return the 95 % percentile bootstrap interval of statistic(*arrays) over rows resampled with replacement."""
    arrays = tuple(np.asarray(a) for a in arrays)
    rng = np.random.default_rng(seed)
    n = len(arrays[0])
    values = []
    for _ in range(reps):
        rows = rng.integers(0, n, n)
        try:
            values.append(statistic(*(a[rows] for a in arrays)))
        except ValueError:  # a resample with one class only
            continue
    low, high = np.quantile(values, [0.025, 0.975])
    return [round(float(low), 4), round(float(high), 4)]


def _auc(truth: np.ndarray, scores: np.ndarray) -> float:
    return float(roc_auc_score(truth, scores))


def _macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(f1_score(truth, predicted, average=None, zero_division=0)))


def _mcc(truth: np.ndarray, flagged: np.ndarray) -> float:
    return float(matthews_corrcoef(truth, flagged))


def evaluate_spam_on_genuine(bundle: dict[str, Any], test: DisasterData) -> dict[str, Any]:
    """Return the share of genuine reports (every disaster message and original text) the spam decision flags,
    overall, per genre and for the originals, with a bootstrap interval of the overall share."""
    rows = test.with_original()
    texts = list(test.messages) + [test.originals[i] for i in rows]
    genres = np.array(list(test.genres) + [test.genres[i] for i in rows])
    kinds = np.array(["message"] * len(test.messages) + ["original"] * len(rows))
    flagged = (spam_scores(bundle, texts) >= bundle["spam_threshold"]).astype(float)
    out: dict[str, Any] = {
        "flagged_percent": round(100 * float(flagged.mean()), 3),
        "flagged_percent_ci95": [round(100 * v, 3) for v in bootstrap_interval(np.mean, flagged)],
        "flagged": int(flagged.sum()),
        "n": len(texts),
    }
    for genre in sorted(set(genres)):
        out[f"flagged_percent_{genre}"] = round(100 * float(flagged[genres == genre].mean()), 3)
    out["flagged_percent_originals"] = round(100 * float(flagged[kinds == "original"].mean()), 3)
    return out


def evaluate_scores(triage: Any, test: DisasterData) -> dict[str, Any]:
    """Return relevance AUC against `related` and credibility AUC against the actionable label on the test
    messages, each text factor's AUC beside it, with bootstrap intervals."""
    labels = np.asarray(test.labels)
    related = labels[:, test.label_names.index("related")]
    target = actionable(labels, test.label_names)
    results = triage.score(list(test.messages))
    relevance = np.array([r.relevance for r in results])
    credibility = np.array([r.credibility for r in results])
    out: dict[str, Any] = {
        "relevance_auc_related": round(_auc(related, relevance), 4),
        "relevance_auc_related_ci95": bootstrap_interval(_auc, related, relevance),
        "credibility_auc_actionable": round(_auc(target, credibility), 4),
        "credibility_auc_actionable_ci95": bootstrap_interval(_auc, target, credibility),
    }
    for name in ("not_spam", "relevance", "actionability", "specificity"):
        values = np.array([next((f.value for f in r.factors if f.name == name), 0.0) for r in results])
        out[f"factor_auc_actionable_{name}"] = round(_auc(target, values), 4)
    return out


def headline_intervals(bundle: dict[str, Any], sms_test: SmsData, dis_test: DisasterData) -> dict[str, list[float]]:
    """Return bootstrap 95 % intervals of the spam MCC and of the English topic macro-F1 on the test splits."""
    truth = np.asarray(sms_test.labels)
    flagged = spam_scores(bundle, sms_test.texts) >= bundle["spam_threshold"]
    _, predicted = topic_predictions(bundle, dis_test.messages)
    return {
        "spam_MCC_ci95": bootstrap_interval(_mcc, truth, flagged),
        "topics_macro_f1_message_ci95": bootstrap_interval(_macro_f1, np.asarray(dis_test.labels), predicted),
    }
