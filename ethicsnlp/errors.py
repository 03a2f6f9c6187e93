"""Exceptions for user mistakes.

Messages name the file, row or line and column, and say what is wrong. They
never include note text: callers pass only locations, column names, label ids
and counts.
"""

from __future__ import annotations

import re
from pathlib import Path

_ID_LIKE = re.compile(r"^\S+( \S+)?$")


def shown_id(note_id: object) -> str:
    """A note id quoted for a message, or a stand-in when it does not look like an id.

    Ids are de-identified keys, fine to show; but when the id column is really text
    (a wrong ``--id-col``, a file without a header row) the "id" is note text. An id
    longer than 40 characters or of more than two words is therefore not shown.
    """
    value = str(note_id)
    if len(value) <= 40 and _ID_LIKE.match(value):
        return repr(value)
    return f"(not shown: {len(value)} characters, which looks like text, not an id)"


class EthicsNLPError(Exception):
    """Base class for errors caused by user input; the CLI prints them and exits 2."""


class DataError(EthicsNLPError):
    """A problem with an input data file, located by file, row or line, and column."""

    def __init__(
        self,
        reason: str,
        *,
        path: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        row_kind: str = "row",
    ) -> None:
        self.reason = reason
        self.path = str(path) if path is not None else None
        self.row = row
        self.column = column
        self.row_kind = row_kind
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.path:
            where.append(self.path)
        if self.row is not None:
            where.append(f"{self.row_kind} {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.reason}" if prefix else self.reason


class ModelError(EthicsNLPError):
    """A model folder is missing, incomplete, tampered with or from another version."""
