"""Component tests on crafted sentences."""

import pytest

from ethicsnlp.nlp import get_nlp


@pytest.fixture(scope="module")
def nlp():
    return get_nlp()


def sentences(nlp, text):
    return [s.text.strip() for s in nlp(text).sents]


def cues(doc, label):
    return [s for s in doc.spans["cues"] if s.label_ == label]


def test_soap_headers_bullets_and_lines(nlp):
    text = "S: pt reports poor sleep\nO: affect flat\nA: MDD\nP: f/u 2 wks\n- call PCP\n- recheck"
    assert sentences(nlp, text) == [
        "S: pt reports poor sleep",
        "O: affect flat",
        "A: MDD",
        "P: f/u 2 wks",
        "- call PCP",
        "- recheck",
    ]


def test_abbreviations_do_not_split(nlp):
    got = sentences(nlp, "Met w/ Dr. [NAME] and pt. re: meds. Plan: cont tx. Approx. 30 min.")
    assert got[0] == "Met w/ Dr. [NAME] and pt. re: meds."
    assert "Plan: cont tx." in got


def test_closing_quotes_stay_with_their_sentence(nlp):
    got = sentences(nlp, 'Ct states she has "thought about leaving." PHQ-9 13. Plan (cont.) f/u.')
    assert got == ['Ct states she has "thought about leaving."', "PHQ-9 13.", "Plan (cont.) f/u."]


def test_placeholders_and_shorthand_normalised(nlp):
    doc = nlp("[CLIENT] met th w/ [THERAPIST] b/c of hx; pt denies SI.")
    lemmas = [t.lemma_ for t in doc]
    assert "[CLIENT]" in [t.text for t in doc]
    for expected in ("client", "therapist", "with", "because", "history", "suicidal_ideation"):
        assert expected in lemmas


def test_negated_cue(nlp):
    doc = nlp("Writer declined the client's friend request on Facebook.")
    spans = cues(doc, "dual_relationship")
    assert spans and all(s._.negated for s in spans)


def test_affirmed_therapist_cue(nlp):
    doc = nlp("Writer accepted the client's friend request on Facebook.")
    spans = cues(doc, "dual_relationship")
    assert spans and not any(s._.negated or s._.hypothetical for s in spans)
    assert all(s._.actor == "therapist" for s in spans)


def test_hypothetical_question_and_policy(nlp):
    doc = nlp("Client asked whether therapists can date clients? Explained this is prohibited.")
    spans = cues(doc, "exploitation")
    assert spans and all(s._.hypothetical for s in spans)


def test_third_party_actor(nlp):
    doc = nlp("Client's sister posted about her diagnosis on Facebook.")
    spans = cues(doc, "confidentiality_breach")
    assert spans and all(s._.actor == "other" for s in spans)


def test_writer_subject_keeps_therapist_actor(nlp):
    doc = nlp("Writer told client's mother about her diagnosis.")
    told = next(t for t in doc if t.lower_ == "told")
    assert told._.actor == "therapist"


def test_handled_appropriately_marked(nlp):
    doc = nlp("Pt endorsed SI with plan; C-SSRS completed and safety plan updated with pt.")
    assert any(t._.handled for t in doc)
    doc = nlp("Pt endorsed SI with plan; no safety plan was done.")
    handled = [s for s in doc.spans["handled"] if s.text.lower() == "safety plan"]
    assert handled and handled[0]._.negated


@pytest.mark.parametrize(
    "text",
    [
        "She offered to clean my flat for cash, and I turned that down kindly.",
        "She offered to lend me money for the repair, which I thanked her for and declined.",
        "Attorney asked me to sign as LCSW; I said no and signed as LMSW.",
        "Missed sessions on Tues and Thurs were not billed.",
        "Her gift voucher was returned with a card.",
        "Nothing was shared with the school.",
    ],
)
def test_refusal_marks_its_whole_sentence(nlp, text):
    doc = nlp(text + " We then reviewed her budget.")
    sentences = list(doc.sents)
    assert all(t._.refused for t in sentences[0])
    assert not any(t._.refused for t in sentences[-1])


@pytest.mark.parametrize(
    "text",
    [
        "I accepted her offer of the cottage for half-term.",
        "Billed the insurer for both missed sessions.",
        "Told her mother about the diagnosis; client said nobody at work knows.",
        "Writer turned up late and shared the file with the school.",
    ],
)
def test_no_refusal_marks_without_a_refusal(nlp, text):
    assert not any(t._.refused for t in nlp(text))


