"""Queue priority: the triage figures that order the officers' queue."""

from __future__ import annotations

from tipline.services.queue import priority_score


def test_a_tip_about_nothing_a_public_safety_desk_handles_queues_below_a_relevant_one() -> None:
    relevant = priority_score(0.4, 0.5, 0.3, 0.01, relevance=0.95)
    unrelated = priority_score(0.4, 0.5, 0.3, 0.01, relevance=0.05)
    assert relevant > unrelated
    assert priority_score(0.4, 0.5, 0.3, 0.95, relevance=0.95) < unrelated  # spam still goes to the bottom


def test_a_tip_triaged_before_relevance_existed_keeps_its_score() -> None:
    assert priority_score(0.4, 0.5, 0.3, 0.01, relevance=None) == priority_score(0.4, 0.5, 0.3, 0.01)
