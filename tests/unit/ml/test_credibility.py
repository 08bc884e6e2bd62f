"""Credibility reasons: pybabel extracts every template with the N_ keyword, and the formula's bounds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from babel.messages.extract import extract_from_file

import ml.credibility as credibility_module
from ml.credibility import EMPTY_TEMPLATE, FAINT_TEMPLATE, KIND_NAMES, TEMPLATES, compose, credibility, fit_weights


def test_every_reason_template_is_extracted_by_pybabel_with_keyword_n() -> None:
    found = {
        msg for _, msg, _, _ in extract_from_file("python", Path(credibility_module.__file__), keywords={"N_": None})
    }
    templates = {t for pair in TEMPLATES.values() for t in pair} | {EMPTY_TEMPLATE, FAINT_TEMPLATE}
    assert templates | set(KIND_NAMES.values()) <= found


def test_templates_use_named_placeholders_only() -> None:
    for template in (t for pair in TEMPLATES.values() for t in pair):
        assert "{" not in template and "%s" not in template


def test_credibility_is_bounded_and_counts_of_corroboration_are_clipped() -> None:
    best = compose(0.0, 1.0, 1.0, ["place"], 5.0, 3, True)
    worst = compose(1.0, 0.0, 0.0, [], None, None, None)
    assert credibility(best) == 1.0 and credibility(worst) == 0.0
    assert next(f for f in best if f.name == "corroboration").params["percent"] == 100


def test_a_faint_likeness_is_not_called_a_similar_tip() -> None:
    def reason(similarity: float) -> str:
        return next(f for f in compose(0.1, 0.5, 0.5, [], similarity, 0, False) if f.name == "corroboration").text

    assert reason(0.01) == "No closely similar tip was received before (the closest is 1% alike)."
    assert reason(0.6) == "Similar tips were received before (similarity 60%)."
    assert reason(0.0) == "No similar tip was received before."


def test_a_factor_that_ranks_below_chance_out_of_fold_gets_no_weight() -> None:
    rng = np.random.default_rng(0)
    target = rng.integers(0, 2, 2000)
    helpful = np.clip(0.3 * target + rng.uniform(0, 0.7, 2000), 0, 1)
    misleading = np.clip(0.5 - 0.2 * target + rng.uniform(0, 0.5, 2000), 0, 1)  # like specificity on disaster data
    noise = rng.uniform(0, 1, (2000, 2))
    values = np.column_stack([noise[:, 0], helpful, noise[:, 1], misleading])  # TEXT_FACTORS order
    fitted = fit_weights(values, target, np.arange(2000) % 5)
    weights = fitted["weights"]
    assert weights["specificity"] == 0.0 and weights["relevance"] > 0.5
    assert abs(sum(weights.values()) - 1.0) < 1e-3  # the score stays in [0, 1]
    assert fitted["oof_auc"] >= fitted["factor_oof_auc"]["relevance"] - 0.01
    best = compose(0.0, 1.0, 1.0, ["place"], 1.0, 1, True, relevance=1.0, weights=weights)
    assert credibility(best) == 1.0