def test_refusal_phrases_expand_their_combinations():
    from ethicsnlp.nlp.context import refusal_phrases

    rules = {"phrases": ["declined"], "combinations": [[["turned"], ["", "it"], ["down"]]]}
    assert refusal_phrases(rules) == ["declined", "turned down", "turned it down"]
    assert refusal_phrases({"phrases": ["declined"]}) == ["declined"]


def test_empty_and_whitespace_text(nlp):
    assert len(nlp("")) == 0
    assert list(nlp("   \n ").sents)


def test_sentence_bounds_match_doc_sents(nlp, sample_rows):
    from ethicsnlp.nlp.sentences import sentence_bounds

    for text in ["", "   \n ", "One. Two?\n- three", *(r["text"] for r in sample_rows[:30])]:
        doc = nlp(text)
        assert sentence_bounds(doc) == [(s.start, s.end) for s in doc.sents]


def test_lemma_and_norm_agree(nlp):
    doc = nlp("[CLIENT] met th w/ [THERAPIST] b/c of hx; pt's mother denies SI.")
    assert [t.norm_ for t in doc] == [t.lemma_ for t in doc]


def test_context_attributes_are_settable_and_survive_serialisation(nlp):
    from spacy.tokens import Doc

    doc = nlp("Writer declined the client's friend request on Facebook.")
    values = [(t._.negated, t._.hypothetical, t._.actor, t._.handled, t._.refused) for t in doc]
    assert any(v[0] for v in values) and all(v[4] for v in values)
    copy = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert [
        (t._.negated, t._.hypothetical, t._.actor, t._.handled, t._.refused) for t in copy
    ] == values
    assert [s._.negated for s in copy.spans["cues"]] == [s._.negated for s in doc.spans["cues"]]
    doc[0]._.actor = "other"
    doc[0]._.hypothetical = True
    assert doc[0]._.actor == "other" and doc[0]._.hypothetical
    assert doc[0:2]._.actor == "other" and doc[0:2]._.hypothetical


def test_context_defaults_without_the_component(nlp):
    doc = nlp.make_doc("Client declined.")
    assert [(t._.negated, t._.hypothetical, t._.actor, t._.handled, t._.refused)
            for t in doc] == [(False, False, "therapist", False, False)] * len(doc)
    assert not doc[0:2]._.negated and doc[0:2]._.actor == "therapist"
    doc[1]._.negated = True
    assert doc[1]._.negated and not doc[0]._.negated


def test_bulk_lemmatizer_matches_spacy_lookup_lemmatizer(sample_rows):
    import spacy

    from ethicsnlp.nlp.pipeline import build_nlp

    ours = build_nlp()
    with_spacy = spacy.blank("en")
    with_spacy.add_pipe("lemmatizer", config={"mode": "lookup"})
    with_spacy.initialize()
    for row in sample_rows[:30]:
        doc = ours.make_doc(row["text"])
        expected = [t.lemma_ for t in with_spacy.get_pipe("lemmatizer")(ours.make_doc(row["text"]))]
        assert [t.lemma_ for t in ours.get_pipe("lemmatizer")(doc)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "one",
        "  leading and trailing  ",
        "[CLIENT] met [THERAPIST_2]\n\non [DATE].  Tabs\there, no-break\u00a0space.",
        "unclosed [ bracket and a] stray one",
        "ÉCOLE naïve café — “quoted” text…",
    ],
)
def test_words_and_spaces_rebuild_the_text(text):
    import spacy

    from ethicsnlp.nlp.normalize import _words_and_spaces

    doc = spacy.blank("en")(text)
    words, spaces = _words_and_spaces(doc)
    assert "".join(w + " " * s for w, s in zip(words, spaces, strict=True)) == doc.text == text


def test_placeholders_merge_beside_newlines_and_punctuation(nlp):
    doc = nlp("Met [CLIENT].\n[THERAPIST_2] wrote (see [DATE]) and [a] [")
    tokens = [t.text for t in doc]
    assert {"[CLIENT]", "[THERAPIST_2]", "[DATE]", "[a]"} <= set(tokens)
    assert doc.text == "Met [CLIENT].\n[THERAPIST_2] wrote (see [DATE]) and [a] ["
