"""scikit-learn building blocks: text normalisation, hashed n-gram features and model heads."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

_DIGIT = re.compile(r"\d")
N_HASH_FEATURES = 2**20
WORD_PATTERN = r"(?u)\b\w+\b"  # single-letter words count too (Creole "m", "l")
MAX_TEXT_CHARS = 5000


def normalise(text: str, max_chars: int = MAX_TEXT_CHARS) -> str:
    """Lower-case, map every digit to 0 and truncate very long texts."""
    return _DIGIT.sub("0", (text or "")[:max_chars].lower())


@lru_cache(maxsize=8)
def _hashers(n_features: int, words: tuple[int, int], chars: tuple[int, int]) -> tuple[HashingVectorizer, ...]:
    common = {"n_features": n_features, "alternate_sign": False, "norm": None, "lowercase": False}
    return (
        HashingVectorizer(ngram_range=words, token_pattern=WORD_PATTERN, **common),
        HashingVectorizer(analyzer="char_wb", ngram_range=chars, **common),
    )


class TipVectorizer(BaseEstimator, TransformerMixin):
    """Hashed counts of word n-grams and word-bounded character n-grams of normalised text (stateless)."""

    def __init__(
        self,
        n_features: int = N_HASH_FEATURES,
        max_chars: int = MAX_TEXT_CHARS,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (3, 5),
    ) -> None:
        self.n_features = n_features
        self.max_chars = max_chars
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams

    def fit(self, texts: list[str], y: object = None) -> TipVectorizer:
        """Learn nothing; present for the pipeline protocol."""
        return self

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """Return the (n, 2 * n_features) count matrix."""
        if len(texts) == 0:  # HashingVectorizer.transform([]) raises StopIteration
            return sparse.csr_matrix((0, 2 * self.n_features))
        clean = [normalise(t, self.max_chars) for t in texts]
        words, chars = _hashers(self.n_features, tuple(self.word_ngrams), tuple(self.char_ngrams))
        return sparse.hstack([words.transform(clean), _char_counts(chars, clean)], format="csr")


_WORD_COLUMNS: dict[tuple[int, ...], dict[str, np.ndarray]] = {}
MAX_CACHED_WORDS = 50000


def _char_counts(hasher: HashingVectorizer, texts: list[str]) -> sparse.csr_matrix:
    """Return hasher.transform(texts) for a char_wb hasher, hashing each distinct word once.

    Word-bounded character n-grams never cross whitespace, so a text's counts are the sum of its words' counts;
    each word's hashed columns are cached (bounded) and reused across calls.
    """
    key = (hasher.n_features, *hasher.ngram_range)
    cache = _WORD_COLUMNS.setdefault(key, {})
    split = [text.split() for text in texts]
    columns = {word: cache.get(word) for tokens in split for word in tokens}
    new = [word for word, found in columns.items() if found is None]
    if new:
        if len(cache) + len(new) > MAX_CACHED_WORDS:
            cache.clear()
        hashed = hasher.transform(new)
        for row, word in enumerate(new):
            start, end = hashed.indptr[row], hashed.indptr[row + 1]
            found = np.repeat(hashed.indices[start:end], hashed.data[start:end].astype(np.int64)).astype(np.int32)
            columns[word] = cache[word] = found
    parts = [columns[word] for tokens in split for word in tokens]
    lengths = np.array([sum(len(columns[word]) for word in tokens) for tokens in split], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    out = sparse.csr_matrix(
        (np.ones(len(indices)), indices, indptr), shape=(len(texts), hasher.n_features), dtype=np.float64
    )
    out.sum_duplicates()
    return out


class ColumnSelector(BaseEstimator, TransformerMixin):
    """Keep the k hashed columns present in the most training documents (feature selection)."""

    def __init__(self, k: int = 50000) -> None:
        self.k = k

    def fit(self, X: sparse.spmatrix, y: object = None, groups: np.ndarray | None = None) -> ColumnSelector:
        """Choose the k columns with the highest document frequency (the best share over groups, if given)."""
        X = sparse.csr_matrix(X)
        groups = np.zeros(X.shape[0], dtype=int) if groups is None else np.asarray(groups)
        df = np.zeros(X.shape[1])
        for group in np.unique(groups):
            part = X[groups == group]
            df = np.maximum(df, np.asarray((part > 0).sum(axis=0)).ravel() / part.shape[0])
        present = np.flatnonzero(df)
        order = present[np.argsort(-df[present], kind="stable")][: self.k]
        self.columns_ = np.sort(order).astype(np.int32)
        return self

    def transform(self, X: sparse.spmatrix) -> sparse.csr_matrix:
        """Return X restricted to the chosen columns (a vectorised lookup of each stored index)."""
        X = sparse.csr_matrix(X)
        X.sort_indices()
        columns = self.columns_
        pos = np.searchsorted(columns, X.indices)
        pos[pos == len(columns)] = 0
        keep = columns[pos] == X.indices
        counts = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
        out = sparse.csr_matrix((X.data[keep], pos[keep], counts[X.indptr]), shape=(X.shape[0], len(columns)))
        out.sort_indices()
        return out


SVM_C = 0.1  # linear SVM and NB-SVM (C 0.05 / 0.1 / 0.2 compared on grouped 5-fold CV of the train ids)


def _log_count_ratio(X: sparse.csr_matrix, y: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Return log((p/|p|) / (q/|q|)) of the binarised feature counts in positive (p) and negative (q) rows."""
    present = X.copy()
    present.data[:] = 1
    p = alpha + np.asarray(present[y == 1].sum(axis=0)).ravel()
    q = alpha + np.asarray(present[y == 0].sum(axis=0)).ravel()
    return np.log((p / p.sum()) / (q / q.sum()))


