"""Assemble the project's spaCy pipeline on ``spacy.blank("en")``."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import spacy
from spacy.attrs import LEMMA, ORTH
from spacy.errors import Errors
from spacy.lang.en.lemmatizer import EnglishLemmatizer
from spacy.language import Language
from spacy.lookups import Lookups
from spacy.tokens import Doc
from spacy.vocab import Vocab

# Importing the modules registers the components with spaCy.
from ethicsnlp.nlp import context, normalize, sentences  # noqa: F401
from ethicsnlp.nlp.normalize import add_shorthand_special_cases

PIPE_NAMES = (
    "placeholder_merger",
    "clinical_sentencizer",
    "lemmatizer",
    "clinical_normalizer",
    "ethics_context",
)


class BulkLookupLemmatizer(EnglishLemmatizer):
    """spaCy's English lemmatizer; in ``lookup`` mode it reads the token forms and
    writes the lemmas with one array call per doc, memoising the lemma of each form
    (the lookup lemma depends on the token text only). Other modes are unchanged.
    """

    def __init__(
        self,
        vocab: Vocab,
        model: object,
        name: str = "lemmatizer",
        *,
        mode: str = "lookup",
        overwrite: bool = False,
        scorer: Callable | None = None,
    ) -> None:
        super().__init__(vocab, model, name, mode=mode, overwrite=overwrite, scorer=scorer)
        self._lemma_ids: dict[int, int] = {}  # ORTH id -> lemma id

    def initialize(
        self,
        get_examples: Callable | None = None,
        *,
        nlp: Language | None = None,
        lookups: Lookups | None = None,
    ) -> None:
        """Load the tables as spaCy does, and forget lemmas looked up in old tables."""
        self._lemma_ids = {}
        super().initialize(get_examples, nlp=nlp, lookups=lookups)

    def __call__(self, doc: Doc) -> Doc:
        """Set the lookup lemma of every token that has none (of all with ``overwrite``)."""
        if self.mode != "lookup" or len(doc) == 0:
            return super().__call__(doc)
        if not self._validated:
            self._validate_tables(Errors.E1004)
        memo = self._lemma_ids
        if len(memo) > 1_000_000:
            memo.clear()
        strings = self.vocab.strings
        columns = doc.to_array([ORTH, LEMMA])
        lemmas = columns[:, 1].tolist()
        for i, orth in enumerate(columns[:, 0].tolist()):
            if self.overwrite or lemmas[i] == 0:
                lemma = memo.get(orth)
                if lemma is None:
                    text = strings[orth]
                    lemma = memo[orth] = strings.add(self.lookup_lemmatize_text(text))
                lemmas[i] = lemma
        doc.from_array([LEMMA], np.array(lemmas, dtype=np.uint64))
        return doc

    def lookup_lemmatize_text(self, text: str) -> str:
        """The first lookup lemma of ``text`` (:meth:`lookup_lemmatize` of a token)."""
        result = self.lookups.get_table("lemma_lookup", {}).get(text, text)
        return result if isinstance(result, str) else result[0]


@Language.factory(
    "bulk_lookup_lemmatizer",
    assigns=["token.lemma"],
    default_config={
        "model": None,
        "mode": "lookup",
        "overwrite": False,
        "scorer": {"@scorers": "spacy.lemmatizer_scorer.v1"},
    },
    default_score_weights={"lemma_acc": 1.0},
)
def make_bulk_lookup_lemmatizer(
    nlp: Language,
    model: object,
    name: str,
    mode: str,
    overwrite: bool,
    scorer: Callable | None,
) -> BulkLookupLemmatizer:
    """spaCy factory for :class:`BulkLookupLemmatizer`."""
    return BulkLookupLemmatizer(
        nlp.vocab, model, name, mode=mode, overwrite=overwrite, scorer=scorer
    )


def build_nlp() -> Language:
    """Build and initialise the pipeline: blank English, clinical sentences, lookup
    lemmas (from ``spacy-lookups-data``), normalisation and ethics context.

    Nothing is downloaded: lemma tables come from the installed
    ``spacy-lookups-data`` package.
    """
    nlp = spacy.blank("en")
    add_shorthand_special_cases(nlp)
    nlp.add_pipe("placeholder_merger")
    nlp.add_pipe("clinical_sentencizer")
    nlp.add_pipe("bulk_lookup_lemmatizer", name="lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe("clinical_normalizer")
    nlp.add_pipe("ethics_context")
    nlp.initialize()
    return nlp


@cache
def get_nlp() -> Language:
    """Return a process-wide shared pipeline (built on first use)."""
    return build_nlp()
