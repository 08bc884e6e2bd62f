"""The cached word-bounded character n-gram counts equal scikit-learn's HashingVectorizer output."""

from __future__ import annotations

from ml.pipeline import N_HASH_FEATURES, _char_counts, _hashers, normalise


def test_char_counts_match_the_hashing_vectorizer() -> None:
    texts = ["Need water at 00 Rue Capois", "", "  ", "a", "m bezwen manje  manje\tmanje", "ünï cöde\u00a0x\n\ny"]
    clean = [normalise(text) for text in texts]
    for chars in ((3, 5), (2, 5)):
        hasher = _hashers(N_HASH_FEATURES, (1, 2), chars)[1]
        expected = hasher.transform(clean)
        for _ in range(2):  # cold, then from the word cache
            assert (_char_counts(hasher, clean) != expected).nnz == 0
        assert (_char_counts(hasher, clean[1:2]) != expected[1:2]).nnz == 0
