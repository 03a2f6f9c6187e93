"""Evaluating a trained model on labelled notes: ``metrics.json`` and ``report.md``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ethicsnlp.data import DEFAULT_COLUMNS, Columns, file_sha256, label_matrix, read_notes
from ethicsnlp.metrics import flag_metrics
from ethicsnlp.predict import EthicsModel, load_model
from ethicsnlp.taxonomy import LABEL_IDS, LABELS_BY_ID


def evaluate(
    data: str | Path,
    model: str | Path | EthicsModel | None = None,
    output: str | Path | None = None,
    *,
    columns: Columns = DEFAULT_COLUMNS,
) -> dict[str, Any]:
    """Score labelled ``data`` with ``model`` and return the metrics dict.

    When ``output`` is given, writes ``metrics.json`` and ``report.md`` there.
    """
    scorer = model if isinstance(model, EthicsModel) else load_model(model)
    frame = read_notes(data, columns=columns, require_labels=True)
    Y = label_matrix(frame)
    proba = scorer.predict_proba(frame["text"].tolist())
    pred = (proba >= scorer.thresholds).astype(int)
    metrics = flag_metrics(Y, pred, proba)
    metrics["data"] = {"path": str(data), "sha256": file_sha256(data), "rows": len(frame)}
    metrics["model"] = {
        "name": scorer.card.get("name"),
        "folder": str(scorer.folder),
        "created_at": scorer.card.get("created_at"),
    }
    if output is not None:
        out = Path(output)
        out.mkdir(parents=True, exist_ok=True)
        (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        (out / "report.md").write_text(render_markdown(metrics), encoding="utf-8")
    return metrics


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def metrics_table(metrics: dict[str, Any]) -> str:
    """Markdown table of per-label metrics."""
    lines = [
        "| label | category | precision | recall | F1 | support | PR-AUC |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for label in LABEL_IDS:
        m = metrics["per_label"][label]
        lines.append(
            f"| `{label}` | {LABELS_BY_ID[label].category} | {_fmt(m['precision'])} | "
            f"{_fmt(m['recall'])} | {_fmt(m['f1'])} | {m['support']} | {_fmt(m.get('pr_auc'))} |"
        )
    return "\n".join(lines)


def render_markdown(metrics: dict[str, Any]) -> str:
    """A short Markdown report of ``metrics`` (no note text)."""
    parts = [
        f"# Evaluation report: {metrics.get('model', {}).get('name', 'model')}",
        "",
        f"Data: `{metrics.get('data', {}).get('path', '?')}` ({metrics['n_notes']} notes).",
        "",
        f"- Macro F1: **{_fmt(metrics['macro_f1'])}**; micro F1: {_fmt(metrics['micro_f1'])}",
        f"- No-label notes flagged (false alarms per note): {_fmt(metrics['no_label_flagged'])}",
        f"- Labelled notes caught (at least one flag): {_fmt(metrics['labelled_caught'])}",
        "",
        metrics_table(metrics),
        "",
        "Flags are prompts for human review, not findings.",
        "",
    ]
    return "\n".join(parts)


def macro_difference(a: dict[str, Any], b: dict[str, Any]) -> dict[str, float]:
    """Per-label F1 difference ``a - b`` plus ``macro``."""
    diff = {
        label: round(a["per_label"][label]["f1"] - b["per_label"][label]["f1"], 4)
        for label in LABEL_IDS
    }
    diff["macro"] = round(float(a["macro_f1"] - b["macro_f1"]), 4)
    return diff


__all__ = ["evaluate", "macro_difference", "metrics_table", "render_markdown"]
