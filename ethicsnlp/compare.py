"""Comparing two models on the same labelled notes.

:func:`compare_models` scores the notes with both models and reports, per
label and for macro F1, the F1 of each and the difference B - A with a paired
bootstrap 95% interval (the same resampled notes for both models), McNemar's
exact test per label (binomial test on the notes where exactly one model is
right), the notes whose flags changed (ids and labels only) and a one-line
verdict. "Better" or "worse" means the interval excludes 0.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import binomtest

from ethicsnlp.bootstrap import paired_f1_difference
from ethicsnlp.data import DEFAULT_COLUMNS, Columns, file_sha256, label_matrix, read_notes
from ethicsnlp.evaluate import write_text_atomic
from ethicsnlp.fingerprints import count_in_training
from ethicsnlp.metrics import flag_metrics
from ethicsnlp.predict import EthicsModel, load_model
from ethicsnlp.taxonomy import LABEL_IDS

log = logging.getLogger(__name__)

MAX_LISTED = 200  # changed notes listed in compare.md (all are in compare.json)


def _load(model: str | Path | EthicsModel) -> EthicsModel:
    return model if isinstance(model, EthicsModel) else load_model(model)


def _name(model: EthicsModel, fallback: str) -> str:
    return str(model.card.get("name") or (model.folder.name if model.folder else fallback))


def mcnemar_exact(y: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray) -> dict[str, Any]:
    """McNemar's exact test for one label: ``a_only`` notes only A gets right,
    ``b_only`` notes only B gets right; two-sided binomial p-value (1.0 when no
    note is discordant)."""
    right_a = np.asarray(pred_a) == np.asarray(y)
    right_b = np.asarray(pred_b) == np.asarray(y)
    a_only = int((right_a & ~right_b).sum())
    b_only = int((~right_a & right_b).sum())
    n = a_only + b_only
    p = float(binomtest(b_only, n, 0.5).pvalue) if n else 1.0
    return {"a_only_right": a_only, "b_only_right": b_only, "p_value": round(p, 6)}


def changed_flags(
    note_ids: Sequence[str], Y: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray
) -> list[dict[str, Any]]:
    """Notes whose flags differ between A and B: ``note_id``, ``gained`` (flagged by B
    only), ``lost`` (flagged by A only) and ``true`` labels. No text."""
    out = []
    for i in np.flatnonzero((pred_a != pred_b).any(axis=1)):
        out.append(
            {
                "note_id": str(note_ids[i]),
                "gained": [
                    LABEL_IDS[j] for j in np.flatnonzero((pred_b[i] == 1) & (pred_a[i] == 0))
                ],
                "lost": [LABEL_IDS[j] for j in np.flatnonzero((pred_a[i] == 1) & (pred_b[i] == 0))],
                "true": [LABEL_IDS[j] for j in np.flatnonzero(Y[i])],
            }
        )
    return out


def verdict(result: dict[str, Any]) -> str:
    """One line: on how many labels B is better or worse (95% interval excludes 0),
    naming the worse ones with their difference, and the macro F1 difference."""
    better, worse = [], []
    for label in LABEL_IDS:
        entry = result["per_label"][label]
        lo, hi = entry["ci"]
        if lo > 0:
            better.append(label)
        elif hi < 0:
            worse.append(f"{label} {entry['diff']:+.2f} [{lo:+.2f}, {hi:+.2f}]")
    macro = result["macro"]
    ci = macro["ci"]
    if macro["diff"] is None or ci is None:
        macro_text = "macro F1 difference undefined (no label can be measured on these notes)"
        macro_side = ""
    else:
        macro_text = f"macro F1 {macro['diff']:+.3f} [{ci[0]:+.3f}, {ci[1]:+.3f}]"
        macro_side = "better" if ci[0] > 0 else "worse" if ci[1] < 0 else ""
    b = result["model_b"]["name"]
    if not better and not worse:
        if macro_side:
            return (
                f"B ({b}) {macro_side} overall: {macro_text}, though no single label's "
                "95% interval excludes 0"
            )
        return (
            f"B ({b}) neither better nor worse on any label "
            f"(all 95% intervals include 0); {macro_text}"
        )
    line = f"B ({b}) better on {len(better)} label{'s' if len(better) != 1 else ''}, "
    line += f"worse on {len(worse)}"
    if worse:
        line += ": " + "; ".join(worse)
    return f"{line}. {macro_text}"


def compare_models(
    model_a: str | Path | EthicsModel,
    model_b: str | Path | EthicsModel,
    data: str | Path,
    output: str | Path | None = None,
    *,
    columns: Columns = DEFAULT_COLUMNS,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Compare models A and B on labelled ``data``; return the result dict and, when
    ``output`` is given, write ``compare.json`` and ``compare.md`` there.

    The result holds both models' metrics, ``per_label`` and ``macro`` F1
    differences (B - A) with paired bootstrap intervals and McNemar p-values,
    ``changed`` notes and ``verdict``.
    """
    a, b = _load(model_a), _load(model_b)
    frame = read_notes(data, columns=columns, require_labels=True)
    Y = label_matrix(frame)
    texts = frame["text"].tolist()
    # The analysis step is the same stateless spaCy pipeline in every model: run it once.
    views = a.pipeline.named_steps["analyze"].transform(texts)
    preds, metrics = [], []
    for model in (a, b):
        proba = model.pipeline[1:].predict_proba(views)
        pred = (proba >= model.thresholds).astype(int)
        preds.append(pred)
        metrics.append(flag_metrics(Y, pred, proba))
    diff = paired_f1_difference(Y, preds[0], preds[1], n_boot=n_boot, seed=seed)
    per_label = {}
    for j, label in enumerate(LABEL_IDS):
        per_label[label] = {
            "f1_a": metrics[0]["per_label"][label]["f1"],
            "f1_b": metrics[1]["per_label"][label]["f1"],
            "support": metrics[0]["per_label"][label]["support"],
            **diff["per_label"][label],
            "mcnemar": mcnemar_exact(Y[:, j], preds[0][:, j], preds[1][:, j]),
        }
    seen = {letter: count_in_training(texts, m.folder) for letter, m in (("A", a), ("B", b))}
    for letter, count in seen.items():
        if count:
            log.warning(
                "%d of the %d notes were in model %s's training data (same text); compare "
                "on notes neither model trained on",
                count,
                len(texts),
                letter,
            )
    result: dict[str, Any] = {
        "data": {"path": str(data), "sha256": file_sha256(data), "rows": len(frame)},
        "model_a": {
            "name": _name(a, "A"),
            "folder": str(a.folder),
            "notes_in_training_data": seen["A"],
        },
        "model_b": {
            "name": _name(b, "B"),
            "folder": str(b.folder),
            "notes_in_training_data": seen["B"],
        },
        "metrics_a": metrics[0],
        "metrics_b": metrics[1],
        "per_label": per_label,
        "macro": {
            "f1_a": metrics[0]["macro_f1"],
            "f1_b": metrics[1]["macro_f1"],
            **diff["macro"],
        },
        "bootstrap": {"n_boot": n_boot, "seed": seed, "unit": "notes", "level": 0.95},
        "changed": changed_flags(frame["note_id"].tolist(), Y, preds[0], preds[1]),
    }
    result["verdict"] = verdict(result)
    if output is not None:
        out = Path(output)
        out.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out / "compare.json", json.dumps(result, indent=2) + "\n")
        write_text_atomic(out / "compare.md", render_compare_markdown(result))
    return result


