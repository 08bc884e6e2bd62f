"""The cached word-bounded character n-gram counts equal scikit-learn's HashingVectorizer output."""

from __future__ import annotations

from ml.pipeline import N_HASH_FEATURES, _char_counts, _hashers, normalise
from ml.spam import SPAM_HASH_FEATURES, _spam_hashers, spam_view


def test_char_counts_match_the_hashing_vectorizer() -> None:
    texts = ["Need water at 00 Rue Capois", "", "  ", "a", "m bezwen manje  manje\tmanje", "ünï cöde\u00a0x\n\ny"]
    clean = [normalise(text) for text in texts]
    for chars in ((3, 5), (2, 5)):
        hasher = _hashers(N_HASH_FEATURES, (1, 2), chars)[1]
        expected = hasher.transform(clean)
        for _ in range(2):  # cold, then from the word cache
            assert (_char_counts(hasher, clean) != expected).nnz == 0
        assert (_char_counts(hasher, clean[1:2]) != expected[1:2]).nnz == 0
    spam = _spam_hashers(SPAM_HASH_FEATURES, (1, 5))[0]  # narrower and wider: shares the word cache modulo 2^18
    view = [spam_view(text) for text in texts]
    assert (_char_counts(spam, view) != spam.transform(view)).nnz == 0


def test_nbsvm_svm_head_is_one_matrix_and_calibration_keeps_the_ranking(data_dir) -> None:
    """The summed SVM + NB-SVM margins score like the two models added; Platt scaling only rescales them."""
    import numpy as np

    from ml.data import load_disaster
    from ml.pipeline import MultiLabelLogistic, make_featurizer, platt

    train = load_disaster(data_dir).split()[0]
    train = train.subset(list(range(min(800, len(train.ids)))))
    names = ["request", "water", "food"]
    Y = np.asarray(train.labels)[:, [train.label_names.index(n) for n in names]]
    X = make_featurizer(k=5000).fit(train.messages).transform(train.messages)
    model = MultiLabelLogistic(C=2.0, head="nbsvm+svm").fit(X, Y)
    margins = model.decision_function(X)
    assert model.weights_.shape == (X.shape[1], 3)
    assert all(np.mean(margins[Y[:, j] == 1, j]) > np.mean(margins[Y[:, j] == 0, j]) for j in range(3))
    scale, shift = platt(margins, Y)
    probs = model.calibrate(scale, shift).predict_proba(X)
    assert np.all((probs >= 0) & (probs <= 1)) and np.all(scale > 0)
    order = np.argsort(margins, axis=0, kind="stable")
    assert np.all(np.diff(np.take_along_axis(probs, order, axis=0), axis=0) >= 0)  # same ranking per label
    assert np.allclose(probs.mean(axis=0), Y.mean(axis=0), atol=0.05)  # calibrated: mean score ≈ label rate


def test_vectorizers_accept_an_empty_list() -> None:
    from ml.pipeline import TipVectorizer
    from ml.spam import CUE_HASH_FEATURES, SpamVectorizer

    assert TipVectorizer(n_features=2**10).transform([]).shape == (0, 2 * 2**10)
    assert SpamVectorizer(n_features=2**10).transform([]).shape == (0, 2**10 + CUE_HASH_FEATURES)


def test_spam_training_with_too_few_spam_is_a_data_error(sms_train) -> None:
    import pytest

    from ml.data import DataError, SmsData
    from ml.train import train_spam

    train = sms_train
    keep = [i for i, label in enumerate(train.labels) if label == 0][:40]
    keep += [i for i, label in enumerate(train.labels) if label == 1][:2]
    sample = SmsData(
        [train.lines[i] for i in keep], [train.texts[i] for i in keep], [train.labels[i] for i in keep], ""
    )
    with pytest.raises(DataError, match="spam training needs"):
        train_spam(sample)


def _disaster_sample(data_dir, with_original: int, without: int):
    from ml.data import load_disaster

    train = load_disaster(data_dir).split()[0]
    has = train.with_original()
    lacks = [i for i in range(len(train.ids)) if not train.originals[i].strip()]
    return train.subset(has[:with_original] + lacks[:without])


def test_topic_training_copes_with_folds_without_original_text(data_dir) -> None:
    from ml.train import id_folds, train_topics

    sample = _disaster_sample(data_dir, 2, 60)
    folds = id_folds(len(sample.ids))
    assert len({folds[i] for i in sample.with_original()}) < 5  # some fold holds no original text
    bundle = train_topics(sample)
    assert len(bundle["topic_thresholds_original"]) == 35


def test_topic_training_without_original_text_is_a_data_error(data_dir) -> None:
    import pytest

    from ml.data import DataError
    from ml.train import train_topics

    with pytest.raises(DataError, match="original text"):
        train_topics(_disaster_sample(data_dir, 0, 60))
