"""Training of the default triage bundle on the protocols' train splits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, matthews_corrcoef
from sklearn.model_selection import cross_val_predict

from ml.data import ACTIONABILITY_LABELS, DisasterData, SmsData
from ml.pipeline import make_binary_head, make_featurizer, make_multilabel_head, make_spam_head, shrink

MAX_BLOCKED_HAM = 0.002
VALIDATION_SHARE = 0.15
THRESHOLD_GRID = np.round(np.arange(0.02, 0.91, 0.02), 2)
Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def choose_spam_threshold(labels: np.ndarray, scores: np.ndarray, max_bh: float = MAX_BLOCKED_HAM) -> float:
    """Return the score threshold with the best MCC whose ham-blocked rate stays within max_bh."""
    hams = max(1, int((labels == 0).sum()))
    best, best_threshold = -2.0, 0.5
    candidates = np.unique(scores)
    for low, high in zip(candidates[:-1], candidates[1:], strict=True):
        threshold = float((low + high) / 2)
        flagged = scores >= threshold
        if (flagged & (labels == 0)).sum() / hams > max_bh:
            continue
        mcc = matthews_corrcoef(labels, flagged)
        if mcc > best:
            best, best_threshold = mcc, threshold
    return best_threshold


def train_spam(data: SmsData, seed: int = 0) -> tuple[Any, float, dict[str, float]]:
    """Fit the spam head on data; pick its threshold on the out-of-fold calibrated scores of the same data."""
    X = make_featurizer().transform(data.texts)
    y = np.asarray(data.labels)
    head = make_spam_head(seed=seed).fit(X, y)
    calibrated = head.named_steps["model"]
    linear = make_spam_head(seed=seed)
    linear.steps[-1] = ("model", calibrated.estimator)
    oof_margin = cross_val_predict(linear, X, y, cv=calibrated.cv, method="decision_function")
    oof = calibrated.calibrated_classifiers_[0].calibrators[0].predict(oof_margin)
    threshold = choose_spam_threshold(y, oof)
    oof_mcc = float(matthews_corrcoef(y, oof >= threshold))
    return shrink(head), threshold, {"oof_mcc": round(oof_mcc, 4), "threshold": round(threshold, 4)}


def topic_examples(data: DisasterData, text: str = "both") -> tuple[list[str], np.ndarray]:
    """Return training texts and label rows: each message, plus its original text as a separate example."""
    texts, rows = [], []
    originals = set(data.with_original())
    for i, message in enumerate(data.messages):
        if text in ("both", "message"):
            texts.append(message)
            rows.append(data.labels[i])
        if text in ("both", "original") and i in originals:
            texts.append(data.originals[i])
            rows.append(data.labels[i])
    return texts, np.asarray(rows, dtype=np.int8).reshape(len(rows), len(data.label_names))


def validation_split(data: DisasterData, share: float = VALIDATION_SHARE, seed: int = 0) -> tuple[list, list]:
    """Split row positions of a train set by id into (fit, validation), never mixing an id's texts."""
    rng = np.random.default_rng(seed)
    draw = rng.random(len(data.ids))
    return [i for i in range(len(data.ids)) if draw[i] >= share], [i for i in range(len(data.ids)) if draw[i] < share]


def tune_thresholds(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Return per-label probability thresholds maximising F1 on a validation set."""
    out = np.full(labels.shape[1], 0.5)
    for j in range(labels.shape[1]):
        if labels[:, j].sum() == 0:
            continue
        scores = [f1_score(labels[:, j], probs[:, j] >= t, zero_division=0) for t in THRESHOLD_GRID]
        out[j] = THRESHOLD_GRID[int(np.argmax(scores))]
    return out


def actionable(rows: np.ndarray, names: list[str]) -> np.ndarray:
    """Return the actionability target: related and (request or direct_report)."""
    idx = {name: names.index(name) for name in ACTIONABILITY_LABELS}
    return (rows[:, idx["related"]] & (rows[:, idx["request"]] | rows[:, idx["direct_report"]])).astype(int)


def train_topics(data: DisasterData, progress: Progress = _quiet, jobs: int | None = None) -> dict[str, Any]:
    """Fit topic and actionability heads; tune per-label thresholds on a validation split of data."""
    featurizer = make_featurizer()
    fit_rows, val_rows = validation_split(data)
    progress("topics: tuning thresholds on the validation split")
    texts, Y = topic_examples(data.subset(fit_rows))
    val_texts, val_Y = topic_examples(data.subset(val_rows))
    probe = make_multilabel_head(jobs=jobs).fit(featurizer.transform(texts), Y)
    thresholds = tune_thresholds(val_Y, probe.predict_proba(featurizer.transform(val_texts)))
    progress("topics: fitting on the whole train split")
    texts, Y = topic_examples(data)
    X = featurizer.transform(texts)
    topics = make_multilabel_head(jobs=jobs).fit(X, Y)
    progress("actionability: fitting")
    action = make_binary_head().fit(X, actionable(Y, data.label_names))
    return {"topics": shrink(topics), "topic_thresholds": thresholds.astype(np.float32),
            "topic_labels": list(data.label_names), "actionability": shrink(action)}


def build_bundle(sms_train: SmsData, disaster_train: DisasterData, progress: Progress = _quiet,
                 jobs: int | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train every head and return (bundle, training notes)."""
    progress("spam: fitting and choosing the threshold")
    spam, threshold, spam_notes = train_spam(sms_train)
    bundle = {"featurizer": make_featurizer(), "spam": spam, "spam_threshold": threshold}
    bundle.update(train_topics(disaster_train, progress, jobs))
    notes = {"spam": spam_notes, "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    return bundle, notes


def model_version(trained_at: str) -> str:
    """Return the model version string for a training time."""
    stamp = trained_at.replace("-", "").replace(":", "").replace("+0000", "")[:15]
    return f"triage-{stamp}"


def default_out() -> Path:
    """Return the directory of the shipped default model."""
    return Path(__file__).resolve().parent / "models" / "default"