def _f(value: float | None, spec: str = ".3f") -> str:
    return "n/a" if value is None else format(value, spec)


def _leakage_lines(result: dict[str, Any]) -> list[str]:
    """A warning for each model that was trained on some of the compared notes."""
    lines = []
    for key, letter in (("model_a", "A"), ("model_b", "B")):
        seen = result[key].get("notes_in_training_data")
        if seen:
            lines += [
                f"**{seen} of the {result['data']['rows']} notes were in model {letter}'s "
                "training data (same text): its figures are optimistic and the comparison "
                "is not fair.**",
                "",
            ]
    return lines


def render_compare_markdown(result: dict[str, Any]) -> str:
    """compare.md: verdict, per-label table, and the notes whose flags changed (ids only)."""
    a, b = result["model_a"], result["model_b"]
    boot = result["bootstrap"]
    lines = [
        f"# Model comparison: {a['name']} (A) vs {b['name']} (B)",
        "",
        f"Data: `{result['data']['path']}` ({result['data']['rows']} labelled notes). "
        f"A = `{a['folder']}`, B = `{b['folder']}`.",
        "",
        f"**Verdict: {result['verdict']}**",
        "",
        *_leakage_lines(result),
        f"Differences are B - A with 95% paired bootstrap intervals ({boot['n_boot']} "
        f"resamples of the notes, seed {boot['seed']}); a label counts as better or worse "
        "only when its interval excludes 0. McNemar: exact binomial test on the notes "
        "where exactly one model is right for the label.",
        "",
        "| label | notes with label | F1 A | F1 B | B - A | 95% interval | only A right "
        "| only B right | McNemar p |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for label in LABEL_IDS:
        e = result["per_label"][label]
        m = e["mcnemar"]
        lines.append(
            f"| `{label}` | {e['support']} | {_f(e['f1_a'])} | {_f(e['f1_b'])} | "
            f"{e['diff']:+.3f} | [{e['ci'][0]:+.3f}, {e['ci'][1]:+.3f}] | "
            f"{m['a_only_right']} | {m['b_only_right']} | {m['p_value']:.3g} |"
        )
    macro = result["macro"]
    lines += [
        f"| **macro F1** | | {_f(macro['f1_a'])} | {_f(macro['f1_b'])} | "
        f"{_f(macro['diff'], '+.3f')} | "
        + (f"[{macro['ci'][0]:+.3f}, {macro['ci'][1]:+.3f}]" if macro["ci"] else "n/a")
        + " | | | |",
        "",
        f"## Notes whose flags changed ({len(result['changed'])})",
        "",
    ]
    if result["changed"]:
        lines += [
            "| note id | flagged by B only | flagged by A only | true labels |",
            "|---|---|---|---|",
        ]
        for item in result["changed"][:MAX_LISTED]:
            lines.append(
                f"| `{item['note_id']}` | {', '.join(item['gained']) or '–'} | "
                f"{', '.join(item['lost']) or '–'} | {', '.join(item['true']) or 'none'} |"
            )
        if len(result["changed"]) > MAX_LISTED:
            lines.append(f"\n... and {len(result['changed']) - MAX_LISTED} more in compare.json.")
    else:
        lines.append("None.")
    lines += ["", "Flags are prompts for human review, not findings.", ""]
    return "\n".join(lines)


__all__ = ["changed_flags", "compare_models", "mcnemar_exact", "render_compare_markdown", "verdict"]
