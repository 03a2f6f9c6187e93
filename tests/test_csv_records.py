"""CSV records: row and line numbers, field counts, quoting errors, safe column names."""

import io
from pathlib import Path

import pytest

from ethicsnlp.csv_records import (
    field_count_problem,
    header_index,
    iter_csv_records,
    shown_column_names,
)
from ethicsnlp.errors import DataError

PATH = Path("notes.csv")


def parse(text: str):
    header, records = iter_csv_records(io.StringIO(text, newline=""), PATH)
    return header, list(records)


def test_rows_skip_blank_lines_and_lines_follow_quoted_newlines():
    header, records = parse('note_id,text\n\na1,"two\nlines"\n\na2,one\n')
    assert header == ["note_id", "text"]
    assert [(r.row, r.line, r.fields) for r in records] == [
        (1, 3, ["a1", "two\nlines"]),
        (2, 6, ["a2", "one"]),
    ]


def test_field_count_problems_name_the_line_but_never_the_text():
    _, records = parse("note_id,text\na1,Sam cried, then left\na2\na3,fine\n")
    extra = field_count_problem(records[0], header_width=2, needed=2)
    assert extra.startswith("3 fields where the header has 2 (line 2)")
    assert "cried" not in extra
    assert field_count_problem(records[1], 2, 2) == "only 1 field where the header has 2 (line 3)"
    assert field_count_problem(records[2], 2, 2) is None
    assert field_count_problem(records[1], 3, 1) is None  # short trailing fields are fine


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('note_id,text\na1,ok\na2,"CANARY\na3,more\n', "starting at line 3 runs to the end"),
        ('note_id,text\na1,"quoted"CANARY more\n', "starting at line 2, a quoted field is"),
    ],
)
def test_quoting_errors_name_the_record_start(text, expected):
    with pytest.raises(DataError, match=expected) as caught:
        parse(text)
    assert "CANARY" not in str(caught.value)


def test_a_field_over_the_limit_is_an_unclosed_quote():
    text = 'note_id,text\na1,"open\n' + "x" * 2000 + "\n"
    with pytest.raises(DataError, match="line 2 has a field over"):
        _, records = iter_csv_records(io.StringIO(text, newline=""), PATH, field_limit=1000)
        list(records)


def test_empty_file_and_byte_order_mark():
    with pytest.raises(DataError, match="empty"):
        parse("\n\n")
    header, _ = parse("\ufeffnote_id,text\n")
    assert header == ["note_id", "text"]


def test_shown_column_names_hide_what_looks_like_note_text():
    shown = shown_column_names(["a1", "Client cried about her mother today", "Note ID"])
    assert shown.startswith("a1, Note ID; 1 more not shown")
    assert "cried" not in shown and "header row" in shown
    assert shown_column_names(["x" * 70]).startswith("none; 1 more")
    assert "header row" not in shown_column_names(["a long sentence of words"], hint="")


def test_header_index_missing_and_repeated():
    assert header_index(["note_id", "text"], "text", PATH, "--text-col") == 1
    with pytest.raises(DataError, match=r"missing column 'text'.*--text-col"):
        header_index(["note_id", "body"], "text", PATH, "--text-col")
    with pytest.raises(DataError, match="appears 2 times"):
        header_index(["text", "note_id", "text"], "text", PATH, "--text-col")
