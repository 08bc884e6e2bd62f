"""Language identification restricted to the deployment's languages, with Haitian Creole support."""

from __future__ import annotations

import re
from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from ml import DEFAULT_LANGUAGES

UNDETERMINED = "und"
MIN_LETTERS = 4
MIN_CONFIDENCE = 0.6
SAMPLE_CHARS = 600  # identification walks every byte in Python; the opening of a tip is enough
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
# Frequent Haitian Creole function words that are not English, French or Spanish words.
CREOLE_WORDS = frozenset(
    "mwen nou yo li ou ak pou nan kounye bezwen anpil tanpri mesi konnen kijan kote poukisa "
    "paske gen pa te ap tap kap pral vle fè fe bay manje dlo kay moun tout sa ki ke yon "
    "lajan travay sivouple souple bonjou m'ap map nap wap lap yap jwenn tande rive ede "
    "kòman koman jodi demen ayè aye zòn zon lekòl lekol malad lopital timoun fanmi".split()
)
CREOLE_ONLY = frozenset(
    "mwen nou yo kounye bezwen anpil tanpri mesi konnen kijan poukisa paske gen tap kap pral "
    "vle bay manje dlo kay moun yon lajan sivouple souple map nap wap lap yap jwenn timoun fanmi "
    "ede kòman koman jodi demen ayè zòn lekòl lekol lopital".split()
)


@lru_cache(maxsize=1)
def _base_identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=16)
def _identifier(languages: tuple[str, ...]) -> LanguageIdentifier:
    base = _base_identifier()
    ident = _clone(base)
    ident.set_languages(sorted(set(languages) & set(base.labels)))
    return ident


def _clone(base: LanguageIdentifier) -> LanguageIdentifier:
    ptc, pc, classes = base._full_model
    return LanguageIdentifier(
        ptc, pc, list(classes), base.tk_nextmove, base.tk_output, norm_probs=True, tk_row=base.tk_row
    )


def creole_ratio(text: str) -> float:
    """Return the share of words that are distinctive Haitian Creole function words."""
    words = _WORD.findall(text.lower())
    if not words:
        return 0.0
    return sum(word in CREOLE_ONLY for word in words) / len(words)


def detect_language(text: str, languages: tuple[str, ...] | list[str] = DEFAULT_LANGUAGES) -> str:
    """Return the language code of text among languages, or 'und' when too short or uncertain."""
    languages = tuple(languages)
    sample = (text or "")[:SAMPLE_CHARS]
    letters = len(_LETTER.findall(sample))
    if letters < MIN_LETTERS:
        return UNDETERMINED
    if "ar" in languages and len(_ARABIC.findall(sample)) * 2 > letters:
        return "ar"
    latin = tuple(lang for lang in languages if lang != "ar")
    if "ht" in latin and creole_ratio(sample) >= 0.2:
        return "ht"
    if not latin:
        return UNDETERMINED
    lang, confidence = _identifier(latin).classify(sample)
    if confidence < MIN_CONFIDENCE or lang not in languages:
        return UNDETERMINED
    return lang
