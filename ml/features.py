"""spaCy text features: cached blank tokenizers, lookup lemmas and rule components for specificity signals."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import numpy as np
import spacy
from sklearn.feature_extraction.text import HashingVectorizer
from spacy.attrs import LANG, LOWER, NORM
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from ml.lexicon import DATE_WORDS, NUMBER_WORDS, PEOPLE_DUAL_AR, PEOPLE_WORDS, VEHICLE_WORDS

LEMMA_LANGUAGES = frozenset({"en", "es", "fr"})
SPACY_FALLBACK = "xx"
SPECIFIC_LABELS = ("PLACE", "DATE", "TIME", "VEHICLE", "PLATE", "PEOPLE")
PERSONAL_LABELS = {"PHONE": "[phone]", "EMAIL": "[email]", "URL": "[url]", "PLATE": "[plate]"}
MAX_ANALYSED_CHARS = 5000
# Top-level domains recognised without "http://" or "www.": generic ones in any case, country codes (the
# deployment's regions) only in lower case, so "ayuda.Es urgente" is not a URL.
_TLDS = r"(?:com|org|net|gov|edu|info|biz|io|(?-i:ht|ly|fr|es|mx|uk|pt|br|cl|dz|tn|eg|ae|lb|qa))"
# A plate written with spaces ("ABC 1234", "AB 123 CD") only right after a plate word: "ARE 22" is not a plate.
_PLATE_WORD = r"(?i:\b(?:plates?|plak|plaque|placas?|matr[ií]cula|immatriculation|لوحة)\b)\W{0,3}"
REGEXES: list[tuple[str, re.Pattern[str]]] = [  # a pattern with a capturing group: the group is the entity
    ("EMAIL", re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),  # anchored: linear on long texts
    (
        "URL",
        re.compile(rf"(?:https?://|www\.)[^\s<>\"]+|(?<![\w.-])[\w-]+(?:\.[\w-]+)*\.{_TLDS}\b(?:/\S*)?", re.IGNORECASE),
    ),
    # not inside a longer number ("3.14159265", "1,2345678", "10:3012345678"); after "Tel:" or "number," it is one
    ("PHONE", re.compile(r"(?<![\w/.])(?<!\d[,:])\+?\(?\d[\d ().-]{6,16}\d(?![\w/])")),
    ("PLATE", re.compile(_PLATE_WORD + r"([A-Z]{1,3}[- ]?\d{2,4}(?:[- ]?[A-Z]{1,3})?|\d{3,4}[- ]?[A-Z]{2,3})\b")),
    ("PLATE", re.compile(r"\b[A-Z]{1,3}-?\d{2,4}(?:[- ]?[A-Z]{1,2})?\b|\b\d{3,4}[- ]?[A-Z]{2,3}\b")),
    (
        "TIME",
        re.compile(
            r"\b(?:[01]?\d|2[0-3])(?::|h|H)[0-5]\d\b|\b(?:1[0-2]|0?[1-9])\s?(?:am|pm|a\.m\.|p\.m\.)"
            # fr "vers 2 h", ht "a 2 zè"; not "12 H" (an address), "3è étage" (a floor)
            r"|\b(?:[01]?\d|2[0-3])\s?(?-i:h|è|zè)(?!\w)(?!\s*étage)"
            # es; "a las 3 mujeres" is a count of people, not a time
            r"|\ba las (?:1[0-2]|0?[1-9])\b(?!\s+(?:" + "|".join(map(re.escape, PEOPLE_WORDS["es"])) + r")\b)"
            r"|\b(?:1[0-2]|0?[1-9]) de la (?:mañana|tarde|noche)\b"
            r"|الساعة\s?\d{1,2}(?!\d)",  # ar "at 2 o'clock" (\d also reads Arabic-Indic digits)
            re.IGNORECASE,
        ),
    ),
    ("DATE", re.compile(r"\b\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b|\b(?:19|20)\d\d\b")),
]


def _people_regex(lang: str) -> re.Pattern[str]:
    """A count followed by people ("two men", "3 niños"); in Arabic also after the attached "and" (و/ف), and
    the dual nouns that are a count by themselves."""
    counts = "|".join(re.escape(w) for w in NUMBER_WORDS.get(lang, []))
    people = "|".join(re.escape(w) for w in PEOPLE_WORDS.get(lang, []))
    if lang != "ar":
        return re.compile(rf"(?<!\w)(?:\d+|{counts})\s+(?:{people})(?!\w)", re.IGNORECASE)
    dual = "|".join(PEOPLE_DUAL_AR)
    return re.compile(rf"(?<!\w)[وف]?(?:(?:\d+|{counts})\s+(?:{people})|{dual})(?!\w)")


TEXT_KEY = "tipline_text"
NEEDS_DIGIT = frozenset({"PHONE", "PLATE", "TIME", "DATE"})
_DIGIT = re.compile(r"\d")
_DOTTED_DATE = re.compile(r"\d{1,2}[.-]\d{1,2}[.-]\d{4}")
_URL_HINT = re.compile(rf"://|www\.|\.{_TLDS}\b", re.IGNORECASE)


def _skip(label: str, text: str, has_digit: bool) -> bool:
    if label in NEEDS_DIGIT:
        return not has_digit
    if label == "EMAIL":
        return "@" not in text
    return label == "URL" and _URL_HINT.search(text) is None


def _not_a_phone(found: str) -> bool:
    """Return True for a PHONE match with fewer than 7 digits or shaped like a date ("12.05.2010")."""
    return sum(ch.isdigit() for ch in found) < 7 or _DOTTED_DATE.fullmatch(found) is not None


def _regex_spans(doc: Doc, patterns: list[tuple[str, re.Pattern[str]]]) -> list[Span]:
    spans = []
    text = doc.user_data.get(TEXT_KEY) or doc.text  # rebuilding doc.text walks every token: slow
    has_digit = _DIGIT.search(text) is not None
    for label, pattern in patterns:
        if _skip(label, text, has_digit):
            continue
        for match in pattern.finditer(text):
            if label == "PHONE" and _not_a_phone(match.group()):
                continue
            start, end = match.span(1 if pattern.groups else 0)
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
            if span is not None:
                spans.append(span)
    return spans


class SpecificityEntities:
    """Rule component: PhraseMatcher word lists (dates, vehicles) and regular expressions (people, phones, ...)."""

    def __init__(self, nlp: Language, lang: str) -> None:
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        for label, words in (("DATE", DATE_WORDS), ("VEHICLE", VEHICLE_WORDS)):
            self.phrases.add(label, list(nlp.tokenizer.pipe(words.get(lang, []))))
        self.people = _people_regex(lang)

    def __call__(self, doc: Doc) -> Doc:
        """Set doc.ents to the non-overlapping specificity and personal-data spans."""
        spans = self.phrases(doc, as_spans=True) + _regex_spans(doc, [("PEOPLE", self.people), *REGEXES])
        doc.ents = prefer_personal(spans)
        return doc


def prefer_personal(spans: list[Span]) -> list[Span]:
    """Non-overlapping spans where personal data (phones, e-mails, URLs, plates) wins over any longer detail that
    overlaps it ("a las 3 (0612345678)"): whatever is masked must never lose to a time or a place."""
    personal = filter_spans([s for s in spans if s.label_ in PERSONAL_LABELS])
    taken = {i for s in personal for i in range(s.start, s.end)}
    rest = [s for s in spans if s.label_ not in PERSONAL_LABELS and taken.isdisjoint(range(s.start, s.end))]
    return sorted(personal + filter_spans(rest), key=lambda s: s.start)


@Language.factory("tipline_entities", default_config={"lang": "en"})
def make_specificity_entities(nlp: Language, name: str, lang: str) -> SpecificityEntities:
    """Build the specificity rule component for one language."""
    return SpecificityEntities(nlp, lang)


_NLP_LOCK = threading.Lock()


@lru_cache(maxsize=16)
def _build_nlp(lang: str, lemmas: bool) -> Language:
    try:
        nlp = spacy.blank(lang)
    except (ImportError, KeyError, ValueError):
        nlp = spacy.blank(SPACY_FALLBACK)
    # Every new word becomes a lexeme whose ~20 lexical attributes are computed up front; the rule components
    # read only the text, LOWER (PhraseMatcher), NORM and LANG (lemma tables): skip the rest (a third of the time).
    nlp.vocab.lex_attr_getters = {k: f for k, f in nlp.vocab.lex_attr_getters.items() if k in (LANG, LOWER, NORM)}
    if lemmas and lang in LEMMA_LANGUAGES:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.add_pipe("tipline_entities", config={"lang": lang})
    return nlp


def get_nlp(lang: str, lemmas: bool = False) -> Language:
    """Return the process-wide blank spaCy pipeline for lang (lookup lemmas on request) with rule components."""
    with _NLP_LOCK:
        return _build_nlp(_nlp_lang(lang), lemmas)


def warm_up(languages: tuple[str, ...], lemmas: bool = False) -> threading.Thread:
    """Build the spaCy pipelines of languages in a background thread (French takes seconds to import)."""
    thread = threading.Thread(
        target=lambda: [get_nlp(lang, lemmas) for lang in languages], daemon=True, name="ml-spacy-warm-up"
    )
    thread.start()
    return thread


def make_docs(nlp: Language, texts: list[str]) -> list[Doc]:
    """Tokenise texts and keep each text on its doc, so rule components need not rebuild it from the tokens."""
    docs = []
    for text, doc in zip(texts, nlp.tokenizer.pipe(texts), strict=True):
        doc.user_data[TEXT_KEY] = text
        docs.append(doc)
    return docs


def _nlp_lang(lang: str) -> str:
    return lang if lang in DATE_WORDS else "en"


class TextAnalyser:
    """Find specificity entities (with the deployment's gazetteer of place names) in tips."""

    def __init__(self, gazetteer: list[str] | None = None, lemmatise: bool = False) -> None:
        self.lemmatise = lemmatise
        self.gazetteer = sorted({name.strip() for name in gazetteer or [] if name and name.strip()})
        self._matchers: dict[str, PhraseMatcher] = {}

    def _matcher(self, nlp: Language, lang: str) -> PhraseMatcher:
        if lang not in self._matchers:
            matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
            matcher.add("PLACE", list(nlp.tokenizer.pipe(self.gazetteer)))
            self._matchers[lang] = matcher
        return self._matchers[lang]

    def _places(self, doc: Doc, lang: str) -> list[Span]:
        if not self.gazetteer:
            return []
        matches = self._matcher(get_nlp(lang, self.lemmatise), lang)(doc)
        return [Span(doc, start, end, label="PLACE") for _, start, end in matches]

    def docs(self, texts: list[str], langs: list[str]) -> list[Doc]:
        """Return analysed spaCy docs (entities include gazetteer places), in the order of texts."""
        out: list[Doc | None] = [None] * len(texts)
        for lang in sorted(set(langs)):
            nlp_lang = _nlp_lang(lang)
            idx = [i for i, code in enumerate(langs) if code == lang]
            batch = [(texts[i] or "")[:MAX_ANALYSED_CHARS] for i in idx]
            nlp = get_nlp(nlp_lang, self.lemmatise)
            for i, doc in zip(idx, nlp.pipe(make_docs(nlp, batch)), strict=True):
                places = self._places(doc, nlp_lang)
                if places:
                    doc.ents = prefer_personal(list(doc.ents) + places)
                out[i] = doc
        return [doc for doc in out if doc is not None]

    def entities(self, texts: list[str], langs: list[str]) -> list[list[dict]]:
        """Return per text a list of {label, start, end, text} entity dicts."""
        return [entity_dicts(doc) for doc in self.docs(texts, langs)]


def entity_dicts(doc: Doc) -> list[dict]:
    """Return the entities of doc as plain dicts with character offsets."""
    return [{"label": e.label_, "start": e.start_char, "end": e.end_char, "text": e.text} for e in doc.ents]


def specificity(entities: list[dict]) -> float:
    """Return a [0, 1] specificity from the distinct kinds of specific entities (3 kinds = 1.0)."""
    kinds = {e["label"] for e in entities if e["label"] in SPECIFIC_LABELS}
    return min(1.0, len(kinds) / 3.0)


def mask_personal_data(text: str, lang: str = "en") -> str:
    """Replace phone numbers, e-mail addresses, plates and URLs in text by [phone], [email], [plate], [url]."""
    if not text:
        return ""
    nlp = get_nlp(lang)
    doc = nlp(make_docs(nlp, [text])[0])
    masked = text
    for ent in sorted(doc.ents, key=lambda e: e.start_char, reverse=True):
        if ent.label_ in PERSONAL_LABELS:
            masked = masked[: ent.start_char] + PERSONAL_LABELS[ent.label_] + masked[ent.end_char :]
    return masked


@lru_cache(maxsize=1)
def _similarity_vectoriser() -> HashingVectorizer:
    return HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), n_features=2**18, alternate_sign=False)


def similarity_matrix(texts_a: list[str], texts_b: list[str]) -> np.ndarray:
    """Return cosine similarities in [0, 1] of character n-gram profiles, shape (len(a), len(b))."""
    vec = _similarity_vectoriser()
    a = vec.transform([(t or "").lower()[:MAX_ANALYSED_CHARS] for t in texts_a])
    b = vec.transform([(t or "").lower()[:MAX_ANALYSED_CHARS] for t in texts_b])
    return np.clip((a @ b.T).toarray(), 0.0, 1.0)


def similarity(text_a: str, text_b: str) -> float:
    """Return the [0, 1] similarity of two tips (character n-gram cosine), for corroboration."""
    return float(similarity_matrix([text_a], [text_b])[0, 0])
