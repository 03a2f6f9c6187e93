import json

import pandas as pd
import pytest

from ethicsnlp.data import Columns, read_many, read_notes
from ethicsnlp.errors import DataError
from ethicsnlp.taxonomy import LABEL_IDS

SECRET = "ZEBRA-SECRET-7731"


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_jsonl_with_label_lists(tmp_path):
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {"note_id": "a1", "text": "Routine note.", "labels": []},
            {
                "note_id": "a2",
                "text": "Gave loan.",
                "labels": ["exploitation", "dual_relationship"],
            },
        ],
    )
    frame = read_notes(path, require_labels=True)
    assert list(frame.columns) == ["note_id", "text", *LABEL_IDS]
    assert frame.loc[1, "exploitation"] == 1 and frame.loc[1, "dual_relationship"] == 1
    assert frame.loc[0, list(LABEL_IDS)].sum() == 0


def test_csv_semicolon_labels_and_custom_columns(tmp_path):
    path = tmp_path / "a.csv"
    pd.DataFrame(
        {"id": ["x", "y"], "body": ["one", "two"], "labels": ["exploitation;giving_advice", ""]}
    ).to_csv(path, index=False)
    frame = read_notes(path, columns=Columns("id", "body"))
    assert frame["note_id"].tolist() == ["x", "y"]
    assert frame.loc[0, "giving_advice"] == 1 and frame.loc[1].iloc[2:].sum() == 0


def test_parquet_with_label_columns(tmp_path):
    data = {"note_id": ["p1"], "text": ["hello"]} | {label: [0] for label in LABEL_IDS}
    data["neglecting_risk"] = [1]
    path = tmp_path / "a.parquet"
    pd.DataFrame(data).to_parquet(path)
    frame = read_notes(path)
    assert frame.loc[0, "neglecting_risk"] == 1


def test_whole_float_ids_lose_their_point_zero(tmp_path):
    # pandas turns an integer id column with a gap into floats: 7.0 is note 7
    path = tmp_path / "a.parquet"
    pd.DataFrame({"note_id": [7.0, 8.0, 8.5], "text": ["a", "b", "c"]}).to_parquet(path)
    assert read_notes(path)["note_id"].tolist() == ["7", "8", "8.5"]


def test_txt_folder(tmp_path):
    (tmp_path / "n1.txt").write_text("First note.", encoding="utf-8")
    (tmp_path / "n2.txt").write_text("Second note.", encoding="utf-8")
    (tmp_path / "ignore.md").write_text("x", encoding="utf-8")
    frame = read_notes(tmp_path)
    assert frame["note_id"].tolist() == ["n1", "n2"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([{"note_id": "a", "txt": SECRET}], "missing column 'text'"),
        ([{"note_id": "a", "text": "   "}], "line 1, column 'text': empty text"),
        (
            [{"note_id": "a", "text": SECRET}, {"note_id": "a", "text": "x"}],
            "line 2, column 'note_id': duplicate note id 'a'",
        ),
        (
            [{"note_id": "a", "text": SECRET, "labels": ["bogus"]}],
            "line 1, column 'labels': unknown label 'bogus'",
        ),
    ],
)
def test_validation_errors_name_location_not_text(tmp_path, rows, expected):
    path = write_jsonl(tmp_path / "bad.jsonl", rows)
    with pytest.raises(DataError) as info:
        read_notes(path)
    message = str(info.value)
    assert expected in message
    assert str(path) in message
    assert SECRET not in message


def test_label_column_not_binary(tmp_path):
    data = {"note_id": ["a", "b"], "text": [SECRET, "y"]} | {
        label: ["0", "0"] for label in LABEL_IDS
    }
    data["exploitation"] = ["0", "yes"]
    path = tmp_path / "bad.csv"
    pd.DataFrame(data).to_csv(path, index=False)
    with pytest.raises(
        DataError, match=r"row 2, column 'exploitation': label values must be 0 or 1"
    ):
        read_notes(path)


def test_non_utf8_bytes_located(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"note_id,text\na,fine\nb,caf\xe9 " + SECRET.encode() + b"\n")
    with pytest.raises(DataError) as info:
        read_notes(path)
    assert "row 2" in str(info.value) and "not UTF-8" in str(info.value)
    assert SECRET not in str(info.value)


def test_malformed_jsonl_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"note_id": "a", "text": "ok"}\n{"note_id": "b", "text": "' + SECRET + '"\n',
        encoding="utf-8",
    )
    with pytest.raises(DataError) as info:
        read_notes(path)
    assert "line 2" in str(info.value) and "malformed JSON" in str(info.value)
    assert SECRET not in str(info.value)


def test_header_only_and_unsupported(tmp_path):
    (tmp_path / "empty.csv").write_text("note_id,text\n", encoding="utf-8")
    with pytest.raises(DataError, match="holds no notes"):
        read_notes(tmp_path / "empty.csv")
    (tmp_path / "x.xlsx").write_bytes(b"PK")
    with pytest.raises(DataError, match="unsupported file type"):
        read_notes(tmp_path / "x.xlsx")


