"""Finding likely label errors from out-of-fold probabilities.

The idea of confident learning (Northcutt et al., 2021), implemented here on
scikit-learn and NumPy for one binary decision per label:

1. out-of-fold probabilities of the project model under grouped
   cross-validation (each note scored by a model that did not train on its
   setting), via :func:`ethicsnlp.train.cross_validate_views`;
2. per label, a threshold for each class: ``t1`` = mean probability of the
   label over the notes given it, ``t0`` = mean probability of *not* the label
   over the notes not given it;
3. a note's given value is suspect when the model is confident in the other
   class: given 0 but ``p >= t1`` (and not more confident in 0), or given 1 but
   ``1 - p >= t0`` (and not more confident in 1);
4. suspects are ranked by ``margin`` = confidence in the other class minus that
   class's threshold (how far past the bar the disagreement is).

The output lists ids, labels and numbers only, never text. A suspect is a note
to re-read against the label guide, not a proven error.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from ethicsnlp.data import DEFAULT_COLUMNS, Columns, label_matrix, read_many, write_frame
from ethicsnlp.errors import DataError
from ethicsnlp.features import NoteAnalyzer
from ethicsnlp.grouping import label_missing_from_a_fold, note_groups, one_class_message
from ethicsnlp.model import OneClassError, build_model
from ethicsnlp.taxonomy import LABEL_IDS

log = logging.getLogger(__name__)
AUDIT_COLUMNS = ("note_id", "label", "given", "p_model", "margin")


def out_of_fold_proba(
    texts: Sequence[str],
    Y: np.ndarray,
    groups: np.ndarray | None,
    *,
    cv: int = 5,
    seed: int = 0,
    n_jobs: int | None = None,
) -> np.ndarray:
    """Out-of-fold probabilities ``(n_notes, 10)`` of the project model under grouped
    ``cv``-fold cross-validation (the spaCy analysis runs once for all folds)."""
    from ethicsnlp.train import cross_validate_views

    column = label_missing_from_a_fold(Y, groups, cv, seed)
    if column is not None:
        raise _one_class_error(column, "the training part of a cross-validation fold")
    views = NoteAnalyzer().transform(list(texts))

    def make_model() -> Pipeline:
        return Pipeline(build_model(seed=seed, n_jobs=n_jobs).steps[1:])

    try:
        result = cross_validate_views(make_model, views, Y, groups, cv=cv, seed=seed)
    except OneClassError as exc:
        raise _one_class_error(exc.column, exc.where) from None
    log.info("out-of-fold probabilities from %s", result["splits"])
    return result["proba"]


def _one_class_error(column: int, where: str) -> DataError:
    """The error for a label the audit's cross-validation cannot fit."""
    return DataError(
        f"{one_class_message(LABEL_IDS[column], where)}: its notes sit in too few groups. "
        "Add notes with this label from more settings, use fewer --cv folds or pick "
        "another --group-by"
    )


def class_thresholds(Y: np.ndarray, proba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per label: ``t1`` = mean ``p`` over notes given the label, ``t0`` = mean
    ``1 - p`` over notes not given it (NaN when a class is empty)."""
    Y = np.asarray(Y).astype(bool)
    t1 = np.array(
        [proba[Y[:, j], j].mean() if Y[:, j].any() else np.nan for j in range(Y.shape[1])]
    )
    t0 = np.array(
        [(1 - proba[~Y[:, j], j]).mean() if (~Y[:, j]).any() else np.nan for j in range(Y.shape[1])]
    )
    return t1, t0


def confident_disagreements(
    Y: np.ndarray, proba: np.ndarray, note_ids: Sequence[str]
) -> pd.DataFrame:
    """The (note, label) pairs whose given value the model confidently disagrees with,
    ranked by margin (largest first). Columns: ``note_id, label, given, p_model, margin``."""
    Y = np.asarray(Y).astype(int)
    proba = np.asarray(proba, dtype=float)
    t1, t0 = class_thresholds(Y, proba)
    rows = []
    for j, label in enumerate(LABEL_IDS[: Y.shape[1]]):
        p = proba[:, j]
        with np.errstate(invalid="ignore"):
            says_one = (Y[:, j] == 0) & (p >= t1[j]) & ((1 - p < t0[j]) | (p > 1 - p))
            says_zero = (Y[:, j] == 1) & (1 - p >= t0[j]) & ((p < t1[j]) | (1 - p > p))
        for i in np.flatnonzero(says_one):
            rows.append((str(note_ids[i]), label, 0, float(p[i]), float(p[i] - t1[j])))
        for i in np.flatnonzero(says_zero):
            rows.append((str(note_ids[i]), label, 1, float(p[i]), float((1 - p[i]) - t0[j])))
    frame = pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))
    frame = frame.sort_values(["margin", "note_id", "label"], ascending=[False, True, True])
    frame[["p_model", "margin"]] = frame[["p_model", "margin"]].round(4)
    return frame.reset_index(drop=True)


def audit_labels(
    data: Sequence[str | Path],
    output: str | Path | None = None,
    *,
    cv: int = 5,
    seed: int = 0,
    group_by: str = "prefix",
    columns: Columns = DEFAULT_COLUMNS,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Rank likely label errors in the labelled files ``data``.

    Returns the frame of :func:`confident_disagreements` and, when ``output`` is
    given, writes it there (``.csv``, ``.jsonl`` or ``.parquet``) atomically.
    """
    frame = read_many(data, columns=columns, require_labels=True)
    Y = label_matrix(frame)
    groups = note_groups(frame, group_by)
    proba = out_of_fold_proba(frame["text"].tolist(), Y, groups, cv=cv, seed=seed, n_jobs=n_jobs)
    result = confident_disagreements(Y, proba, frame["note_id"].tolist())
    if output is not None:
        write_frame_atomic(result, output)
    return result


def write_frame_atomic(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` (format from the extension) via a temporary file renamed into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write_frame(frame, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


__all__ = [
    "AUDIT_COLUMNS",
    "audit_labels",
    "class_thresholds",
    "confident_disagreements",
    "out_of_fold_proba",
    "write_frame_atomic",
]
