"""Normalisation of de-identification placeholders and clinical shorthand.

``[CLIENT]``, ``[THERAPIST]``, ``[DATE]`` ... become single tokens: roles get a
plain-word lemma (``client``, ``therapist``), other placeholders a marked one
(``<date>``, ``<person>``) that no cue word matches; shorthand such as ``pt``,
``ct``, ``th``, ``w/``, ``b/c``, ``hx`` gets the lemma of the word it stands for.
All lemmas are lower-cased so that matchers and features see one form.
"""

from __future__ import annotations

import re

import numpy as np
from spacy.attrs import LEMMA, LOWER, NORM, ORTH, SPACY
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
    if len(doc) == 0:
        return doc
    words, spaces = _words_and_spaces(doc)
    if not any("[" in word for word in words):
        return doc
    text = "".join([w + " " if space else w for w, space in zip(words, spaces, strict=True)])
    spans = []
    for match in PLACEHOLDER.finditer(text):
        span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
        if span is not None and len(span) > 1:
            spans.append(span)
    if spans:
        spans = _non_overlapping(spans)
        with doc.retokenize() as retokenizer:
            for span in spans:
                retokenizer.merge(span)
    return doc


def _words_and_spaces(doc: Doc) -> tuple[list[str], list[int]]:
    """Each token's text and whether a space follows it, read from the token arrays
    (``doc.text`` builds a Token object per token, which cost more than the rest of
    :func:`placeholder_merger`)."""
    strings = doc.vocab.strings
    orths, spaces = doc.to_array([ORTH, SPACY]).T.tolist()
    return [strings[orth] for orth in orths], spaces


def _non_overlapping(spans: list) -> list:
    kept, last_end = [], -1
    for span in sorted(spans, key=lambda s: s.start):
        if span.start >= last_end:
            kept.append(span)
            last_end = span.end
    return kept


def normal_term(text: str, lower: str, lemma: str, rules: dict[str, dict[str, str]]) -> str:
    """The normalised lemma of a token with this ``text``, lower-case form and lemma."""
    if text.startswith("[") and text.endswith("]") and len(text) > 2:
        match = PLACEHOLDER.fullmatch(text)
        return _placeholder_term(match.group(1) if match else text[1:-1], rules["placeholders"])
    shorthand = rules["shorthand"]
    if lower in shorthand:
        return shorthand[lower]
    if lower in ("'s", "’s"):
        return "'s"
    lemma = (lemma or text).lower()
    return shorthand.get(lemma, lemma)


class ClinicalNormalizer:
    """spaCy component: lower-case lemmas, expand shorthand and name placeholders.

    Sets ``lemma_`` and ``norm_`` of every token to :func:`normal_term`. The term
    depends only on the token's form and incoming lemma, so it is memoised per
    ``(ORTH, LEMMA)`` pair and written back with one ``Doc.from_array`` call.
    """

    MAX_CACHE = 1_000_000

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        self._terms: dict[tuple[int, int], int] = {}

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) == 0:
            return doc
        strings = doc.vocab.strings
        rules = load_json("shorthand.json")
        terms = self._terms
        if len(terms) > self.MAX_CACHE:
            terms.clear()
        orths, lowers, lemmas = doc.to_array([ORTH, LOWER, LEMMA]).T.tolist()
        ids = []
        for orth, lower, lemma in zip(orths, lowers, lemmas, strict=True):
            term = terms.get((orth, lemma))
            if term is None:
                text = strings[orth]
                term = strings.add(normal_term(text, strings[lower], strings[lemma], rules))
                terms[orth, lemma] = term
            ids.append(term)
        values = np.array(ids, dtype=np.uint64)
        doc.from_array([LEMMA, NORM], np.stack([values, values], axis=1))
        return doc


@Language.factory("clinical_normalizer")
def make_clinical_normalizer(nlp: Language, name: str) -> ClinicalNormalizer:
    """spaCy factory for :class:`ClinicalNormalizer`."""
    return ClinicalNormalizer(nlp, name)
