"""Training of the default triage bundle on the protocols' train splits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import matthews_corrcoef

from ml.data import ACTIONABILITY_LABELS, DisasterData, SmsData
from ml.language import detect_language
from ml.pipeline import make_binary_model, make_featurizer, make_multilabel_model, shrink
from ml.spam import make_spam_model, spam_groups
from ml.xling import LEXICON_KEY, learn_lexicon, model_texts, parallel_pairs

MAX_BLOCKED_HAM = 0.001  # at most 1 of the ~1,436 train hams out of fold (grouped CV: 0.002 let more through)
TOPIC_C = 2.0  # chosen on validation splits of the train ids (C 0.25-16 compared; 1 and 2 tie, 4 is worse)
VALIDATION_SHARE = 0.15
ORIGINAL_WEIGHT = 0.5  # weight of an original-text example (pseudo-translated); chosen on validation splits
THRESHOLD_GRID = np.round(np.arange(0.02, 0.91, 0.02), 2)
Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def choose_spam_threshold(labels: np.ndarray, scores: np.ndarray, max_bh: float = MAX_BLOCKED_HAM) -> float:
    """Return the threshold with the best MCC blocking at most max_bh of the hams (at least one ham allowed)."""
    allowed = max(1, int(max_bh * int((labels == 0).sum())))
    best, best_threshold = -2.0, 0.5
    candidates = np.unique(scores)
    for low, high in zip(candidates[:-1], candidates[1:], strict=True):
        threshold = float((low + high) / 2)
        flagged = scores >= threshold
        if (flagged & (labels == 0)).sum() > allowed:
            continue
        mcc = matthews_corrcoef(labels, flagged)
        if mcc > best:
            best, best_threshold = mcc, threshold
    return best_threshold


def fit_featurizer(sms: SmsData | None, disaster: DisasterData | None) -> Any:
    """Fit the shared featurizer on the train texts (selection balanced between the two corpora)."""
    texts, groups = [], []
    if sms is not None:
        texts += sms.texts
        groups += [0] * len(sms.texts)
    if disaster is not None:
        more = topic_examples(disaster)[0]
        texts += more
        groups += [1] * len(more)
    return make_featurizer().fit(texts, select__groups=np.asarray(groups))


def train_spam(data: SmsData, seed: int = 0) -> tuple[Any, float, dict[str, float]]:
    """Fit the spam model (texts in); pick its threshold on grouped out-of-fold calibrated scores of the same data."""
    y = np.asarray(data.labels)
    model = make_spam_model(seed=seed).fit(data.texts, y, head__groups=spam_groups(data.texts))
    head = model.named_steps["head"]
    oof = head.oof_proba_
    del head.oof_proba_
    threshold = choose_spam_threshold(y, oof)
    oof_mcc = float(matthews_corrcoef(y, oof >= threshold))
    return model, threshold, {"oof_mcc": round(oof_mcc, 4), "threshold": round(threshold, 4)}


def topic_examples(
    data: DisasterData, text: str = "both", lexicon: dict[str, str] | None = None
) -> tuple[list[str], np.ndarray]:
    """Return training texts and label rows: each message, plus its original text as a separate example.

    With a lexicon, every text not detected as English is pseudo-translated exactly as at inference.
    """
    texts, rows = [], []
    originals = set(data.with_original())
    for i, message in enumerate(data.messages):
        if text in ("both", "message"):
            texts.append(message)
            rows.append(data.labels[i])
        if text in ("both", "original") and i in originals:
            texts.append(data.originals[i])
            rows.append(data.labels[i])
    if lexicon:
        texts = model_texts(lexicon, texts, [detect_language(t) for t in texts])
    return texts, np.asarray(rows, dtype=np.int8).reshape(len(rows), len(data.label_names))


def example_weights(data: DisasterData, original_weight: float = ORIGINAL_WEIGHT) -> np.ndarray:
    """Return the sample weight of each topic_examples(data) example: 1 per message, original_weight per original."""
    originals = set(data.with_original())
    weights: list[float] = []
    for i in range(len(data.ids)):
        weights.append(1.0)
        if i in originals:
            weights.append(original_weight)
    return np.asarray(weights)


def validation_split(data: DisasterData, share: float = VALIDATION_SHARE, seed: int = 0) -> tuple[list, list]:
    """Split row positions of a train set by id into (fit, validation), never mixing an id's texts."""
    rng = np.random.default_rng(seed)
    draw = rng.random(len(data.ids))
    return [i for i in range(len(data.ids)) if draw[i] >= share], [i for i in range(len(data.ids)) if draw[i] < share]


