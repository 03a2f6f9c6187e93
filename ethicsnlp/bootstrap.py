"""Bootstrap confidence intervals for flag metrics, resampling notes.

Every resample draws ``n`` notes with replacement (as multinomial counts, so
no copy of the data is made) from a seeded generator; precision, recall, F1
and support are computed from weighted true/false positive counts. Resamples
are processed in chunks, so memory stays ``O(chunk * n)`` even for 100k notes.

:func:`metric_intervals` gives 95% percentile intervals for one model;
:func:`paired_f1_difference` resamples the *same* notes for two models, which
is what makes a difference between them interpretable.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ethicsnlp.taxonomy import LABEL_IDS

CHUNK = 50


def resample_weights(n: int, n_boot: int, seed: int, chunk: int = CHUNK) -> Iterator[np.ndarray]:
    """Yield ``(k, n)`` arrays of multinomial counts, ``n_boot`` rows in total.

    Row ``b`` says how many times each note is drawn in resample ``b``; the
    sequence depends only on ``n``, ``n_boot``, ``seed`` and ``chunk``.
    """
    rng = np.random.default_rng(seed)
    pvals = np.full(n, 1.0 / n)
    done = 0
    while done < n_boot:
        k = min(chunk, n_boot - done)
        yield rng.multinomial(n, pvals, size=k).astype(np.float64)
        done += k


def weighted_counts(
    W: np.ndarray, Y: np.ndarray, pred: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True positives, false positives and false negatives per resample and label."""
    Y = np.asarray(Y, dtype=np.float64)
    pred = np.asarray(pred, dtype=np.float64)
    tp = W @ (Y * pred)
    fp = W @ ((1.0 - Y) * pred)
    fn = W @ (Y * (1.0 - pred))
    return tp, fp, fn


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den``, NaN (undefined) where ``den`` is 0."""
    out = np.full(np.shape(num), np.nan, dtype=np.float64)
    np.divide(num, den, out=out, where=den > 0)
    return out


def f1_from_counts(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    """F1 from counts (any shape); NaN where a label has no positives and no flags
    (nothing to find and nothing flagged: F1 is undefined, not 0)."""
    return _ratio(2 * tp, 2 * tp + fp + fn)


def macro_of(f1: np.ndarray) -> np.ndarray:
    """Mean F1 over the labels where it is defined (last axis); NaN if none is."""
    defined = ~np.isnan(f1)
    total = np.where(defined, f1, 0.0).sum(axis=-1)
    count = defined.sum(axis=-1)
    return _ratio(total, count.astype(np.float64))


def _interval(values: np.ndarray, alpha: float) -> list[float] | None:
    """Percentile interval over the resamples where the value is defined."""
    values = values[~np.isnan(values)]
    if values.size == 0:
        return None
    lo, hi = np.percentile(values, [100 * alpha / 2, 100 * (1 - alpha / 2)], axis=0)
    return [round(float(lo), 4), round(float(hi), 4)]


def _rounded(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 4)


def metric_intervals(
    Y: np.ndarray, pred: np.ndarray, *, n_boot: int = 1000, seed: int = 0, alpha: float = 0.05
) -> dict[str, Any]:
    """Percentile bootstrap intervals (notes resampled) of every flag metric.

    Returns ``{"per_label": {label: {"precision": [lo, hi], "recall": ...,
    "f1": ..., "support": ...}}, "macro_f1": [lo, hi], "micro_f1": [lo, hi],
    "n_boot", "seed", "level"}``.
    """
    Y = np.asarray(Y).astype(int)
    pred = np.asarray(pred).astype(int)
    n, n_labels = Y.shape
    stats: dict[str, list[np.ndarray]] = {
        k: [] for k in ("precision", "recall", "f1", "support", "macro", "micro")
    }
    for W in resample_weights(n, n_boot, seed):
        tp, fp, fn = weighted_counts(W, Y, pred)
        f1 = f1_from_counts(tp, fp, fn)
        stats["precision"].append(_ratio(tp, tp + fp))
        stats["recall"].append(_ratio(tp, tp + fn))
        stats["f1"].append(f1)
        stats["support"].append(tp + fn)
        stats["macro"].append(macro_of(f1))
        stats["micro"].append(f1_from_counts(tp.sum(axis=1), fp.sum(axis=1), fn.sum(axis=1)))
    arrays = {k: np.concatenate(v, axis=0) for k, v in stats.items()}
    per_label = {
        label: {
            key: _interval(arrays[key][:, j], alpha)
            for key in ("precision", "recall", "f1", "support")
        }
        for j, label in enumerate(LABEL_IDS[:n_labels])
    }
    return {
        "per_label": per_label,
        "macro_f1": _interval(arrays["macro"], alpha),
        "micro_f1": _interval(arrays["micro"], alpha),
        "n_boot": n_boot,
        "seed": seed,
        "level": 1 - alpha,
    }


def _zero_nan(f1: np.ndarray) -> np.ndarray:
    """F1 with undefined (NaN) read as 0, for per-label differences: a label neither
    model can be measured on differs by 0, and one that only one model flagged (with
    no positives) costs that model its F1 of 0."""
    return np.nan_to_num(f1, nan=0.0)


def paired_f1_difference(
    Y: np.ndarray,
    pred_a: np.ndarray,
    pred_b: np.ndarray,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> dict[str, Any]:
    """F1 of model B minus model A per label and macro, with paired bootstrap intervals.

    Both models are scored on the same resampled notes in every resample.
    Returns ``{"per_label": {label: {"diff", "ci"}}, "macro": {"diff", "ci"},
    "n_boot", "seed", "level"}``.
    """
    Y = np.asarray(Y).astype(int)
    n, n_labels = Y.shape
    ones = np.ones((1, n))
    point = []
    for pred in (pred_a, pred_b):
        point.append(f1_from_counts(*weighted_counts(ones, Y, pred))[0])
    diff_point = _zero_nan(point[1]) - _zero_nan(point[0])
    macro_point = macro_of(point[1]) - macro_of(point[0])
    diffs, macro = [], []
    for W in resample_weights(n, n_boot, seed):
        f1_a = f1_from_counts(*weighted_counts(W, Y, pred_a))
        f1_b = f1_from_counts(*weighted_counts(W, Y, pred_b))
        diffs.append(_zero_nan(f1_b) - _zero_nan(f1_a))
        macro.append(macro_of(f1_b) - macro_of(f1_a))
    d = np.concatenate(diffs, axis=0)
    m = np.concatenate(macro, axis=0)
    return {
        "per_label": {
            label: {"diff": round(float(diff_point[j]), 4), "ci": _interval(d[:, j], alpha)}
            for j, label in enumerate(LABEL_IDS[:n_labels])
        },
        "macro": {"diff": _rounded(macro_point), "ci": _interval(m, alpha)},
        "n_boot": n_boot,
        "seed": seed,
        "level": 1 - alpha,
    }
