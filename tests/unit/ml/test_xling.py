"""The word lexicon learned from real parallel pairs lets a Creole tip light up the English features."""

from __future__ import annotations

from ml.data import load_disaster
from ml.xling import learn_lexicon, model_texts, parallel_pairs, pseudo_translate, tokens


def test_lexicon_from_real_pairs_translates_common_creole_words(data_dir):
    train = load_disaster(data_dir).split()[0]
    originals, messages = parallel_pairs(train.subset(list(range(min(3000, len(train.ids))))))
    lexicon = learn_lexicon(originals, messages)
    assert "water" in lexicon["dlo"].split()
    assert "food" in lexicon["manje"].split()
    assert all(word != lexicon[word].split()[0] for word in lexicon)  # a word is never its own translation


def test_pseudo_translation_appends_english_words_and_leaves_english_alone():
    lexicon = {"dlo": "water", "bezwen": "need"}
    assert pseudo_translate("Nou bezwen dlo", lexicon) == "Nou bezwen dlo need water"
    assert pseudo_translate("", lexicon) == ""
    assert model_texts(lexicon, ["We need water", "Nou bezwen dlo"], ["en", "ht"]) == [
        "We need water",
        "Nou bezwen dlo need water",
    ]
    assert model_texts(None, ["Nou bezwen dlo"], ["ht"]) == ["Nou bezwen dlo"]


def test_tokens_fold_accents_and_repeated_letters_and_skip_numbers():
    assert tokens("Tanpriiii ÈDE nou 50 moun") == ["tanpri", "ede", "nou", "moun"]
    assert tokens("é", fold=False) == ["é"]
