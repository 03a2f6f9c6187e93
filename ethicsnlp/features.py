"""scikit-learn transformers that turn note texts into feature matrices.

:class:`NoteAnalyzer` runs the spaCy pipeline and returns, per note, three views:

* ``marked``: lemma sequence in which negated, hypothetical and non-therapist
  (third-party) tokens carry a prefix (``neg_``, ``hyp_``, ``oth_``), so that
  "declined the friend request" and "accepted the friend request" give
  different n-grams, and every token of a sentence that reports a refusal
  ("..., and I turned that down") carries ``ref_``; ``</s>`` separates sentences;
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
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import accumulate, pairwise

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from spacy.attrs import IS_PUNCT, IS_SPACE, LEMMA, LIKE_NUM, LOWER
from spacy.tokens import Doc

from ethicsnlp.nlp.context import OTHER, TOKEN_DEFAULTS, context_columns
from ethicsnlp.nlp.sentences import sentence_bounds

try:  # scikit-learn >= 1.8 can hand out sparse arrays or matrices, as configured
    from sklearn.utils._sparse import _align_api_if_sparse as _align_sparse
except ImportError:  # pragma: no cover - older scikit-learn: matrices only

    def _align_sparse(X):
        return X

SENTENCE_BREAK = "</s>"
VIEW_COLUMNS = ("marked", "raw", "cues")
#: Distinct words whose character n-gram columns a fitted ``char_wb`` vectorizer keeps.
WORD_CACHE_LIMIT = 20_000


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
    if token._.refused:
        prefix = "ref_" + prefix
    return prefix + term


def marked_terms(doc: Doc) -> list[str | None]:
    """:func:`marked_term` of every token of ``doc``, read in bulk.

    Token attributes come from one ``Doc.to_array`` call and the context marks from
    the ``ethics_context`` lists (:func:`~ethicsnlp.nlp.context.context_columns`),
    which is many times faster than one ``Token`` and ``token._`` lookup per token.
    """
    if len(doc) == 0:
        return []
    strings = doc.vocab.strings
    spaces, puncts, nums, lemmas, lowers = (
        doc.to_array([IS_SPACE, IS_PUNCT, LIKE_NUM, LEMMA, LOWER]).T.tolist()
    )
    columns = context_columns(doc)
    if columns is None:
        columns = {name: [default] * len(doc) for name, default in TOKEN_DEFAULTS.items()}
    terms: list[str | None] = []
    append = terms.append
    for space, punct, num, lemma, lower, hyp, neg, actor, refused in zip(
        spaces,
        puncts,
        nums,
        lemmas,
        lowers,
        columns["hypothetical"],
        columns["negated"],
        columns["actor"],
        columns["refused"],
        strict=True,
    ):
        if space or punct:
            append(None)
            continue
        term = "<num>" if num else (strings[lemma] or strings[lower])
        if hyp or neg or actor == OTHER:
            prefix = ("hyp_" if hyp else "") + ("neg_" if neg else "")
            term = prefix + ("oth_" if actor == OTHER else "") + term
        if refused:
            term = "ref_" + term
        append(term)
    return terms


def _span_states(doc: Doc, key: str) -> list[tuple[int, int, str, bool, bool, str]]:
    """``(start, end, label, negated, hypothetical, actor)`` of the spans in ``doc.spans[key]``
    (the span extension attributes, read from the context lists)."""
    group = doc.spans.get(key)
    if not group:
        return []
    columns = context_columns(doc)
    out = []
    for span in group:
        start, end = span.start, span.end
        if columns is None or end <= start:  # the extension's defaults, or its IndexError
            neg, hyp, actor = span._.negated, span._.hypothetical, span._.actor
        else:
            neg = any(columns["negated"][start:end])
            hyp = any(columns["hypothetical"][start:end])
            actor = columns["actor"][start]
        out.append((start, end, span.label_, neg, hyp, actor))
    return out


def cue_state(span) -> str:
    """Context state of a cue span: ``hyp``, ``neg``, or ``aff_<actor>``."""
    if span._.hypothetical:
        return "hyp"
    if span._.negated:
        return "neg"
    return f"aff_{span._.actor}"


def _state(neg: bool, hyp: bool, actor: str) -> str:
    """:func:`cue_state` from the span's context values."""
    if hyp:
        return "hyp"
    if neg:
        return "neg"
    return f"aff_{actor}"


