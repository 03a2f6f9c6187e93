"""Sentence segmentation for clinical note layout.

Starts a sentence at every line break, at SOAP/DAP/BIRP/GIRP headers such as
``S:`` or ``Plan:``, at bullets, and after ``.``, ``!`` or ``?`` unless the full
stop belongs to an abbreviation (``pt.``, ``Dr.``, ``approx.``) or the next word
continues in lower case.
"""

from __future__ import annotations

from spacy.language import Language
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


def _is_header(doc: Doc, i: int) -> bool:
    """True when token ``i`` is a header word directly followed by a colon."""
    return (
        i + 1 < len(doc)
        and doc[i + 1].text == ":"
        and doc[i].lower_ in HEADER_WORDS
        and (
            i == 0
            or doc[i - 1].is_space
            or doc[i - 1].text in END_PUNCT
            or "\n" in doc[i - 1].whitespace_
        )
    )


def set_clinical_sentence_starts(doc: Doc) -> Doc:
    """Mark ``is_sent_start`` on every token of ``doc`` and return it."""
    if len(doc) == 0:
        return doc
    starts = [False] * len(doc)
    starts[0] = True
    for i in range(1, len(doc)):
        prev = doc[i - 1]
        token = doc[i]
        if token.is_space:
            continue
        if (
            (prev.is_space and "\n" in prev.text)
            or _is_header(doc, i)
            or (token.text in BULLETS and prev.is_space)
        ):
            starts[i] = True
        else:
            if token.text in CLOSERS and not prev.whitespace_ and not prev.is_space:
                continue  # a closing quote or bracket stays with its sentence
            j = i - 1
            while j >= 0 and doc[j].is_space:
                j -= 1
            while j > 0 and doc[j].text in CLOSERS and not doc[j - 1].whitespace_:
                j -= 1
            if j < 0 or doc[j].text not in END_PUNCT:
                continue
            before = doc[j - 1].lower_.rstrip(".") if j >= 1 else ""
            if doc[j].text == "." and before in TITLE_ABBREVIATIONS:
                continue
            first = token.text[0]
            if first.islower() or (first.isdigit() and doc[j].text == "."):
                continue
            starts[i] = True
    for token, start in zip(doc, starts, strict=True):
        token.is_sent_start = start
    return doc


@Language.component("clinical_sentencizer")
def clinical_sentencizer(doc: Doc) -> Doc:
    """spaCy component: sentence boundaries that respect clinical note layout."""
    return set_clinical_sentence_starts(doc)
