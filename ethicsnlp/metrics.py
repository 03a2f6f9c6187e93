"""Quality metrics for multi-label flags."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score

from ethicsnlp.taxonomy import LABEL_IDS


def flag_metrics(
    Y: np.ndarray, pred: np.ndarray, proba: np.ndarray | None = None
) -> dict[str, Any]:
    """Per-label precision, recall, F1, support (and PR-AUC when ``proba`` is given);
    macro and micro F1; the share of no-label notes flagged (false-alarm rate per
    note) and the share of labelled notes caught (at least one flag).

    A value with nothing to measure is ``None``, not 0: precision when a label was
    never flagged, recall when no note has it, F1 when neither (nothing to find and
    nothing flagged). Macro F1 averages the labels whose F1 is defined;
    ``macro_labels`` says how many that is.
    """
    Y = np.asarray(Y).astype(int)
    pred = np.asarray(pred).astype(int)
    tp = (Y * pred).sum(axis=0)
    fp = ((1 - Y) * pred).sum(axis=0)
    fn = (Y * (1 - pred)).sum(axis=0)
    per_label = {}
    defined_f1 = []
    for j, label in enumerate(LABEL_IDS[: Y.shape[1]]):
        f1 = _share(2 * tp[j], 2 * tp[j] + fp[j] + fn[j])
        entry = {
            "precision": _share(tp[j], tp[j] + fp[j]),
            "recall": _share(tp[j], tp[j] + fn[j]),
            "f1": f1,
            "support": int(tp[j] + fn[j]),
        }
        if proba is not None and Y[:, j].any():
            entry["pr_auc"] = round(float(average_precision_score(Y[:, j], proba[:, j])), 4)
        per_label[label] = entry
        if f1 is not None:
            defined_f1.append(2 * tp[j] / (2 * tp[j] + fp[j] + fn[j]))
    no_label = Y.sum(axis=1) == 0
    return {
        "n_notes": len(Y),
        "macro_f1": round(float(np.mean(defined_f1)), 4) if defined_f1 else None,
        "macro_labels": len(defined_f1),
        "micro_f1": _share(2 * tp.sum(), 2 * tp.sum() + fp.sum() + fn.sum()),
        "no_label_flagged": round(float(pred[no_label].any(axis=1).mean()), 4)
        if no_label.any()
        else None,
        "labelled_caught": round(float(pred[~no_label].any(axis=1).mean()), 4)
        if (~no_label).any()
        else None,
        "per_label": per_label,
    }


def _share(part: float, whole: float) -> float | None:
    """``part / whole`` rounded to 4 places, or ``None`` when ``whole`` is 0."""
    return round(float(part / whole), 4) if whole else None
