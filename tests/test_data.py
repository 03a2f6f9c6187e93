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
