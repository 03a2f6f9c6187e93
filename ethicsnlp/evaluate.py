"""Evaluating a trained model on labelled notes.

:func:`evaluate` is the orchestrator: it scores the notes, computes the
metrics (with bootstrap intervals, Brier scores and the top errors per label)
and writes ``metrics.json``, ``report.md`` and a self-contained
``report.html`` (figures and HTML come from :mod:`ethicsnlp.report`).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ethicsnlp.bootstrap import metric_intervals
from ethicsnlp.data import DEFAULT_COLUMNS, Columns, file_sha256, label_matrix, read_notes
from ethicsnlp.explore import data_summary
from ethicsnlp.fingerprints import count_in_training
from ethicsnlp.metrics import flag_metrics
from ethicsnlp.predict import EthicsModel, load_model
from ethicsnlp.taxonomy import LABEL_IDS, LABELS_BY_ID

log = logging.getLogger(__name__)

TOP_ERRORS = 5
REPORT_FILES = ("metrics.json", "report.md", "report.html")


def evaluate(
    data: str | Path,
    model: str | Path | EthicsModel | None = None,
    output: str | Path | None = None,
    *,
    columns: Columns = DEFAULT_COLUMNS,
    redact: bool = False,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Score labelled ``data`` with ``model`` and return the metrics dict.

    Besides :func:`ethicsnlp.metrics.flag_metrics`, every label gets its
    threshold, number of flags, Brier score and, when ``n_boot > 0``, 95%
    bootstrap intervals (notes resampled ``n_boot`` times, seeded by ``seed``)
    for precision, recall, F1 and support; macro and micro F1 get intervals
    too. ``errors`` lists the top false positives and negatives per label (ids
    and scores only). When ``output`` is given, writes ``metrics.json``,
    ``report.md`` and ``report.html`` there; with ``redact`` the HTML report
    holds no note text (the other two never do).
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 0:
        from ethicsnlp.errors import EthicsNLPError

        raise EthicsNLPError(
            f"n_boot must be a whole number, 0 (no intervals) or more, got {n_boot!r}"
        )
    scorer = model if isinstance(model, EthicsModel) else load_model(model)
    frame = read_notes(data, columns=columns, require_labels=True)
    Y = label_matrix(frame)
    proba = scorer.predict_proba(frame["text"].tolist())
    pred = (proba >= scorer.thresholds).astype(int)
    metrics = flag_metrics(Y, pred, proba)
    sha = file_sha256(data)
    seen = count_in_training(frame["text"], scorer.folder)
    metrics["data"] = {
        "path": str(data),
        "sha256": sha,
        "rows": len(frame),
        "in_training_data": _in_training_data(scorer.card, sha) or seen == len(frame),
        "notes_in_training_data": seen,
    }
    if seen:
        log.warning(
            "%d of the %d notes were in the model's training data (same text); the "
            "figures are optimistic: evaluate on notes the model never saw",
            seen,
            len(frame),
        )
    metrics["model"] = {
        "name": scorer.card.get("name"),
        "folder": str(scorer.folder),
        "created_at": scorer.card.get("created_at"),
    }

    from ethicsnlp.report import brier_scores

    brier = brier_scores(Y, proba)
    for j, label in enumerate(LABEL_IDS):
        entry = metrics["per_label"][label]
        entry["flagged"] = int(pred[:, j].sum())
        entry["true_positives"] = int((pred[:, j] & Y[:, j]).sum())
        entry["threshold"] = round(float(scorer.thresholds[j]), 4)
        entry["brier"] = brier[label]
    metrics["bootstrap"] = {"n_boot": n_boot, "seed": seed, "unit": "notes", "level": 0.95}
    if n_boot > 0:
        intervals = metric_intervals(Y, pred, n_boot=n_boot, seed=seed)
        for label in LABEL_IDS:
            for key, ci in intervals["per_label"][label].items():
                metrics["per_label"][label][f"{key}_ci"] = ci
        metrics["macro_f1_ci"] = intervals["macro_f1"]
        metrics["micro_f1_ci"] = intervals["micro_f1"]
    summary = data_summary(frame)
    metrics["data_summary"] = summary
    ids = frame["note_id"].tolist()
    errors = top_errors(Y, proba, pred, ids)
    metrics["errors"] = errors
    if output is not None:
        from ethicsnlp.report import build_figures, render_html

        out = Path(output)
        out.mkdir(parents=True, exist_ok=True)
        shown = errors if redact else errors_with_evidence(scorer, errors, frame)
        page = render_html(
            metrics, build_figures(Y, proba, scorer.thresholds), shown, summary, redact=redact
        )
        write_text_atomic(out / "metrics.json", json.dumps(metrics, indent=2) + "\n")
        write_text_atomic(out / "report.md", render_markdown(metrics))
        write_text_atomic(out / "report.html", page)
    return metrics


def _in_training_data(card: dict[str, Any], sha: str) -> bool:
    """True when a file with the same SHA-256 is listed in the model card's training data."""
    files = card.get("training_data", {}).get("files", [])
    return any(f.get("sha256") == sha for f in files)


