"""End-to-end workflows behind the commands: train and save the default model, evaluate a model."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ml.artefacts import CARD_FILE, METADATA_FILE, ArtefactError, library_versions, read_metadata, save_artefact
from ml.card import render_card
from ml.data import DataError, DisasterData, SmsData, load_disaster, load_sms
from ml.evaluate import (
    evaluate_actionability,
    evaluate_language,
    evaluate_parity,
    evaluate_scores,
    evaluate_spam,
    evaluate_spam_on_genuine,
    evaluate_topics,
    headline_intervals,
    topic_metrics,
    topic_predictions,
)
from ml.pipeline import shrink
from ml.predict import Triage
from ml.train import build_bundle, default_out, model_version

SPLIT = (
    "SMS: train = first 1,674 lines, test = last 3,900; disaster: test = id % 5 == 0, train = the rest "
    "(thresholds, calibration, the relevance head and the credibility weights are fitted on grouped 5-fold "
    "out-of-fold scores of the train ids). No test row is used for training or for choosing."
)


def evaluate_bundle(
    bundle: dict[str, Any],
    meta: dict[str, Any],
    sms_test: SmsData,
    dis_test: DisasterData,
    progress: Callable[[str], None],
) -> dict[str, Any]:
    """Return held-out metrics of a bundle on the protocols' test splits (DataError if the label sets differ)."""
    labels, names = list(bundle["topic_labels"]), list(dis_test.label_names)
    if labels != names:
        missing, extra = sorted(set(names) - set(labels)), sorted(set(labels) - set(names))
        raise DataError(
            f"the model's {len(labels)} topic labels differ from the data's {len(names)} "
            f"(data only: {missing[:5]}, model only: {extra[:5]}, or another order)"
        )
    progress("evaluating spam")
    metrics: dict[str, Any] = {"spam": evaluate_spam(bundle, sms_test)[0]}
    progress("evaluating topics and actionability")
    topics = evaluate_topics(bundle, dis_test)
    metrics["topics"] = topics["summary"]
    metrics["topics_per_label_f1"] = topics["message"]["per_label_f1"]
    metrics["actionability"] = evaluate_actionability(bundle, dis_test)
    metrics["spam_on_genuine_reports"] = evaluate_spam_on_genuine(bundle, dis_test)
    progress("evaluating language identification, relevance and credibility")
    metrics["language"] = evaluate_language(dis_test, ("en", "es", "fr", "ar", "ht"))
    triage = Triage(bundle, meta)
    metrics["relevance_and_credibility"] = evaluate_scores(triage, dis_test)
    metrics["credibility_parity"] = evaluate_parity(triage, dis_test)
    metrics["intervals"] = headline_intervals(bundle, sms_test, dis_test)
    return metrics


def log_entry(meta: dict[str, Any], kept: str) -> dict[str, Any]:
    """Return the evaluation-log line of a model evaluated on the test splits: date, candidate, figures, kept."""
    metrics = meta.get("metrics", {})
    scores = metrics.get("relevance_and_credibility", {})
    figures = {
        "spam_MCC": metrics.get("spam", {}).get("MCC"),
        "spam_BH_percent": metrics.get("spam", {}).get("BH_percent"),
        "genuine_flagged_percent": metrics.get("spam_on_genuine_reports", {}).get("flagged_percent"),
        "topics_macro_f1": metrics.get("topics", {}).get("macro_f1_message"),
        "relevance_auc": scores.get("relevance_auc_related"),
        "credibility_auc": scores.get("credibility_auc_actionable"),
    }
    date = dt.datetime.now(dt.UTC).date().isoformat()
    return {"date": date, "candidate": meta.get("model_version"), "figures": figures, "kept": kept}


