"""Property tests of the streaming readers: any text survives, bad input is named."""

import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ethicsnlp.errors import DataError
from ethicsnlp.stream import GoodRow, RowProblem, iter_checked_chunks

texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=300,
).filter(lambda t: t.replace("\r", " ").strip())

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def rows_of(path, **kwargs):
    return [row for chunk in iter_checked_chunks(path, **kwargs) for row in chunk]


@SETTINGS
@given(
    st.lists(texts, min_size=1, max_size=8),
    st.sampled_from(["jsonl", "csv", "parquet"]),
    st.integers(min_value=1, max_value=5),
)
def test_any_unicode_text_round_trips(tmp_path_factory, values, kind, chunk_size):
    path = tmp_path_factory.mktemp("p") / f"notes.{kind}"
    if kind == "csv":  # a bare carriage return in an unquoted CSV field is a line break
        values = [v.replace("\r", " ") for v in values]
    frame = pd.DataFrame({"note_id": [f"n{i}" for i in range(len(values))], "text": values})
    if kind == "jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    elif kind == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path)
    rows = rows_of(path, chunk_size=chunk_size)
    assert all(isinstance(r, GoodRow) for r in rows)
    assert [r.text for r in rows] == values
    assert [r.row for r in rows] == list(range(1, len(values) + 1))


@pytest.mark.parametrize("content", [b"", b"note_id,text\n"])
def test_empty_and_header_only_csv(tmp_path, content):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(DataError):
        rows_of(path)


def test_empty_jsonl(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(DataError, match="holds no notes"):
        rows_of(path)


def test_huge_note_is_a_row_problem(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(
        json.dumps({"note_id": "big", "text": "word " * 50_000}) + "\n", encoding="utf-8"
    )
    (row,) = rows_of(path)
    assert isinstance(row, RowProblem) and row.reason.startswith("text longer than")


def test_mixed_encodings_only_bad_rows_fail(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes("note_id,text\na,naïve café\n".encode() + b"b,caf\xe9\nc,fine\n")
    rows = rows_of(path)
    assert [type(r).__name__ for r in rows] == ["GoodRow", "RowProblem", "GoodRow"]
    assert rows[1].reason == "text is not valid UTF-8" and rows[1].note_id == "b"


def test_missing_columns_named(tmp_path):
    path = tmp_path / "x.parquet"
    pd.DataFrame({"id": ["a"], "body": ["x"]}).to_parquet(path)
    with pytest.raises(DataError, match="missing column 'note_id'"):
        rows_of(path)


CANARY = "OKAPI-CANARY-5521"


def test_csv_row_with_extra_fields_is_a_problem_not_a_cut_note(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(
        f"note_id,text\na,fine\nb,{CANARY} cried, then left, early\nc,also fine\n",
        encoding="utf-8",
    )
    rows = rows_of(path)
    assert [type(r).__name__ for r in rows] == ["GoodRow", "RowProblem", "GoodRow"]
    assert rows[1].row == 2 and rows[1].note_id == ""
    assert rows[1].reason.startswith("4 fields where the header has 2 (line 3)")
    assert CANARY not in rows[1].reason and rows[2].row == 3


def test_csv_missing_column_says_which_and_hides_text(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(f"a1,{CANARY} the client cried\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        rows_of(path)
    assert "missing column 'note_id'" in str(info.value) and "--id-col" in str(info.value)
    assert CANARY not in str(info.value)
    path.write_text("note_id,body\na1,x\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing column 'text' \\(found: note_id, body\\)"):
        rows_of(path)


def test_csv_unclosed_quote_names_the_line(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(f'note_id,text\na,fine\nb,"{CANARY} never\nc,closed\n', encoding="utf-8")
    with pytest.raises(DataError, match="record starting at line 3 runs to the end") as info:
        rows_of(path)
    assert CANARY not in str(info.value)


def test_jsonl_wrong_key_names_the_column(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"id": "a", "text": CANARY}) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 1: missing column 'note_id' in the first JSON"):
        rows_of(path)
    path.write_text(
        json.dumps({"note_id": "a", "text": "x"}) + "\n" + json.dumps({"text": CANARY}) + "\n",
        encoding="utf-8",
    )
    rows = rows_of(path)
    assert isinstance(rows[1], RowProblem) and rows[1].reason == "no 'note_id' field"


def test_json_array_is_named(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps([{"note_id": "a", "text": CANARY}], indent=2), encoding="utf-8")
    with pytest.raises(DataError, match="one JSON array"):
        rows_of(path)
