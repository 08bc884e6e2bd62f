"""Training of the default triage bundle on the protocols' train splits."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import expit
from sklearn.metrics import f1_score, matthews_corrcoef

from ml.data import ACTIONABILITY_LABELS, DataError, DisasterData, SmsData
from ml.factors import fit_credibility, fit_relevance
from ml.language import detect_language
from ml.pipeline import make_binary_model, make_featurizer, make_multilabel_model, platt, shrink
from ml.spam import make_spam_model, spam_groups
from ml.xling import LEXICON_KEY, featurize, learn_lexicon, model_texts, parallel_pairs

MAX_BLOCKED_HAM = 0.001  # at most 1 of the ~1,436 train hams out of fold (grouped CV: 0.002 let more through)
MAX_FLAGGED_GENUINE = 0.002  # at most 0.2 % of the genuine train reports (disaster messages) out of fold
GENUINE_WEIGHT = 0.05  # a genuine report weighs this much of an SMS ham in the spam fit (0.05 / 0.2 / 1 compared)
SPAM_C_WITH_GENUINE = 10.0  # C of the spam fit with genuine reports (10 / 100 compared out of fold)
TOPIC_C = 2.0  # chosen on validation splits of the train ids (C 0.25-16 compared; 1 and 2 tie, 4 is worse)
THRESHOLD_FOLDS = 5
TOPIC_HEAD = "nbsvm+svm"  # summed linear SVM and NB-SVM margins; chosen on grouped 5-fold CV of the train ids
THRESHOLD_GRID = np.round(np.arange(0.02, 0.91, 0.02), 2)
Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def choose_spam_threshold(
    labels: np.ndarray,
    scores: np.ndarray,
    max_bh: float = MAX_BLOCKED_HAM,
    genuine: np.ndarray | None = None,
    max_genuine: float = MAX_FLAGGED_GENUINE,
) -> float:
    """Return the threshold with the best MCC blocking at most max_bh of the hams (at least one ham allowed) and
    flagging at most max_genuine of the genuine reports' scores (if given)."""
    allowed = max(1, int(max_bh * int((labels == 0).sum())))
    genuine = np.sort(np.zeros(0) if genuine is None else np.asarray(genuine))
    allowed_genuine = int(max_genuine * len(genuine))
    best, best_threshold = -2.0, 0.5
    candidates = np.unique(scores)
    for low, high in zip(candidates[:-1], candidates[1:], strict=True):
        threshold = float((low + high) / 2)
        flagged = scores >= threshold
        if (flagged & (labels == 0)).sum() > allowed:
            continue
        if len(genuine) - np.searchsorted(genuine, threshold) > allowed_genuine:
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
    """Fit the spam model on the SMS alone (texts in); see fit_spam."""
    model, threshold, notes, _ = fit_spam(data, [], np.zeros(0, dtype=int), seed)
    return model, threshold, notes


def genuine_reports(data: DisasterData) -> tuple[list[str], np.ndarray]:
    """Return every message and original text of the disaster rows (genuine reports), grouped by row."""
    rows = data.with_original()
    texts = list(data.messages) + [data.originals[i] for i in rows]
    return texts, np.concatenate([np.arange(len(data.messages)), np.asarray(rows, dtype=int)])


def fit_spam(
    data: SmsData, genuine: list[str], genuine_groups: np.ndarray, seed: int = 0
) -> tuple[Any, float, dict[str, float], np.ndarray]:
    """Fit the spam model (texts in) on the SMS plus genuine reports as extra ham; pick its threshold on grouped
    out-of-fold calibrated scores (best SMS MCC, few SMS hams blocked, few genuine reports flagged); return it
    with the out-of-fold spam probabilities of the SMS, then of the genuine reports."""
    y = np.asarray(data.labels, dtype=int)
    model = make_spam_model(seed=seed, c=SPAM_C_WITH_GENUINE) if len(genuine) else make_spam_model(seed=seed)
    folds, counts = model.named_steps["head"].folds, np.bincount(y, minlength=2)
    if counts.min() < folds:
        raise DataError(f"spam training needs {folds} spam and {folds} ham texts; got {counts[1]} and {counts[0]}")
    sms_groups = spam_groups(data.texts)
    groups = np.concatenate([sms_groups, sms_groups.max() + 1 + np.asarray(genuine_groups, dtype=int)])
    weights = None
    if len(genuine):  # classes balanced by weight: the spam weighs as much as the SMS hams and the genuine reports
        hams = counts[0] + GENUINE_WEIGHT * len(genuine)
        weights = np.concatenate([np.where(y == 1, hams / counts[1], 1.0), np.full(len(genuine), GENUINE_WEIGHT)])
    texts, labels = list(data.texts) + list(genuine), np.concatenate([y, np.zeros(len(genuine), int)])
    model.fit(texts, labels, head__groups=groups, head__sample_weight=weights)
    head = model.named_steps["head"]
    every = head.oof_proba_
    oof, genuine_oof = every[: len(y)], every[len(y) :]
    del head.oof_proba_
    threshold = choose_spam_threshold(y, oof, genuine=genuine_oof)
    notes = {
        "oof_mcc": round(float(matthews_corrcoef(y, oof >= threshold)), 4),
        "threshold": round(threshold, 4),
        "genuine_reports": len(genuine),
        "oof_genuine_flagged_percent": round(100 * float((genuine_oof >= threshold).mean()), 3) if genuine else 0.0,
    }
    return model, threshold, notes, every