def _fit_label(
    X: sparse.csr_matrix, y: np.ndarray, c: float, weight: np.ndarray | None = None, head: str = "lr"
) -> tuple[np.ndarray, float]:
    if y.min() == y.max():  # a label without positives (or negatives): a constant log-odds
        rate = min(max(float(y.mean()), 1e-4), 1 - 1e-4)
        return np.zeros(X.shape[1]), float(np.log(rate / (1 - rate)))
    if head == "lr":
        model = LogisticRegression(C=c, max_iter=1000, solver="liblinear", dual=True).fit(X, y, sample_weight=weight)
        return model.coef_.ravel(), float(model.intercept_[0])
    # "nbsvm+svm": the summed margins of a linear SVM on X and of an NB-SVM (a linear SVM on X scaled column-wise
    # by the label's log-count ratio r); both are linear in X, so the sum is one weight vector.
    svm = LinearSVC(C=SVM_C).fit(X, y, sample_weight=weight)
    ratio = _log_count_ratio(X, y)
    nb = LinearSVC(C=SVM_C).fit(X @ sparse.diags(ratio), y, sample_weight=weight)
    return svm.coef_.ravel() + nb.coef_.ravel() * ratio, float(svm.intercept_[0] + nb.intercept_[0])


def platt(margins: np.ndarray, labels: np.ndarray, c: float = 1e4) -> tuple[np.ndarray, np.ndarray]:
    """Return per-label (scale, shift) of sigmoids fitted to out-of-fold margins (Platt scaling)."""
    scale, shift = np.ones(labels.shape[1]), np.zeros(labels.shape[1])
    for j in range(labels.shape[1]):
        if labels[:, j].min() != labels[:, j].max():
            fit = LogisticRegression(C=c, max_iter=1000).fit(margins[:, [j]], labels[:, j])
            scale[j], shift[j] = fit.coef_[0, 0], fit.intercept_[0]
    return scale, shift


