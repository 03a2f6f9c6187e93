import json
import logging
import shutil

import numpy as np
import pytest
from sklearn.datasets import make_multilabel_classification

from ethicsnlp.errors import DataError, ModelError
from ethicsnlp.model import ThresholdedMultiLabelClassifier
from ethicsnlp.train import cross_validate_views, train


def test_extra_notes_join_every_training_fold_and_the_log_counts_them(caplog):
    X, Y = make_multilabel_classification(n_samples=160, n_features=20, n_classes=3,
                                          random_state=0)
    rows = [list(map(float, row)) for row in X]
    groups = np.repeat(np.array(["a", "b", "c", "d"]), 30)
    evaluated, extra_rows = rows[:120], rows[120:]
    extra = (extra_rows, Y[120:], np.repeat(np.array(["x"]), 40))

    def make_model():
        return ThresholdedMultiLabelClassifier(cv=3, random_state=0)

    with caplog.at_level(logging.INFO, logger="ethicsnlp.train"):
        result = cross_validate_views(make_model, evaluated, Y[:120], groups, cv=0, seed=0,
                                      extra=extra)
    assert result["proba"].shape == (120, 3)  # extra notes are never scored
    folds = [r.getMessage() for r in caplog.records if r.getMessage().startswith("fold ")]
    assert len(folds) == 4  # cv=0: leave one group out
    assert all("130 training notes (40 of them training-only), 30 held out" in m for m in folds)


def test_train_refuses_an_existing_model_before_any_work(tiny_model_dir, sample_file, tmp_path):
    target = tmp_path / "m"
    shutil.copytree(tiny_model_dir, target)
    before = (target / "model.skops").read_bytes()
    with pytest.raises(ModelError, match="already holds a model"):
        train([sample_file], target, cv=-1, n_jobs=1)
    with pytest.raises(ModelError, match="--parent"):
        train([sample_file], tmp_path / "new", cv=-1, n_jobs=1, parent=tmp_path / "nope")
    assert (target / "model.skops").read_bytes() == before


def test_a_label_missing_from_a_fold_is_a_data_error(sample_rows, tmp_path):
    rows = []
    for i, row in enumerate(sample_rows):
        labels = row["labels"]
        # every harmful_practice note in one setting
        note_id = f"only-{i}" if "harmful_practice" in labels else f"s{i % 4}-{i}"
        rows.append({"note_id": note_id, "text": row["text"], "labels": labels})
    path = tmp_path / "one_setting.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(DataError, match="label 'harmful_practice' has no positive"):
        train([path], tmp_path / "m", cv=0, n_jobs=1)
    assert not (tmp_path / "m").exists()


def test_training_on_a_suggest_template_warns(tiny_model_dir, sample_file, tmp_path, caplog):
    template = tmp_path / "template.jsonl"
    rows = [json.loads(line) for line in sample_file.read_text(encoding="utf-8").splitlines()]
    template.write_text(
        "".join(json.dumps({**r, "note_id": f"t-{i}", "model_scores": "{}"}) + "\n"
                for i, r in enumerate(rows)),
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING, logger="ethicsnlp.train"):
        train([template], tmp_path / "m", cv=-1, n_jobs=1)
    assert "template.jsonl is an `ethicsnlp suggest` template" in caplog.text
    assert "delete the model_scores column to mark it checked" in caplog.text


def test_lineage_counts_distinct_notes_added_and_dropped(tmp_path):
    import pandas as pd

    from ethicsnlp.fingerprints import FINGERPRINT_FILE, fingerprints_text
    from ethicsnlp.train import _notes_added_and_dropped

    parent = tmp_path / "parent"
    parent.mkdir()
    assert _notes_added_and_dropped(parent, ["a"]) == {"notes_added": None, "notes_dropped": None}
    (parent / FINGERPRINT_FILE).write_text(fingerprints_text(["kept note", "dropped note"]))
    # the kept note appears twice (relabelled copy, other case and spacing): still one note
    texts = pd.Series(["kept note", "Kept   note", "new note one", "new note two"])
    assert _notes_added_and_dropped(parent, texts) == {"notes_added": 2, "notes_dropped": 1}
