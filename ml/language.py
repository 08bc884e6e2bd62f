"""Language identification among the deployment's languages, with Haitian Creole support; other languages: 'und'."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from ml import DEFAULT_LANGUAGES

UNDETERMINED = "und"
MIN_LETTERS = 4
MIN_CONFIDENCE = 0.6
FOREIGN_CONFIDENCE = 0.9  # unrestricted identification this sure of a language outside the deployment: 'und'
SAMPLE_CHARS = 600  # identification walks every byte in Python; the opening of a tip is enough
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u1E00-\u1EFF]")
# Scripts (the first word of a letter's Unicode name) of languages not written in Latin script.
SCRIPTS = {
    "ar": ("ARABIC",),
    "fa": ("ARABIC",),
    "ur": ("ARABIC",),
    "ru": ("CYRILLIC",),
    "uk": ("CYRILLIC",),
    "el": ("GREEK",),
    "he": ("HEBREW",),
    "hi": ("DEVANAGARI",),
    "zh": ("CJK",),
    "ja": ("CJK", "HIRAGANA", "KATAKANA"),
    "ko": ("HANGUL",),
}
# Frequent Haitian Creole function words that are not English, French or Spanish words.
CREOLE_WORDS = frozenset(
    "mwen nou yo li ou ak pou nan kounye bezwen anpil tanpri mesi konnen kijan kote poukisa "
    "paske gen pa te ap tap kap pral vle fè fe bay manje dlo kay moun tout sa ki ke yon "
    "lajan travay sivouple souple bonjou m'ap map nap wap lap yap jwenn tande rive ede "
    "kòman koman jodi demen ayè aye zòn zon lekòl lekol malad lopital timoun fanmi".split()
)
# Distinctive Haitian Creole words, and Creole words that are also common English, French or Spanish words: these
# count towards the Creole share of a text but not as evidence ("Check the map near the bay", "Yo necesito ayuda").
CREOLE_ONLY = frozenset(
    "mwen nou kounye bezwen anpil tanpri mesi konnen kijan poukisa paske kap pral "
    "vle manje dlo moun lajan sivouple wap jwenn timoun fanmi "
    "ede kòman koman jodi demen ayè zòn lekòl lekol lopital".split()
)
CREOLE_SHARED = frozenset("yo gen bay kay yon map lap tap nap yap souple".split())
MIN_CREOLE_HITS = 2  # distinct Creole words (one distinctive) needed before the word rule overrides identification


@lru_cache(maxsize=1)
def _base_identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def creole_ratio(text: str) -> float:
    """Return the share of words that are Haitian Creole function words (distinctive or shared)."""
    words = _WORD.findall(text.lower())
    if not words:
        return 0.0
    return sum(word in CREOLE_ONLY or word in CREOLE_SHARED for word in words) / len(words)


def _looks_creole(text: str) -> bool:
    """Return True when a fifth of the words are Creole words, of two kinds or more, one of them distinctive."""
    words = _WORD.findall(text.lower())
    hits = [word for word in words if word in CREOLE_ONLY or word in CREOLE_SHARED]
    kinds = set(hits)
    return len(kinds) >= MIN_CREOLE_HITS and not kinds <= CREOLE_SHARED and len(hits) >= 0.2 * len(words)


def _foreign_script(sample: str, letters: int, languages: tuple[str, ...]) -> bool:
    """Return True when most letters of sample are in scripts that none of languages is written in."""
    scripts = {script for lang in languages for script in SCRIPTS.get(lang, ("LATIN",))}
    if "LATIN" in scripts and (sample.isascii() or len(_LATIN.findall(sample)) * 2 > letters):
        return False
    known = sum(unicodedata.name(ch, "").split(" ", 1)[0] in scripts for ch in _LETTER.findall(sample))
    return known * 2 < letters


@lru_cache(maxsize=16)
def _columns(languages: tuple[str, ...]) -> tuple[int, ...]:
    """Return the identifier's score column of each of languages it knows."""
    classes = _base_identifier().nb_classes
    return tuple(classes.index(lang) for lang in dict.fromkeys(languages) if lang in classes)


def _classify(sample: str, languages: tuple[str, ...]) -> tuple[str, float]:
    """Return the best of languages and its probability among them, or 'und' when py3langid is sure of another."""
    ident = _base_identifier()
    # probabilities over every language py3langid knows (py3langid 0.4 internals: one pass over the text serves
    # both the check for another language and the choice among the deployment's languages)
    scores = ident._decide(sample)
    best = int(scores.argmax())
    if ident.nb_classes[best] not in languages and scores[best] >= FOREIGN_CONFIDENCE:
        return UNDETERMINED, float(scores[best])
    columns = _columns(languages)
    ours = scores[list(columns)]
    total = float(ours.sum())
    if total <= 0.0:  # none of languages is known, or their probabilities underflow
        return UNDETERMINED, 0.0
    best = int(ours.argmax())
    return ident.nb_classes[columns[best]], float(ours[best]) / total


def detect_language(text: str, languages: tuple[str, ...] | list[str] = DEFAULT_LANGUAGES) -> str:
    """Return the language code of text among languages, or 'und' when too short, uncertain or another language."""
    languages = tuple(languages)
    sample = (text or "")[:SAMPLE_CHARS]
    letters = len(_LETTER.findall(sample))
    if letters < MIN_LETTERS:
        return UNDETERMINED
    if "ar" in languages and len(_ARABIC.findall(sample)) * 2 > letters:
        return "ar"
    if _foreign_script(sample, letters, languages):
        return UNDETERMINED
    latin = tuple(lang for lang in languages if lang != "ar")
    if "ht" in latin and _looks_creole(sample):
        return "ht"
    if not latin:
        return UNDETERMINED
    lang, confidence = _classify(sample, latin)
    if confidence < MIN_CONFIDENCE or lang not in languages:
        return UNDETERMINED
    return lang
