"""Cross-lingual pseudo-translation for the topic and actionability heads.

A word lexicon (original-language word -> up to 3 English words) is learned from the parallel
(original, English message) pairs of the train split with a few EM iterations of IBM Model 1. Any tip that
is not detected as English gets the English words of its known words appended before featurization, so the
English n-gram features the heads learned from 20,000 English messages fire for Creole and French tips.
The lexicon is a plain dict of strings stored in the bundle under "topic_lexicon"; bundles without it
behave as before.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np

from ml.language import detect_language

_TOKEN = re.compile(r"(?u)\b\w+\b")
_DIGIT = re.compile(r"\d")
_REPEAT = re.compile(r"(\w)\1{2,}")
LEXICON_KEY = "topic_lexicon"
TOP_K = 3
MIN_PROB = 0.1
MIN_COUNT = 2
EM_ITERATIONS = 8
MAX_PAIR_WORDS = 60


def tokens(text: str, fold: bool = True) -> list[str]:
    """Return lower-case word tokens without digits; fold strips accents and squeezes letters repeated 3+ times."""
    text = (text or "")[:5000].lower()
    if fold:
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
        text = _REPEAT.sub(r"\1", text)
    return [t for t in _TOKEN.findall(text) if not _DIGIT.search(t) and t != "_"]


def _ibm1(pairs: list[tuple[list[str], list[str]]], iterations: int) -> tuple[Any, ...]:
    """Run IBM Model 1 EM; return (source vocab, target words, pair source ids, pair target ids, t(e|f), counts)."""
    fv: dict[str, int] = {"<null>": 0}
    ev: dict[str, int] = {}
    rows_f, rows_e, rows_g = [], [], []
    seen: dict[int, int] = {}
    g = 0
    for src, tgt in pairs:
        src, tgt = src[:MAX_PAIR_WORDS], tgt[:MAX_PAIR_WORDS]
        if not src or not tgt:
            continue
        fids = np.array([0] + [fv.setdefault(w, len(fv)) for w in src])
        for f in set(fids[1:].tolist()):
            seen[f] = seen.get(f, 0) + 1
        eids = np.array([ev.setdefault(w, len(ev)) for w in tgt])
        rows_f.append(np.tile(fids, len(eids)))
        rows_e.append(np.repeat(eids, len(fids)))
        rows_g.append(np.repeat(np.arange(g, g + len(eids)), len(fids)))
        g += len(eids)
    if not rows_f:
        return fv, [], np.zeros(0, int), np.zeros(0, int), np.zeros(0), np.zeros(len(fv))
    F, E, G = (np.concatenate(r) for r in (rows_f, rows_e, rows_g))
    uniq, pidx = np.unique(F.astype(np.int64) * len(ev) + E, return_inverse=True)
    pf, pe = uniq // len(ev), uniq % len(ev)
    t = np.ones(len(uniq))
    for _ in range(iterations):
        v = t[pidx]
        c = np.bincount(pidx, v / np.bincount(G, v)[G], minlength=len(uniq))
        t = c / np.bincount(pf, c, minlength=len(fv))[pf]
    counts = np.zeros(len(fv))
    counts[list(seen)] = list(seen.values())
    return fv, list(ev), pf, pe, t, counts


def learn_lexicon(
    sources: list[str],
    targets: list[str],
    top_k: int = TOP_K,
    min_prob: float = MIN_PROB,
    min_count: int = MIN_COUNT,
    iterations: int = EM_ITERATIONS,
) -> dict[str, str]:
    """Return {source word: 'english words'}: up to top_k targets with t(e|f) >= min_prob under IBM Model 1.

    Source words seen in fewer than min_count pairs are left out, and so is a word whose best translation is
    the word itself (names and shared words already fire their own features).
    """
    pairs = [(tokens(s), tokens(t, fold=False)) for s, t in zip(sources, targets, strict=True)]
    fv, words, pf, pe, t, counts = _ibm1(pairs, iterations)
    order = np.lexsort((-t, pf))
    pf, pe, t = pf[order], pe[order], t[order]
    starts = np.searchsorted(pf, np.arange(len(fv)))
    ends = np.searchsorted(pf, np.arange(len(fv)), side="right")
    lexicon: dict[str, str] = {}
    for word, f in fv.items():
        if f == 0 or counts[f] < min_count:
            continue
        best = [words[pe[k]] for k in range(starts[f], min(ends[f], starts[f] + top_k)) if t[k] >= min_prob]
        if best and best[0] != word:
            lexicon[word] = " ".join(best)
    return lexicon


def pseudo_translate(text: str, lexicon: dict[str, str]) -> str:
    """Return text followed by the lexicon's English words for each of its known words."""
    extra = [lexicon[w] for w in tokens(text) if w in lexicon]
    return f"{text} {' '.join(extra)}" if extra else text


def model_texts(lexicon: dict[str, str] | None, texts: list[str], langs: list[str]) -> list[str]:
    """Return the texts to featurize: non-English tips pseudo-translated when a lexicon is given."""
    if not lexicon:
        return list(texts)
    return [t if lang == "en" else pseudo_translate(t, lexicon) for t, lang in zip(texts, langs, strict=True)]


def featurize(featurizer: Any, lexicon: dict[str, str] | None, texts: list[str], langs: list[str] | None = None) -> Any:
    """Return the featurizer's matrix of texts, those not detected as English pseudo-translated first."""
    langs = [detect_language(t) for t in texts] if langs is None else langs
    return featurizer.transform(model_texts(lexicon, texts, langs))


def parallel_pairs(data: Any) -> tuple[list[str], list[str]]:
    """Return (originals, English messages) of the DisasterData rows that have an original text."""
    positions = data.with_original()
    return [data.originals[i] for i in positions], [data.messages[i] for i in positions]
