"""Exceptions for user mistakes.

Messages name the file, row or line and column, and say what is wrong. They
never include note text: callers pass only locations, column names, label ids
and counts.
"""

from __future__ import annotations

from pathlib import Path


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
