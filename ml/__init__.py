"""NLP triage library for the tip line: language, spam, topics, actionability and credibility."""

from __future__ import annotations

DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "ar", "ht")


def N_(message: str) -> str:  # noqa: N802 - the gettext marker name pybabel extracts
    """Mark an English template for extraction by pybabel (keyword N_); return it unchanged."""
    return message


__all__ = ["DEFAULT_LANGUAGES", "N_"]