def best_f1_threshold(truth: np.ndarray, probs: np.ndarray, grid: np.ndarray = THRESHOLD_GRID) -> float:
    """Return the grid threshold with the best F1 for one label (vectorised over the grid)."""
    flagged = probs[:, None] >= grid[None, :]
    positive = truth.astype(bool)[:, None]
    tp = (flagged & positive).sum(axis=0)
    f1 = 2 * tp / np.maximum(1, flagged.sum(axis=0) + positive.sum())
    return float(grid[int(np.argmax(f1))])


def tune_thresholds(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Return per-label probability thresholds maximising F1 on a validation set."""
    return np.array(
        [best_f1_threshold(labels[:, j], probs[:, j]) if labels[:, j].any() else 0.5 for j in range(labels.shape[1])]
    )


def actionable(rows: np.ndarray, names: list[str]) -> np.ndarray:
    """Return the actionability target: related and (request or direct_report)."""
    idx = {name: names.index(name) for name in ACTIONABILITY_LABELS}
    return (rows[:, idx["related"]] & (rows[:, idx["request"]] | rows[:, idx["direct_report"]])).astype(int)


def train_topics(
    data: DisasterData, featurizer: Any = None, progress: Progress = _quiet, jobs: int | None = None
) -> dict[str, Any]:
    """Fit topic and actionability models; tune per-label thresholds (English, original) on a validation split.

    Non-English texts are pseudo-translated with a word lexicon learned from the parallel pairs (ml.xling); the
    probe that tunes the thresholds uses a lexicon learned from the fit rows only.
    """
    featurizer = featurizer or fit_featurizer(None, data)
    fit_rows, val_rows = validation_split(data)
    progress("topics: tuning thresholds on the validation split")
    fit_data = data.subset(fit_rows)
    probe_lexicon = learn_lexicon(*parallel_pairs(fit_data))
    texts, Y = topic_examples(fit_data, lexicon=probe_lexicon)
    probe = make_multilabel_model(TOPIC_C, jobs=jobs).fit(
        featurizer.transform(texts), Y, sample_weight=example_weights(fit_data)
    )
    thresholds = {}
    for kind in ("message", "original"):
        val_texts, val_Y = topic_examples(data.subset(val_rows), kind, probe_lexicon)
        thresholds[kind] = tune_thresholds(val_Y, probe.predict_proba(featurizer.transform(val_texts)))
    progress("topics: fitting on the whole train split")
    lexicon = learn_lexicon(*parallel_pairs(data))
    texts, Y = topic_examples(data, lexicon=lexicon)
    X = featurizer.transform(texts)
    topics = make_multilabel_model(TOPIC_C, jobs=jobs).fit(X, Y, sample_weight=example_weights(data))
    progress("actionability: fitting")
    action = make_binary_model().fit(X, actionable(Y, data.label_names))
    return {
        "featurizer": featurizer,
        "topics": topics,
        "topic_thresholds": thresholds["message"].astype(np.float32),
        "topic_thresholds_original": thresholds["original"].astype(np.float32),
        "topic_labels": list(data.label_names),
        "actionability": action,
        LEXICON_KEY: lexicon,
    }


def build_bundle(
    sms_train: SmsData,
    disaster_train: DisasterData,
    progress: Progress = _quiet,
    jobs: int | None = None,
    compact: bool = True,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train the shared featurizer and every model; return (bundle, training notes)."""
    progress("featurizer: hashing and selecting n-grams")
    featurizer = fit_featurizer(sms_train, disaster_train)
    progress("spam: fitting and choosing the threshold")
    spam, threshold, spam_notes = train_spam(sms_train)
    bundle = {"spam": spam, "spam_threshold": threshold}
    bundle.update(train_topics(disaster_train, featurizer, progress, jobs))
    if compact:
        shrink(featurizer, spam, bundle["topics"], bundle["actionability"])
    notes = {"spam": spam_notes, "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    return bundle, notes


def model_version(trained_at: str) -> str:
    """Return the model version string for a training time."""
    stamp = trained_at.replace("-", "").replace(":", "").replace("+0000", "")[:15]
    return f"triage-{stamp}"


def default_out() -> Path:
    """Return the directory of the shipped default model."""
    return Path(__file__).resolve().parent / "models" / "default"
