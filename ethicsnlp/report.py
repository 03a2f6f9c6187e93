"""Figures and the self-contained HTML evaluation report.

Figures are drawn with matplotlib's object-oriented API on the Agg canvas (no
pyplot state, no display needed) and embedded as base64 PNG ``data:`` URIs, so
``report.html`` is one file with no external resources. Figures show only
label names, counts and scores. Note text appears only in the error tables'
evidence column, which :func:`render_html` leaves out when ``redact`` is set.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, precision_recall_curve

from ethicsnlp.explore import cooccurrence, threshold_sweep
from ethicsnlp.taxonomy import LABEL_IDS, LABELS_BY_ID

FEW_NOTES = 10  # supports below this get a "few notes" mark in tables
COLORS = {"precision": "#1f77b4", "recall": "#d62728", "f1": "#2ca02c", "model": "#444444"}


# --------------------------------------------------------------------------- figures


def figure_png(fig: Figure, dpi: int = 100) -> bytes:
    """Render ``fig`` to PNG bytes with the Agg canvas."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def figure_data_uri(fig: Figure, dpi: int = 100) -> str:
    """``data:image/png;base64,...`` for ``fig``, for an ``<img src>``."""
    return "data:image/png;base64," + base64.b64encode(figure_png(fig, dpi)).decode("ascii")


def _title(label: str, width: int = 24) -> str:
    return "\n".join(textwrap.wrap(LABELS_BY_ID[label].category, width)[:2])


def _grid(title: str) -> tuple[Figure, np.ndarray]:
    fig = Figure(figsize=(15, 7.2), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 5, sharex=True, sharey=True)
    fig.suptitle(title, fontsize=13)
    return fig, axes.ravel()


def _empty(ax: Any, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=9, color="#777777")


def pr_curves_figure(Y: np.ndarray, proba: np.ndarray, thresholds: Sequence[float]) -> Figure:
    """Precision-recall curve per label, the model's operating point marked."""
    fig, axes = _grid("Precision–recall curves (dot: the model's threshold)")
    Y = np.asarray(Y).astype(int)
    for j, (label, ax) in enumerate(zip(LABEL_IDS, axes, strict=True)):
        ax.set_title(_title(label), fontsize=10)
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.05)
        ax.grid(alpha=0.3)
        if not Y[:, j].any():
            _empty(ax, "no notes with\nthis label")
            continue
        precision, recall, _ = precision_recall_curve(Y[:, j], proba[:, j])
        ax.step(recall, precision, where="post", color=COLORS["precision"], lw=1.6)
        ax.axhline(Y[:, j].mean(), ls=":", color="#999999", lw=1)
        flagged = proba[:, j] >= thresholds[j]
        tp = int((flagged & (Y[:, j] == 1)).sum())
        p_at = tp / flagged.sum() if flagged.any() else 0.0
        r_at = tp / Y[:, j].sum()
        ax.plot([r_at], [p_at], "o", color=COLORS["model"], ms=7)
    fig.supxlabel("recall: share of the notes with the label that are flagged")
    fig.supylabel("precision: share of flags that are right")
    return fig


def brier_scores(Y: np.ndarray, proba: np.ndarray) -> dict[str, float | None]:
    """Brier score per label (mean squared error of the probability; lower is better)."""
    Y = np.asarray(Y).astype(int)
    out: dict[str, float | None] = {}
    for j, label in enumerate(LABEL_IDS):
        if len(Y) == 0:
            out[label] = None
            continue
        out[label] = round(float(brier_score_loss(Y[:, j], proba[:, j], pos_label=1)), 4)
    return out


