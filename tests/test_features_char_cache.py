"""``CompactTfidfVectorizer``'s word-cached ``char_wb`` counting gives scikit-learn's
matrix exactly, stays bounded, and never saves the words it has seen."""

import io
import pickle
import zipfile

import numpy as np
import pytest
import skops.io
from sklearn.feature_extraction.text import CountVectorizer

import ethicsnlp.features as features
from ethicsnlp.features import CompactTfidfVectorizer

TRAIN = [
    "Writer declined the client's friend request on Facebook.",
    "Pt endorsed SI with plan; C-SSRS completed and safety plan updated with pt.",
    "She offered to clean my flat for cash, and I turned that down. Budget reviewed.",
    "Client asked whether therapists can date clients? Explained this is prohibited.",
    "S: pt reports poor sleep\nO: affect flat\nP: f/u 2 wks - call PCP?",
    "Café naïve ÉCOLE résumé, plan plan plan.",
]
SCORED = [
    *TRAIN,
    "",
    "   \n\t ",
    "a",
    "banana bandana banana  banana\n\nbanana",
    "Unseenword zzzqqq with\u00a0no-break\u2003em space and\x1cfile\x1fseparators",
    "ÉCOLE Café NAÏVE",
    "plan " * 40,
]


def sklearn_counts(vectorizer, texts):
    """scikit-learn's own n-gram-by-n-gram counting, for comparison."""
    return CountVectorizer._count_vocab(vectorizer, texts, True)[1]


def assert_same_matrix(left, right):
    assert left.shape == right.shape
    assert left.dtype == right.dtype
    assert np.array_equal(left.indptr, right.indptr)
    assert np.array_equal(left.indices, right.indices)
    assert np.array_equal(left.data, right.data)


@pytest.mark.parametrize(
    "params",
    [
        {"ngram_range": (2, 6)},
        {"ngram_range": (1, 3), "lowercase": False},
        {"ngram_range": (2, 4), "strip_accents": "unicode", "binary": True},
        {"ngram_range": (3, 5), "min_df": 2, "max_features": 40},
    ],
)
def test_cached_counts_equal_sklearn_cold_and_warm(params):
    vectorizer = CompactTfidfVectorizer(analyzer="char_wb", **params).fit(TRAIN)
    expected = sklearn_counts(vectorizer, SCORED)
    cold = vectorizer._count_vocab(SCORED, True)[1]
    warm = vectorizer._count_vocab(SCORED[::-1], True)[1]
    assert_same_matrix(cold, expected)
    assert_same_matrix(warm, sklearn_counts(vectorizer, SCORED[::-1]))
    assert vectorizer.__dict__["_word_columns"]  # the second pass read the cache
    # and the public transform (tf-idf, binary, norm) is unchanged
    plain = CompactTfidfVectorizer(analyzer="char_wb", **params).fit(TRAIN)
    plain._word_cacheable = lambda: False
    assert_same_matrix(vectorizer.transform(SCORED), plain.transform(SCORED))


def test_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(features, "WORD_CACHE_LIMIT", 5)
    vectorizer = CompactTfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit(TRAIN)
    texts = [" ".join(f"w{i}x{j}" for j in range(3)) for i in range(40)] + SCORED[:3]
    counts = vectorizer._count_vocab(texts, True)[1]
    assert len(vectorizer.__dict__["_word_columns"]) <= 5 + 10  # at most one note over
    assert_same_matrix(counts, sklearn_counts(vectorizer, texts))


def test_scored_words_are_never_saved():
    vectorizer = CompactTfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit(TRAIN)
    vectorizer.transform(["ZEBRASECRET7731 visited"])
    assert "zebrasecret7731" in vectorizer.__dict__["_word_columns"]
    state = vectorizer.__getstate__()
    assert "_word_columns" not in state
    assert b"zebrasecret7731" not in pickle.dumps(vectorizer)
    saved = zipfile.ZipFile(io.BytesIO(skops.io.dumps(vectorizer)))  # the model format
    assert not any(b"zebrasecret7731" in saved.read(name) for name in saved.namelist())
    assert "_word_columns" in vectorizer.__dict__  # saving leaves the live cache alone


@pytest.mark.parametrize("analyzer", ["word", "char"])
def test_other_analyzers_use_sklearn(analyzer):
    vectorizer = CompactTfidfVectorizer(analyzer=analyzer).fit(TRAIN)
    assert_same_matrix(vectorizer._count_vocab(SCORED, True)[1], sklearn_counts(vectorizer, SCORED))
    assert "_word_columns" not in vectorizer.__dict__


def test_fitting_is_unchanged():
    ours = CompactTfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit(TRAIN)
    theirs = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit(TRAIN)
    assert ours.vocabulary_ == theirs.vocabulary_
