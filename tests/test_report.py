"""The evaluation report: figures, self-contained HTML, intervals, redaction."""

import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from ethicsnlp.cli import app
from ethicsnlp.data import read_notes
from ethicsnlp.evaluate import errors_frame, errors_with_evidence, evaluate, top_errors
from ethicsnlp.report import (
    brier_scores,
    build_figures,
    calibration_figure,
    cooccurrence_figure,
    figure_png,
    pr_curves_figure,
    render_html,
    threshold_figure,
)
from ethicsnlp.taxonomy import LABEL_IDS

CANARY = "WOMBAT-CANARY-7731"
SECTIONS = ("labels", "data", "pr", "calibration", "thresholds", "cooccurrence", "errors")


def _with_canary(text: str) -> str:
    """The canary after every third word, so every sentence of the note carries it."""
    words = text.split(" ")
    return " ".join(w + (f" {CANARY}" if k % 3 == 2 else "") for k, w in enumerate(words))


@pytest.fixture(scope="module")
def canary_file(tmp_path_factory, heldout_file):
    rows = [json.loads(line) for line in heldout_file.read_text(encoding="utf-8").splitlines()]
    path = tmp_path_factory.mktemp("canary") / "canary.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps({**row, "text": _with_canary(row["text"])}) + "\n")
    return path


@pytest.fixture(scope="module")
def reports(tmp_path_factory, tiny_model, canary_file):
    out = tmp_path_factory.mktemp("reports")
    plain = evaluate(canary_file, tiny_model, out / "plain", n_boot=100, seed=0)
    redacted = evaluate(canary_file, tiny_model, out / "redacted", redact=True, n_boot=100)
    return out, plain, redacted


def _synthetic(n=120, seed=0):
    rng = np.random.default_rng(seed)
    Y = (rng.random((n, 10)) < 0.2).astype(int)
    proba = np.clip(0.5 * Y + 0.5 * rng.random((n, 10)), 0, 1)
    return Y, proba


def test_figures_render_to_png_even_with_an_empty_label():
    Y, proba = _synthetic()
    Y[:, 3] = 0  # a label nobody carries
    thresholds = np.full(10, 0.5)
    for fig in (
        pr_curves_figure(Y, proba, thresholds),
        calibration_figure(Y, proba),
        threshold_figure(Y, proba, thresholds),
        cooccurrence_figure(Y),
    ):
        assert figure_png(fig).startswith(b"\x89PNG")
    uris = build_figures(Y, proba, thresholds)
    assert set(uris) == {"pr", "calibration", "thresholds", "cooccurrence"}
    assert all(u.startswith("data:image/png;base64,") for u in uris.values())
    brier = brier_scores(Y, proba)
    assert brier[LABEL_IDS[0]] == pytest.approx(np.mean((Y[:, 0] - proba[:, 0]) ** 2), abs=1e-4)


def test_top_errors_rank_by_score_and_hold_no_text():
    Y = np.zeros((4, 10), dtype=int)
    Y[0, 0] = Y[1, 0] = 1
    proba = np.zeros((4, 10))
    proba[:, 0] = [0.1, 0.3, 0.9, 0.6]
    pred = (proba >= 0.5).astype(int)
    errors = top_errors(Y, proba, pred, ["a", "b", "c", "d"], k=5)
    assert [e["note_id"] for e in errors[LABEL_IDS[0]]["false_positives"]] == ["c", "d"]
    assert [e["note_id"] for e in errors[LABEL_IDS[0]]["false_negatives"]] == ["a", "b"]
    assert set(errors[LABEL_IDS[0]]["false_positives"][0]) == {
        "note_id",
        "score",
        "true",
        "flagged",
    }


def test_render_html_redact_drops_evidence_even_when_given():
    metrics = {
        "macro_f1": 0.5,
        "micro_f1": 0.5,
        "n_notes": 60,
        "per_label": {
            lb: {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 5} for lb in LABEL_IDS
        },
    }
    item = {
        "note_id": "n1",
        "score": 0.9,
        "true": [],
        "flagged": [LABEL_IDS[0]],
        "evidence": [CANARY],
    }
    errors = {LABEL_IDS[0]: {"false_positives": [item], "false_negatives": []}}
    summary = {
        "notes": 60,
        "chars": dict.fromkeys(("min", "p10", "p25", "median", "p75", "p90", "max"), 1.0),
    }
    summary["words"] = summary["chars"]
    figures = dict.fromkeys(("pr", "calibration", "thresholds", "cooccurrence"), "data:,")
    assert CANARY in render_html(metrics, figures, errors, summary)
    page = render_html(metrics, figures, errors, summary, redact=True)
    assert CANARY not in page and "n1" in page and "Redacted" in page


