"""Explainable credibility: a weighted sum of named factors, each with a translatable reason.

The weights of the factors read from the text (not_spam, relevance, actionability, specificity) are fitted by a
logistic regression on train data (fit_weights) and stored in the model's metadata; the weights of the factors
the training data does not hold (corroboration, attachments, followups) are set by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from ml import N_

# Hand-set weights, used by bundles without fitted ones (relevance then has no weight). They sum to 1, so the
# credibility (the sum of contributions) stays in [0, 1].
WEIGHTS: dict[str, float] = {
    "not_spam": 0.30,
    "relevance": 0.0,
    "actionability": 0.25,
    "specificity": 0.20,
    "corroboration": 0.15,
    "attachments": 0.05,
    "followups": 0.05,
}
TEXT_FACTORS = ("not_spam", "relevance", "actionability", "specificity")  # fitted on train data
FITTED_SHARE = 1.0 - sum(w for name, w in WEIGHTS.items() if name not in TEXT_FACTORS)
TEMPLATES: dict[str, tuple[str, str]] = {
    "not_spam": (
        N_("The message reads like a genuine report (spam probability %(percent)s%%)."),
        N_("The message looks like spam or abuse (spam probability %(percent)s%%)."),
    ),
    "relevance": (
        N_("The message is about something a public-safety desk handles (%(percent)s%%)."),
        N_("The message does not seem to be about anything a public-safety desk handles (%(percent)s%%)."),
    ),
    "actionability": (
        N_("The message asks for help or reports something directly (%(percent)s%%)."),
        N_("The message does not ask for help or report an event (%(percent)s%%)."),
    ),
    "specificity": (
        N_("The message gives specific details: %(kinds)s."),
        N_("The message gives no specific place, time, vehicle or number of people."),
    ),
    "corroboration": (
        N_("Similar tips were received before (similarity %(percent)s%%)."),
        N_("No similar tip was received before."),
    ),
    "attachments": (N_("The sender attached %(count)s file(s)."), N_("No file is attached.")),
    "followups": (
        N_("The sender answered follow-up questions."),
        N_("The sender has not answered follow-up questions."),
    ),
}

# From this similarity on, another tip counts as a similar tip (the web service lists those on the tip page);
# below it, a little likeness still adds its small share but is not called corroboration.
CORROBORATING = 0.35
FAINT_TEMPLATE = N_("No closely similar tip was received before (the closest is %(percent)s%% alike).")
EMPTY_TEMPLATE = N_("The message has too little text to assess.")
# A language with no labelled training text: the actionability model cannot read it, so a low score is not held
# against the tip (it counts as the average tip); see Triage._result.
UNASSESSED_TEMPLATE = N_(
    "The model has no labelled examples in this language, so the message counts as at least as actionable as "
    "the average tip (%(percent)s%%)."
)
UNASSESSED_RELEVANCE_TEMPLATE = N_(
    "The model has no labelled examples in this language, so the message counts as at least as relevant as "
    "the average tip (%(percent)s%%)."
)
# Names of the specific-detail kinds, listed in the specificity reason's %(kinds)s parameter.
KIND_NAMES: dict[str, str] = {
    "place": N_("place"),
    "date": N_("date"),
    "time": N_("time"),
    "vehicle": N_("vehicle"),
    "plate": N_("plate"),
    "people": N_("number of people"),
}


@dataclass(frozen=True)
class Factor:
    """One named factor of the credibility score, with its translatable reason."""

    name: str
    value: float
    weight: float
    contribution: float
    template: str
    params: dict[str, str | int | float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Return the reason rendered in English."""
        return self.template % self.params


def _factor(name: str, value: float, positive: bool, params: dict, weights: dict[str, float]) -> Factor:
    value = min(1.0, max(0.0, float(value)))
    weight = float(weights.get(name, 0.0))
    template = TEMPLATES[name][0 if positive else 1]
    return Factor(name, round(value, 4), weight, round(weight * value, 4), template, params)


def _pct(value: float) -> int:
    return int(round(100 * value))