def calibration_figure(Y: np.ndarray, proba: np.ndarray, n_bins: int = 10) -> Figure:
    """Reliability diagram per label (observed share of labelled notes per bin of
    predicted probability) with the Brier score in each title."""
    fig, axes = _grid(
        "Reliability: predicted probability vs. observed share of notes with the label "
        "(on the diagonal = well calibrated)"
    )
    Y = np.asarray(Y).astype(int)
    brier = brier_scores(Y, proba)
    for j, (label, ax) in enumerate(zip(LABEL_IDS, axes, strict=True)):
        ax.set_title(f"{_title(label)}\nBrier {brier[label]:.3f}", fontsize=10)
        ax.plot([0, 1], [0, 1], ls="--", color="#999999", lw=1)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        if Y[:, j].min() == Y[:, j].max():
            _empty(ax, "only one class\nin this data")
            continue
        observed, predicted = calibration_curve(Y[:, j], proba[:, j], n_bins=n_bins)
        # the same bins as calibration_curve(strategy="uniform"), for the point sizes
        edges = np.linspace(0.0, 1.0, n_bins + 1)
        counts = np.bincount(np.searchsorted(edges[1:-1], proba[:, j]), minlength=n_bins)
        sizes = counts[counts > 0]
        ax.plot(predicted, observed, "-", color=COLORS["precision"], lw=0.8, alpha=0.4)
        ax.scatter(
            predicted,
            observed,
            s=10 + 110 * np.sqrt(sizes / sizes.max()),
            color=COLORS["precision"],
            alpha=0.85,
            zorder=3,
        )
    fig.supxlabel(f"probability the model gave (notes grouped in bins of width {1 / n_bins:.2g})")
    fig.supylabel("share of the notes in the bin that carry the label")
    return fig


def threshold_figure(Y: np.ndarray, proba: np.ndarray, thresholds: Sequence[float]) -> Figure:
    """Precision, recall and F1 against the flagging threshold, per label, with the
    model's threshold as a vertical line."""
    fig, axes = _grid("What a different threshold would do")
    Y = np.asarray(Y).astype(int)
    for j, (label, ax) in enumerate(zip(LABEL_IDS, axes, strict=True)):
        ax.set_title(_title(label), fontsize=10)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.05)
        ax.grid(alpha=0.3)
        ax.axvline(thresholds[j], color=COLORS["model"], lw=1.5, alpha=0.8)
        if not Y[:, j].any():
            _empty(ax, "no notes with\nthis label")
            continue
        sweep = threshold_sweep(Y[:, j], proba[:, j])
        for key in ("precision", "recall", "f1"):
            ax.plot(sweep["threshold"], sweep[key], color=COLORS[key], lw=1.5)
    handles = [
        Line2D([], [], color=COLORS["precision"], lw=2, label="precision"),
        Line2D([], [], color=COLORS["recall"], lw=2, label="recall"),
        Line2D([], [], color=COLORS["f1"], lw=2, label="F1"),
        Line2D([], [], color=COLORS["model"], lw=1.5, label="the model's threshold"),
    ]
    fig.legend(handles=handles, loc="outside upper right", ncols=4, fontsize=9, frameon=False)
    fig.supxlabel("threshold: a note is flagged when its probability is at or above it")
    return fig


