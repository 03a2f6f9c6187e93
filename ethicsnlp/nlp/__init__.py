"""spaCy preprocessing: sentences, lemmas, placeholders, cues and context."""

from ethicsnlp.nlp.pipeline import build_nlp, get_nlp

__all__ = ["build_nlp", "get_nlp"]