class DocCues:
    """The cue and handled spans of one Doc with their context, for counting the cues
    of the whole note or of any token range of it (:func:`cue_counts`)."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.handled = [
            (start, end, neg, hyp) for start, end, _, neg, hyp, _ in _span_states(doc, "handled")
        ]
        self.cues = [
            (start, end, label, _state(neg, hyp, actor))
            for start, end, label, neg, hyp, actor in _span_states(doc, "cues")
        ]
        self._sent_starts: list[int] | None = None

    def sent_start(self, token: int) -> int:
        """``span.sent.start`` of a span starting at ``token``: the start of its sentence.

        The sentences are read on first use only, as ``span.sent`` would read them.
        """
        if self._sent_starts is None:
            self._sent_starts = [start for start, _ in sentence_bounds(self.doc)]
        return self._sent_starts[bisect_right(self._sent_starts, token) - 1]

    def counts(self, start: int = 0, end: int | None = None) -> dict[str, float]:
        """Cue counts of the spans that lie within tokens ``start:end`` (all by default)."""
        stop = float("inf") if end is None else end
        counts: Counter[str] = Counter()
        handled_sents = set()
        for s, e, neg, hyp in self.handled:
            if start <= s and e <= stop:
                if not neg and not hyp:
                    counts["handled"] += 1
                    handled_sents.add(self.sent_start(s))
                elif neg:
                    counts["handled_neg"] += 1
        for s, e, label, state in self.cues:
            if start <= s and e <= stop:
                counts[f"{label}|{state}"] += 1
                if state == "aff_therapist" and self.sent_start(s) in handled_sents:
                    counts[f"{label}|aff_therapist_handled_sent"] += 1
        return {key: math.log1p(value) for key, value in counts.items()}


def cue_counts(doc: Doc) -> dict[str, float]:
    """Cue and handled-cue counts of one Doc, log-scaled, as a feature dict.

    ``doc`` may also be any object with a ``spans`` dict of spans of one Doc.
    """
    if isinstance(doc, Doc):
        return DocCues(doc).counts()
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


def join_marked(terms: list[str | None], bounds: Iterable[tuple[int, int]]) -> str:
    """The ``marked`` view from per-token :func:`marked_terms` and sentence bounds."""
    marked: list[str] = []
    for start, end in bounds:
        marked.extend(t for t in terms[start:end] if t is not None)
        marked.append(SENTENCE_BREAK)
    return " ".join(marked)


def marked_text(sents: Iterable) -> str:
    """The ``marked`` view of a sequence of sentences (spaCy spans)."""
    marked: list[str] = []
    doc, terms = None, []
    for sent in sents:
        if sent.doc is not doc:
            doc = sent.doc
            terms = marked_terms(doc)
        marked.extend(t for t in terms[sent.start : sent.end] if t is not None)
        marked.append(SENTENCE_BREAK)
    return " ".join(marked)


def doc_views(doc: Doc, text: str | None = None) -> tuple[str, str, dict[str, float]]:
    """Return the ``marked``, ``raw`` and ``cues`` views of one Doc.

    ``text`` is the string the Doc was made from, when the caller has it: spaCy
    rebuilds ``doc.text`` token by token on every access, and the two are equal.
    """
    raw = doc.text if text is None else text
    return join_marked(marked_terms(doc), sentence_bounds(doc)), raw, cue_counts(doc)


def views_frame(rows: Sequence[tuple]) -> pd.DataFrame:
    """A DataFrame of feature views (columns :data:`VIEW_COLUMNS`) from row tuples."""
    # one object array is faster for pandas than inferring from tuples; same frame and dtypes
    table = np.empty((len(rows), len(VIEW_COLUMNS)), dtype=object)
    for i, row in enumerate(rows):
        table[i] = row
    return pd.DataFrame(table, columns=list(VIEW_COLUMNS))


def _concatenate(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int32)


def _sum_by_column(columns: list[np.ndarray], counts: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct columns of one note and their counts, from each distinct
    word's n-gram columns (``columns``) and how often the word occurs (``counts``)."""
    if not columns:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
    every = np.concatenate(columns)
    weights = np.repeat(np.asarray(counts, dtype=np.int32), [len(c) for c in columns])
    distinct, position = np.unique(every, return_inverse=True)
    summed = np.bincount(position, weights=weights, minlength=len(distinct))
    return distinct, summed.astype(np.int32)


