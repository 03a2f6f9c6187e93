"""suggest: uncertainty, diversity, and a template that training reads back."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import normalize
from typer.testing import CliRunner

from ethicsnlp.cli import app
from ethicsnlp.data import label_matrix, read_notes
from ethicsnlp.suggest import (
    SCORES_COLUMN,
    fill_labels,
    max_min_select,
    suggest_notes,
    uncertainty,
)
from ethicsnlp.taxonomy import LABEL_IDS


def test_uncertainty_peaks_at_the_threshold():
    thresholds = np.array([0.2, 0.8])
    proba = np.array([[0.2, 0.0], [0.0, 0.0], [1.0, 1.0], [0.6, 0.0], [0.1, 0.4]])
    u = uncertainty(proba, thresholds)
    assert u[0] == pytest.approx(1.0)
    assert u[1] == pytest.approx(0.0) and u[2] == pytest.approx(0.0)
    assert u[3] == pytest.approx(0.5)  # halfway between 0.2 and 1
    assert u[4] == pytest.approx(0.5)  # max over labels: 0.4 is halfway to 0.8, 0.1 to 0.2


def test_max_min_skips_near_copies():
    base = np.eye(4)
    vectors = normalize(np.vstack([base, base[0] + 0.01, base[1] + 0.01]))
    scores = np.array([0.9, 0.1, 0.1, 0.1, 0.95, 0.2])
    chosen = max_min_select(vectors, scores, 4, seed=0)
    assert chosen[0] == 4  # most uncertain first
    assert len(set(chosen)) == 4 and 0 not in chosen  # its near copy is not picked
    assert chosen == max_min_select(vectors, scores, 4, seed=0)


def test_template_reads_back_as_training_data(tiny_model, heldout_file, tmp_path):
    template = suggest_notes(heldout_file, tiny_model, n=12, seed=0)
    assert list(template.columns) == ["note_id", "text", *LABEL_IDS, SCORES_COLUMN]
    assert len(template) == 12 and template["note_id"].is_unique
    scores = json.loads(template[SCORES_COLUMN].iloc[0])
    assert list(scores) == list(LABEL_IDS)
    flags = template[list(LABEL_IDS)].to_numpy()
    expected = np.array(
        [[scores[lb] >= t for lb, t in zip(LABEL_IDS, tiny_model.thresholds, strict=True)]]
    )
    assert (flags[0] == expected[0]).all()
    path = tmp_path / "template.csv"
    template.to_csv(path, index=False)
    back = read_notes(path, require_labels=True)
    assert back["note_id"].tolist() == template["note_id"].tolist()
    assert (label_matrix(back) == flags).all()
    assert template.equals(suggest_notes(heldout_file, tiny_model, n=12, seed=0))


def test_cli_suggest_writes_template(tiny_model_dir, heldout_file, tmp_path):
    notes = tmp_path / "unlabelled.csv"
    pd.read_json(heldout_file, lines=True)[["note_id", "text"]].to_csv(notes, index=False)
    out = tmp_path / "t.csv"
    result = CliRunner().invoke(
        app, ["suggest", str(notes), "-m", str(tiny_model_dir), "-n", "5", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "5 notes written" in result.output and "correct every row" in result.output
    assert len(read_notes(out, require_labels=True)) == 5
    bad = CliRunner().invoke(
        app, ["suggest", str(notes), "-m", str(tiny_model_dir), "-o", str(tmp_path / "t.txt")]
    )
    assert bad.exit_code == 2 and "unsupported output type" in bad.output


def test_fill_labels_copies_known_ids_only():
    template = pd.DataFrame({"note_id": ["a", "b"], "text": ["x", "y"]})
    for label in LABEL_IDS:
        template[label] = 0
    truth = pd.DataFrame({"note_id": ["a", "z"], "text": ["x", "q"]})
    for label in LABEL_IDS:
        truth[label] = 0
    truth.loc[0, LABEL_IDS[1]] = 1
    filled, changed = fill_labels(template, truth)
    assert changed == 1
    assert filled.loc[0, LABEL_IDS[1]] == 1 and filled.loc[1, list(LABEL_IDS)].sum() == 0
    assert template.loc[0, LABEL_IDS[1]] == 0  # the input is not modified


def test_fill_labels_counts_changes_when_every_id_is_known():
    template = pd.DataFrame({"note_id": ["a", "b"], "text": ["x", "y"]})
    for label in LABEL_IDS:
        template[label] = 0
    truth = template.copy()
    truth.loc[:, LABEL_IDS[0]] = 1
    filled, changed = fill_labels(template, truth)
    assert changed == 2 and filled[LABEL_IDS[0]].tolist() == [1, 1]
