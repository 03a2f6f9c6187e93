"""Choosing the unlabelled notes most worth labelling next (active learning).

:func:`suggest_notes` combines

* **uncertainty**: for each label, how close the note's probability is to the
  label's threshold (1 at the threshold, 0 at probability 0 or 1), and the
  maximum over labels: the note the model is least sure about for some label;
* **diversity**: among the ``pool_factor * n`` most uncertain notes, a greedy
  max-min selection on TF-IDF word vectors (first the most uncertain note, then
  repeatedly the note farthest, by cosine distance, from all notes chosen so
  far), so the batch does not spend effort on near-copies of one situation.
  Ties are broken by a seeded shuffle.

The result is a labelling template: ``note_id``, ``text``, one 0/1 column per
label id prefilled with the model's current flags, and ``model_scores`` (JSON).
After correcting the 0/1 cells, ``ethicsnlp train`` reads it unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from ethicsnlp.data import DEFAULT_COLUMNS, Columns, read_notes
from ethicsnlp.predict import EthicsModel, load_model
from ethicsnlp.scores import shown_score
from ethicsnlp.taxonomy import LABEL_IDS

SCORES_COLUMN = "model_scores"


def uncertainty(proba: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Per note, ``max_j`` of the closeness of ``p_j`` to threshold ``t_j``:
    ``1 - |p - t| / t`` below the threshold, ``1 - |p - t| / (1 - t)`` above it."""
    proba = np.atleast_2d(np.asarray(proba, dtype=float))
    t = np.asarray(thresholds, dtype=float)[None, :]
    span = np.where(proba < t, t, 1.0 - t)
    closeness = 1.0 - np.abs(proba - t) / np.maximum(span, 1e-12)
    return np.clip(closeness, 0.0, 1.0).max(axis=1)


def _similarity_to(vectors, i: int) -> np.ndarray:
    """Cosine similarity of every row of l2-normalised ``vectors`` to row ``i``."""
    column = vectors @ vectors[i].T
    dense = column.toarray() if hasattr(column, "toarray") else np.asarray(column)
    return np.asarray(dense, dtype=float).ravel()


def max_min_select(vectors, scores: np.ndarray, n: int, seed: int = 0) -> list[int]:
    """Greedy max-min diversity: start from the highest ``score``, then add the row
    whose smallest cosine distance to the chosen rows is largest. ``vectors`` are
    l2-normalised rows (sparse or dense); returns row indices in selection order."""
    m = vectors.shape[0]
    n = min(n, m)
    if n <= 0:
        return []
    order = np.random.default_rng(seed).permutation(m)  # seeded tie-breaking
    chosen = [int(order[np.argmax(np.asarray(scores, dtype=float)[order])])]
    nearest = 1.0 - _similarity_to(vectors, chosen[0])
    nearest[chosen] = -np.inf
    while len(chosen) < n:
        chosen.append(int(order[np.argmax(nearest[order])]))
        nearest = np.minimum(nearest, 1.0 - _similarity_to(vectors, chosen[-1]))
        nearest[chosen] = -np.inf
    return chosen


def suggest_notes(
    unlabelled: str | Path,
    model: str | Path | EthicsModel | None = None,
    n: int = 50,
    *,
    seed: int = 0,
    pool_factor: int = 4,
    columns: Columns = DEFAULT_COLUMNS,
) -> pd.DataFrame:
    """Return the labelling template for the ``n`` notes of ``unlabelled`` most worth
    labelling (see the module docstring), in selection order.

    Labels already present in ``unlabelled`` are ignored.
    """
    scorer = model if isinstance(model, EthicsModel) else load_model(model)
    frame = read_notes(unlabelled, columns=columns)
    texts = frame["text"].tolist()
    proba = scorer.predict_proba(texts)
    unsure = uncertainty(proba, scorer.thresholds)
    pool_size = min(len(frame), max(n, pool_factor * n))
    pool = np.argsort(-unsure, kind="stable")[:pool_size]
    vectors = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(
        [texts[i] for i in pool]
    )
    picked = pool[max_min_select(vectors, unsure[pool], n, seed)]
    flags = (proba[picked] >= scorer.thresholds).astype(int)
    template = pd.DataFrame(
        {"note_id": frame["note_id"].to_numpy()[picked], "text": [texts[i] for i in picked]}
    )
    for j, label in enumerate(LABEL_IDS):
        template[label] = flags[:, j]
    template[SCORES_COLUMN] = [
        json.dumps({label: shown_score(p) for label, p in zip(LABEL_IDS, row, strict=True)})
        for row in proba[picked]
    ]
    return template


def fill_labels(template: pd.DataFrame, labelled: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Copy the 0/1 label cells of ``labelled`` (a validated frame with label
    columns, e.g. from :func:`ethicsnlp.data.read_notes`) into the template rows
    with the same ``note_id``; other rows are left as they are.

    Stands in for an annotator in demonstrations and tests, or merges labels done
    in another tool. Returns the new template and the number of cells changed.
    """
    out = template.copy()
    truth = labelled.set_index("note_id")[list(LABEL_IDS)]
    known = out["note_id"].isin(truth.index).to_numpy()
    before = out.loc[known, list(LABEL_IDS)].to_numpy(dtype=int, copy=True)
    after = truth.loc[out.loc[known, "note_id"], list(LABEL_IDS)].to_numpy(dtype=int)
    out.loc[known, list(LABEL_IDS)] = after
    return out, int((before != after).sum())


__all__ = ["SCORES_COLUMN", "fill_labels", "max_min_select", "suggest_notes", "uncertainty"]
