"""audit: confident-learning thresholds, ranking, CSV columns, no text."""

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ethicsnlp.audit import AUDIT_COLUMNS, class_thresholds, confident_disagreements
from ethicsnlp.cli import app
from ethicsnlp.taxonomy import LABEL_IDS


def test_class_thresholds_are_mean_probabilities():
    Y = np.array([[1], [1], [0], [0], [0]])
    proba = np.array([[0.9], [0.7], [0.2], [0.1], [0.3]])
    t1, t0 = class_thresholds(Y, proba)
    assert t1[0] == pytest.approx(0.8) and t0[0] == pytest.approx(0.8)


def test_flipped_labels_rank_first():
    rng = np.random.default_rng(0)
    n = 200
    Y = (rng.random((n, 10)) < 0.2).astype(int)
    proba = np.clip(np.where(Y == 1, 0.85, 0.08) + rng.normal(0, 0.04, (n, 10)), 0.001, 0.999)
    given = Y.copy()
    given[5, 2] = 1 - given[5, 2]  # two annotation errors the model disagrees with
    given[17, 7] = 1 - given[17, 7]
    ids = [f"n{i}" for i in range(n)]
    result = confident_disagreements(given, proba, ids)
    assert tuple(result.columns) == AUDIT_COLUMNS
    top = set(zip(result["note_id"][:2], result["label"][:2], strict=True))
    assert top == {("n5", LABEL_IDS[2]), ("n17", LABEL_IDS[7])}
    assert result["margin"].is_monotonic_decreasing
    row = result.iloc[0]
    assert row["given"] == given[int(row["note_id"][1:]), LABEL_IDS.index(row["label"])]


def test_no_disagreement_when_model_agrees():
    Y = np.array([[1, 0], [0, 1], [0, 0], [1, 1]])
    proba = np.where(Y == 1, 0.9, 0.1).astype(float)
    assert confident_disagreements(Y, proba, list("abcd")).empty


def test_cli_audit_on_sample(sample_file, tmp_path):
    out = tmp_path / "audit.csv"
    result = CliRunner().invoke(
        app, ["audit", str(sample_file), "-o", str(out), "--cv", "3", "--n-jobs", "1"]
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert list(frame.columns) == list(AUDIT_COLUMNS)
    assert set(frame["label"]) <= set(LABEL_IDS) and set(frame["given"]) <= {0, 1}
    assert frame["margin"].is_monotonic_decreasing
    texts = pd.read_json(sample_file, lines=True)["text"]
    raw = out.read_text(encoding="utf-8")
    assert not any(t.strip()[:30] in raw for t in texts)


def test_cli_audit_needs_labels(tmp_path):
    notes = tmp_path / "u.csv"
    pd.DataFrame({"note_id": ["a"], "text": ["x"]}).to_csv(notes, index=False)
    result = CliRunner().invoke(app, ["audit", str(notes), "-o", str(tmp_path / "a.csv")])
    assert result.exit_code == 2 and "no labels" in result.output


def test_cli_audit_names_a_label_whose_notes_sit_in_one_group(sample_rows, tmp_path):
    import json

    rows = [
        {
            "note_id": f"only-{i}" if "harmful_practice" in row["labels"] else f"s{i % 4}-{i}",
            "text": row["text"],
            "labels": row["labels"],
        }
        for i, row in enumerate(sample_rows)
    ]
    path = tmp_path / "one_setting.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = CliRunner().invoke(app, ["audit", str(path), "-o", str(tmp_path / "a.csv")])
    assert result.exit_code == 2
    assert "label 'harmful_practice' has no positive" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "a.csv").exists()
