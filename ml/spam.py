"""The spam head: its own small featurizer (digit runs, currency, capitals kept) and a calibrated logistic regression.

The shared featurizer maps every digit to 0 and lower-cases, which makes a ham "645" look like a spam shortcode and
a ham phone number look like a premium-rate one; the spam view keeps the length of each digit run, the prefix of
long numbers, currency signs, URLs and ALL-CAPS words.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline

from ml.pipeline import MAX_TEXT_CHARS, _char_counts, platt

SPAM_HASH_FEATURES = 2**18
CUE_HASH_FEATURES = 2**10
_DIGIT_RUN = re.compile(r"\d+")
_ONE_DIGIT = re.compile(r"\d")
_SPACED_NUMBER = re.compile(r"\b\d{3,5}(?: \d{2,4}){2,3}\b")  # "0844 861 85 85" -> one run
_URL = re.compile(r"https?://|www\.|\.(?:com|co\.uk|net|org|tv)\b", re.IGNORECASE)
_CAPS_WORD = re.compile(r"\b[A-Z]{2,}\b")
_CUE_SYMBOLS = (("£", "_gbp"), ("$", "_usd"), ("€", "_eur"), ("!", "_excl"), ("&", "_amp"))


def _digit_run_code(match: re.Match[str]) -> str:
    digits = match.group(0)
    code = chr(0x2460 + min(len(digits), 19) - 1)  # one circled-number symbol for the run's length
    return digits[:2] + code if len(digits) >= 7 else code  # long runs (phone numbers) keep their prefix


def spam_view(text: str, max_chars: int = MAX_TEXT_CHARS) -> str:
    """Lower-case; each digit run becomes one symbol for its length ('645' -> ③, '09061701461' -> 09⑪)."""
    text = _SPACED_NUMBER.sub(lambda m: m.group(0).replace(" ", ""), (text or "")[:max_chars])
    return _DIGIT_RUN.sub(_digit_run_code, text.lower())


def spam_cues(text: str, max_chars: int = MAX_TEXT_CHARS) -> str:
    """Space-joined cue tokens lost by lower-casing: currency, URLs, ALL-CAPS words, '!', '&', length, digit share."""
    text = (text or "")[:max_chars]
    tokens = []
    for symbol, name in _CUE_SYMBOLS:
        tokens += [name] * min(text.count(symbol), 3)
    tokens += ["_url"] * min(len(_URL.findall(text)), 2)
    caps = len(_CAPS_WORD.findall(text))
    tokens += ["_caps"] * min(caps, 5)
    tokens.append(f"_capsr{min(4, int(5 * caps / max(1, len(text.split()))))}")
    tokens.append(f"_len{min(len(text) // 25, 8)}")
    digits = len(_ONE_DIGIT.findall(text))
    tokens.append(f"_dig{min(4, int(10 * digits / max(1, len(text))))}")
    return " ".join(tokens)


@lru_cache(maxsize=4)
def _spam_hashers(n_features: int, chars: tuple[int, int]) -> tuple[HashingVectorizer, HashingVectorizer]:
    common = {"alternate_sign": False, "norm": None, "lowercase": False}
    return (
        HashingVectorizer(analyzer="char_wb", ngram_range=chars, n_features=n_features, **common),
        HashingVectorizer(token_pattern=r"\S+", n_features=CUE_HASH_FEATURES, **common),  # noqa: S106
    )


class SpamVectorizer(BaseEstimator, TransformerMixin):
    """Hashed char_wb n-grams of the spam view plus hashed cue tokens (stateless; its own small featurizer)."""

    def __init__(
        self,
        n_features: int = SPAM_HASH_FEATURES,
        char_ngrams: tuple[int, int] = (1, 5),
        max_chars: int = MAX_TEXT_CHARS,
    ) -> None:
        self.n_features = n_features
        self.char_ngrams = char_ngrams
        self.max_chars = max_chars

    def fit(self, texts: list[str], y: object = None) -> SpamVectorizer:
        """Learn nothing; present for the pipeline protocol."""
        return self

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """Return the (n, n_features + 1024) count matrix."""
        if len(texts) == 0:  # HashingVectorizer.transform([]) raises StopIteration
            return sparse.csr_matrix((0, self.n_features + CUE_HASH_FEATURES))
        chars, cues = _spam_hashers(self.n_features, tuple(self.char_ngrams))
        view = [spam_view(t, self.max_chars) for t in texts]
        return sparse.hstack(
            [_char_counts(chars, view), cues.transform([spam_cues(t, self.max_chars) for t in texts])], format="csr"
        )


def spam_groups(texts: list[str]) -> np.ndarray:
    """Return a group id per text: equal after lower-casing and collapsing whitespace (duplicates share a fold)."""
    ids: dict[str, int] = {}
    return np.array([ids.setdefault(" ".join(t.lower().split()), len(ids)) for t in texts])


class SpamLogistic(BaseEstimator, ClassifierMixin):
    """Balanced logistic regression with a sigmoid fitted on grouped out-of-fold margins (stored as plain arrays).

    fit leaves the out-of-fold probabilities in oof_proba_ (for choosing the threshold); drop it before saving.
    """

    def __init__(self, C: float = 100.0, folds: int = 5, seed: int = 0) -> None:  # noqa: N803 - sklearn naming
        self.C = C
        self.folds = folds
        self.seed = seed

    def _linear(self, weighted: bool) -> LogisticRegression:
        balance = None if weighted else "balanced"
        return LogisticRegression(C=self.C, solver="liblinear", dual=True, max_iter=2000, class_weight=balance)

    def fit(
        self,
        X: sparse.spmatrix,
        y: np.ndarray,
        groups: np.ndarray | None = None,
        sample_weight: np.ndarray | None = None,
    ) -> SpamLogistic:
        """Fit on all rows (balanced classes, or the given row weights); fit the sigmoid on margins of rows
        predicted by models that never saw their group."""
        X, y = sparse.csr_matrix(X), np.asarray(y).astype(int)
        groups = np.arange(len(y)) if groups is None else np.asarray(groups)
        weighted = sample_weight is not None
        weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        oof = np.zeros(len(y))
        splitter = StratifiedGroupKFold(self.folds, shuffle=True, random_state=self.seed)
        for train, test in splitter.split(X, y, groups):
            fold = self._linear(weighted).fit(X[train], y[train], sample_weight=weight[train])
            oof[test] = fold.decision_function(X[test])
        linear = self._linear(weighted).fit(X, y, sample_weight=weight)
        self.coef_ = linear.coef_.astype(np.float64)
        self.intercept_ = np.asarray(linear.intercept_, dtype=np.float64)
        scale, shift = platt(oof.reshape(-1, 1), y.reshape(-1, 1), c=1e6)
        self.sigmoid_ = np.array([scale[0], shift[0]], dtype=np.float64)
        self.classes_ = np.array([0, 1])
        self.oof_proba_ = expit(self.sigmoid_[0] * oof + self.sigmoid_[1])
        return self

    def decision_function(self, X: sparse.spmatrix) -> np.ndarray:
        """Return the linear margin."""
        return np.asarray(sparse.csr_matrix(X) @ self.coef_.ravel(), dtype=np.float64) + float(self.intercept_[0])

    def predict_proba(self, X: sparse.spmatrix) -> np.ndarray:
        """Return (n, 2) calibrated probabilities [ham, spam]."""
        p = expit(self.sigmoid_[0] * self.decision_function(X) + self.sigmoid_[1])
        return np.column_stack([1 - p, p])

    def predict(self, X: sparse.spmatrix) -> np.ndarray:
        """Return 0/1 at probability 0.5 (the bundle's spam_threshold is the operating point)."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def make_spam_model(seed: int = 0, c: float = 100.0) -> Pipeline:
    """Return the spam model, texts in: spam view char_wb 1-5-grams + cues, sublinear tf-idf, SpamLogistic."""
    return Pipeline(
        [
            ("ngrams", SpamVectorizer()),
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
            ("head", SpamLogistic(C=c, seed=seed)),
        ]
    )
