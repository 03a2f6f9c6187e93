"""Cross-validation groups: prefixes, fallbacks and their warnings."""

import logging

import numpy as np
import pandas as pd

from ethicsnlp.grouping import note_groups, outer_splits


def test_prefix_groups_and_a_warning_when_ids_carry_no_setting(caplog):
    frame = pd.DataFrame({"note_id": [f"r{i % 3}-{i}" for i in range(30)]})
    assert sorted(set(note_groups(frame))) == ["r0", "r1", "r2"]
    assert not caplog.records
    bare = pd.DataFrame({"note_id": [f"N{i}" for i in range(30)]})
    with caplog.at_level(logging.WARNING, logger="ethicsnlp.grouping"):
        note_groups(bare)
    assert "no setting prefix" in caplog.text and "--group-by column:NAME" in caplog.text


def test_fewer_groups_than_folds_leaves_one_group_out(caplog):
    Y = np.tile([[1, 0], [0, 1], [0, 0]], (10, 1))
    groups = np.repeat(["a", "b", "c"], 10)
    with caplog.at_level(logging.WARNING, logger="ethicsnlp.grouping"):
        splits, description = outer_splits(Y, groups, cv=5, seed=0)
    assert description == "leave-one-group-out over 3 groups" and len(splits) == 3
    assert "only 3 groups for 5 folds" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="ethicsnlp.grouping"):
        _, description = outer_splits(Y, np.repeat(["a"], 30), cv=5, seed=0)
    assert description.startswith("stratified") and "random stratified split" in caplog.text


def test_label_missing_from_a_fold_names_the_first_label_a_fold_cannot_fit():
    from ethicsnlp.grouping import label_missing_from_a_fold

    groups = np.repeat(["a", "b", "c"], 4)
    Y = np.zeros((12, 2), dtype=int)
    Y[::2, 0] = 1  # label 0 in every group
    Y[:4, 1] = 1  # label 1 only in group "a": the fold holding "a" out has no positive
    assert label_missing_from_a_fold(Y, groups, cv=3, seed=0) == 1
    # notes that join every fold can supply the missing class
    every_fold = np.array([[1, 1]])
    assert label_missing_from_a_fold(Y, groups, cv=3, seed=0, Y_every_fold=every_fold) is None