def _headline(bundle: dict[str, Any], sms_test: SmsData, dis_test: DisasterData) -> dict[str, float]:
    """Return spam MCC and topic macro-F1 on the test splits (to measure what float32 storage costs)."""
    _, predicted = topic_predictions(bundle, dis_test.messages)
    macro = topic_metrics(np.asarray(dis_test.labels), predicted, dis_test.label_names)["macro_f1"]
    return {"spam_MCC": evaluate_spam(bundle, sms_test)[0]["MCC"], "topics_macro_f1": macro}


def train_default_model(
    data_dir: Path, out: Path, progress: Callable[[str], None], jobs: int | None = None
) -> dict[str, Any]:
    """Train every head on the train splits, evaluate on the test splits and save the artefact in out."""
    sms, dis = load_sms(data_dir), load_disaster(data_dir)
    (sms_train, sms_test), (dis_train, dis_test) = sms.split(), dis.split()
    bundle, notes = build_bundle(sms_train, dis_train, progress, jobs, compact=False)
    full_precision = _headline(bundle, sms_test, dis_test)
    shrink(bundle["featurizer"], bundle["spam"], bundle["topics"], bundle["actionability"])
    meta: dict[str, Any] = {
        "model_version": model_version(notes["trained_at"]),
        "trained_at": notes["trained_at"],
        "data": {
            "sha256": {"SMSSpamCollection": sms.sha256, **{f"disaster_{k}": v for k, v in dis.sha256.items()}},
            "split": SPLIT,
        },
        "library_versions": library_versions(),
        "training": notes,
        "labelled_languages": notes["topics"]["labelled_languages"],
        "actionability_prior": notes["topics"]["actionability_prior"],
        "relevance_prior": notes["topics"]["relevance_prior"],
        "credibility_weights": notes["credibility"]["weights"],
        "notes": _recipe_notes(),
    }
    meta["metrics"] = evaluate_bundle(
        bundle, {**meta, "topic_labels": bundle["topic_labels"]}, sms_test, dis_test, progress
    )
    meta["metrics"]["compression_cost"] = {
        **{f"float64_{k}": v for k, v in full_precision.items()},
        **{f"float32_{k}": v for k, v in _headline(bundle, sms_test, dis_test).items()},
    }
    kept = "kept: saved as the shipped model" if Path(out).resolve() == default_out() else f"saved to {out}"
    meta["evaluation_log"] = [*_previous_log(), log_entry(meta, kept)]
    return save_artefact(out, bundle, meta, render_card(meta))


def _recipe_notes() -> list[str]:
    """The shipped model's measurement notes (what was tried, chosen on validation, and why): they describe this
    training recipe, so a model retrained with it keeps them in its card."""
    try:
        return list(read_metadata(default_out()).get("notes", []))
    except ArtefactError:
        return []


def _previous_log() -> list[dict[str, Any]]:
    """The shipped model's log of evaluations on the test splits (every model trained with this recipe adds one)."""
    try:
        return list(read_metadata(default_out()).get("evaluation_log", []))
    except ArtefactError:
        return []


def attach_speed(directory: Path, figures: dict[str, Any]) -> dict[str, Any]:
    """Record bench figures in an artefact's metadata.json and model card (the model file is unchanged)."""
    return update_metadata(directory, speed=figures)


def update_metadata(directory: Path, **fields: Any) -> dict[str, Any]:
    """Set fields of an artefact's metadata.json and re-render its model card (the model file is unchanged)."""
    meta = read_metadata(directory)
    meta.update(fields)
    (Path(directory) / METADATA_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (Path(directory) / CARD_FILE).write_text(render_card(meta), encoding="utf-8")
    return meta


def measure_in_subprocess(directory: Path, data_dir: Path, count: int = 5000) -> dict[str, Any]:
    """Run `python -m ml bench --json` on a model in a fresh process (so RSS is the scoring process's)."""
    command = [
        sys.executable,
        "-m",
        "ml",
        "bench",
        "--json",
        "--model",
        str(directory),
        "--data-dir",
        str(data_dir),
        "--n",
        str(count),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603 - fixed argv
    return json.loads(done.stdout.strip().splitlines()[-1])
