"""Text-free data summaries and the helpers the notebooks use."""

import numpy as np
import pandas as pd

from ethicsnlp.data import label_matrix, read_notes
from ethicsnlp.explore import (
    cooccurrence,
    data_summary,
    group_table,
    label_counts_table,
    load_labelled,
    quick_model,
    stratified_sample,
    threshold_sweep,
)
from ethicsnlp.model import THRESHOLD_GRID, fbeta_at_thresholds
from ethicsnlp.taxonomy import LABEL_IDS


def test_data_summary_counts_and_lengths(sample_file):
    frame = read_notes(sample_file, require_labels=True)
    summary = data_summary(frame)
    Y = label_matrix(frame)
    assert summary["notes"] == len(frame) and summary["labelled"]
    assert summary["label_counts"] == {lb: int(Y[:, j].sum()) for j, lb in enumerate(LABEL_IDS)}
    assert summary["no_label_notes"] == int((Y.sum(1) == 0).sum())
    assert summary["chars"]["min"] <= summary["chars"]["median"] <= summary["chars"]["max"]
    assert sum(summary["labels_per_note"].values()) == len(frame)


def test_data_summary_of_unlabelled_notes_has_no_label_fields():
    frame = pd.DataFrame({"note_id": ["a", "b"], "text": ["one two", "three"]})
    summary = data_summary(frame)
    assert not summary["labelled"] and "label_counts" not in summary
    assert summary["words"]["max"] == 2


def test_tables_and_cooccurrence(sample_file):
    frame = read_notes(sample_file, require_labels=True).assign(group="r1")
    Y = label_matrix(frame)
    counts = cooccurrence(Y)
    assert list(np.diag(counts)) == list(Y.sum(axis=0))
    assert (counts.to_numpy() == counts.to_numpy().T).all()
    table = label_counts_table(frame)
    assert list(table["label"]) == list(LABEL_IDS)
    groups = group_table(frame)
    assert groups["notes"].sum() == len(frame)


def test_stratified_sample_is_reproducible_and_covers_labels():
    frame = load_labelled()
    assert {"group", "source"} <= set(frame.columns)
    sample = stratified_sample(frame, per_label=3, negatives=5, seed=0)
    assert sample.equals(stratified_sample(frame, per_label=3, negatives=5, seed=0))
    Y = label_matrix(sample)
    assert (Y.sum(axis=0) >= 3).all()
    assert (Y.sum(axis=1) == 0).sum() == 5


def test_threshold_sweep_matches_model_f1():
    rng = np.random.default_rng(0)
    y = rng.random(200) < 0.3
    proba = np.clip(y * 0.4 + rng.random(200) * 0.6, 0, 1)
    sweep = threshold_sweep(y, proba)
    assert np.allclose(sweep["f1"], fbeta_at_thresholds(y, proba, 1.0))
    assert list(sweep["threshold"]) == list(THRESHOLD_GRID)
    assert sweep["flagged"].is_monotonic_decreasing


def test_quick_model_trains_a_loadable_model(tmp_path):
    from ethicsnlp import load_model

    folder = quick_model(tmp_path / "q", per_label=3, negatives=5)
    model = load_model(folder)
    assert model.labels == LABEL_IDS
    assert len(read_notes(tmp_path / "q" / "sample.jsonl", require_labels=True)) >= 30


def test_exploration_helpers_refuse_wrong_input_clearly(sample_file):
    import pytest

    from ethicsnlp.errors import DataError

    with pytest.raises(DataError, match="no input files given"):
        load_labelled([])  # a glob that matched nothing: not the bundled data
    frame = read_notes(sample_file, require_labels=True)
    with pytest.raises(DataError, match="no 'group' column"):
        group_table(frame)
    with pytest.raises(DataError, match="the frame is empty"):
        data_summary(frame.iloc[:0])
    with pytest.raises(DataError, match="same length"):
        threshold_sweep(np.array([0, 1, 1]), np.array([0.2, 0.9]))
