"""Reading and validating note files.

Supported inputs: CSV, JSONL, Parquet, and a folder of ``.txt`` files (note id =
file stem). Labels are either a ``labels`` field (a JSON list, or a
``;``-separated string in CSV) or one 0/1 column per label id.

Every problem raises :class:`~ethicsnlp.errors.DataError` naming the file, the
row (CSV and Parquet, 1-based, header not counted) or line (JSONL, 1-based) and
the column. Messages never contain note text.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ethicsnlp.csv_records import (
    field_count_problem,
    iter_csv_records,
    refuse_repeated_column,
    shown_column_names,
)
from ethicsnlp.errors import DataError, shown_id
from ethicsnlp.taxonomy import LABEL_IDS

SUPPORTED_SUFFIXES = (".csv", ".jsonl", ".parquet")
NOTE_ID = "note_id"
TEXT = "text"
LABELS_FIELD = "labels"


@dataclass(frozen=True)
class Columns:
    """Names of the id and text columns in an input file."""

    id: str = NOTE_ID
    text: str = TEXT


DEFAULT_COLUMNS = Columns()


def is_missing(value: object) -> bool:
    """``None``, NaN, ``pd.NA`` or ``NaT``: a missing cell, whatever its column's dtype
    (pandas' nullable ``string`` and ``Int64`` columns hold ``pd.NA``, not NaN)."""
    if value is None or isinstance(value, str):
        return value is None
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


def id_text(raw_id: object) -> str:
    """A note id as text: ``""`` when missing, a whole float without its ``.0`` (pandas
    turns an integer id column with a missing value into floats: ``7.0`` is note 7)."""
    if is_missing(raw_id):
        return ""
    if isinstance(raw_id, float) and raw_id.is_integer():
        return str(int(raw_id))
    return str(raw_id).strip()


def as_columns(columns: Columns | Sequence[str]) -> Columns:
    """``columns`` as :class:`Columns`; a pair ``(id_column, text_column)`` is accepted."""
    if isinstance(columns, Columns):
        return columns
    if (
        isinstance(columns, Sequence)
        and not isinstance(columns, str)
        and len(columns) == 2
        and all(isinstance(name, str) for name in columns)
    ):
        return Columns(*columns)
    raise DataError("columns must be Columns(id=..., text=...) or a pair of column names")


def file_format(path: Path) -> str:
    """Return ``csv``, ``jsonl``, ``parquet`` or ``txt-folder`` for ``path``."""
    if path.is_dir():
        return "txt-folder"
    suffix = path.suffix.lower()
    if suffix == ".json":
        suffix = ".jsonl"
    if suffix not in SUPPORTED_SUFFIXES:
        raise DataError(
            f"unsupported file type {path.suffix!r}; use .csv, .jsonl, .parquet "
            "or a folder of .txt files",
            path=path,
        )
    return suffix[1:]


def _decode_utf8(raw: bytes, path: Path, row_kind: str, header_lines: int = 0) -> str:
    """Decode ``raw`` as UTF-8, or raise naming the line of the first bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        row = line - header_lines
        raise DataError(
            f"bytes that are not UTF-8 at byte offset {exc.start} (line {line} of the file); "
            "re-save the file as UTF-8",
            path=path,
            row=row if row >= 1 else None,
            row_kind=row_kind,
        ) from None


def _read_csv(path: Path, columns: Columns) -> tuple[pd.DataFrame, list[int]]:
    raw = path.read_bytes()
    text = _decode_utf8(raw, path, "row", header_lines=1)
    if not text.strip():
        raise DataError("the file is empty (no header row)", path=path)
    header, records = iter_csv_records(io.StringIO(text, newline=""), path)
    for name in (columns.id, columns.text):
        refuse_repeated_column(header, name, path)
    needed = 1 + max(
        (header.index(name) for name in (columns.id, columns.text) if name in header), default=0
    )
    width = len(header)
    rows: list[int] = []
    values: list[list[str | None]] = []
    for record in records:
        problem = field_count_problem(record, width, needed)
        if problem:
            raise DataError(problem, path=path, row=record.row)
        rows.append(record.row)
        values.append(record.fields + [None] * (width - len(record.fields)))
    frame = pd.DataFrame(values, columns=_unique_names(header), dtype=object)
    return frame, rows


def _unique_names(header: list[str]) -> list[str]:
    """Column names made unique the way pandas does (``x``, ``x.1``, ``x.2``)."""
    seen: dict[str, int] = {}
    names = []
    for name in header:
        count = seen.get(name, 0)
        seen[name] = count + 1
        names.append(name if count == 0 else f"{name}.{count}")
    return names


JSON_ARRAY_HINT = (
    "the file is one JSON array; ethicsnlp reads JSON Lines (one JSON object per line, "
    "saved as .jsonl)"
)


def json_problem(exc: json.JSONDecodeError) -> str:
    """A message for a line that is not valid JSON: the column and the parser's
    reason, never the line's content."""
    reason = exc.msg.removesuffix(" at").rstrip(":").lower()
    return f"malformed JSON at column {exc.colno} ({reason})"


def _read_jsonl(path: Path, columns: Columns) -> tuple[pd.DataFrame, list[int]]:
    raw = path.read_bytes()
    text = _decode_utf8(raw, path, "line")
    if text.lstrip().startswith("["):
        raise DataError(JSON_ARRAY_HINT, path=path)
    records: list[dict] = []
    lines: list[int] = []
    # JSON Lines are separated by "\n" alone: str.splitlines() would also split at
    # U+2028, U+2029 and U+0085, which JSON allows unescaped inside strings.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(json_problem(exc), path=path, row=number, row_kind="line") from None
        if not isinstance(record, dict):
            raise DataError(
                f"each line must be a JSON object, found {type(record).__name__}",
                path=path,
                row=number,
                row_kind="line",
            )
        records.append(record)
        lines.append(number)
    for name in (columns.id, columns.text, LABELS_FIELD):
        missing = [line for line, record in zip(lines, records, strict=True) if name not in record]
        if missing and len(missing) < len(records):  # absent everywhere: a missing column
            hint = " (other lines have one; write [] for a note with no issue)"
            raise DataError(
                f"no {name!r} field" + (hint if name == LABELS_FIELD else ""),
                path=path,
                row=missing[0],
                row_kind="line",
                column=name,
            )
    return pd.DataFrame.from_records(records) if records else pd.DataFrame(), lines


def _read_parquet(path: Path) -> tuple[pd.DataFrame, list[int]]:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise DataError(f"cannot read as Parquet ({type(exc).__name__})", path=path) from None
    return frame, list(range(1, len(frame) + 1))


def _read_txt_folder(path: Path, columns: Columns) -> tuple[pd.DataFrame, list[int]]:
    files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".txt" and p.is_file())
    if not files:
        raise DataError("the folder holds no .txt files", path=path)
    records = []
    for file in files:
        text = _decode_utf8(file.read_bytes(), file, "line")
        records.append({columns.id: file.stem, columns.text: text})
    return pd.DataFrame.from_records(records), list(range(1, len(records) + 1))


