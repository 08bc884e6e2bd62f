"""Rendering of MODEL_CARD.md from the training metadata."""

from __future__ import annotations

from typing import Any

from ml.credibility import WEIGHTS

INTENDED_USE = """\
Ranks tips on a community tip line so that officers read first what is most likely genuine, specific and
actionable. It is a triage aid: every tip stays visible and an officer decides. It must not be used to decide
anything about a person, to refuse a tip automatically, or outside the languages it was measured on."""

LIMITATIONS = """\
- Spam/abuse is learned from 1,674 English SMS (2011, UK/Singapore): non-English spam and modern scams are
  recognised mostly through shared features (URLs, numbers, shortcodes); measure on your own traffic.
- Topics and actionability come from disaster-response messages (Haiti 2010 and others). Deployment categories
  (smuggling, trafficking, ...) come from the deployment's keyword patterns until officers' labels train a model.
- Arabic and Spanish have no labelled training text to speak of (French has 1,190 originals): their topic
  scores rely on shared character n-grams and are less reliable than English and Haitian Creole, and their
  actionability is floored at the average tip's (see the formula) rather than measured.
- Specificity uses word lists and regular expressions (dates, times, vehicles, plates, counts of people, phones,
  e-mails, URLs) plus the deployment's gazetteer: places outside the gazetteer are not found.
- Probabilities are calibrated on the training distributions only.
- Deployment category keywords are matched in every inflection listed by spacy-lookups-data (en, es, fr);
  Haitian Creole and Arabic keywords match as written (use a trailing * for prefixes)."""


def _formula(meta: dict[str, Any]) -> str:
    weights = meta.get("credibility_weights") or WEIGHTS
    terms = " + ".join(f"{w:.3f} x {name}" for name, w in weights.items())
    fit = meta.get("training", {}).get("credibility", {})
    fitted = (
        "The weights of not_spam, relevance, actionability and specificity are fitted: a logistic regression of "
        "the actionable label on those four factors, over the train split's out-of-fold scores (every disaster "
        "message, and every train SMS as not actionable); a factor with a negative coefficient gets weight 0 "
        "(dropped), the others are scaled to share what the three hand-set factors leave. Corroboration, "
        "attachments and followups keep hand-set weights: no training data holds them (refitting them from "
        "officers' verified/unfounded outcomes through `tipline ml retrain` is not done yet)."
        if fit
        else "The weights are set by hand (this model has no fitted weights)."
    )
    if fit:
        fitted += (
            f"\n\nFit: coefficients {_cell(fit.get('coefficients', {}))}; out-of-fold AUC of the weighted sum "
            f"against the actionable label {fit.get('oof_auc')}; "
            f"each factor alone {_cell(fit.get('factor_oof_auc', {}))}."
        )
    return (
        f"credibility = {terms}\n\n{fitted}\n\nwhere not_spam = 1 - P(spam); relevance = P(related) from the relevance "
        "head (see Models); actionability = P(related and (request or "
        "direct_report)); specificity = min(1, distinct kinds of specific entities / 3); corroboration = the "
        "maximum similarity in [0, 1] to prior tips supplied by the web service (0 when absent); attachments "
        "and followups are 1 when present, else 0. No factor depends on the language of the tip, except that a "
        "tip in a deployment language outside labelled_languages (fewer than 500 labelled training texts) gets at "
        "least actionability_prior, the share of actionable training messages, since the model cannot read it "
        "(a tip whose language is unknown, 'und', does not)."
    )


def _cell(value: Any) -> Any:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return value


def _with_interval(value: Any, interval: Any) -> Any:
    return f"{value} [{interval[0]}, {interval[1]}]" if value is not None and interval else value


def _targets(metrics: dict[str, Any], speed: dict[str, Any]) -> str:
    spam, topics = metrics.get("spam", {}), metrics.get("topics", {})
    parity, genuine = metrics.get("credibility_parity", {}), metrics.get("spam_on_genuine_reports", {})
    scores, ci = metrics.get("relevance_and_credibility", {}), metrics.get("intervals", {})
    rows = [
        (
            "disaster test messages and originals flagged as spam % (<= 0.5)",
            _with_interval(genuine.get("flagged_percent"), genuine.get("flagged_percent_ci95")),
        ),
        ("spam MCC (>= 0.95)", _with_interval(spam.get("MCC"), ci.get("spam_MCC_ci95"))),
        ("spam test hams blocked (<= 4)", spam.get("hams_blocked")),
        ("spam ham blocked % (<= 0.10)", spam.get("BH_percent")),
        (
            "credibility AUC against actionable, disaster test (>= 0.86, never below its best factor)",
            _with_interval(scores.get("credibility_auc_actionable"), scores.get("credibility_auc_actionable_ci95")),
        ),
        (
            "relevance AUC against related, disaster test (>= 0.89)",
            _with_interval(scores.get("relevance_auc_related"), scores.get("relevance_auc_related_ci95")),
        ),
        (
            "topics macro-F1, English message (>= 0.50)",
            _with_interval(topics.get("macro_f1_message"), ci.get("topics_macro_f1_message_ci95")),
        ),
        ("original / English macro-F1 on the same rows (>= 0.90)", topics.get("original_to_message_ratio")),
        ("credibility parity, mean abs difference (<= 0.05)", parity.get("mean_abs_credibility_diff")),
        ("batch tips/s on one core (>= 2000)", speed.get("batch_tips_per_second_one_core")),
        ("single tip p50 ms (<= 5)", speed.get("single_tip_p50_ms")),
        ("load seconds (<= 3)", speed.get("load_seconds")),
        ("RSS MB with models loaded (<= 400)", speed.get("rss_mb")),
    ]
    return _table({name: value for name, value in rows if value is not None})


