import json

import pandas as pd
import pytest

from ethicsnlp.errors import DataError
from ethicsnlp.predict import records_to_frame
from ethicsnlp.taxonomy import LABEL_IDS


def test_record_shape_and_evidence_offsets(tiny_model, sample_rows):
    texts = [r["text"] for r in sample_rows[:40]]
    ids = [r["note_id"] for r in sample_rows[:40]]
    records = tiny_model.predict(texts, ids)
    assert [r["note_id"] for r in records] == ids
    flagged = 0
    for record, text in zip(records, texts, strict=True):
        assert set(record) == {"note_id", "labels", "scores", "evidence"}
        assert list(record["scores"]) == list(LABEL_IDS)
        assert all(0.0 <= p <= 1.0 for p in record["scores"].values())
        assert set(record["evidence"]) == set(record["labels"])
        for label in record["labels"]:
            assert record["scores"][label] >= tiny_model.thresholds[LABEL_IDS.index(label)] - 1e-4
            spans = record["evidence"][label]
            assert spans, "every flag carries evidence"
            for span in spans:
                assert text[span["start"] : span["end"]] == span["text"]
                assert span["text"].strip()
        flagged += bool(record["labels"])
    assert flagged > 0
    json.dumps(records)


def test_predict_is_deterministic(tiny_model, sample_rows):
    texts = [r["text"] for r in sample_rows[:10]]
    assert tiny_model.predict(texts) == tiny_model.predict(texts)


def test_score_frame_and_flat_columns(tiny_model, sample_rows):
    frame = pd.DataFrame(sample_rows[:5])[["note_id", "text"]]
    scored = tiny_model.score_frame(frame, text_col="text")
    assert len(scored) == 5
    assert {"labels", *(f"score_{label}" for label in LABEL_IDS)} <= set(scored.columns)
    flat = records_to_frame(tiny_model.predict(frame["text"].tolist(), frame["note_id"].tolist()))
    assert flat["note_id"].tolist() == frame["note_id"].tolist()


def test_empty_input(tiny_model):
    assert tiny_model.predict([]) == []


def test_sentence_views_match_the_sentence_spans():
    from ethicsnlp.features import cue_counts, marked_term, marked_text
    from ethicsnlp.nlp import get_nlp
    from ethicsnlp.predict import sentence_views

    text = (
        "Pt endorsed SI with plan; C-SSRS completed and safety plan updated with pt.  \n"
        "  Client asked whether therapists can date clients?\n\n- ...\n"
        "Client's sister posted about her diagnosis on Facebook. Writer told client's mother."
    )
    doc = get_nlp()(text)

    class Spans:
        def __init__(self, sent):
            self.spans = {
                key: [s for s in doc.spans[key] if sent.start <= s.start and s.end <= sent.end]
                for key in ("cues", "handled")
            }

    sents = [s for s in doc.sents if any(marked_term(t) for t in s)]
    spans, views = sentence_views(doc)
    assert [text[a:b] for a, b in spans] == [s.text.strip() for s in sents]
    assert views["raw"].tolist() == [s.text.strip() for s in sents]
    assert views["marked"].tolist() == [marked_text([s]) for s in sents]
    assert views["cues"].tolist() == [cue_counts(Spans(s)) for s in sents]


def test_passes_give_the_same_records_as_one_pass(tiny_model, sample_rows, monkeypatch):
    import ethicsnlp.predict as predict_module

    texts = [r["text"] for r in sample_rows[:20]]
    ids = [r["note_id"] for r in sample_rows[:20]]
    monkeypatch.setattr(predict_module, "NOTES_PER_PASS", 1000)
    whole = tiny_model.predict(texts, ids)
    calls = []
    original = type(tiny_model)._predict_pass

    def counted(self, *args, **kwargs):
        calls.append(len(args[0]))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(predict_module, "NOTES_PER_PASS", 6)
    monkeypatch.setattr(type(tiny_model), "_predict_pass", counted)
    assert tiny_model.predict(texts, ids) == whole
    assert calls == [6, 6, 6, 2]
    assert any(record["labels"] for record in whole)  # evidence is compared too


def test_score_frame_checks_rows_and_keeps_the_callers_frame(tiny_model, sample_rows):
    frame = pd.DataFrame(sample_rows[:4])[["note_id", "text"]]
    frame.index = [40, 30, 20, 10]
    frame["labels"] = "gold"
    with pytest.raises(DataError, match="already has column\\(s\\) labels; pass a prefix"):
        tiny_model.score_frame(frame)
    scored = tiny_model.score_frame(frame, prefix="pred_")
    assert scored.index.tolist() == [40, 30, 20, 10]
    assert scored["labels"].tolist() == ["gold"] * 4 and "pred_labels" in scored.columns
    expected = records_to_frame(tiny_model.predict(frame["text"].tolist()))
    assert scored["pred_score_exploitation"].tolist() == expected["score_exploitation"].tolist()

    frame.loc[30, "text"] = None
    with pytest.raises(DataError, match="row 2, column 'text': empty text"):
        tiny_model.score_frame(frame, prefix="pred_")
    skipped = tiny_model.score_frame(frame, prefix="pred_", on_error="skip")
    assert skipped.loc[30, "pred_error"] == "empty text"
    assert pd.isna(skipped.loc[30, "pred_labels"]) and pd.isna(skipped.loc[40, "pred_error"])
    assert skipped.loc[20, "pred_labels"] == scored.loc[20, "pred_labels"]


def test_predict_refuses_missing_texts(tiny_model):
    with pytest.raises(DataError, match="text 1 \\(0-based\\) is missing"):
        tiny_model.predict(["a note", None])
    with pytest.raises(DataError, match="text 0 \\(0-based\\) is empty"):
        tiny_model.predict(["  "])
