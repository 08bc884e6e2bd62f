"""Triage scoring with the tiny session model: ranges, determinism, odd inputs and explanations."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ml import N_
from ml.credibility import EMPTY_TEMPLATE, TEMPLATES, UNASSESSED_TEMPLATE
from ml.predict import Triage, TriageResult

ODD_TEXTS = ["", "😀🙏😀", "x" * 100_000, "word " * 20_000, "Help مساعدة ayuda èd 救命 3 moun", "\x00\ufffd"]


def _in_unit(r: TriageResult) -> bool:
    values = [r.spam, r.actionability, r.credibility, r.urgency] + [f.value for f in r.factors]
    return all(0.0 <= v <= 1.0 for v in values)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(max_size=300), min_size=1, max_size=4))
def test_scores_are_probabilities_and_deterministic(tiny_triage: Triage, texts: list[str]) -> None:
    first = tiny_triage.score(texts)
    second = tiny_triage.score(texts)
    assert len(first) == len(texts)
    assert all(_in_unit(r) for r in first)
    assert [(r.spam, r.credibility, r.topics, r.language) for r in first] == [
        (r.spam, r.credibility, r.topics, r.language) for r in second
    ]


def test_empty_emoji_huge_and_mixed_texts_get_a_defined_low_result(tiny_triage: Triage) -> None:
    results = tiny_triage.score(ODD_TEXTS)
    assert [r.language for r in results[:3]] == ["und", "und", "und"]
    assert all(r.actionability == 0.0 and r.topics == [] for r in results[:3])
    assert all(r.credibility <= 0.05 for r in results[:2])
    assert all(_in_unit(r) for r in results)


def test_credibility_is_the_sum_of_factor_contributions(tiny_triage: Triage) -> None:
    r = tiny_triage.score(
        ["3 men in a white truck near Jacmel at 10:30 yesterday"],
        attachments=[2],
        answered_followups=[True],
        corroboration=[0.8],
    )[0]
    assert abs(sum(f.contribution for f in r.factors) - r.credibility) < 0.002
    assert {f.name for f in r.factors} == set(TEMPLATES)
    specificity = next(f for f in r.factors if f.name == "specificity")
    assert specificity.value == 1.0
    assert "place" in specificity.text and "vehicle" in specificity.text


def test_reasons_are_translatable_templates_with_params(tiny_triage: Triage) -> None:
    r = tiny_triage.score(["Win a FREE prize now! txt WIN to 80086"])[0]
    for factor in r.factors:
        assert factor.template in {t for pair in TEMPLATES.values() for t in pair} | {
            EMPTY_TEMPLATE,
            UNASSESSED_TEMPLATE,
        }
        assert N_(factor.template) == factor.template
        assert factor.text == factor.template % factor.params


def test_supporting_evidence_raises_credibility(tiny_triage: Triage) -> None:
    text = "Two cars waiting at the border crossing"
    bare = tiny_triage.score([text])[0]
    backed = tiny_triage.score([text], attachments=[1], answered_followups=[True], corroboration=[0.9])[0]
    assert backed.credibility > bare.credibility


def test_results_carry_language_entities_and_model_version(tiny_triage: Triage) -> None:
    r = tiny_triage.score(["Twa moun nan yon kamyon ayè nan Jacmel, yo bezwen sekou"])[0]
    assert r.language == "ht"
    assert {"PEOPLE", "VEHICLE", "DATE", "PLACE"} <= {e["label"] for e in r.entities}
    assert r.model_version == tiny_triage.version == "tiny-test"


def test_keyword_category_is_found_in_haitian_creole_and_spanish(tiny_triage: Triage) -> None:
    results = tiny_triage.score(
        ["Gen yon kamyon ak twa machin devan lekòl la", "Un camión y una camioneta sin placas en Nogales", "Bonjou"]
    )
    assert [r.category for r in results] == ["suspicious vehicle", "suspicious vehicle", None]


def test_empty_batch_returns_no_results(tiny_triage: Triage) -> None:
    assert tiny_triage.score([]) == []


def test_a_language_without_labelled_text_is_never_scored_below_the_average_tip(tiny_triage: Triage) -> None:
    """Spanish and Arabic have no labelled training text: a low actionability there says nothing about the tip."""
    assert set(tiny_triage.meta["labelled_languages"]) >= {"en"}
    strict = Triage(tiny_triage.bundle, {**tiny_triage.meta, "labelled_languages": ["en"], "actionability_prior": 0.9})
    spanish, arabic, english = strict.score(
        [
            "Necesitamos agua y comida, nuestra casa se derrumbó y tres niños están heridos.",
            "نحتاج إلى الماء والطعام، انهار منزلنا وثلاثة أطفال مصابون.",
            "lol see you at the party tonight, bring the music",
        ]
    )
    assert (spanish.language, arabic.language, english.language) == ("es", "ar", "en")
    for result in (spanish, arabic):
        action = next(f for f in result.factors if f.name == "actionability")
        assert result.actionability >= 0.9
        assert action.template == UNASSESSED_TEMPLATE and "no labelled examples in this language" in action.text
    assert english.actionability < 0.9  # a language the model reads keeps its own score
    assert next(f for f in english.factors if f.name == "actionability").template != UNASSESSED_TEMPLATE
    assert strict.score([""])[0].actionability == 0.0  # an empty text still earns nothing
