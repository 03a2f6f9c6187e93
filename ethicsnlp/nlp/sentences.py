"""Sentence segmentation for clinical note layout.

Starts a sentence at every line break, at SOAP/DAP/BIRP/GIRP headers such as
``S:`` or ``Plan:``, at bullets, and after ``.``, ``!`` or ``?`` unless the full
stop belongs to an abbreviation (``pt.``, ``Dr.``, ``approx.``) or the next word
continues in lower case.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from spacy.attrs import IS_SPACE, LOWER, ORTH, SENT_START, SPACY
from spacy.language import Language
from spacy.strings import StringStore
from spacy.tokens import Doc

HEADER_WORDS = frozenset(
    {
        "s",
        "o",
        "a",
        "p",
        "d",
        "b",
        "i",
        "r",
        "g",
        "subjective",
        "objective",
        "assessment",
        "plan",
        "data",
        "behavior",
        "behaviour",
        "intervention",
        "interventions",
        "response",
        "goal",
        "goals",
        "summary",
        "note",
        "risk",
        "impression",
        "recommendation",
        "recommendations",
        "follow-up",
        "history",
        "presenting",
        "reason",
        "mse",
        "dx",
        "diagnosis",
        "progress",
        "action",
        "actions",
        "outcome",
        "incident",
    }
)
TITLE_ABBREVIATIONS = frozenset(
    {"dr", "mr", "mrs", "ms", "prof", "st", "vs", "approx", "e.g", "i.e"}
)
END_PUNCT = frozenset({".", "!", "?", "...", "…"})
BULLETS = frozenset({"-", "*", "•", "·", "–", "—", ">"})
CLOSERS = frozenset({'"', "'", ")", "]", "”", "’", "»"})


def _is_header(texts: list[str], lowers: list[int], spaces: list[int], i: int,
               strings: StringStore) -> bool:
    """True when token ``i`` is a header word directly followed by a colon.

    ``texts``, ``lowers`` (LOWER ids) and ``spaces`` (IS_SPACE flags) are the doc's
    token columns. A token's trailing whitespace is at most one space in spaCy, so
    a line break before the header is always a space token of its own.
    """
    return (
        i + 1 < len(texts)
        and texts[i + 1] == ":"
        and strings[lowers[i]] in HEADER_WORDS
        and (i == 0 or bool(spaces[i - 1]) or texts[i - 1] in END_PUNCT)
    )


def _clinical_starts(doc: Doc) -> list[bool]:
    """The sentence-start flag of every token of ``doc`` (see the module docstring)."""
    strings = doc.vocab.strings
    columns = doc.to_array([ORTH, LOWER, IS_SPACE, SPACY])
    texts = [strings[orth] for orth in columns[:, 0].tolist()]
    lowers = columns[:, 1].tolist()
    spaces = columns[:, 2].tolist()
    trailing = columns[:, 3].tolist()
    starts = [False] * len(texts)
    starts[0] = True
    for i in range(1, len(texts)):
        if spaces[i]:
            continue
        text = texts[i]
        if (
            (spaces[i - 1] and "\n" in texts[i - 1])
            or _is_header(texts, lowers, spaces, i, strings)
            or (text in BULLETS and spaces[i - 1])
        ):
            starts[i] = True
            continue
        if text in CLOSERS and not trailing[i - 1] and not spaces[i - 1]:
            continue  # a closing quote or bracket stays with its sentence
        j = i - 1
        while j >= 0 and spaces[j]:
            j -= 1
        while j > 0 and texts[j] in CLOSERS and not trailing[j - 1]:
            j -= 1
        if j < 0 or texts[j] not in END_PUNCT:
            continue
        before = strings[lowers[j - 1]].rstrip(".") if j >= 1 else ""
        if texts[j] == "." and before in TITLE_ABBREVIATIONS:
            continue
        first = text[0]
        if first.islower() or (first.isdigit() and texts[j] == "."):
            continue
        starts[i] = True
    return starts


def set_clinical_sentence_starts(doc: Doc) -> Doc:
    """Mark ``is_sent_start`` on every token of ``doc`` and return it."""
    if len(doc) == 0:
        return doc
    starts = np.array(_clinical_starts(doc), dtype=bool)
    # 1 marks a sentence start and -1 a token inside a sentence, as Token.is_sent_start does.
    values = np.where(starts, 1, -1).astype(np.int64).view(np.uint64)
    doc.from_array([SENT_START], values)
    return doc


def sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """``(start, end)`` token offsets of the sentences of ``doc``, as ``doc.sents`` gives them.

    Reads the sentence-start column once instead of building a ``Span`` per sentence
    (and spaCy recomputes ``doc.sents`` on every access).
    """
    if "sents" in doc.user_hooks or not doc.has_annotation("SENT_START") or len(doc) == 0:
        return [(sent.start, sent.end) for sent in doc.sents]
    flags = doc.to_array(SENT_START)
    cuts = [0, *(np.flatnonzero(flags[1:] == 1) + 1).tolist(), len(doc)]
    return list(pairwise(cuts))


@Language.component("clinical_sentencizer")
def clinical_sentencizer(doc: Doc) -> Doc:
    """spaCy component: sentence boundaries that respect clinical note layout."""
    return set_clinical_sentence_starts(doc)
