"""scikit-learn transformers that turn note texts into feature matrices.

:class:`NoteAnalyzer` runs the spaCy pipeline and returns, per note, three views:

* ``marked``: lemma sequence in which negated, hypothetical and non-therapist
  (third-party) tokens carry a prefix (``neg_``, ``hyp_``, ``oth_``), so that
  "declined the friend request" and "accepted the friend request" give
  different n-grams; ``</s>`` separates sentences;
* ``plain``: the normalised lemmas without marks, for character n-grams;
* ``cues``: counts of label cues by context (affirmed therapist, client, third
  party, negated, hypothetical), and of handled-appropriately cues.

:func:`build_features` combines the views in a ``ColumnTransformer``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from spacy.tokens import Doc

from ethicsnlp.nlp.context import OTHER

SENTENCE_BREAK = "</s>"
VIEW_COLUMNS = ("marked", "plain", "cues")


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
        counts[f"{span.label_}|any"] += 1
        if state == "aff_therapist" and span.sent.start in handled_sents:
            counts[f"{span.label_}|aff_therapist_handled_sent"] += 1
    return {key: math.log1p(value) for key, value in counts.items()}


def doc_views(doc: Doc) -> tuple[str, str, dict[str, float]]:
    """Return the ``marked``, ``plain`` and ``cues`` views of one Doc."""
    marked: list[str] = []
    plain: list[str] = []
    for sent in doc.sents:
        for token in sent:
            term = marked_term(token)
            if term is not None:
                marked.append(term)
                plain.append(token_term(token) or "")
        marked.append(SENTENCE_BREAK)
    return " ".join(marked), " ".join(plain), cue_counts(doc)


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
        """Return a DataFrame with columns ``marked``, ``plain`` and ``cues``."""
        from ethicsnlp.nlp import get_nlp

        texts = [str(x) for x in (X.tolist() if hasattr(X, "tolist") else X)]
        nlp = get_nlp()
        rows = [doc_views(doc) for doc in nlp.pipe(texts, batch_size=self.batch_size,
                                                   n_process=self.n_process)]
        return pd.DataFrame(rows, columns=list(VIEW_COLUMNS))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags


def build_features(
    *,
    word_ngrams: tuple[int, int] = (1, 3),
    char_ngrams: tuple[int, int] = (2, 5),
    min_df: int = 2,
    weights: dict[str, float] | None = None,
) -> ColumnTransformer:
    """Return the ColumnTransformer over :class:`NoteAnalyzer`'s three views."""
    weights = weights or {"words": 1.0, "chars": 1.0, "cues": 0.5}
    return ColumnTransformer(
        [
            (
                "words",
                TfidfVectorizer(
                    token_pattern=r"[^\s]+", lowercase=False, ngram_range=word_ngrams,
                    min_df=min_df, sublinear_tf=True, dtype=np.float32,
                ),
                "marked",
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=char_ngrams, min_df=min_df,
                    sublinear_tf=True, dtype=np.float32, max_features=200_000,
                ),
                "plain",
            ),
            ("cues", DictVectorizer(dtype=np.float32), "cues"),
        ],
        transformer_weights=weights,
        sparse_threshold=1.0,
    )


def views_of(texts: Sequence[str], batch_size: int = 64) -> pd.DataFrame:
    """Convenience: the three feature views for ``texts``."""
    return NoteAnalyzer(batch_size=batch_size).transform(texts)