class MultiLabelLogistic(BaseEstimator, ClassifierMixin):
    """One linear model per label, stored as one weight matrix so scoring is a single product.

    head "lr": a logistic regression per label; head "nbsvm+svm": the summed margins of a linear SVM and an
    NB-SVM, turned into probabilities by a per-label sigmoid (`calibrate`) folded into the same weights.
    """

    head = "lr"  # bundles saved before heads existed

    def __init__(self, C: float = 4.0, n_jobs: int | None = None, head: str = "lr") -> None:  # noqa: N803
        self.C = C
        self.n_jobs = n_jobs
        self.head = head

    def fit(
        self,
        X: sparse.spmatrix,
        Y: np.ndarray,
        sample_weight: np.ndarray | None = None,  # noqa: N803
    ) -> MultiLabelLogistic:
        """Fit a linear model per column of the 0/1 label matrix Y."""
        Y = np.asarray(Y)
        X = sparse.csr_matrix(X)
        jobs = Parallel(n_jobs=self.n_jobs)
        fitted = jobs(delayed(_fit_label)(X, Y[:, j], self.C, sample_weight, self.head) for j in range(Y.shape[1]))
        self.weights_ = np.ascontiguousarray(np.vstack([coef for coef, _ in fitted]).T, dtype=np.float64)
        self.intercept_ = np.array([b for _, b in fitted], dtype=np.float64)
        self.n_labels_ = Y.shape[1]
        return self

    def calibrate(self, scale: np.ndarray, shift: np.ndarray) -> MultiLabelLogistic:
        """Fold per-label sigmoids p = expit(scale * margin + shift) into the weights (Platt scaling)."""
        self.weights_ = self.weights_ * scale
        self.intercept_ = self.intercept_ * scale + shift
        return self

    @property
    def coef_(self) -> np.ndarray:
        """Return the weights as (labels, features), the scikit-learn convention."""
        return self.weights_.T

    def decision_function(self, X: sparse.spmatrix) -> np.ndarray:
        """Return the log-odds per label, shape (n, labels)."""
        X = sparse.csr_matrix(X, dtype=self.weights_.dtype)
        return np.asarray(X @ self.weights_, dtype=np.float64) + self.intercept_

    def predict_proba(self, X: sparse.spmatrix) -> np.ndarray:
        """Return the probability of each label, shape (n, labels)."""
        return expit(self.decision_function(X))

    def predict(self, X: sparse.spmatrix) -> np.ndarray:
        """Return 0/1 labels at probability 0.5."""
        return (self.predict_proba(X) >= 0.5).astype(int)


def make_featurizer(k: int = 80000) -> Pipeline:
    """Return the shared featurizer: hashed n-grams, document-frequency selection of k columns, tf-idf."""
    return Pipeline(
        [("ngrams", TipVectorizer()), ("select", ColumnSelector(k)), ("tfidf", TfidfTransformer(sublinear_tf=True))]
    )


def make_multilabel_model(c: float = 4.0, jobs: int | None = None, head: str = "lr") -> MultiLabelLogistic:
    """Return the multi-label model: one linear model per label ("lr" or "nbsvm+svm")."""
    return MultiLabelLogistic(C=c, n_jobs=jobs, head=head)


def make_binary_model(c: float = 4.0) -> LogisticRegression:
    """Return a binary model (actionability): logistic regression."""
    return LogisticRegression(C=c, max_iter=1000, solver="liblinear", dual=True)


def shrink(*models: object) -> None:
    """Store idf weights and linear coefficients (of models or their pipeline steps) as float32: half the size."""
    for model in models:
        for step in model.named_steps.values() if isinstance(model, Pipeline) else [model]:
            if isinstance(step, TfidfTransformer):
                step.idf_ = step.idf_.astype(np.float32)
            for name in ("weights_", "coef_", "intercept_"):
                value = vars(step).get(name)  # stored attributes only (MultiLabelLogistic.coef_ is a view)
                if isinstance(value, np.ndarray):
                    setattr(step, name, value.astype(np.float32))
