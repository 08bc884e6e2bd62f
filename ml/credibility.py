"""Explainable credibility: a weighted sum of named factors, each with a translatable reason."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ml import N_

# Weights sum to 1, so the credibility (the sum of contributions) stays in [0, 1].
WEIGHTS: dict[str, float] = {
    "not_spam": 0.30,
    "actionability": 0.25,
    "specificity": 0.20,
    "corroboration": 0.15,
    "attachments": 0.05,
    "followups": 0.05,
}
TEMPLATES: dict[str, tuple[str, str]] = {
    "not_spam": (
        N_("The message reads like a genuine report (spam probability %(percent)s%%)."),
        N_("The message looks like spam or abuse (spam probability %(percent)s%%)."),
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


def _factor(name: str, value: float, positive: bool, params: dict) -> Factor:
    value = min(1.0, max(0.0, float(value)))
    weight = WEIGHTS[name]
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
) -> list[Factor]:
    """Return the credibility factors for one tip (corroboration is the max similarity in [0, 1]; assessed=False
    when the actionability is the floor of a language without labelled training text)."""
    corroboration = min(1.0, max(0.0, float(corroboration or 0.0)))
    count = int(attachments or 0)
    genuine = _factor("not_spam", 1.0 - spam, spam < 0.5, {"percent": _pct(spam)})
    if not content:  # an empty or symbol-only message earns no "genuine report" credit
        genuine = Factor("not_spam", 0.0, WEIGHTS["not_spam"], 0.0, EMPTY_TEMPLATE, {})
    action = _factor("actionability", actionability, actionability >= 0.5, {"percent": _pct(actionability)})
    if not assessed:
        action = replace(action, template=UNASSESSED_TEMPLATE)
    corroborated = _factor(
        "corroboration", corroboration, corroboration >= CORROBORATING, {"percent": _pct(corroboration)}
    )
    if 0.0 < corroboration < CORROBORATING:
        corroborated = replace(corroborated, template=FAINT_TEMPLATE)
    return [
        genuine,
        action,
        _factor("specificity", specificity, bool(kinds), {"kinds": ", ".join(KIND_NAMES.get(k, k) for k in kinds)}),
        corroborated,
        _factor("attachments", 1.0 if count else 0.0, count > 0, {"count": count}),
        _factor("followups", 1.0 if answered else 0.0, bool(answered), {}),
    ]


def credibility(factors: list[Factor]) -> float:
    """Return the credibility in [0, 1]: the sum of the factors' contributions."""
    return round(min(1.0, max(0.0, sum(f.weight * f.value for f in factors))), 4)
