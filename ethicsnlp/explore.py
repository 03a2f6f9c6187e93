"""Small, text-free summaries of labelled data and scores, shared by the
evaluation report and the notebooks.

Nothing here returns note text: only ids, labels, counts, lengths and scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ethicsnlp.data import DEFAULT_COLUMNS, Columns, label_matrix, read_many
from ethicsnlp.errors import DataError
from ethicsnlp.model import THRESHOLD_GRID
from ethicsnlp.paths import default_training_files
from ethicsnlp.taxonomy import LABEL_IDS, LABELS_BY_ID

LENGTH_QUANTILES = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)


def load_labelled(
    paths: Sequence[str | Path] | None = None, *, columns: Columns = DEFAULT_COLUMNS
) -> pd.DataFrame:
    """Read labelled files (default: the bundled ``data/labelled/*.jsonl``) into one frame
    with ``note_id``, ``text``, the ten label columns, ``source`` and ``group`` (note-id
    prefix, i.e. the setting)."""
    files = default_training_files() if paths is None else paths
    frame = read_many(files, columns=columns, require_labels=True)
    return frame.assign(group=frame["note_id"].str.split("-", n=1).str[0])


def _quantiles(values: Sequence[float]) -> dict[str, float]:
    qs = np.quantile(np.asarray(values, dtype=float), LENGTH_QUANTILES)
    names = ("min", "p10", "p25", "median", "p75", "p90", "max")
    return {name: float(q) for name, q in zip(names, qs, strict=True)}


def data_summary(frame: pd.DataFrame) -> dict[str, Any]:
    """Counts and length quantiles of a validated frame (labels optional).

    Returns ``{"notes", "labelled", "label_counts", "no_label_notes",
    "no_label_share", "labels_per_note", "chars", "words"}``; ``chars`` and
    ``words`` are quantiles of note length. No note text.
    """
    if len(frame) == 0:
        raise DataError("no notes to summarise (the frame is empty)")
    texts = frame["text"].astype(str)
    summary: dict[str, Any] = {
        "notes": len(frame),
        "labelled": all(label in frame.columns for label in LABEL_IDS),
        "chars": _quantiles(texts.str.len().tolist()),
        "words": _quantiles(texts.str.split().str.len().tolist()),
    }
    if summary["labelled"] and len(frame):
        Y = label_matrix(frame)
        per_note = Y.sum(axis=1)
        summary["label_counts"] = {label: int(Y[:, j].sum()) for j, label in enumerate(LABEL_IDS)}
        summary["no_label_notes"] = int((per_note == 0).sum())
        summary["no_label_share"] = round(float((per_note == 0).mean()), 4)
        summary["labels_per_note"] = {
            str(k): int((per_note == k).sum()) for k in range(int(per_note.max()) + 1)
        }
    return summary


def label_counts_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per label: id, category, notes and share of notes carrying it."""
    Y = label_matrix(frame)
    return pd.DataFrame(
        {
            "label": list(LABEL_IDS),
            "category": [LABELS_BY_ID[label].category for label in LABEL_IDS],
            "notes": Y.sum(axis=0).astype(int),
            "share": (Y.mean(axis=0)).round(4),
        }
    )


def group_table(frame: pd.DataFrame, group_col: str = "group") -> pd.DataFrame:
    """Notes, no-label notes and median length per group (setting); the groups are in
    ``group_col`` (``load_labelled`` adds ``group``, the note-id prefix)."""
    if group_col not in frame.columns:
        raise DataError(
            f"no {group_col!r} column: load the notes with load_labelled, or pass "
            "group_col= naming the column that holds each note's setting"
        )
    Y = label_matrix(frame)
    work = pd.DataFrame(
        {
            "group": frame[group_col].to_numpy(),
            "no_label": Y.sum(axis=1) == 0,
            "chars": frame["text"].str.len().to_numpy(),
        }
    )
    out = work.groupby("group", sort=True).agg(
        notes=("chars", "size"), no_label=("no_label", "sum"), median_chars=("chars", "median")
    )
    return out.reset_index()


def cooccurrence(Y: np.ndarray) -> pd.DataFrame:
    """Label-by-label counts of notes carrying both labels (diagonal: the label alone
    or with others, i.e. its total)."""
    Y = np.asarray(Y).astype(int)
    counts = Y.T @ Y
    return pd.DataFrame(counts, index=list(LABEL_IDS), columns=list(LABEL_IDS))


def stratified_sample(
    frame: pd.DataFrame, per_label: int = 10, negatives: int = 40, seed: int = 0
) -> pd.DataFrame:
    """A small reproducible sample for quick experiments and notebooks: for each label
    in turn, up to ``per_label`` more notes carrying it (a note often carries several
    labels, so a label can end up in more than ``per_label`` sampled notes), plus
    ``negatives`` notes carrying none."""
    rng = np.random.default_rng(seed)
    Y = label_matrix(frame)
    chosen: list[int] = []
    for j in range(len(LABEL_IDS)):
        idx = np.flatnonzero(Y[:, j])
        idx = idx[~np.isin(idx, chosen)]
        chosen.extend(rng.permutation(idx)[:per_label].tolist())
    none = np.flatnonzero(Y.sum(axis=1) == 0)
    chosen.extend(rng.permutation(none)[:negatives].tolist())
    return frame.iloc[sorted(chosen)].reset_index(drop=True)


def quick_model(
    folder: str | Path,
    *,
    per_label: int = 12,
    negatives: int = 50,
    seed: int = 0,
    source: str | Path | None = None,
) -> Path:
    """Train a small model for experiments and notebooks in well under a minute.

    Takes :func:`stratified_sample` of ``source`` (default: the bundled
    ``gold_train.jsonl``), writes it to ``folder/sample.jsonl`` and trains a model
    into ``folder/model`` without cross-validation. Returns the model folder. Its
    figures are far below the shipped model's: use it to learn the tools, not to
    judge quality.
    """
    from ethicsnlp.data import write_frame
    from ethicsnlp.paths import DATA_DIR
    from ethicsnlp.train import train

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    frame = load_labelled([source or DATA_DIR / "labelled" / "gold_train.jsonl"])
    sample = stratified_sample(frame, per_label=per_label, negatives=negatives, seed=seed)
    sample_path = folder / "sample.jsonl"
    write_frame(sample[["note_id", "text", *LABEL_IDS]], sample_path)
    train([sample_path], folder / "model", seed=seed, cv=-1, n_jobs=1, overwrite=True)
    return folder / "model"


def threshold_sweep(
    y: np.ndarray, proba: np.ndarray, grid: np.ndarray = THRESHOLD_GRID
) -> pd.DataFrame:
    """Precision, recall, F1 and number of flags of ``proba >= t`` for each ``t``.

    ``y`` and ``proba`` are one label's 0/1 truth and probabilities.
    """
    y = np.asarray(y).astype(bool)
    proba = np.asarray(proba, dtype=float)
    if y.ndim != 1 or proba.shape != y.shape:
        raise DataError(
            f"y and proba must be one label's 1-D truth and probabilities of the same "
            f"length, got shapes {y.shape} and {proba.shape}"
        )
    pred = proba[None, :] >= np.asarray(grid)[:, None]
    tp = (pred & y).sum(1).astype(float)
    fp = (pred & ~y).sum(1).astype(float)
    fn = (~pred & y).sum(1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), np.nan)
        recall = np.where(tp + fn > 0, tp / np.maximum(tp + fn, 1), np.nan)
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
    return pd.DataFrame(
        {
            "threshold": np.asarray(grid, dtype=float),
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "flagged": (tp + fp).astype(int),
        }
    )


__all__ = [
    "cooccurrence",
    "data_summary",
    "group_table",
    "label_counts_table",
    "load_labelled",
    "quick_model",
    "stratified_sample",
    "threshold_sweep",
]
