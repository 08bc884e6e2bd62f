"""scikit-learn building blocks: text normalisation, hashed n-gram features and model heads."""

from __future__ import annotations

import re

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline

_DIGIT = re.compile(r"\d")
N_HASH_FEATURES = 2**20
WORD_PATTERN = r"(?u)\b\w+\b"  # single-letter words count too (Creole "m", "l")
MAX_TEXT_CHARS = 5000


class Normaliser(BaseEstimator, TransformerMixin):
    """Lower-case, map every digit to 0 and truncate very long texts."""

    def __init__(self, max_chars: int = MAX_TEXT_CHARS) -> None:
        self.max_chars = max_chars

    def fit(self, texts: list[str], y: object = None) -> Normaliser:
        """Learn nothing; present for the pipeline protocol."""
        return self

    def transform(self, texts: list[str]) -> list[str]:
        """Return the normalised texts."""
        return [_DIGIT.sub("0", (text or "")[: self.max_chars].lower()) for text in texts]


class ColumnSelector(BaseEstimator, TransformerMixin):
    """Keep the k hashed columns present in the most training documents (feature selection)."""

    def __init__(self, k: int = 50000) -> None:
        self.k = k

    def fit(self, X: sparse.spmatrix, y: object = None) -> ColumnSelector:
        """Choose the k columns with the highest document frequency."""
        df = np.asarray((X > 0).sum(axis=0)).ravel()
        present = np.flatnonzero(df)
        order = present[np.argsort(-df[present], kind="stable")][: self.k]
        self.columns_ = np.sort(order).astype(np.int32)
        return self

    def transform(self, X: sparse.spmatrix) -> sparse.csr_matrix:
        """Return X restricted to the chosen columns, with sorted indices."""
        out = sparse.csr_matrix(X)[:, self.columns_].tocsr()
        out.sort_indices()
        return out


def make_featurizer() -> Pipeline:
    """Return the shared hashed word (1-2) + character (2-5, word-bounded) n-gram counter."""
    words = HashingVectorizer(ngram_range=(1, 2), n_features=N_HASH_FEATURES, alternate_sign=False,
                              norm=None, lowercase=False, token_pattern=WORD_PATTERN)
    chars = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), n_features=N_HASH_FEATURES,
                              alternate_sign=False, norm=None, lowercase=False)
    return Pipeline([("normalise", Normaliser()), ("ngrams", FeatureUnion([("words", words), ("chars", chars)]))])


def make_spam_head(k: int = 120000, seed: int = 0) -> Pipeline:
    """Return the spam head: selection, tf-idf and a sigmoid-calibrated balanced logistic regression."""
    linear = LogisticRegression(C=100, max_iter=5000, class_weight="balanced")
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    calibrated = CalibratedClassifierCV(linear, method="sigmoid", cv=folds, ensemble=False)
    return Pipeline([("select", ColumnSelector(k)), ("tfidf", TfidfTransformer(sublinear_tf=True)),
                     ("model", calibrated)])


def make_multilabel_head(k: int = 50000, c: float = 4.0, jobs: int | None = None) -> Pipeline:
    """Return a multi-label head: selection, tf-idf and one logistic regression per label."""
    linear = LogisticRegression(C=c, max_iter=1000, solver="liblinear")
    return Pipeline([("select", ColumnSelector(k)), ("tfidf", TfidfTransformer(sublinear_tf=True)),
                     ("model", OneVsRestClassifier(linear, n_jobs=jobs))])


def make_binary_head(k: int = 50000, c: float = 4.0) -> Pipeline:
    """Return a binary head (actionability, categories): selection, tf-idf, logistic regression."""
    linear = LogisticRegression(C=c, max_iter=1000, solver="liblinear")
    return Pipeline([("select", ColumnSelector(k)), ("tfidf", TfidfTransformer(sublinear_tf=True)),
                     ("model", linear)])


def shrink(head: Pipeline) -> Pipeline:
    """Store linear coefficients and idf weights as float32 to halve the artefact size."""
    tfidf = head.named_steps.get("tfidf")
    if tfidf is not None and hasattr(tfidf, "idf_"):
        tfidf.idf_ = tfidf.idf_.astype(np.float32)
    for est in _linear_models(head.steps[-1][1]):
        est.coef_ = est.coef_.astype(np.float32)
        est.intercept_ = np.asarray(est.intercept_, dtype=np.float32)
    return head


def _linear_models(model: object) -> list[LogisticRegression]:
    if isinstance(model, LogisticRegression):
        return [model]
    if isinstance(model, OneVsRestClassifier):
        return [e for e in model.estimators_ if isinstance(e, LogisticRegression)]
    if isinstance(model, CalibratedClassifierCV):
        return [c.estimator for c in model.calibrated_classifiers_ if isinstance(c.estimator, LogisticRegression)]
    return []