def cooccurrence_figure(Y: np.ndarray) -> Figure:
    """Heatmap of how often two labels are given to the same note (true labels).

    Only the pairs (off-diagonal) are coloured; the diagonal, each label's total,
    is grey so that it does not swamp the colour scale.
    """
    counts = cooccurrence(Y).to_numpy()
    fig = Figure(figsize=(10, 8.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    pairs = counts.astype(float)
    np.fill_diagonal(pairs, np.nan)
    top = float(np.nanmax(pairs)) if np.isfinite(pairs).any() else 0.0
    image = ax.imshow(np.ma.masked_invalid(pairs), cmap="Blues", vmin=0, vmax=max(top, 1.0))
    for k in range(counts.shape[0]):
        ax.add_patch(Rectangle((k - 0.5, k - 0.5), 1, 1, color="#e3e3e3"))
    names = [LABELS_BY_ID[label].category for label in LABEL_IDS]
    ax.set_xticks(
        range(len(names)), names, rotation=35, ha="right", fontsize=9, rotation_mode="anchor"
    )
    ax.set_yticks(range(len(names)), names, fontsize=9)
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            diagonal = i == j
            ax.text(
                j,
                i,
                str(counts[i, j]),
                ha="center",
                va="center",
                fontsize=8,
                fontweight="bold" if diagonal else "normal",
                color="white" if not diagonal and top and counts[i, j] > 0.6 * top else "black",
            )
    ax.set_title(
        "Notes given both labels by the annotators (grey diagonal: all notes with the label)",
        fontsize=11,
    )
    fig.colorbar(image, ax=ax, shrink=0.8, label="notes with both labels")
    return fig


def build_figures(Y: np.ndarray, proba: np.ndarray, thresholds: Sequence[float]) -> dict[str, str]:
    """All report figures as data URIs: ``pr``, ``calibration``, ``thresholds``,
    ``cooccurrence``."""
    return {
        "pr": figure_data_uri(pr_curves_figure(Y, proba, thresholds)),
        "calibration": figure_data_uri(calibration_figure(Y, proba)),
        "thresholds": figure_data_uri(threshold_figure(Y, proba, thresholds)),
        "cooccurrence": figure_data_uri(cooccurrence_figure(Y)),
    }


# --------------------------------------------------------------------------- HTML

CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#222;
 max-width:1180px;margin:24px auto;padding:0 16px;line-height:1.45;background:#fff}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:2px solid #ddd;
 padding-bottom:.2em}h3{margin-bottom:.3em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.92em}
th,td{border:1px solid #d5d5d5;padding:4px 8px;vertical-align:top}
th{background:#f3f3f3;text-align:left}td.n{text-align:right;white-space:nowrap}
tr:nth-child(even) td{background:#fafafa}
.ci{color:#666;font-size:.88em}.muted{color:#666}.small{font-size:.88em}
.box{background:#f6f8fb;border:1px solid #d8e0ea;border-radius:6px;padding:10px 14px;margin:1em 0}
.warn{background:#fff6e5;border:1px solid #f0c36d;border-radius:6px;padding:10px 14px;margin:1em 0}
.kpis{display:flex;flex-wrap:wrap;gap:12px;margin:1em 0}
.kpi{border:1px solid #d8e0ea;border-radius:6px;padding:8px 14px;min-width:180px}
.kpi b{font-size:1.5em;display:block}
img{max-width:100%;height:auto;border:1px solid #eee}
code{background:#f3f3f3;padding:0 3px;border-radius:3px;font-size:.9em}
td.ev{max-width:560px}td.id{white-space:nowrap}
nav a{margin-right:12px}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return _e(value)


def _pct(value: Any) -> str:
    return "–" if value is None else f"{100 * float(value):.0f}%"


def _when(stamp: Any) -> str:
    """``2025-01-31T09:15:00+00:00`` -> ``2025-01-31 09:15 UTC`` (unchanged if not ISO)."""
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    zone = " UTC" if moment.utcoffset() is not None and not moment.utcoffset() else ""
    return moment.strftime("%Y-%m-%d %H:%M") + zone


def _with_ci(value: Any, ci: Sequence[float] | None, digits: int = 2) -> str:
    text = _num(value, digits)
    if ci:
        text += f' <span class="ci">({_num(ci[0], digits)}–{_num(ci[1], digits)})</span>'
    return text


def _count_line(part: Any, whole: Any, what: str) -> str:
    if part is None or whole is None:
        return ""
    return f"<br><span class='ci'>{part} of {whole} {what}</span>"


def _names(labels: Sequence[str]) -> str:
    return ", ".join(LABELS_BY_ID[label].category for label in labels) or "none"


def _label_cell(label: str) -> str:
    return f"{_e(LABELS_BY_ID[label].category)}<br><code>{_e(label)}</code>"


def _per_label_table(metrics: Mapping[str, Any]) -> str:
    rows = []
    for label in LABEL_IDS:
        m = metrics["per_label"][label]
        few = " †" if m["support"] < FEW_NOTES else ""
        rows.append(
            "<tr>"
            f"<td>{_label_cell(label)}</td>"
            f'<td class="n">{m["support"]}{few}</td>'
            f'<td class="n">{m.get("flagged", "–")}</td>'
            f'<td class="n">{_with_ci(m["precision"], m.get("precision_ci"))}'
            f"{_count_line(m.get('true_positives'), m.get('flagged'), 'flags')}</td>"
            f'<td class="n">{_with_ci(m["recall"], m.get("recall_ci"))}'
            f"{_count_line(m.get('true_positives'), m['support'], 'notes')}</td>"
            f'<td class="n">{_with_ci(m["f1"], m.get("f1_ci"))}</td>'
            f'<td class="n">{_num(m.get("pr_auc"))}</td>'
            f'<td class="n">{_num(m.get("brier"), 3)}</td>'
            f'<td class="n">{_num(m.get("threshold"))}</td>'
            "</tr>"
        )
    head = (
        "<tr><th>Label</th><th>Notes with label</th><th>Notes flagged</th>"
        "<th>Precision<br><span class='muted small'>flags that were right</span></th>"
        "<th>Recall<br><span class='muted small'>labelled notes caught</span></th>"
        "<th>F1<br><span class='muted small'>balance of both</span></th>"
        "<th>Average precision<br><span class='muted small'>ranking quality</span></th>"
        "<th>Brier<br><span class='muted small'>lower is better</span></th>"
        "<th>Threshold<br><span class='muted small'>flag at probability ≥</span></th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def _summary_section(summary: Mapping[str, Any]) -> str:
    chars, words = summary["chars"], summary["words"]
    length_rows = "".join(
        f"<tr><td>{name}</td>"
        + "".join(
            f'<td class="n">{q[k]:.0f}</td>'
            for k in ("min", "p10", "p25", "median", "p75", "p90", "max")
        )
        + "</tr>"
        for name, q in (("characters", chars), ("words", words))
    )
    parts = [
        "<h2 id='data'>The notes evaluated</h2>",
        f"<p>{summary['notes']:,} notes; {summary.get('no_label_notes', 0):,} of them "
        f"({100 * summary.get('no_label_share', 0):.0f}%) carry no label.</p>",
        "<table><tr><th>Note length</th><th>min</th><th>10%</th><th>25%</th><th>median</th>"
        f"<th>75%</th><th>90%</th><th>max</th></tr>{length_rows}</table>",
    ]
    if "label_counts" in summary:
        counts = summary["label_counts"]
        head = "".join(f"<th>{_e(LABELS_BY_ID[label].category)}</th>" for label in counts)
        cells = "".join(
            f"<td class='n'>{count:,}<br><span class='ci'>"
            f"{100 * count / max(summary['notes'], 1):.1f}%</span></td>"
            for count in counts.values()
        )
        per_note = ", ".join(
            f"{k} label{'s' if k != '1' else ''}: {v:,}"
            for k, v in summary.get("labels_per_note", {}).items()
        )
        parts.append(
            f"<table class='small'><tr><th>Notes with the label</th>{head}</tr>"
            f"<tr><td>notes (share)</td>{cells}</tr></table>"
            f"<p class='small muted'>Notes by number of labels — {_e(per_note)}.</p>"
        )
    return "\n".join(parts)


def _error_rows(items: Sequence[Mapping[str, Any]], redact: bool) -> str:
    rows = []
    for item in items:
        cells = [
            f"<td class='id'><code>{_e(item['note_id'])}</code></td>",
            f'<td class="n">{_num(item["score"])}</td>',
            f"<td class='small'>{_e(_names(item['true']))}</td>",
            f"<td class='small'>{_e(_names(item['flagged']))}</td>",
        ]
        if not redact:
            evidence = "<br>".join(f"“{_e(s)}”" for s in item.get("evidence", [])) or "–"
            cells.append(f'<td class="ev">{evidence}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "".join(rows)


def _errors_section(
    errors: Mapping[str, Mapping[str, Sequence[Mapping[str, Any]]]],
    metrics: Mapping[str, Any],
    redact: bool,
) -> str:
    parts = [
        "<h2 id='errors'>Where the model went wrong</h2>",
        "<p>For each label: the notes flagged with the highest probability that were "
        "<b>not</b> labelled with it (false alarms), and the labelled notes it missed with "
        "the lowest probability (misses). Reading them shows what wording misleads the "
        "model. Some false alarms may be labelling mistakes: check before concluding.</p>",
    ]
    if redact:
        parts.append(
            "<p class='warn'>Redacted report: note text is left out; look notes up by id.</p>"
        )
    for label in LABEL_IDS:
        entry = errors.get(label, {})
        threshold = metrics["per_label"][label].get("threshold")
        parts.append(
            f"<h3>{_e(LABELS_BY_ID[label].category)} <code>{_e(label)}</code></h3>"
            f"<p class='small muted'>Flagged when probability ≥ {_num(threshold)}.</p>"
        )
        for key, heading, evidence_head in (
            (
                "false_positives",
                "False alarms (flagged, not labelled)",
                "Sentence(s) the model points to",
            ),
            (
                "false_negatives",
                "Misses (labelled, not flagged)",
                "Sentence the model scored highest for this label",
            ),
        ):
            items = entry.get(key, [])
            if not items:
                parts.append(f"<p class='small'><b>{heading}:</b> none.</p>")
                continue
            head = (
                "<tr><th>Note id</th><th>Model's probability</th>"
                "<th>Annotators' labels</th><th>Model's flags</th>"
                + ("" if redact else f"<th>{evidence_head}</th>")
                + "</tr>"
            )
            parts.append(
                f"<p class='small'><b>{heading}</b></p><table>{head}"
                f"{_error_rows(items, redact)}</table>"
            )
    return "\n".join(parts)


def render_html(
    metrics: Mapping[str, Any],
    figures: Mapping[str, str],
    errors: Mapping[str, Mapping[str, Sequence[Mapping[str, Any]]]],
    summary: Mapping[str, Any],
    *,
    redact: bool = False,
) -> str:
    """The full report as one HTML string (figures inline, no external resources).

    ``errors`` maps label -> ``{"false_positives": [...], "false_negatives": [...]}``
    with items ``{"note_id", "score", "true", "flagged", "evidence"}``; with
    ``redact`` the evidence is not rendered, so the page holds no note text.
    """
    model = metrics.get("model", {})
    data = metrics.get("data", {})
    boot = metrics.get("bootstrap") or {}
    title = f"Evaluation report: {model.get('name') or 'model'}"
    kpis = [
        (
            "Macro F1",
            _with_ci(metrics["macro_f1"], metrics.get("macro_f1_ci")),
            "average of the ten labels' F1"
            if metrics.get("macro_labels", len(LABEL_IDS)) >= len(LABEL_IDS)
            else f"average over the {metrics['macro_labels']} labels with notes or flags",
        ),
        ("Micro F1", _with_ci(metrics["micro_f1"], metrics.get("micro_f1_ci")), "all flags pooled"),
        (
            "Issue-free notes flagged",
            _pct(metrics.get("no_label_flagged")),
            "notes with no label that still get a flag",
        ),
        (
            "Notes with an issue caught",
            _pct(metrics.get("labelled_caught")),
            "notes with a label that get at least one flag",
        ),
    ]
    kpi_html = "".join(
        f"<div class='kpi'><span class='small muted'>{name}</span><b>{value}</b>"
        f"<span class='small muted'>{hint}</span></div>"
        for name, value, hint in kpis
    )
    interval_text = (
        f"Numbers in brackets are 95% intervals from {boot.get('n_boot'):,} bootstrap "
        f"resamples of the notes (seed {boot.get('seed')}): the range the figure would "
        "plausibly take on another sample of similar notes. Wide intervals mean few notes."
        if boot.get("n_boot")
        else "No bootstrap intervals were computed (n_boot = 0)."
    )
    warnings = []
    if data.get("in_training_data"):
        warnings.append(
            "<p class='warn'><b>These notes were used to train the model.</b> The figures "
            "below are therefore optimistic; evaluate on notes the model has not seen "
            "(or use the cross-validated figures in the model card).</p>"
        )
    elif data.get("notes_in_training_data"):
        warnings.append(
            f"<p class='warn'><b>{data['notes_in_training_data']} of these "
            f"{data.get('rows')} notes were used to train the model</b> (same text). The "
            "figures below are therefore optimistic; evaluate on notes the model has not "
            "seen.</p>"
        )
    if redact:
        warnings.append(
            "<p class='warn'>Redacted report: it contains no note text — only note ids, "
            "labels and scores.</p>"
        )
    body = [
        f"<h1>{_e(title)}</h1>",
        f"<p class='muted'>Model <code>{_e(model.get('folder'))}</code> "
        f"(trained {_e(_when(model.get('created_at')))}) on <code>{_e(data.get('path'))}</code>, "
        f"{metrics['n_notes']:,} labelled notes.</p>",
        "<nav class='small'><a href='#labels'>Per label</a><a href='#data'>Data</a>"
        "<a href='#pr'>Precision–recall</a><a href='#calibration'>Calibration</a>"
        "<a href='#thresholds'>Thresholds</a><a href='#cooccurrence'>Co-occurrence</a>"
        "<a href='#errors'>Errors</a></nav>",
        *warnings,
        "<div class='box small'><b>How to read this.</b> A flag is a prompt for a person to "
        "read the note, not a finding. <b>Precision</b>: of the notes the model flagged for "
        "a label, the share that really carry it (low precision = many false alarms). "
        "<b>Recall</b>: of the notes that carry the label, the share the model flagged (low "
        "recall = missed issues). <b>F1</b> combines both (1 is perfect). "
        f"{_e(interval_text)} With few notes an interval can even collapse to one value "
        "(such as 1.00–1.00): that means too few notes to tell, not certainty. "
        f"† marks labels with fewer than {FEW_NOTES} notes.</div>",
        f"<div class='kpis'>{kpi_html}</div>",
        "<h2 id='labels'>Per label</h2>",
        _per_label_table(metrics),
        _summary_section(summary),
        "<h2 id='pr'>Precision–recall curves</h2>",
        "<p>Each curve shows the trade-off between catching more labelled notes (right) and "
        "keeping flags correct (up) as the threshold moves; the dot is where the model "
        "operates. The dotted line is the share of notes with the label (a model guessing "
        "at random).</p>",
        f"<img alt='Precision-recall curves per label' src='{figures['pr']}'>",
        "<h2 id='calibration'>Calibration (are the probabilities honest?)</h2>",
        "<p>Notes are grouped by predicted probability; each point shows how many in the "
        "group really carry the label (bigger point = more notes). Points on the diagonal "
        "mean a probability of 0.7 is right about 70% of the time. The Brier score sums this "
        "up (0 is perfect; lower is better). Small points stand for few notes and jump "
        "around by chance: judge calibration by the large ones.</p>",
        f"<img alt='Reliability diagrams per label' src='{figures['calibration']}'>",
        "<h2 id='thresholds'>Thresholds</h2>",
        "<p>How precision, recall and F1 would change if a label were flagged at a different "
        "probability. Moving the threshold left catches more notes but raises more false "
        "alarms. The model's thresholds were tuned on its training data, not on these "
        "notes.</p>",
        f"<img alt='Threshold sweeps per label' src='{figures['thresholds']}'>",
        "<h2 id='cooccurrence'>Labels that occur together</h2>",
        "<p>Counts of notes given both labels by the annotators (not by the model).</p>",
        f"<img alt='Label co-occurrence heatmap' src='{figures['cooccurrence']}'>",
        _errors_section(errors, metrics, redact),
        "<hr><p class='small muted'>Generated by ethicsnlp. Flags are prompts for human "
        "review, never verdicts about clinicians or clients.</p>",
    ]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


__all__ = [
    "brier_scores",
    "build_figures",
    "calibration_figure",
    "cooccurrence_figure",
    "figure_data_uri",
    "figure_png",
    "pr_curves_figure",
    "render_html",
    "threshold_figure",
]