class CompactTfidfVectorizer(TfidfVectorizer):
    """``TfidfVectorizer`` whose saved state holds the vocabulary as one UTF-8 byte
    array plus two integer arrays (term lengths and columns) instead of a dict of
    hundreds of thousands of entries.

    Behaviour is identical; a model file with it loads about ten times faster and
    is several times smaller (skops writes a dict item by item). Terms are written
    most frequent first (by inverse document frequency, then column), so the dict
    rebuilt on loading keeps lookups of common n-grams close together in memory: a
    dict rebuilt in column (alphabetical) order scored about 13% slower. The rebuild
    streams the term slices instead of building lists of positions, which had raised
    peak memory. Files that hold the terms as one string (earlier releases), or in
    column order without columns, load too.
    """

    def _count_vocab(self, raw_documents, fixed_vocab):
        """Count n-grams; with a fitted ``char_wb`` vocabulary, word by word from a cache.

        ``char_wb`` n-grams never cross a word boundary, so a note's counts are the
        sum of its words' counts. The columns of each distinct word's n-grams are
        looked up once and kept (up to :data:`WORD_CACHE_LIMIT` words, in memory
        only, never saved), which makes scoring several times faster than
        scikit-learn's n-gram-by-n-gram loop with the same matrix. Fitting, and every
        other analyzer, use scikit-learn's own code.
        """
        if not fixed_vocab or not self._word_cacheable():
            return super()._count_vocab(raw_documents, fixed_vocab)
        cache = self.__dict__.setdefault("_word_columns", {})
        lookup = self.vocabulary_.get
        decode, preprocess = self.decode, self.build_preprocessor()
        white_spaces, word_ngrams = self._white_spaces, self._char_wb_ngrams
        indices: list[np.ndarray] = []  # per note: its sorted distinct columns
        values: list[np.ndarray] = []  # per note: their counts
        for doc in raw_documents:
            words = Counter(white_spaces.sub(" ", preprocess(decode(doc))).split())
            if len(cache) + len(words) > WORD_CACHE_LIMIT:
                cache.clear()
            found = []
            for word in words:
                columns = cache.get(word)
                if columns is None:
                    hits = [c for c in map(lookup, word_ngrams(word)) if c is not None]
                    columns = cache[word] = np.array(hits, dtype=np.int32)
                found.append(columns)
            note_columns, note_counts = _sum_by_column(found, list(words.values()))
            indices.append(note_columns)
            values.append(note_counts)
        indptr = np.zeros(len(indices) + 1, dtype=np.int64)
        np.cumsum([len(i) for i in indices], out=indptr[1:])
        X = sp.csr_matrix(
            (_concatenate(values), _concatenate(indices), indptr),
            shape=(len(indices), len(self.vocabulary_)),
            dtype=self.dtype,
        )
        return self.vocabulary_, _align_sparse(X)

    def _word_cacheable(self) -> bool:
        """True when counts are a sum over whitespace-separated words (``char_wb``
        with the built-in preprocessing and text input)."""
        return (
            self.analyzer == "char_wb"
            and self.input == "content"
            and self.preprocessor is None
        )

    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())  # a copy: never alter the live estimator
        state.pop("_word_columns", None)  # words of scored notes: never saved
        vocabulary = state.pop("vocabulary_", None)
        if vocabulary is not None:
            terms = list(vocabulary)
            columns = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(terms))
            idf = getattr(self, "idf_", None)  # None without use_idf
            if idf is not None and len(idf) == len(terms):
                order = np.lexsort((columns, np.asarray(idf)[columns]))  # common first
                terms = [terms[i] for i in order.tolist()]
                columns = columns[order]
            # UTF-8 bytes in an array, so skops writes them as a binary member instead
            # of a string inside its JSON schema (which raised the loading peak)
            encoded = "".join(terms).encode("utf-8")
            state["vocabulary_utf8_"] = np.frombuffer(encoded, dtype=np.uint8)
            state["vocabulary_lengths_"] = np.array([len(t) for t in terms], dtype=np.int32)
            state["vocabulary_index_"] = columns.astype(np.int32)
        return state

    def __setstate__(self, state: dict) -> None:
        text = state.pop("vocabulary_text_", None)
        encoded = state.pop("vocabulary_utf8_", None)
        if encoded is not None:
            text = encoded.tobytes().decode("utf-8")
            del encoded
        lengths = state.pop("vocabulary_lengths_", None)
        index = state.pop("vocabulary_index_", None)
        super().__setstate__(state)
        if text is not None:
            bounds = accumulate(lengths.tolist(), initial=0)
            terms = (text[start:end] for start, end in pairwise(bounds))
            columns = range(len(lengths)) if index is None else index.tolist()
            self.vocabulary_ = dict(zip(terms, columns, strict=True))


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
        docs = nlp.pipe(texts, batch_size=self.batch_size, n_process=self.n_process)
        rows = [
            doc_views(doc, text)
            for doc, text in zip(docs, texts, strict=True)
        ]
        return views_frame(rows)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags


def build_features(
    *,
    word_ngrams: tuple[int, int] = (1, 2),
    context_ngrams: tuple[int, int] = (1, 3),
    char_ngrams: tuple[int, int] = (2, 6),
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