def test_report_files_sections_and_intervals(reports):
    out, metrics, _ = reports
    assert {p.name for p in (out / "plain").iterdir()} == {
        "metrics.json",
        "report.md",
        "report.html",
    }
    page = (out / "plain" / "report.html").read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f"id='{section}'" in page
    assert page.count("<img") == 4
    for src in re.findall(r"src='([^']*)'", page):
        assert src.startswith("data:image/png;base64,")
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page and "<link" not in page
    saved = json.loads((out / "plain" / "metrics.json").read_text(encoding="utf-8"))
    assert saved["bootstrap"] == {"n_boot": 100, "seed": 0, "unit": "notes", "level": 0.95}
    lo, hi = saved["macro_f1_ci"]
    assert lo <= saved["macro_f1"] <= hi
    for label in LABEL_IDS:
        entry = saved["per_label"][label]
        assert {"precision_ci", "recall_ci", "f1_ci", "support_ci", "brier", "threshold"} <= set(
            entry
        )
        assert entry["f1_ci"][0] <= entry["f1"] <= entry["f1_ci"][1]
    assert saved["data_summary"]["notes"] == metrics["n_notes"]
    assert not saved["data"]["in_training_data"]
    assert "95% CI" in (out / "plain" / "report.md").read_text(encoding="utf-8")


def test_redacted_report_holds_no_note_text(reports):
    out, _, _ = reports
    plain = (out / "plain" / "report.html").read_text(encoding="utf-8")
    assert CANARY in plain  # the control: evidence sentences are shown without --redact
    for name in ("report.html", "report.md", "metrics.json"):
        text = (out / "redacted" / name).read_text(encoding="utf-8")
        assert CANARY not in text, name
    assert CANARY not in (out / "plain" / "metrics.json").read_text(encoding="utf-8")
    assert CANARY not in (out / "plain" / "report.md").read_text(encoding="utf-8")
    page = (out / "redacted" / "report.html").read_text(encoding="utf-8")
    assert "Redacted report" in page and "id='errors'" in page


def test_training_data_is_flagged_as_optimistic(tiny_model, sample_file):
    metrics = evaluate(sample_file, tiny_model, n_boot=0)
    assert metrics["data"]["in_training_data"] is True
    assert "macro_f1_ci" not in metrics and "f1_ci" not in metrics["per_label"][LABEL_IDS[0]]


def test_cli_evaluate_redact_and_n_boot(tiny_model_dir, heldout_file, tmp_path):
    out = tmp_path / "r"
    result = CliRunner().invoke(
        app,
        [
            "evaluate",
            str(heldout_file),
            "-m",
            str(tiny_model_dir),
            "-o",
            str(out),
            "--redact",
            "--n-boot",
            "50",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (out / "report.html").is_file()
    assert json.loads((out / "metrics.json").read_text())["bootstrap"]["n_boot"] == 50
    bad = CliRunner().invoke(app, ["evaluate", str(heldout_file), "-o", str(out), "--n-boot", "-1"])
    assert bad.exit_code == 2


def test_errors_frame_with_evidence(tiny_model, heldout_file, reports):
    _, metrics, _ = reports
    notes = read_notes(heldout_file, require_labels=True)
    shown = errors_with_evidence(tiny_model, metrics["errors"], notes)
    table = errors_frame(shown)
    assert {"label", "kind", "note_id", "score", "true", "flagged", "evidence"} <= set(
        table.columns
    )
    assert set(table["kind"]) <= {"false_positive", "false_negative"}
    n_items = sum(len(v) for e in metrics["errors"].values() for v in e.values())
    assert len(table) == n_items > 0
    assert errors_frame(metrics["errors"]).columns.tolist() == [
        "label",
        "kind",
        "note_id",
        "score",
        "true",
        "flagged",
    ]


def test_errors_frame_without_errors_keeps_its_columns():
    no_errors = {"false_positives": [], "false_negatives": []}
    table = errors_frame({label: no_errors for label in LABEL_IDS})
    assert table.empty
    assert list(table.columns) == ["label", "kind", "note_id", "score", "true", "flagged"]
    assert table[table["label"] == "exploitation"].empty  # the notebook's filter works


def test_evaluate_refuses_a_fractional_n_boot(tiny_model, heldout_file):
    from ethicsnlp.errors import EthicsNLPError

    with pytest.raises(EthicsNLPError, match="n_boot must be a whole number"):
        evaluate(heldout_file, tiny_model, None, n_boot=10.5)
