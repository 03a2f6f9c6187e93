"""Score a Dask DataFrame of notes partition by partition.

For users who already hold their notes in Dask (a notebook on a cluster, a
pipeline that writes Parquet with Dask)::

    import dask.dataframe as dd
    from ethicsnlp.dask_frames import score_dask_frame

    notes = dd.read_parquet("s3://bucket/notes/")      # note_id, text, ...
    flags = score_dask_frame(notes, model="models/default")
    flags.to_parquet("flags/")

Each worker process loads the model once (the folder must be readable at the
same path on every worker). The result has one row per input row, in the same
partitions: ``note_id``, ``labels``, ``score_<label>``, ``evidence_<label>`` (as
:func:`ethicsnlp.predict.records_to_frame`) and ``error``, the reason a row
could not be scored (empty when it was). Rows with an error have no labels and
empty scores, so nothing is dropped silently. Duplicate ids are caught within a
partition only; the ``ethicsnlp predict`` command checks the whole file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ethicsnlp.batch import cached_model
from ethicsnlp.data import Columns
from ethicsnlp.errors import DataError
from ethicsnlp.paths import default_model_dir
from ethicsnlp.predict import records_to_frame
from ethicsnlp.stream import MAX_TEXT_CHARS, GoodRow, check_row
from ethicsnlp.taxonomy import LABEL_IDS

SCORE_COLUMNS = [f"score_{label}" for label in LABEL_IDS]


def output_meta() -> pd.DataFrame:
    """An empty frame with the output's columns and dtypes (Dask's ``meta``)."""
    meta = records_to_frame([]).assign(error=pd.Series(dtype=object))
    return meta.astype({column: "float64" for column in SCORE_COLUMNS})


def score_partition(
    partition: pd.DataFrame,
    folder: str,
    text_col: str = "text",
    id_col: str = "note_id",
    batch_size: int = 64,
    max_chars: int = MAX_TEXT_CHARS,
) -> pd.DataFrame:
    """Score one partition (a pandas DataFrame) with the model in ``folder``."""
    columns = Columns(id=id_col, text=text_col)
    seen: set[str] = set()
    checked = [
        check_row(i + 1, raw_id, raw_text, columns, seen, max_chars)
        for i, (raw_id, raw_text) in enumerate(
            zip(partition[id_col].tolist(), partition[text_col].tolist(), strict=True)
        )
    ]
    good = [i for i, row in enumerate(checked) if isinstance(row, GoodRow)]
    out = output_meta().reindex(range(len(partition)))
    out["note_id"] = ["" if raw is None else str(raw) for raw in partition[id_col].tolist()]
    out["error"] = [
        "" if isinstance(row, GoodRow) else f"{row.column}: {row.reason}" for row in checked
    ]
    if good:
        records = cached_model(folder).predict(
            [checked[i].text for i in good], [checked[i].note_id for i in good], batch_size
        )
        scored = records_to_frame(records)
        for column in scored.columns:
            out.loc[good, column] = scored[column].to_numpy()
    out = out.astype({column: "float64" for column in SCORE_COLUMNS})
    out.index = partition.index
    return out


def score_dask_frame(
    frame: Any,
    model: str | Path | None = None,
    *,
    text_col: str = "text",
    id_col: str = "note_id",
    batch_size: int = 64,
) -> Any:
    """Score a ``dask.dataframe.DataFrame`` lazily, partition by partition.

    Returns a Dask DataFrame (see the module docstring); nothing runs until it is
    computed or written. Raises :class:`~ethicsnlp.errors.DataError` when a column
    is missing.
    """
    missing = [c for c in (id_col, text_col) if c not in frame.columns]
    if missing:
        raise DataError(
            f"missing column(s) {', '.join(map(repr, missing))}; found "
            f"{', '.join(map(repr, frame.columns))}"
        )
    folder = str(Path(model).resolve() if model is not None else default_model_dir().resolve())
    cached_model(folder)  # fail fast here, with a clear error, if the folder is unusable
    return frame.map_partitions(
        score_partition,
        folder,
        text_col,
        id_col,
        batch_size,
        meta=output_meta(),
        enforce_metadata=False,
    )


__all__ = ["output_meta", "score_dask_frame", "score_partition"]