def top_errors(
    Y: np.ndarray,
    proba: np.ndarray,
    pred: np.ndarray,
    note_ids: Sequence[str],
    k: int = TOP_ERRORS,
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per label, the ``k`` false positives with the highest probability and the ``k``
    false negatives with the lowest. Items: ``note_id``, ``score``, ``true`` and
    ``flagged`` (label ids). No note text."""
    Y = np.asarray(Y).astype(int)
    pred = np.asarray(pred).astype(int)

    def item(i: int, j: int) -> dict[str, Any]:
        return {
            "note_id": str(note_ids[i]),
            "score": round(float(proba[i, j]), 4),
            "true": [LABEL_IDS[c] for c in np.flatnonzero(Y[i])],
            "flagged": [LABEL_IDS[c] for c in np.flatnonzero(pred[i])],
        }

    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for j, label in enumerate(LABEL_IDS):
        fp = np.flatnonzero((Y[:, j] == 0) & (pred[:, j] == 1))
        fn = np.flatnonzero((Y[:, j] == 1) & (pred[:, j] == 0))
        fp = fp[np.argsort(-proba[fp, j], kind="stable")][:k]
        fn = fn[np.argsort(proba[fn, j], kind="stable")][:k]
        out[label] = {
            "false_positives": [item(i, j) for i in fp],
            "false_negatives": [item(i, j) for i in fn],
        }
    return out


def errors_with_evidence(
    scorer: EthicsModel, errors: dict[str, dict[str, list[dict]]], frame: Any
) -> dict[str, dict[str, list[dict]]]:
    """Copy of ``errors`` with ``evidence`` sentences: for a false positive, the
    evidence of its flag in ``scorer.predict``'s record; for a false negative (no
    flag, so no evidence in the record), the sentence the model scores highest for
    the label."""
    from ethicsnlp.nlp import get_nlp

    texts = dict(zip(frame["note_id"], frame["text"], strict=True))
    fp_ids = sorted({i["note_id"] for e in errors.values() for i in e["false_positives"]})
    fn_ids = sorted({i["note_id"] for e in errors.values() for i in e["false_negatives"]})
    records = {r["note_id"]: r for r in scorer.predict([texts[i] for i in fp_ids], fp_ids)}
    docs = dict(zip(fn_ids, get_nlp().pipe([texts[i] for i in fn_ids]), strict=True))
    shown: dict[str, dict[str, list[dict]]] = {}
    for label, entry in errors.items():
        j = LABEL_IDS.index(label)
        fps = [
            {**i, "evidence": [s["text"] for s in records[i["note_id"]]["evidence"].get(label, [])]}
            for i in entry["false_positives"]
        ]
        fns = [
            {
                **i,
                "evidence": [
                    s["text"] for s in scorer.evidence(docs[i["note_id"]], [j]).get(label, [])
                ][:1],
            }
            for i in entry["false_negatives"]
        ]
        shown[label] = {"false_positives": fps, "false_negatives": fns}
    return shown


def errors_frame(errors: dict[str, dict[str, list[dict]]]) -> Any:
    """Flatten :func:`top_errors` (or :func:`errors_with_evidence`) output into a
    DataFrame: ``label``, ``kind`` (``false_positive`` / ``false_negative``),
    ``note_id``, ``score``, ``true``, ``flagged`` and, when present, ``evidence``."""
    import pandas as pd

    rows = []
    for label, entry in errors.items():
        for key, kind in (
            ("false_positives", "false_positive"),
            ("false_negatives", "false_negative"),
        ):
            for item in entry.get(key, []):
                row = {"label": label, "kind": kind, **item}
                row["true"] = ", ".join(item["true"])
                row["flagged"] = ", ".join(item["flagged"])
                if "evidence" in item:
                    row["evidence"] = " | ".join(item["evidence"])
                rows.append(row)
    if not rows:  # no errors: still the documented columns, so filters and groupbys work
        return pd.DataFrame(columns=["label", "kind", "note_id", "score", "true", "flagged"])
    return pd.DataFrame(rows)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file next to ``path`` and rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _ci(ci: Sequence[float] | None) -> str:
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""


def metrics_table(metrics: dict[str, Any]) -> str:
    """Markdown table of per-label metrics (with the F1 interval when computed)."""
    with_ci = any("f1_ci" in metrics["per_label"][label] for label in LABEL_IDS)
    lines = [
        "| label | category | precision | recall | F1 |"
        + (" F1 95% CI |" if with_ci else "")
        + " support | PR-AUC |",
        "|---|---|---:|---:|---:|" + ("---:|" if with_ci else "") + "---:|---:|",
    ]
    for label in LABEL_IDS:
        m = metrics["per_label"][label]
        lines.append(
            f"| `{label}` | {LABELS_BY_ID[label].category} | {_fmt(m['precision'])} | "
            f"{_fmt(m['recall'])} | {_fmt(m['f1'])} |"
            + (f" {_ci(m.get('f1_ci'))} |" if with_ci else "")
            + f" {m['support']} | {_fmt(m.get('pr_auc'))} |"
        )
    return "\n".join(lines)


def _macro_scope(metrics: dict[str, Any]) -> str:
    """Say which labels the macro F1 averages when some had nothing to measure."""
    count = metrics.get("macro_labels", len(LABEL_IDS))
    if count >= len(LABEL_IDS):
        return ""
    return (
        f" over the {count} labels these notes have or the model flagged (the others "
        "have no F1: n/a)"
    )


def render_markdown(metrics: dict[str, Any]) -> str:
    """A short Markdown report of ``metrics`` (no note text)."""
    macro_ci = metrics.get("macro_f1_ci")
    parts = [
        f"# Evaluation report: {metrics.get('model', {}).get('name', 'model')}",
        "",
        f"Data: `{metrics.get('data', {}).get('path', '?')}` ({metrics['n_notes']} notes).",
        "",
    ]
    seen = metrics.get("data", {}).get("notes_in_training_data")
    if metrics.get("data", {}).get("in_training_data"):
        parts += [
            "**These notes were used to train the model: the figures are optimistic.**",
            "",
        ]
    elif seen:
        parts += [
            f"**{seen} of these {metrics['n_notes']} notes were used to train the model "
            "(same text): the figures are optimistic.**",
            "",
        ]
    parts += [
        f"- Macro F1: **{_fmt(metrics['macro_f1'])}**"
        + (f" (95% CI {_ci(macro_ci)})" if macro_ci else "")
        + _macro_scope(metrics)
        + f"; micro F1: {_fmt(metrics['micro_f1'])}",
        f"- No-label notes flagged (false alarms per note): {_fmt(metrics['no_label_flagged'])}",
        f"- Labelled notes caught (at least one flag): {_fmt(metrics['labelled_caught'])}",
        "",
        metrics_table(metrics),
        "",
    ]
    boot = metrics.get("bootstrap") or {}
    if boot.get("n_boot"):
        parts += [
            f"Intervals: 95% percentile bootstrap over notes ({boot['n_boot']} resamples, "
            f"seed {boot['seed']}).",
            "",
        ]
    parts += [
        "Figures, calibration, thresholds and error tables: `report.html`.",
        "",
        "Flags are prompts for human review, not findings.",
        "",
    ]
    return "\n".join(parts)


def macro_difference(a: dict[str, Any], b: dict[str, Any]) -> dict[str, float | None]:
    """Per-label F1 difference ``a - b`` plus ``macro`` (an undefined F1 counts as 0
    per label; the macro difference is ``None`` when either macro is undefined)."""
    diff: dict[str, float | None] = {
        label: round((a["per_label"][label]["f1"] or 0.0) - (b["per_label"][label]["f1"] or 0.0), 4)
        for label in LABEL_IDS
    }
    if a["macro_f1"] is None or b["macro_f1"] is None:
        diff["macro"] = None
    else:
        diff["macro"] = round(float(a["macro_f1"] - b["macro_f1"]), 4)
    return diff


__all__ = [
    "errors_frame",
    "errors_with_evidence",
    "evaluate",
    "macro_difference",
    "metrics_table",
    "render_markdown",
    "top_errors",
    "write_text_atomic",
]
