"""Streaming readers: note files read in chunks, each row checked on its own.

Used by batch scoring, where memory must not grow with the input and one bad
row must not stop (or silently vanish from) a run. Every row comes out either as
a valid ``(row, note_id, text)`` or as a :class:`RowProblem` naming the row,
column and reason, never the text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ethicsnlp.csv_records import (
    FIELD_LIMIT,
    field_count_problem,
    header_index,
    iter_csv_records,
    shown_column_names,
)
from ethicsnlp.data import (
    DEFAULT_COLUMNS,
    JSON_ARRAY_HINT,
    Columns,
    file_format,
    id_text,
    is_missing,
    json_problem,
)
from ethicsnlp.errors import DataError

MAX_TEXT_CHARS = 100_000
"""Notes longer than this (characters) are refused: no session note is that long,
and such a row is almost always a file-format problem (an unclosed quote)."""

_SURROGATES = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class RowProblem:
    """A row that cannot be scored: where it is and why (never its text)."""

    row: int
    note_id: str
    column: str
    reason: str


@dataclass(frozen=True)
class GoodRow:
    """A row ready to score."""

    row: int
    note_id: str
    text: str


Row = GoodRow | RowProblem


def row_kind(path: Path) -> str:
    """``line`` for JSONL, ``row`` otherwise (1-based, header not counted)."""
    return "line" if file_format(path) == "jsonl" else "row"


def check_row(
    row: int, raw_id: object, raw_text: object, columns: Columns, seen: set[str], max_chars: int
) -> Row:
    """Check one row: a :class:`GoodRow`, or a :class:`RowProblem` saying why it cannot
    be scored (empty or duplicate id, missing, empty, non-UTF-8 or over-long text).
    ``seen`` collects the ids checked so far."""
    note_id = id_text(raw_id)
    if not note_id:
        return RowProblem(row, "", columns.id, "empty note id")
    if _SURROGATES.search(note_id):
        return RowProblem(row, "", columns.id, "note id is not valid UTF-8")
    if note_id in seen:
        return RowProblem(row, note_id, columns.id, "duplicate note id")
    seen.add(note_id)
    if not isinstance(raw_text, str):
        reason = (
            "empty text"
            if is_missing(raw_text)
            else (f"text must be a string, found {type(raw_text).__name__}")
        )
        return RowProblem(row, note_id, columns.text, reason)
    if _SURROGATES.search(raw_text):
        return RowProblem(row, note_id, columns.text, "text is not valid UTF-8")
    if not raw_text.strip():
        return RowProblem(row, note_id, columns.text, "empty text")
    if len(raw_text) > max_chars:
        return RowProblem(
            row, note_id, columns.text, f"text longer than {max_chars} characters ({len(raw_text)})"
        )
    return GoodRow(row, note_id, raw_text)


def _csv_chunks(
    path: Path, columns: Columns, chunk_size: int, max_chars: int
) -> Iterator[list[tuple]]:
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        header, records = iter_csv_records(
            handle, path, field_limit=max(FIELD_LIMIT, 2 * max_chars)
        )
        id_index = header_index(header, columns.id, path, "--id-col")
        text_index = header_index(header, columns.text, path, "--text-col")
        width, needed = len(header), max(id_index, text_index) + 1
        chunk: list[tuple] = []
        for record in records:
            problem = field_count_problem(record, width, needed)
            if problem:
                chunk.append((record.row, None, RowProblem(record.row, "", "", problem)))
            else:
                chunk.append((record.row, record.fields[id_index], record.fields[text_index]))
            if len(chunk) >= chunk_size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def _jsonl_chunks(path: Path, columns: Columns, chunk_size: int) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    first_object = True
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            if first_object and raw.lstrip().startswith((b"[", b"\xef\xbb\xbf[")):
                raise DataError(JSON_ARRAY_HINT, path=path)
            try:
                record = json.loads(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
            except UnicodeDecodeError:
                chunk.append((number, None, RowProblem(number, "", "", "line is not valid UTF-8")))
            except json.JSONDecodeError as exc:
                chunk.append((number, None, RowProblem(number, "", "", json_problem(exc))))
            else:
                if not isinstance(record, dict):
                    chunk.append(
                        (number, None, RowProblem(number, "", "", "line is not a JSON object"))
                    )
                else:
                    if first_object:
                        _check_first_object(record, columns, path, number)
                        first_object = False
                    problem = next(
                        (
                            RowProblem(number, "", name, f"no {name!r} field")
                            for name in (columns.id, columns.text)
                            if name not in record
                        ),
                        None,
                    )
                    chunk.append(
                        (number, None, problem)
                        if problem
                        else (number, record[columns.id], record[columns.text])
                    )
            if len(chunk) >= chunk_size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _check_first_object(record: dict, columns: Columns, path: Path, line: int) -> None:
    """A missing id or text key in the file's first object is a column problem (a
    wrong name), not a bad row: stop with one message naming the key."""
    for name, flag in ((columns.id, "--id-col"), (columns.text, "--text-col")):
        if name not in record:
            raise DataError(
                f"missing column {name!r} in the first JSON object (keys: "
                f"{shown_column_names(list(record), hint='')}); set the name with {flag}",
                path=path,
                row=line,
                row_kind="line",
            )


def _parquet_chunks(path: Path, columns: Columns, chunk_size: int) -> Iterator[list[tuple]]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise DataError(f"cannot read as Parquet ({type(exc).__name__})", path=path) from None
    names = parquet.schema_arrow.names
    for name in (columns.id, columns.text):
        if name not in names:
            raise DataError(
                f"missing column {name!r}; set the column names with --id-col / --text-col",
                path=path,
            )
    row = 0
    for batch in parquet.iter_batches(batch_size=chunk_size, columns=[columns.id, columns.text]):
        data = batch.to_pydict()
        ids, texts = data[columns.id], data[columns.text]
        yield [(row + i + 1, ids[i], texts[i]) for i in range(len(ids))]
        row += len(ids)


def _txt_chunks(path: Path, chunk_size: int) -> Iterator[list[tuple]]:
    files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".txt" and p.is_file())
    if not files:
        raise DataError("the folder holds no .txt files", path=path)
    for start in range(0, len(files), chunk_size):
        chunk = []
        for i, file in enumerate(files[start : start + chunk_size], start=start + 1):
            text = file.read_bytes().decode("utf-8", errors="surrogateescape")
            chunk.append((i, file.stem, text))
        yield chunk


def iter_checked_chunks(
    path: str | Path,
    *,
    columns: Columns = DEFAULT_COLUMNS,
    chunk_size: int = 1000,
    max_chars: int = MAX_TEXT_CHARS,
) -> Iterator[list[Row]]:
    """Yield lists of checked rows, ``chunk_size`` input rows at a time.

    File-level problems (missing file or column, unreadable format) raise
    :class:`DataError`; row-level problems come out as :class:`RowProblem`.
    """
    path = Path(path)
    if not path.exists():
        raise DataError("no such file or folder", path=path)
    kind = file_format(path)
    if kind == "csv":
        raw = _csv_chunks(path, columns, chunk_size, max_chars)
    elif kind == "jsonl":
        raw = _jsonl_chunks(path, columns, chunk_size)
    elif kind == "parquet":
        raw = _parquet_chunks(path, columns, chunk_size)
    else:
        raw = _txt_chunks(path, chunk_size)
    seen: set[str] = set()
    any_rows = False
    for chunk in raw:
        checked: list[Row] = []
        for row, raw_id, raw_text in chunk:
            if isinstance(raw_text, RowProblem):
                checked.append(raw_text)
            else:
                checked.append(check_row(row, raw_id, raw_text, columns, seen, max_chars))
        any_rows = any_rows or bool(checked)
        yield checked
    if not any_rows:
        raise DataError("the file holds no notes (header only or empty)", path=path)


def estimate_rows(path: str | Path) -> int | None:
    """A fast estimate of the number of notes (for progress), or ``None``."""
    path = Path(path)
    kind = file_format(path)
    if kind == "parquet":
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(path).metadata.num_rows
        except Exception:
            return None
    if kind == "txt-folder":
        return sum(1 for p in path.iterdir() if p.suffix.lower() == ".txt")
    if kind == "csv":
        return None  # quoted multi-line notes make a line count misleading
    lines = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            lines += block.count(b"\n")
    return lines
