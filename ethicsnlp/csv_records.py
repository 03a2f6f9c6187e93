"""CSV records with their row and line numbers, read with Python's ``csv`` module.

pandas' CSV readers quietly cope with a row whose field count differs from the
header: with ``usecols`` the extra fields of a row are dropped (a note cut at its
first unquoted comma), and when every row has one field too many the first field
becomes the index (so note text lands in the id column). A reader for notes must
not guess, so here each record keeps its 1-based row number (header and blank
lines not counted), the file line it starts on, and its fields; the caller decides
what a wrong field count means. Quoting is strict: an unclosed quote or text after
a closing quote is a file error naming the line where the record starts.

Nothing here puts a field's content into a message.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ethicsnlp.errors import DataError

FIELD_LIMIT = 1_000_000
"""Characters; a longer field is almost surely an unclosed quote swallowing the file."""

_COLUMN_NAME = re.compile(r"^[\w.\-/#()]+( [\w.\-/#()]+)?$")


@dataclass(frozen=True)
class CsvRecord:
    """One data record: its row number, the file line it starts on, and its fields."""

    row: int
    line: int
    fields: list[str]


def shown_column_names(
    names: Sequence[object],
    limit: int = 12,
    hint: str = "does the file start with a header row naming the columns?",
) -> str:
    """The column names worth showing in a message, without risking note text.

    A name longer than 64 characters or of more than two words is not shown (it is
    more likely the first note of a file without a header row than a column name);
    the message says how many were left out and why.
    """
    shown = [str(name) for name in names if len(str(name)) <= 64 and _COLUMN_NAME.match(str(name))]
    hidden = len(names) - len(shown)
    text = ", ".join(shown[:limit]) if shown else "none"
    if len(shown) > limit:
        text += f", ... ({len(shown) - limit} more)"
    if hidden:
        text += f"; {hidden} more not shown because they look like note text"
        text += f": {hint}" if hint else ""
    return text


def header_index(header: Sequence[str], name: str, path: Path, flag: str) -> int:
    """Position of column ``name`` in ``header``; a :class:`DataError` naming the
    column when it is missing or appears twice."""
    if name not in header:
        raise DataError(
            f"missing column {name!r} (found: {shown_column_names(header)}); set the column "
            f"name with {flag}",
            path=path,
        )
    refuse_repeated_column(header, name, path)
    return header.index(name)


def refuse_repeated_column(header: Sequence[str], name: str, path: Path) -> None:
    """A :class:`DataError` when column ``name`` appears more than once in ``header``."""
    count = list(header).count(name)
    if count > 1:
        raise DataError(f"column {name!r} appears {count} times in the header", path=path)


def iter_csv_records(
    lines: Iterable[str], path: Path, field_limit: int = FIELD_LIMIT
) -> tuple[list[str], Iterator[CsvRecord]]:
    """Parse ``lines`` (a text stream opened with ``newline=""``) as CSV.

    Returns the header and an iterator of :class:`CsvRecord` for the data records.
    Raises :class:`DataError` for an empty file or a quoting error (also while
    iterating), naming the line where the broken record starts.
    """
    reader = csv.reader(lines, strict=True)
    state = {"start": 1}

    def next_record() -> list[str] | None:
        # The csv module's field limit is process-wide: set it for each read only.
        previous = csv.field_size_limit(field_limit)
        try:
            while True:
                state["start"] = reader.line_num + 1
                try:
                    fields = next(reader)
                except StopIteration:
                    return None
                except csv.Error as exc:
                    reason = _quoting_problem(str(exc), state["start"], field_limit)
                    raise DataError(reason, path=path) from None
                if fields:  # a blank line
                    return fields
        finally:
            csv.field_size_limit(previous)

    header = next_record()
    if header is None:
        raise DataError("the file is empty (no header row)", path=path)
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]

    def records() -> Iterator[CsvRecord]:
        row = 0
        while (fields := next_record()) is not None:
            row += 1
            yield CsvRecord(row, state["start"], fields)

    return header, records()


def _quoting_problem(reason: str, line: int, field_limit: int) -> str:
    if "field larger than field limit" in reason:
        return (
            f"malformed CSV: the record starting at line {line} has a field over "
            f"{field_limit:,} characters; probably a quote that is never closed"
        )
    if "unexpected end of data" in reason:
        return (
            f"malformed CSV: the record starting at line {line} runs to the end of the "
            "file; probably a quote that is never closed"
        )
    if "expected after" in reason:
        return (
            f"malformed CSV: in the record starting at line {line}, a quoted field is "
            'followed by more text; write a quote inside a quoted field as ""'
        )
    return f"malformed CSV: the record starting at line {line} cannot be read ({reason})"


def field_count_problem(record: CsvRecord, header_width: int, needed: int) -> str | None:
    """Why a record's field count is wrong, or None when it is usable.

    More fields than the header's ``header_width`` means a comma in an unquoted
    field (the text was split); fewer than ``needed`` (one past the last column the
    caller reads) means the row stops before its id or text. Fewer than the header
    but enough is accepted, as spreadsheet exports drop empty trailing fields.
    """
    count = len(record.fields)
    if count > header_width:
        return (
            f"{count} fields where the header has {header_width} (line {record.line}); "
            "put text that holds commas in double quotes"
        )
    if count < needed:
        return (
            f"only {count} field{'s' if count != 1 else ''} where the header has "
            f"{header_width} (line {record.line})"
        )
    return None