def test_read_many_rejects_ids_repeated_across_files(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", [{"note_id": "x", "text": "one", "labels": []}])
    b = write_jsonl(tmp_path / "b.jsonl", [{"note_id": "x", "text": "two", "labels": []}])
    with pytest.raises(DataError, match="also in"):
        read_many([a, b])


def test_csv_without_header_never_shows_the_first_note(tmp_path):
    path = tmp_path / "no_header.csv"
    path.write_text(f"a1,{SECRET} the client cried about work\na2,second note\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_notes(path)
    message = str(info.value)
    assert "missing column 'note_id'" in message and "header row" in message
    assert SECRET not in message and "cried" not in message


def test_csv_row_split_by_an_unquoted_comma_is_named(tmp_path):
    path = tmp_path / "commas.csv"
    path.write_text(
        f"note_id,text\na1,fine\na2,{SECRET} one, then two\n", encoding="utf-8"
    )  # pandas would cut the note or move the id into the index
    with pytest.raises(DataError) as info:
        read_notes(path)
    message = str(info.value)
    assert "row 2: 3 fields where the header has 2 (line 3)" in message
    assert SECRET not in message


def test_csv_short_trailing_fields_and_repeated_columns(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("note_id,text,site,site\na1,one,x,y\na2,two\n", encoding="utf-8")
    frame = read_notes(path)
    assert frame["text"].tolist() == ["one", "two"]
    path.write_text("note_id,text,text\na1,one,two\n", encoding="utf-8")
    with pytest.raises(DataError, match="column 'text' appears 2 times"):
        read_notes(path)


def test_text_in_the_id_column_is_not_shown(tmp_path):
    long_id = f"{SECRET} the client said the same thing twice"
    path = write_jsonl(
        tmp_path / "ids.jsonl",
        [{"note_id": long_id, "text": "one"}, {"note_id": long_id, "text": "two"}],
    )
    with pytest.raises(DataError, match="duplicate note id \\(not shown") as info:
        read_notes(path)
    assert SECRET not in str(info.value)


def test_jsonl_array_and_missing_field_messages(tmp_path):
    array = tmp_path / "notes.json"
    array.write_text(json.dumps([{"note_id": "a", "text": SECRET}], indent=1), encoding="utf-8")
    with pytest.raises(DataError, match="one JSON array; ethicsnlp reads JSON Lines"):
        read_notes(array)
    partial = write_jsonl(
        tmp_path / "partial.jsonl", [{"note_id": "a", "text": "x"}, {"id": "b", "text": SECRET}]
    )
    with pytest.raises(DataError, match="line 2, column 'note_id': no 'note_id' field"):
        read_notes(partial)


def test_malformed_json_message_reads_cleanly(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"note_id": "a", "text": "' + SECRET + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_notes(path)
    message = str(info.value)
    assert "line 1: malformed JSON at column 26 (unterminated string starting)" in message
    assert " at at " not in message and SECRET not in message


def test_labels_field_missing_on_some_lines_or_given_twice(tmp_path):
    path = write_jsonl(
        tmp_path / "partial.jsonl",
        [{"note_id": "a", "text": "x", "labels": []}, {"note_id": "b", "text": "y"}],
    )
    with pytest.raises(DataError, match="line 2, column 'labels': no 'labels' field"):
        read_notes(path)
    both = tmp_path / "both.csv"
    data = {"note_id": ["a"], "text": ["x"], "labels": [""]} | {lb: ["1"] for lb in LABEL_IDS}
    pd.DataFrame(data).to_csv(both, index=False)
    with pytest.raises(DataError, match="labels given twice"):
        read_notes(both)


def test_unknown_label_that_is_really_text_is_not_shown(tmp_path):
    path = write_jsonl(
        tmp_path / "shifted.jsonl",
        [{"note_id": "a", "text": "x", "labels": [f"{SECRET} client said she felt unsafe"]}],
    )
    with pytest.raises(DataError, match="unknown label \\(not shown") as info:
        read_notes(path)
    assert SECRET not in str(info.value)


def test_read_many_rejects_two_files_with_one_name(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = write_jsonl(tmp_path / "a" / "notes.jsonl", [{"note_id": "x", "text": "one"}])
    b = write_jsonl(tmp_path / "b" / "notes.jsonl", [{"note_id": "y", "text": "two"}])
    with pytest.raises(DataError, match=r"two input files share the name 'notes\.jsonl'"):
        read_many([a, b])


def test_jsonl_keeps_unicode_line_separators_inside_strings(tmp_path):
    path = tmp_path / "notes.jsonl"
    texts = ["first\u2028line", "para\u2029graph", "next\u0085line"]
    rows = [{"note_id": f"a-{i}", "text": t, "labels": []} for i, t in enumerate(texts)]
    # written unescaped, as pandas' to_json(force_ascii=False) and write_frame do
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        + '{"note_id": "a-3", "text": "x", "labels": ["no_such_label"]}\n',
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="line 4"):  # later line numbers stay right
        read_notes(path, require_labels=True)
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    assert read_notes(path, require_labels=True)["text"].tolist() == texts


def test_paths_columns_and_frames_given_in_other_shapes(tmp_path):
    path = tmp_path / "notes.csv"
    pd.DataFrame({"id": ["a-1"], "body": ["a note"]}).to_csv(path, index=False)
    assert read_many(str(path), columns=("id", "body"))["note_id"].tolist() == ["a-1"]
    assert read_notes(path, columns=("id", "body"))["text"].tolist() == ["a note"]
    with pytest.raises(DataError, match="pair of column names"):
        read_notes(path, columns="id")
    with pytest.raises(DataError, match=r"got a DataFrame .*write_frame"):
        read_notes(pd.DataFrame({"note_id": ["a"], "text": ["x"]}))
