import json

import pandas as pd

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
