"""Quality metrics for multi-label flags."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, f1_score, precision_recall_fscore_support

from ethicsnlp.taxonomy import LABEL_IDS


def flag_metrics(
    Y: np.ndarray, pred: np.ndarray, proba: np.ndarray | None = None
) -> dict[str, Any]:
    """Per-label precision, recall, F1, support (and PR-AUC when ``proba`` is given);
    macro and micro F1; the share of no-label notes flagged (false-alarm rate per
    note) and the share of labelled notes caught (at least one flag)."""
    Y = np.asarray(Y).astype(int)
    pred = np.asarray(pred).astype(int)
    precision, recall, f1, support = precision_recall_fscore_support(
        Y, pred, average=None, zero_division=0, labels=list(range(Y.shape[1]))
    )
    per_label = {}
    for j, label in enumerate(LABEL_IDS[: Y.shape[1]]):
        entry = {
            "precision": round(float(precision[j]), 4),
            "recall": round(float(recall[j]), 4),
            "f1": round(float(f1[j]), 4),
            "support": int(support[j]),
        }
        if proba is not None and Y[:, j].any():
            entry["pr_auc"] = round(float(average_precision_score(Y[:, j], proba[:, j])), 4)
        per_label[label] = entry
    no_label = Y.sum(axis=1) == 0
    return {
        "n_notes": len(Y),
        "macro_f1": round(float(f1_score(Y, pred, average="macro", zero_division=0)), 4),
        "micro_f1": round(float(f1_score(Y, pred, average="micro", zero_division=0)), 4),
        "no_label_flagged": round(float(pred[no_label].any(axis=1).mean()), 4)
        if no_label.any()
        else None,
        "labelled_caught": round(float(pred[~no_label].any(axis=1).mean()), 4)
        if (~no_label).any()
        else None,
        "per_label": per_label,
    }
