"""Assemble the project's spaCy pipeline on ``spacy.blank("en")``."""

from __future__ import annotations

from functools import cache

import spacy
from spacy.language import Language

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
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe("clinical_normalizer")
    nlp.add_pipe("ethics_context")
    nlp.initialize()
    return nlp


@cache
def get_nlp() -> Language:
    """Return a process-wide shared pipeline (built on first use)."""
    return build_nlp()
