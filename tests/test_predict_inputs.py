"""EthicsModel.predict, predict_proba, evidence and score_frame: bad input gets a
DataError naming the position, never note text or a traceback from inside a library."""

import re

import numpy as np
import pandas as pd
import pytest

from ethicsnlp import load_model
from ethicsnlp.errors import DataError
from ethicsnlp.stream import MAX_TEXT_CHARS

SECRET = "CANARY the client told me a secret"


@pytest.fixture(scope="module")
def model(tiny_model_dir):
    return load_model(tiny_model_dir)


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ("one note passed as a string", "not one string"),
        (pd.DataFrame({"text": ["x"]}), "not a DataFrame"),
        ([SECRET, np.nan], "text 1 (0-based) is missing"),
        ([SECRET, pd.NA], "text 1 (0-based) is missing"),
        ([SECRET, None], "text 1 (0-based) is missing"),
        ([SECRET, "  "], "text 1 (0-based) is empty"),
        ([SECRET, 42], "text 1 (0-based) is an int, not a string"),
        ([SECRET, "x" * (MAX_TEXT_CHARS + 1)], "longer than"),
    ],
)
def test_predict_and_predict_proba_refuse_bad_texts(model, texts, message):
    for call in (model.predict, model.predict_proba):
        with pytest.raises(DataError, match=re.escape(message)) as caught:
            call(texts)
        assert "CANARY" not in str(caught.value)


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (["a", "a"], "note id 1 .*repeats an earlier one"),
        (["a", None], "note id 1 .*is missing or empty"),
        (["a", pd.NA], "note id 1 .*is missing or empty"),
        (["a", " "], "note id 1 .*is missing or empty"),
        (["a"], "differ in length"),
    ],
)
def test_predict_refuses_bad_note_ids(model, ids, message):
    with pytest.raises(DataError, match=message):
        model.predict([SECRET, SECRET + " again"], note_ids=ids)


def test_predict_takes_ids_from_a_series_index_and_empty_input_gives_no_rows(model):
    texts = pd.Series(["first note", "second note"], index=[5, 6])
    assert [r["note_id"] for r in model.predict(texts)] == ["5", "6"]
    assert model.predict_proba([]).shape == (0, 10)
    assert model.predict([]) == []


def test_evidence_takes_text_or_doc_and_label_ids_or_indices(model):
    text = "We met for coffee. I told her she should leave him."
    by_id = model.evidence(text, ["giving_advice"])
    by_index = model.evidence(text, [5])
    assert by_id == by_index and list(by_id) == ["giving_advice"]
    span = by_id["giving_advice"][0]
    assert text[span["start"] : span["end"]] == span["text"]
    with pytest.raises(DataError, match="unknown label 'advice'"):
        model.evidence(text, ["advice"])
    with pytest.raises(DataError, match="doc must be"):
        model.evidence(42, [0])


def test_score_frame_treats_pandas_na_as_missing(model):
    frame = pd.DataFrame({"note_id": ["a", "b", "c"], "text": ["one", "two", "three"]})
    frame = frame.convert_dtypes()
    frame.loc[1, "note_id"] = pd.NA
    frame.loc[2, "text"] = pd.NA
    with pytest.raises(DataError, match="row 2, column 'note_id': empty note id"):
        model.score_frame(frame)
    scored = model.score_frame(frame, on_error="skip")
    assert scored["error"].tolist()[1:] == ["empty note id", "empty text"]
    assert scored["labels"].isna().tolist() == [False, True, True]


def test_whole_float_ids_are_read_as_integers(model):
    # an integer id column with a missing value is float64 in pandas
    frame = pd.DataFrame({"note_id": [1, np.nan, 3], "text": ["one", "two", "three"]})
    assert frame["note_id"].dtype == np.float64
    scored = model.score_frame(frame, on_error="skip")
    assert scored["error"].isna().tolist() == [True, False, True]
    # note 1 given as 1 and as 1.0 is one id
    mixed = pd.DataFrame({"note_id": pd.Series([1, 1.0], dtype=object), "text": ["a", "b"]})
    with pytest.raises(DataError, match="row 2, column 'note_id': duplicate note id"):
        model.score_frame(mixed)
    assert [r["note_id"] for r in model.predict(["a", "b"], note_ids=[1.0, 2.5])] == ["1", "2.5"]


def test_score_frame_refuses_two_columns_of_one_name(model):
    frame = pd.DataFrame([["a", "x", "y"]], columns=["note_id", "text", "text"])
    with pytest.raises(DataError, match="more than one column named 'text'"):
        model.score_frame(frame)