def compose(
    spam: float,
    actionability: float,
    specificity: float,
    kinds: list[str],
    corroboration: float | None,
    attachments: int | None,
    answered: bool | None,
    content: bool = True,
    assessed: bool = True,
    *,
    relevance: float | None = None,
    relevance_assessed: bool = True,
    weights: dict[str, float] | None = None,
) -> list[Factor]:
    """Return the credibility factors for one tip (corroboration is the max similarity in [0, 1]; assessed=False
    or relevance_assessed=False when the value is the floor of a language without labelled training text; no
    relevance factor when relevance is None; weights default to the hand-set WEIGHTS)."""
    weights = WEIGHTS if weights is None else weights
    corroboration = min(1.0, max(0.0, float(corroboration or 0.0)))
    count = int(attachments or 0)
    genuine = _factor("not_spam", 1.0 - spam, spam < 0.5, {"percent": _pct(spam)}, weights)
    if not content:  # an empty or symbol-only message earns no "genuine report" credit
        genuine = Factor("not_spam", 0.0, genuine.weight, 0.0, EMPTY_TEMPLATE, {})
    action = _factor("actionability", actionability, actionability >= 0.5, {"percent": _pct(actionability)}, weights)
    if not assessed:
        action = replace(action, template=UNASSESSED_TEMPLATE)
    corroborated = _factor(
        "corroboration", corroboration, corroboration >= CORROBORATING, {"percent": _pct(corroboration)}, weights
    )
    if 0.0 < corroboration < CORROBORATING:
        corroborated = replace(corroborated, template=FAINT_TEMPLATE)
    detail = {"kinds": ", ".join(KIND_NAMES.get(k, k) for k in kinds)}
    factors = [genuine]
    if relevance is not None:
        related = _factor("relevance", relevance, relevance >= 0.5, {"percent": _pct(relevance)}, weights)
        factors.append(related if relevance_assessed else replace(related, template=UNASSESSED_RELEVANCE_TEMPLATE))
    return [
        *factors,
        action,
        _factor("specificity", specificity, bool(kinds), detail, weights),
        corroborated,
        _factor("attachments", 1.0 if count else 0.0, count > 0, {"count": count}, weights),
        _factor("followups", 1.0 if answered else 0.0, bool(answered), {}, weights),
    ]


def credibility(factors: list[Factor]) -> float:
    """Return the credibility in [0, 1]: the sum of the factors' contributions."""
    return round(min(1.0, max(0.0, sum(f.weight * f.value for f in factors))), 4)


def fit_weights(values: np.ndarray, target: np.ndarray, fold: np.ndarray) -> dict[str, object]:
    """Fit the text factors' weights: a logistic regression of target on the factor values (columns in
    TEXT_FACTORS order, out-of-fold values of train rows); a factor with a negative coefficient is dropped (weight
    0) and the rest are scaled to share FITTED_SHARE, which keeps the regression's ranking. Returns the weights,
    the coefficients and the out-of-fold AUC of the weighted sum and of each factor alone (folds from `fold`)."""
    values, target = np.asarray(values, dtype=float), np.asarray(target, dtype=int)

    def weights_of(rows: np.ndarray) -> np.ndarray:
        coef = LogisticRegression(C=1.0, max_iter=1000).fit(values[rows], target[rows]).coef_.ravel()
        kept = np.clip(coef, 0.0, None)
        return FITTED_SHARE * kept / kept.sum() if kept.sum() > 0 else np.zeros_like(kept)

    oof = np.zeros(len(target))
    for k in np.unique(fold):
        oof[fold == k] = values[fold == k] @ weights_of(fold != k)
    full = LogisticRegression(C=1.0, max_iter=1000).fit(values, target).coef_.ravel()
    fitted = weights_of(np.arange(len(target)))
    return {
        "weights": {**dict(WEIGHTS), **{n: round(float(w), 4) for n, w in zip(TEXT_FACTORS, fitted, strict=True)}},
        "coefficients": {n: round(float(c), 4) for n, c in zip(TEXT_FACTORS, full, strict=True)},
        "oof_auc": round(float(roc_auc_score(target, oof)), 4),
        "factor_oof_auc": {n: round(float(roc_auc_score(target, values[:, j])), 4) for j, n in enumerate(TEXT_FACTORS)},
    }
