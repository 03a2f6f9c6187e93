"""The bulk feature views agree with the per-token public attributes they replace."""

import math

import pytest
from spacy.tokens import Doc

from ethicsnlp.features import (
    SENTENCE_BREAK,
    DocCues,
    cue_counts,
    cue_state,
    doc_views,
    marked_term,
    marked_terms,
    marked_text,
)
from ethicsnlp.nlp import get_nlp

CRAFTED = [
    "",
    "   \n ",
    "Writer declined the client's friend request on Facebook.",
    "Client asked whether therapists can date clients? Explained this is prohibited.",
    "Client's sister posted about her diagnosis on Facebook. Writer told client's mother.",
    "Pt endorsed SI with plan; C-SSRS completed and safety plan updated with pt.\n"
    "Pt endorsed SI with plan; no safety plan was done. [CLIENT] met [THERAPIST] 2x.",
    "S: pt reports poor sleep\nO: affect flat\nP: f/u 2 wks\n- call PCP?",
    "She offered to clean my flat for cash, and I turned that down. Budget reviewed.",
]


@pytest.fixture(scope="module")
def docs(sample_rows) -> list[Doc]:
    return list(get_nlp().pipe(CRAFTED + [r["text"] for r in sample_rows]))


def slow_cue_counts(doc) -> dict[str, float]:
    """Cue counts from the public span attributes, one span at a time."""
    counts: dict[str, int] = {}

    def add(key: str) -> None:
        counts[key] = counts.get(key, 0) + 1

    handled_sents = set()
    for span in doc.spans.get("handled", []):
        if not span._.negated and not span._.hypothetical:
            add("handled")
            handled_sents.add(span.sent.start)
        elif span._.negated:
            add("handled_neg")
    for span in doc.spans.get("cues", []):
        state = cue_state(span)
        add(f"{span.label_}|{state}")
        if state == "aff_therapist" and span.sent.start in handled_sents:
            add(f"{span.label_}|aff_therapist_handled_sent")
    return {key: math.log1p(value) for key, value in counts.items()}


def test_marked_terms_match_marked_term(docs):
    for doc in docs:
        assert marked_terms(doc) == [marked_term(token) for token in doc]


def test_doc_views_match_the_token_by_token_views(docs):
    for doc in docs:
        marked, raw, cues = doc_views(doc)
        expected = []
        for sent in doc.sents:
            expected += [t for t in (marked_term(token) for token in sent) if t is not None]
            expected.append(SENTENCE_BREAK)
        assert marked == " ".join(expected)
        assert marked == marked_text(doc.sents)
        assert raw == doc.text
        assert cues == slow_cue_counts(doc)
        assert list(cues) == list(slow_cue_counts(doc))  # same key order too


def test_cue_counts_of_a_span_stand_in(docs):
    class Spans:
        def __init__(self, doc, sent):
            self.spans = {
                key: [s for s in doc.spans[key] if sent.start <= s.start and s.end <= sent.end]
                for key in ("cues", "handled")
            }

    for doc in docs:
        cues = DocCues(doc)
        for sent in doc.sents:
            expected = slow_cue_counts(Spans(doc, sent))
            assert cue_counts(Spans(doc, sent)) == expected
            assert cues.counts(sent.start, sent.end) == expected


def test_views_of_a_doc_without_context():
    doc = get_nlp().make_doc("Client declined the request.")
    assert marked_terms(doc) == [marked_term(token) for token in doc]
    assert cue_counts(doc) == {}


def test_refusal_sentence_terms_carry_their_own_prefix():
    doc = get_nlp()("She offered to clean my flat for cash, and I turned that down. "
                    "She offered to clean my flat for cash.")
    first, second = marked_text(doc.sents).split(SENTENCE_BREAK)[:2]
    assert first.split() and all(term.startswith("ref_") for term in first.split())
    assert "ref_cash" in first and "cash" in second.split()
    assert not any(term.startswith("ref_") for term in second.split())

