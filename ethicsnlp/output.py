"""Writing prediction records as JSONL, CSV or Parquet, atomically."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ethicsnlp.errors import DataError
from ethicsnlp.predict import records_to_frame

OUTPUT_SUFFIXES = (".jsonl", ".csv", ".parquet")


def output_format(path: str | Path) -> str:
    """``jsonl``, ``csv`` or ``parquet`` from the output file's extension."""
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise DataError(
            f"unsupported output type {suffix or '(none)'!r}; use .jsonl, .csv or .parquet",
            path=path,
        )
    return suffix[1:]


def write_records(records: Sequence[dict], path: str | Path, *, header: bool = True) -> Path:
    """Write ``records`` to ``path`` via a temporary file renamed into place when
    complete, so a crash never leaves partial output that looks complete.

    ``header=False`` leaves out the CSV header row (for parts joined later).
    """
    path = Path(path)
    kind = output_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if kind == "jsonl":
            with tmp.open("w", encoding="utf-8") as handle:
                for record in records:
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        elif kind == "csv":
            records_to_frame(records).to_csv(tmp, index=False, header=header)
        else:
            records_to_frame(records).to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
