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


def test_the_default_second_classifier_needs_enough_gate_notes(caplog):
    from ethicsnlp.model import MIN_SECOND_CLASSIFIER_NOTES, default_conditional
    from ethicsnlp.train import _pairs_with_enough_notes

    (gate, target), = default_conditional()
    enough = MIN_SECOND_CLASSIFIER_NOTES
    Y = np.zeros((2 * enough + 10, 10), dtype=int)
    Y[: 2 * enough, gate] = 1
    Y[:enough, target] = 1
    assert _pairs_with_enough_notes(Y, default_conditional(), requested=False) == (
        (gate, target),
    )
    Y[0, gate] = 0  # one gate note with the target short
    with caplog.at_level(logging.WARNING, logger="ethicsnlp.train"):
        assert _pairs_with_enough_notes(Y, default_conditional(), requested=False) == ()
    assert (
        f"a second classifier for 'exploitation' needs at least {enough} "
        f"'dual_relationship' notes with it and {enough} without (has {enough - 1} with, "
        f"{enough} without); the main model decides it alone"
    ) in caplog.text
    # asked for by name, two of each are enough; fewer is an error
    assert _pairs_with_enough_notes(Y, default_conditional(), requested=True) == (
        (gate, target),
    )
    Y[2:enough, gate] = 0
    with pytest.raises(DataError, match=r"needs at least 2 .* \(has 1 with, 50 without\)"):
        _pairs_with_enough_notes(Y, default_conditional(), requested=True)


def test_a_model_too_small_for_the_second_classifier_records_none(tiny_model_dir, tiny_model):
    card = json.loads((tiny_model_dir / "model_card.json").read_text(encoding="utf-8"))
    assert "conditional" not in card
    assert tiny_model.pipeline.named_steps["classify"].conditional_ == []


def test_a_requested_pair_without_enough_notes_is_refused_before_any_work(sample_rows, tmp_path):
    rows = [r for r in sample_rows if "dual_relationship" not in r["labels"]]
    path = tmp_path / "no_dual_but_two.jsonl"
    keep = [r for r in sample_rows if "dual_relationship" in r["labels"]][:2]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows + keep), encoding="utf-8")
    with pytest.raises(DataError, match="a second classifier for 'exploitation' needs"):
        train([path], tmp_path / "m", cv=-1, n_jobs=1,
              conditional=[("exploitation", "dual_relationship")])
    assert not (tmp_path / "m").exists()


def test_cross_validation_reports_the_flags_the_issue_gate_withdrew():
    X, Y = make_multilabel_classification(n_samples=240, n_features=20, n_classes=3,
                                          random_state=0)
    groups = np.repeat(np.array(["a", "b", "c", "d"]), 60)

    def make_model(issue_gate):
        def make():
            clf = ThresholdedMultiLabelClassifier(cv=3, random_state=0, issue_gate=issue_gate)
            if issue_gate:  # a gate that bites, whatever the inner split tunes
                fit = clf.fit

                def fit_and_gate(*args, **kwargs):
                    fitted = fit(*args, **kwargs)
                    fitted.issue_threshold_ = 0.6
                    return fitted

                clf.fit = fit_and_gate
            return clf

        return make

    plain = cross_validate_views(make_model(False), X, Y, groups, cv=0, seed=0)
    gated = cross_validate_views(make_model(True), X, Y, groups, cv=0, seed=0)
    assert not plain["withdrawn"].any()
    withdrawn = gated["withdrawn"].astype(bool)
    assert withdrawn.any()
    # exactly the flags the plain model raised and the gated one did not
    np.testing.assert_array_equal(withdrawn, (plain["pred"] == 1) & (gated["pred"] == 0))