def _log(entries: list[dict[str, Any]]) -> str:
    lines = ["| date | candidate | figures | kept |", "|---|---|---|---|"]
    lines += [
        f"| {e.get('date')} | {e.get('candidate')} | {_cell(e.get('figures', {}))} | {e.get('kept')} |" for e in entries
    ]
    return "\n".join(lines)


def _table(rows: dict[str, Any]) -> str:
    lines = ["| metric | value |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in rows.items()]
    return "\n".join(lines)


def render_card(meta: dict[str, Any]) -> str:
    """Return the model card text for an artefact's metadata."""
    metrics = meta.get("metrics", {})
    sections = [
        f"# Triage model card — {meta.get('model_version', '')}",
        "## Intended use",
        INTENDED_USE,
        "## Data",
        _data_section(meta),
        "## Models",
        MODELS,
        "## Credibility formula",
        _formula(meta),
    ]
    sections += ["## Targets (held-out test splits)", _targets(metrics, meta.get("speed", {}))]
    for name, rows in metrics.items():
        if isinstance(rows, dict):
            flat = {k: _cell(v) for k, v in rows.items()}
            sections += [f"## Metrics: {name}", _table(flat)]
    speed = meta.get("speed")
    if speed:
        sections += ["## Speed (ml bench, one core)", _table(speed)]
    if meta.get("evaluation_log"):
        sections += ["## Log of evaluations on the test splits", _log(meta["evaluation_log"])]
    if meta.get("notes"):
        sections += ["## Measurement notes", "\n".join(f"- {note}" for note in meta["notes"])]
    sections += ["## Limitations", LIMITATIONS, "## Versions", _table(meta.get("library_versions", {}))]
    return "\n\n".join(sections) + "\n"


MODELS = """\
One skops bundle. Spam has its own featurizer: lower-case text in which each run of digits becomes one symbol
for its length (long numbers keep their first two digits, spaced phone numbers are joined first), hashed
word-bounded character 1-5-grams (2^18 buckets) plus cue tokens (currency signs, URLs, ALL-CAPS words, '!',
'&', length and digit-share buckets), sublinear tf-idf and a balanced logistic regression (liblinear, C=100)
whose sigmoid is fitted on grouped 5-fold out-of-fold margins (duplicate texts share a fold); the flag threshold
is the best out-of-fold MCC with at most 0.1 % of the train hams blocked. Topics and actionability share a
featurizer: lower-case, digits mapped to 0, hashed word 1-2-grams and word-bounded character 3-5-grams
(2 x 2^20 buckets), the 80,000 columns with the highest document frequency (the better of the SMS and the
disaster shares), sublinear tf-idf. A tip not detected as English first gets the English words of its known
words appended: a lexicon (up to 3 English words per Creole/French word, t(e|f) >= 0.1, seen in >= 2 pairs)
learned by IBM Model 1 (8 EM iterations) from the train split's parallel (original, English) pairs. Topics: per
label, the summed margins of a linear SVM (C=0.1) and an NB-SVM (a linear SVM, C=0.1, on features scaled by the
label's log-count ratio), folded into one weight matrix, trained on English messages and their
pseudo-translated originals as separate examples; a per-label sigmoid fitted on grouped 5-fold
out-of-fold margins (each fold learns its own lexicon) is folded into the same weights, and per-label thresholds
are tuned on those out-of-fold probabilities, separately for English and for original-language text (chosen by
the detected language of each tip). Actionability: logistic regression (C=4) on related and (request or
direct_report). Weights and idf are stored as float32. Language: py3langid restricted to the deployment
languages on the first 600 characters, Arabic script rule, a Haitian Creole function-word rule (two distinct
Creole words, one not shared with English, French or Spanish); 'und' below 4 letters or 0.6 confidence, when
most letters are in a script no deployment language uses, or when unrestricted py3langid gives another
language >= 0.9."""


def _data_section(meta: dict[str, Any]) -> str:
    data = meta.get("data", {})
    lines = [f"- {name}: sha256 `{digest}`" for name, digest in data.get("sha256", {}).items()]
    lines.append(f"- split: {data.get('split', '')}")
    return "\n".join(lines)
