"""Normalisation of de-identification placeholders and clinical shorthand.

``[CLIENT]``, ``[THERAPIST]``, ``[DATE]`` ... become single tokens: roles get a
plain-word lemma (``client``, ``therapist``), other placeholders a marked one
(``<date>``, ``<person>``) that no cue word matches; shorthand such as ``pt``,
``ct``, ``th``, ``w/``, ``b/c``, ``hx`` gets the lemma of the word it stands for.
All lemmas are lower-cased so that matchers and features see one form.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from ethicsnlp.resources import load_json

PLACEHOLDER = re.compile(r"\[([A-Za-z][A-Za-z _/-]{0,30}?)(?:[ _-]?\d{1,3})?\]")
SLASH_SHORTHAND = (
    "b/c",
    "f/u",
    "w/o",
    "s/p",
    "y/o",
    "h/o",
    "c/o",
    "d/c",
    "n/v",
    "r/o",
    "w/in",
    "a/w",
    "re:",
)


def add_shorthand_special_cases(nlp: Language) -> None:
    """Keep slash shorthand such as ``b/c`` and ``f/u`` as one token."""
    for form in SLASH_SHORTHAND:
        for variant in {form, form.upper(), form.capitalize()}:
            nlp.tokenizer.add_special_case(variant, [{"ORTH": variant}])


def _placeholder_term(inner: str, table: dict[str, str]) -> str:
    key = inner.strip().lower().replace("_", " ").split()[0] if inner.strip() else ""
    key = key.rstrip("s") if key.rstrip("s") in table else key
    return table.get(key, f"<{key.replace(' ', '-') or 'placeholder'}>")


@Language.component("placeholder_merger")
def placeholder_merger(doc: Doc) -> Doc:
    """spaCy component: merge ``[CLIENT]``-style placeholders into single tokens."""
    spans = []
    for match in PLACEHOLDER.finditer(doc.text):
        span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
        if span is not None and len(span) > 1:
            spans.append(span)
    if spans:
        spans = _non_overlapping(spans)
        with doc.retokenize() as retokenizer:
            for span in spans:
                retokenizer.merge(span)
    return doc


def _non_overlapping(spans: list) -> list:
    kept, last_end = [], -1
    for span in sorted(spans, key=lambda s: s.start):
        if span.start >= last_end:
            kept.append(span)
            last_end = span.end
    return kept


@Language.component("clinical_normalizer")
def clinical_normalizer(doc: Doc) -> Doc:
    """spaCy component: lower-case lemmas, expand shorthand and name placeholders."""
    rules = load_json("shorthand.json")
    shorthand: dict[str, str] = rules["shorthand"]
    placeholders: dict[str, str] = rules["placeholders"]
    for token in doc:
        text = token.text
        lower = token.lower_
        if text.startswith("[") and text.endswith("]") and len(text) > 2:
            match = PLACEHOLDER.fullmatch(text)
            term = _placeholder_term(match.group(1) if match else text[1:-1], placeholders)
        elif lower in shorthand:
            term = shorthand[lower]
        elif lower in ("'s", "’s"):
            term = "'s"
        else:
            lemma = (token.lemma_ or text).lower()
            term = shorthand.get(lemma, lemma)
        token.lemma_ = term
        token.norm_ = term
    return doc
