"""compare: McNemar, verdict wording, changed flags, files written, no text."""

import copy
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from ethicsnlp.cli import app
from ethicsnlp.compare import changed_flags, compare_models, mcnemar_exact, verdict
from ethicsnlp.predict import EthicsModel
from ethicsnlp.taxonomy import LABEL_IDS


@pytest.fixture(scope="module")
def strict_model(tiny_model):
    """The tiny model with every threshold raised to 0.6: fewer, different flags."""
    pipeline = copy.deepcopy(tiny_model.pipeline)
    pipeline.named_steps["classify"].thresholds_ = np.full(len(LABEL_IDS), 0.6)
    return EthicsModel(pipeline, {**tiny_model.card, "name": "strict"}, tiny_model.folder)


def test_mcnemar_exact_counts_discordant_notes():
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 1, 0])
    a = np.array([0, 0, 0, 0, 0, 0, 0, 0, 1, 0])  # misses four positives
    b = y.copy()
    result = mcnemar_exact(y, a, b)
    assert result["a_only_right"] == 0 and result["b_only_right"] == 4
    assert result["p_value"] == pytest.approx(0.125)
    assert mcnemar_exact(y, b, b)["p_value"] == 1.0


def test_verdict_wording():
    per_label = {lb: {"diff": 0.0, "ci": [-0.05, 0.05]} for lb in LABEL_IDS}
    result = {
        "per_label": per_label,
        "macro": {"diff": 0.01, "ci": [-0.01, 0.03]},
        "model_b": {"name": "new"},
    }
    assert "neither better nor worse" in verdict(result)
    result["macro"] = {"diff": 0.37, "ci": [0.21, 0.41]}
    assert verdict(result).startswith("B (new) better overall: macro F1 +0.370 [+0.210, +0.410]")
    result["macro"] = {"diff": None, "ci": None}
    assert "macro F1 difference undefined" in verdict(result)
    result["macro"] = {"diff": 0.01, "ci": [-0.01, 0.03]}
    for label in LABEL_IDS[:6]:
        per_label[label] = {"diff": 0.1, "ci": [0.02, 0.2]}
    per_label["harmful_practice"] = {"diff": -0.08, "ci": [-0.15, -0.02]}
    line = verdict(result)
    assert line.startswith("B (new) better on 6 labels, worse on 1: harmful_practice -0.08")
    assert "[-0.15, -0.02]" in line and "macro F1 +0.010" in line


def test_changed_flags_lists_ids_and_labels():
    Y = np.zeros((3, 10), dtype=int)
    a = np.zeros((3, 10), dtype=int)
    b = a.copy()
    b[1, 0] = 1
    a[2, 9] = 1
    Y[1, 0] = 1
    changed = changed_flags(["x", "y", "z"], Y, a, b)
    assert changed == [
        {"note_id": "y", "gained": [LABEL_IDS[0]], "lost": [], "true": [LABEL_IDS[0]]},
        {"note_id": "z", "gained": [], "lost": [LABEL_IDS[9]], "true": []},
    ]


def test_compare_same_model_is_neutral(tiny_model, heldout_file):
    result = compare_models(tiny_model, tiny_model, heldout_file, n_boot=50)
    assert result["changed"] == []
    assert result["macro"]["diff"] == 0.0
    assert "neither better nor worse" in result["verdict"]


def test_compare_writes_reports_without_text(tiny_model, strict_model, heldout_file, tmp_path):
    result = compare_models(tiny_model, strict_model, heldout_file, tmp_path / "cmp", n_boot=100)
    assert result["changed"], "raising thresholds must change some flags"
    for label in LABEL_IDS:
        entry = result["per_label"][label]
        assert entry["ci"][0] <= entry["diff"] <= entry["ci"][1]
        assert entry["diff"] == pytest.approx(entry["f1_b"] - entry["f1_a"], abs=1e-3)
        assert 0 <= entry["mcnemar"]["p_value"] <= 1
    saved = json.loads((tmp_path / "cmp" / "compare.json").read_text(encoding="utf-8"))
    assert saved["verdict"] == result["verdict"]
    md = (tmp_path / "cmp" / "compare.md").read_text(encoding="utf-8")
    assert "**Verdict:" in md and "McNemar" in md and result["changed"][0]["note_id"] in md
    texts = [json.loads(line)["text"] for line in heldout_file.read_text().splitlines()]
    for text in texts:
        snippet = text.strip()[:40]
        assert snippet not in md and snippet not in json.dumps(saved)


def test_cli_compare(tiny_model_dir, heldout_file, tmp_path):
    out = tmp_path / "c"
    result = CliRunner().invoke(
        app,
        [
            "compare",
            str(tiny_model_dir),
            str(tiny_model_dir),
            str(heldout_file),
            "-o",
            str(out),
            "--n-boot",
            "20",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "neither better nor worse" in result.output
    assert (out / "compare.json").is_file() and (out / "compare.md").is_file()
    missing = CliRunner().invoke(
        app,
        ["compare", str(tmp_path / "nope"), str(tiny_model_dir), str(heldout_file), "-o", str(out)],
    )
    assert missing.exit_code == 2 and "no such model folder" in missing.output