@lru_cache(maxsize=65536)
def _language(text: str) -> str:
    """detect_language, once per distinct training text (every cross-validation fold sees the same texts)."""
    return detect_language(text)


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
        texts = model_texts(lexicon, texts, [_language(t) for t in texts])
    return texts, np.asarray(rows, dtype=np.int8).reshape(len(rows), len(data.label_names))


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


def id_folds(n_rows: int, folds: int = THRESHOLD_FOLDS, seed: int = 0) -> np.ndarray:
    """Return a fold number per row (= per id), so an id's message and original always share a fold."""
    return np.random.default_rng(seed).permutation(n_rows) % folds


def _fit_topics(data: DisasterData, featurizer: Any, jobs: int | None) -> tuple[Any, dict[str, str], Any, np.ndarray]:
    """Learn the lexicon from data's parallel pairs, fit the topic heads on its examples; return them with X, Y."""
    lexicon = learn_lexicon(*parallel_pairs(data))
    texts, Y = topic_examples(data, lexicon=lexicon)
    X = featurizer.transform(texts)
    return make_multilabel_model(TOPIC_C, jobs=jobs, head=TOPIC_HEAD).fit(X, Y), lexicon, X, Y


def out_of_fold_margins(
    data: DisasterData, featurizer: Any, jobs: int | None = None, progress: Progress = _quiet
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (fold per row, message margins, original margins, message actionability probabilities) from models
    that never saw the row's id.

    Each fold learns its own lexicon, so a held-out original is never translated with its own pair.
    """
    fold = id_folds(len(data.ids))
    originals = data.with_original()
    message = np.zeros((len(data.ids), len(data.label_names)))
    original = np.zeros((len(originals), len(data.label_names)))
    action = np.zeros(len(data.ids))
    for k in range(THRESHOLD_FOLDS):
        progress(f"topics: out-of-fold scores, fold {k + 1} of {THRESHOLD_FOLDS}")
        fit_rows = [i for i in range(len(data.ids)) if fold[i] != k]
        model, lexicon, X, Y = _fit_topics(data.subset(fit_rows), featurizer, jobs)
        held = np.flatnonzero(fold == k)
        texts = [data.messages[i] for i in held]
        features = featurize(featurizer, lexicon, texts, [_language(t) for t in texts])
        message[held] = model.decision_function(features)
        target = actionable(Y, data.label_names)
        if len(np.unique(target)) < 2:  # a small sample may hold one class only in a fold: its rate is the score
            action[held] = target.mean()
        else:
            action[held] = make_binary_model().fit(X, target).predict_proba(features)[:, 1]
        held_o = [n for n, i in enumerate(originals) if fold[i] == k]
        if not held_o:  # a small sample may hold no original text in this fold
            continue
        texts = [data.originals[originals[n]] for n in held_o]
        original[held_o] = model.decision_function(featurize(featurizer, lexicon, texts, [_language(t) for t in texts]))
    return fold, message, original, action


def cross_fold_macro_f1(labels: np.ndarray, probs: np.ndarray, fold: np.ndarray) -> float:
    """Return the macro-F1 of out-of-fold probabilities, each fold judged with thresholds tuned on the others."""
    predicted = np.zeros_like(labels)
    for k in np.unique(fold):
        tuned = tune_thresholds(labels[fold != k], probs[fold != k])
        predicted[fold == k] = probs[fold == k] >= tuned
    return float(f1_score(labels, predicted, average="macro", zero_division=0))


MIN_LABELLED_TEXTS = 500  # a language with fewer labelled training texts is one the heads cannot read


def coverage(data: DisasterData) -> dict[str, Any]:
    """Return the languages with at least MIN_LABELLED_TEXTS labelled training texts, and the share of actionable
    messages (the floor of a tip in any other language: see Triage.actionability_floor)."""
    texts, _ = topic_examples(data)
    counts = Counter(_language(text) for text in texts)
    enough = min(MIN_LABELLED_TEXTS, 0.05 * len(texts))  # a small sample: its main languages
    labelled = sorted(lang for lang, n in counts.items() if n >= enough and lang != "und")
    labels = np.asarray(data.labels)
    prior = float(actionable(labels, data.label_names).mean())
    related = float(labels[:, data.label_names.index("related")].mean()) if "related" in data.label_names else 0.0
    return {
        "labelled_languages": labelled,
        "actionability_prior": round(prior, 4),
        "relevance_prior": round(related, 4),
    }


def _check_topic_data(data: DisasterData) -> None:
    """Raise DataError unless data has a row per fold, original texts, and actionable and other messages."""
    enough = len(data.ids) >= THRESHOLD_FOLDS and data.with_original()
    if not enough or len(set(actionable(np.asarray(data.labels), data.label_names))) < 2:
        raise DataError(
            f"topic training needs {THRESHOLD_FOLDS} rows or more, some with an original text, "
            "and both actionable and other messages (a larger sample?)"
        )


def train_topics(
    data: DisasterData, featurizer: Any = None, progress: Progress = _quiet, jobs: int | None = None
) -> dict[str, Any]:
    """Fit topic and actionability models; calibrate and tune per-label thresholds on out-of-fold scores.

    Non-English texts are pseudo-translated with a word lexicon learned from the parallel pairs (ml.xling).
    Thresholds are tuned separately for English and for original-language text, chosen per tip by its language.
    """
    _check_topic_data(data)
    featurizer = featurizer or fit_featurizer(None, data)
    fold, message, original, oof_action = out_of_fold_margins(data, featurizer, jobs, progress)
    labels = np.asarray(data.labels, dtype=np.int8)
    rows = data.with_original()
    scale, shift = platt(np.vstack([message, original]), np.vstack([labels, labels[rows]]))
    message, original = expit(message * scale + shift), expit(original * scale + shift)
    progress("topics: fitting on the whole train split")
    topics, lexicon, X, Y = _fit_topics(data, featurizer, jobs)
    topics.calibrate(scale, shift)
    progress("actionability: fitting")
    action = make_binary_model().fit(X, actionable(Y, data.label_names))
    notes = {
        **coverage(data),
        "cross_fold_macro_f1_message": round(cross_fold_macro_f1(labels, message, fold), 4),
        "cross_fold_macro_f1_original": round(cross_fold_macro_f1(labels[rows], original, fold[rows]), 4),
        "cross_fold_macro_f1_same_rows_message": round(cross_fold_macro_f1(labels[rows], message[rows], fold[rows]), 4),
    }
    return {
        "featurizer": featurizer,
        "topics": topics,
        "topic_thresholds": tune_thresholds(labels, message).astype(np.float32),
        "topic_thresholds_original": tune_thresholds(labels[rows], original).astype(np.float32),
        "topic_labels": list(data.label_names),
        "actionability": action,
        LEXICON_KEY: lexicon,
        "notes": notes,
        "oof": {"fold": fold, "topics": message, "actionability": oof_action},
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
    progress("spam: fitting on the SMS and genuine reports, choosing the threshold")
    genuine, groups = genuine_reports(disaster_train)
    spam, threshold, spam_notes, spam_oof = fit_spam(sms_train, genuine, groups)
    bundle = {"spam": spam, "spam_threshold": threshold}
    bundle.update(train_topics(disaster_train, featurizer, progress, jobs))
    topic_notes, oof = bundle.pop("notes"), bundle.pop("oof")
    progress("relevance and credibility weights: fitting on out-of-fold scores")
    labels = np.asarray(disaster_train.labels)
    head, relevance_notes = fit_relevance(oof["topics"], labels, disaster_train.label_names, oof["fold"])
    if head is not None:
        bundle["relevance"] = head
    sms_oof = spam_oof[: len(sms_train.texts)]
    oof["spam"] = spam_oof[len(sms_train.texts) :][: len(disaster_train.messages)]
    credibility = fit_credibility(
        bundle, disaster_train, oof, actionable(labels, disaster_train.label_names), sms_train, sms_oof
    )
    if compact:
        shrink(featurizer, spam, bundle["topics"], bundle["actionability"])
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    notes = {
        "spam": spam_notes,
        "topics": topic_notes,
        "relevance": relevance_notes,
        "credibility": credibility,
        "trained_at": now,
    }
    return bundle, notes


def model_version(trained_at: str) -> str:
    """Return the model version string for a training time."""
    stamp = trained_at.replace("-", "").replace(":", "").replace("+0000", "")[:15]
    return f"triage-{stamp}"


def default_out() -> Path:
    """Return the directory of the shipped default model."""
    return Path(__file__).resolve().parent / "models" / "default"