def read_table(
    path: str | Path, columns: Columns = DEFAULT_COLUMNS
) -> tuple[pd.DataFrame, list[int], str]:
    """Read ``path`` into a raw DataFrame without validation.

    Returns the frame, the 1-based row or line number of each record, and the
    word used for those numbers in messages (``row`` or ``line``).
    """
    if not isinstance(path, str | os.PathLike):
        raise DataError(
            f"expected the path of a file or folder, got a {type(path).__name__}"
            + (
                " (write a DataFrame to .jsonl or .parquet first, e.g. with write_frame)"
                if isinstance(path, pd.DataFrame)
                else ""
            )
        )
    columns = as_columns(columns)
    path = Path(path)
    if not path.exists():
        raise DataError("no such file or folder", path=path)
    kind = file_format(path)
    if kind == "csv":
        frame, rows = _read_csv(path, columns)
    elif kind == "jsonl":
        frame, rows = _read_jsonl(path, columns)
    elif kind == "parquet":
        frame, rows = _read_parquet(path)
    else:
        frame, rows = _read_txt_folder(path, columns)
    return frame, rows, "line" if kind == "jsonl" else "row"


def parse_label_list(value: object, where: dict) -> list[str]:
    """Turn a ``labels`` cell (list, JSON list string or ``;`` string) into label ids.

    ``where`` (path, row, row_kind) locates a :class:`DataError` for a bad cell.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
            except json.JSONDecodeError:
                raise DataError("labels is not a valid JSON list", **where) from None
        else:
            value = [part.strip() for part in stripped.split(";") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DataError("labels must be a list of label ids", **where)
    for label in value:
        if label not in LABEL_IDS:
            raise DataError(
                f"unknown label {shown_id(label)}; valid ids: {', '.join(LABEL_IDS)}", **where
            )
    return list(dict.fromkeys(value))


def _parse_binary(value: object, where: dict) -> int:
    """Parse a 0/1 label cell."""
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, int | np.integer) and value in (0, 1):
        return int(value)
    if isinstance(value, float | np.floating) and value in (0.0, 1.0):
        return int(value)
    if isinstance(value, str) and value.strip() in ("0", "1", "0.0", "1.0"):
        return int(float(value.strip()))
    shown = "empty" if value is None or value == "" else f"{type(value).__name__} value"
    raise DataError(f"label values must be 0 or 1, found {shown}", **where)


def label_mode(frame: pd.DataFrame) -> str | None:
    """Return ``list`` or ``columns`` for how labels are given, or ``None`` when unlabelled."""
    present = [label for label in LABEL_IDS if label in frame.columns]
    if LABELS_FIELD in frame.columns:
        return "list"
    if present:
        return "columns"
    return None


def validate_frame(
    frame: pd.DataFrame,
    rows: Sequence[int],
    *,
    path: str | Path,
    row_kind: str = "row",
    columns: Columns = DEFAULT_COLUMNS,
    require_labels: bool = False,
) -> pd.DataFrame:
    """Check a raw frame and return a clean one.

    The result has columns ``note_id`` and ``text`` (strings) and, when the file
    carries labels, one int 0/1 column per label id in taxonomy order.
    """
    if len(frame) == 0:
        raise DataError("the file holds no notes (header only or empty)", path=path)
    for name in (columns.id, columns.text):
        if name not in frame.columns:
            flag = "--id-col" if name == columns.id else "--text-col"
            raise DataError(
                f"missing column {name!r} (found: {shown_column_names(list(frame.columns))}); "
                f"set the column name with {flag}",
                path=path,
            )
    mode = label_mode(frame)
    both = [label for label in LABEL_IDS if label in frame.columns]
    if mode == "list" and both:
        raise DataError(
            f"labels given twice: a {LABELS_FIELD!r} column and 0/1 label columns "
            f"({', '.join(both[:3])}{', ...' if len(both) > 3 else ''}); keep one form",
            path=path,
        )
    if require_labels and mode is None:
        raise DataError(
            f"no labels: add a {LABELS_FIELD!r} column or one 0/1 column per label id",
            path=path,
        )
    if mode == "columns":
        missing = [label for label in LABEL_IDS if label not in frame.columns]
        if missing:
            raise DataError(
                f"label columns missing: {', '.join(missing)} (give all ten or a "
                f"{LABELS_FIELD!r} column)",
                path=path,
            )

    ids: list[str] = []
    texts: list[str] = []
    label_rows: list[list[int]] = []
    seen: dict[str, int] = {}
    id_values = frame[columns.id].tolist()
    text_values = frame[columns.text].tolist()
    label_values = (
        frame[LABELS_FIELD].tolist()
        if mode == "list"
        else frame[list(LABEL_IDS)].to_numpy(dtype=object).tolist()
        if mode == "columns"
        else None
    )
    for i, (row, raw_id, raw_text) in enumerate(zip(rows, id_values, text_values, strict=True)):
        loc = {"path": path, "row": row, "row_kind": row_kind}
        note_id = id_text(raw_id)
        if not note_id:
            raise DataError("empty note id", column=columns.id, **loc)
        if note_id in seen:
            raise DataError(
                f"duplicate note id {shown_id(note_id)} (first seen at {row_kind} {seen[note_id]})",
                column=columns.id,
                **loc,
            )
        seen[note_id] = row
        if not isinstance(raw_text, str):
            if raw_text is None or (isinstance(raw_text, float) and np.isnan(raw_text)):
                raise DataError("empty text", column=columns.text, **loc)
            raise DataError(
                f"text must be a string, found {type(raw_text).__name__}",
                column=columns.text,
                **loc,
            )
        if not raw_text.strip():
            raise DataError("empty text", column=columns.text, **loc)
        ids.append(note_id)
        texts.append(raw_text)
        if mode == "list":
            chosen = parse_label_list(label_values[i], {**loc, "column": LABELS_FIELD})
            label_rows.append([int(label in chosen) for label in LABEL_IDS])
        elif mode == "columns":
            label_rows.append(
                [
                    _parse_binary(value, {**loc, "column": label})
                    for label, value in zip(LABEL_IDS, label_values[i], strict=True)
                ]
            )
    clean = pd.DataFrame({NOTE_ID: ids, TEXT: texts})
    if mode is not None:
        labels = pd.DataFrame(label_rows, columns=list(LABEL_IDS), dtype="int64")
        clean = pd.concat([clean, labels], axis=1)
    clean.attrs["input_columns"] = [str(column) for column in frame.columns]
    return clean


def read_notes(
    path: str | Path,
    *,
    columns: Columns = DEFAULT_COLUMNS,
    require_labels: bool = False,
) -> pd.DataFrame:
    """Read and validate one note file or folder.

    Returns a DataFrame with ``note_id``, ``text`` and, when present, the ten
    0/1 label columns. Raises :class:`DataError` for any problem.
    """
    columns = as_columns(columns)
    frame, rows, row_kind = read_table(path, columns)
    return validate_frame(
        frame, rows, path=path, row_kind=row_kind, columns=columns, require_labels=require_labels
    )


def read_many(
    paths: Iterable[str | Path],
    *,
    columns: Columns = DEFAULT_COLUMNS,
    require_labels: bool = False,
) -> pd.DataFrame:
    """Read several files and concatenate them; note ids must be unique across files,
    and file names too (they identify the files in model cards and ``--cv-on``).

    Adds a ``source`` column holding each note's file name; ``attrs["input_columns"]``
    maps each file name to the columns it had.
    """
    frames = []
    first_seen: dict[str, str] = {}
    columns = as_columns(columns)
    paths = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    names: dict[str, Path] = {}
    for path in map(Path, paths):
        if path.name in names and names[path.name].resolve() != path.resolve():
            raise DataError(
                f"two input files share the name {path.name!r} ({names[path.name]} and "
                f"{path}); files are told apart by name in model cards and --cv-on, so "
                "rename one"
            )
        names[path.name] = path
    input_columns: dict[str, list[str]] = {}
    for path in paths:
        frame = read_notes(path, columns=columns, require_labels=require_labels)
        for note_id in frame[NOTE_ID]:
            if note_id in first_seen:
                raise DataError(
                    f"duplicate note id {shown_id(note_id)} also in {first_seen[note_id]}",
                    path=path,
                    column=columns.id,
                )
            first_seen[note_id] = str(path)
        input_columns[Path(path).name] = frame.attrs.get("input_columns", [])
        frames.append(frame.assign(source=Path(path).name))
    if not frames:
        raise DataError("no input files given")
    combined = pd.concat(frames, ignore_index=True)
    combined.attrs = {"input_columns": input_columns}
    return combined


def label_matrix(frame: pd.DataFrame) -> np.ndarray:
    """Return the (n_notes, 10) int matrix of labels, in taxonomy order."""
    missing = [label for label in LABEL_IDS if label not in frame.columns]
    if missing:
        raise DataError(f"the data has no label columns ({', '.join(missing[:3])}, ...)")
    return frame[list(LABEL_IDS)].to_numpy(dtype=np.int64)


def labels_to_lists(matrix: np.ndarray) -> list[list[str]]:
    """Turn a 0/1 label matrix into lists of label ids."""
    return [[LABEL_IDS[j] for j in np.flatnonzero(row)] for row in np.asarray(matrix)]


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file, or of a folder's sorted ``.txt`` files."""
    path = Path(path)
    digest = hashlib.sha256()
    files = sorted(path.glob("*.txt")) if path.is_dir() else [path]
    for file in files:
        digest.update(file.name.encode() if path.is_dir() else b"")
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def frame_sha256(frame: pd.DataFrame) -> str:
    """SHA-256 of the validated notes and labels, independent of file format."""
    digest = hashlib.sha256()
    cols = [NOTE_ID, TEXT] + [label for label in LABEL_IDS if label in frame.columns]
    for record in frame[cols].itertuples(index=False):
        digest.update(json.dumps(list(map(str, record)), ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def write_frame(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a DataFrame as CSV, JSONL or Parquet, chosen by the extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    elif suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        raise DataError(
            f"unsupported output type {path.suffix!r}; use .csv, .jsonl or .parquet", path=path
        )
