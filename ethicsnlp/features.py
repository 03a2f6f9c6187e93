"""scikit-learn transformers that turn note texts into feature matrices.

:class:`NoteAnalyzer` runs the spaCy pipeline and returns, per note, three views:

* ``marked``: lemma sequence in which negated, hypothetical and non-therapist
  (third-party) tokens carry a prefix (``neg_``, ``hyp_``, ``oth_``), so that
  "declined the friend request" and "accepted the friend request" give
  different n-grams; ``</s>`` separates sentences;
* ``raw``: the note text itself, for word and character n-grams that keep the
  writer's own spelling and shorthand;
* ``cues``: counts of label cues by context (affirmed therapist, client, third
  party, negated, hypothetical), and of handled-appropriately cues.

:func:`build_features` combines the views in a ``ColumnTransformer``. Measured
on grouped cross-validation (leave settings out), the raw word and character
n-grams carry most of the signal; the context-marked lemma n-grams add the
negation, hypothetical and actor distinctions; the cue counts are kept at a low
weight (they did not measurably help at higher weights).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from spacy.tokens import Doc

from ethicsnlp.nlp.context import OTHER

SENTENCE_BREAK = "</s>"
VIEW_COLUMNS = ("marked", "raw", "cues")


def token_term(token) -> str | None:
    """Return the feature term for one token, or ``None`` for space and punctuation."""
    if token.is_space or token.is_punct:
        return None
    term = token.lemma_ or token.lower_
    if token.like_num:
        term = "<num>"
    return term


def marked_term(token) -> str | None:
    """Return the token's term with its context prefixes, or ``None``."""
    term = token_term(token)
    if term is None:
        return None
    prefix = ""
    if token._.hypothetical:
        prefix += "hyp_"
    if token._.negated:
        prefix += "neg_"
    if token._.actor == OTHER:
        prefix += "oth_"
    return prefix + term


def cue_state(span) -> str:
    """Context state of a cue span: ``hyp``, ``neg``, or ``aff_<actor>``."""
    if span._.hypothetical:
        return "hyp"
    if span._.negated:
        return "neg"
    return f"aff_{span._.actor}"


def cue_counts(doc: Doc) -> dict[str, float]:
    """Cue and handled-cue counts of one Doc, log-scaled, as a feature dict."""
    counts: Counter[str] = Counter()
    handled_sents = set()
    for span in doc.spans.get("handled", []):
        if not span._.negated and not span._.hypothetical:
            counts["handled"] += 1
            handled_sents.add(span.sent.start)
        elif span._.negated:
            counts["handled_neg"] += 1
    for span in doc.spans.get("cues", []):
        state = cue_state(span)
        counts[f"{span.label_}|{state}"] += 1
        if state == "aff_therapist" and span.sent.start in handled_sents:
            counts[f"{span.label_}|aff_therapist_handled_sent"] += 1
    return {key: math.log1p(value) for key, value in counts.items()}


def marked_text(sents: Iterable) -> str:
    """The ``marked`` view of a sequence of sentences (spaCy spans)."""
    marked: list[str] = []
    for sent in sents:
        marked.extend(t for t in (marked_term(token) for token in sent) if t is not None)
        marked.append(SENTENCE_BREAK)
    return " ".join(marked)


def doc_views(doc: Doc) -> tuple[str, str, dict[str, float]]:
    """Return the ``marked``, ``raw`` and ``cues`` views of one Doc."""
    return marked_text(doc.sents), doc.text, cue_counts(doc)


class CompactTfidfVectorizer(TfidfVectorizer):
    """``TfidfVectorizer`` whose saved state holds the vocabulary as one string plus
    two integer arrays instead of a dict of hundreds of thousands of entries.

    Behaviour is identical; a model file with it loads about ten times faster and
    is several times smaller (skops writes a dict item by item).
    """

    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())  # a copy: never alter the live estimator
        vocabulary = state.pop("vocabulary_", None)
        if vocabulary is not None:
            terms = list(vocabulary)
            state["vocabulary_text_"] = "".join(terms)
            state["vocabulary_lengths_"] = np.array([len(t) for t in terms], dtype=np.int64)
            state["vocabulary_index_"] = np.fromiter(vocabulary.values(), dtype=np.int64,
                                                     count=len(terms))
        return state

    def __setstate__(self, state: dict) -> None:
        text = state.pop("vocabulary_text_", None)
        lengths = state.pop("vocabulary_lengths_", None)
        index = state.pop("vocabulary_index_", None)
        super().__setstate__(state)
        if text is not None:
            ends = np.cumsum(lengths).tolist()
            starts = [0, *ends[:-1]]
            self.vocabulary_ = {text[a:b]: int(i) for a, b, i in
                                zip(starts, ends, index.tolist(), strict=True)}


class NoteAnalyzer(TransformerMixin, BaseEstimator):
    """Run the spaCy pipeline over texts and return the feature views as a DataFrame.

    Stateless: ``fit`` learns nothing. The pipeline itself is rebuilt from the
    package's code and rule files, never stored in the model file.
    """

    def __init__(self, batch_size: int = 64, n_process: int = 1) -> None:
        self.batch_size = batch_size
        self.n_process = n_process

    def fit(self, X: Iterable[str], y: object = None) -> NoteAnalyzer:
        """No-op; present for the scikit-learn API."""
        return self

    def transform(self, X: Iterable[str]) -> pd.DataFrame:
        """Return a DataFrame with columns ``marked``, ``raw`` and ``cues``."""
        from ethicsnlp.nlp import get_nlp

        texts = [str(x) for x in (X.tolist() if hasattr(X, "tolist") else X)]
        nlp = get_nlp()
        rows = [
            doc_views(doc)
            for doc in nlp.pipe(texts, batch_size=self.batch_size, n_process=self.n_process)
        ]
        return pd.DataFrame(rows, columns=list(VIEW_COLUMNS))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags


def build_features(
    *,
    word_ngrams: tuple[int, int] = (1, 2),
    context_ngrams: tuple[int, int] = (1, 3),
    char_ngrams: tuple[int, int] = (2, 5),
    min_df: int = 2,
    weights: dict[str, float] | None = None,
) -> ColumnTransformer:
    """Return the ColumnTransformer over :class:`NoteAnalyzer`'s views: raw word
    n-grams, raw character n-grams, context-marked lemma n-grams and cue counts."""
    weights = weights or {"words": 1.0, "chars": 1.0, "context": 1.0, "cues": 0.15}
    return ColumnTransformer(
        [
            (
                "words",
                CompactTfidfVectorizer(
                    ngram_range=word_ngrams, min_df=min_df, sublinear_tf=True, dtype=np.float64
                ),
                "raw",
            ),
            (
                "chars",
                CompactTfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=char_ngrams,
                    min_df=min_df,
                    sublinear_tf=True,
                    dtype=np.float64,
                    max_features=200_000,
                ),
                "raw",
            ),
            (
                "context",
                CompactTfidfVectorizer(
                    token_pattern=r"[^\s]+",
                    lowercase=False,
                    ngram_range=context_ngrams,
                    min_df=min_df,
                    sublinear_tf=True,
                    dtype=np.float64,
                ),
                "marked",
            ),
            ("cues", DictVectorizer(dtype=np.float64), "cues"),
        ],
        transformer_weights=weights,
        sparse_threshold=1.0,
    )
