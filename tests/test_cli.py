"""The CLI through typer's CliRunner: help, errors as exit 2, and a round trip."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ethicsnlp.cli import app
from ethicsnlp.taxonomy import LABEL_IDS

runner = CliRunner()
SECRET = "QUOKKA-CANARY-5521"


@pytest.mark.parametrize("command", ["labels", "train", "evaluate", "predict", "info"])
def test_help_for_every_command(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_labels_lists_all_ids():
    result = runner.invoke(app, ["labels"])
    assert result.exit_code == 0
    for label in LABEL_IDS:
        assert label in result.output
    parsed = json.loads(runner.invoke(app, ["labels", "--json"]).output)
    assert [x["id"] for x in parsed] == list(LABEL_IDS)


def test_predict_round_trip_jsonl_csv_parquet(tiny_model_dir, sample_rows, tmp_path):
    notes = tmp_path / "notes.csv"
    pd.DataFrame(sample_rows[:12])[["note_id", "text"]].to_csv(notes, index=False)
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["predict", str(notes), "-m", str(tiny_model_dir), "-o", str(out)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["note_id"] for r in records] == [r["note_id"] for r in sample_rows[:12]]
    assert all(set(r) == {"note_id", "labels", "scores", "evidence"} for r in records)
    for suffix in ("csv", "parquet"):
        out = tmp_path / f"out.{suffix}"
        result = runner.invoke(
            app, ["predict", str(notes), "-m", str(tiny_model_dir), "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        frame = pd.read_csv(out) if suffix == "csv" else pd.read_parquet(out)
        assert len(frame) == 12
        assert {"note_id", "labels", *(f"score_{x}" for x in LABEL_IDS)} <= set(frame.columns)


def test_bad_input_exits_2_without_traceback_or_text(tiny_model_dir, tmp_path):
    notes = tmp_path / "bad.jsonl"
    notes.write_text(
        json.dumps({"note_id": "a", "text": SECRET})
        + "\n"
        + json.dumps({"note_id": "a", "text": SECRET})
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["predict", str(notes), "-m", str(tiny_model_dir), "-o", str(out)])
    assert result.exit_code == 2
    assert "line 2" in result.output and "duplicate note id" in result.output
    assert "Traceback" not in result.output
    assert SECRET not in result.output
    assert not out.exists()


def test_unsupported_output_and_missing_model(tiny_model_dir, sample_file, tmp_path):
    result = runner.invoke(
        app,
        ["predict", str(sample_file), "-m", str(tiny_model_dir), "-o", str(tmp_path / "out.xlsx")],
    )
    assert result.exit_code == 2 and "unsupported output type" in result.output
    result = runner.invoke(
        app,
        [
            "predict",
            str(sample_file),
            "-m",
            str(tmp_path / "none"),
            "-o",
            str(tmp_path / "out.jsonl"),
        ],
    )
    assert result.exit_code == 2 and "no such model folder" in result.output


def test_info_and_evaluate(tiny_model_dir, sample_file, tmp_path):
    result = runner.invoke(app, ["info", "-m", str(tiny_model_dir)])
    assert result.exit_code == 0 and "exploitation" in result.output
    report = tmp_path / "report"
    result = runner.invoke(
        app, ["evaluate", str(sample_file), "-m", str(tiny_model_dir), "-o", str(report)]
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads((report / "metrics.json").read_text())
    assert set(metrics["per_label"]) == set(LABEL_IDS)
    assert "Macro F1" in (report / "report.md").read_text()


def test_train_requires_labels(tmp_path):
    notes = tmp_path / "unlabelled.jsonl"
    notes.write_text(json.dumps({"note_id": "a", "text": "x"}) + "\n")
    result = runner.invoke(app, ["train", str(notes), "-o", str(tmp_path / "m")])
    assert result.exit_code == 2 and "no labels" in result.output


def test_train_cli_writes_card_with_cv(sample_file, tmp_path):
    out = tmp_path / "m"
    result = runner.invoke(
        app, ["train", str(sample_file), "-o", str(out), "--cv", "3", "--group-by", "none"]
    )
    assert result.exit_code == 0, result.output
    card = json.loads((out / "model_card.json").read_text())
    assert card["cv_metrics"]["cv"].startswith("stratified 3-fold")
    assert 0.0 <= card["cv_metrics"]["macro_f1"] <= 1.0


def test_train_cv_on_keeps_extra_notes_out_of_scoring(sample_rows, tmp_path):
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    for path, rows in ((first, sample_rows[::2]), (second, sample_rows[1::2])):
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "m"
    result = runner.invoke(app, ["train", str(first), str(second), "-o", str(out), "--cv", "3",
                                 "--group-by", "none", "--cv-on", str(first)])
    assert result.exit_code == 0, result.output
    card = json.loads((out / "model_card.json").read_text())
    assert card["cv_metrics"]["n_notes"] == len(sample_rows[::2])
    assert card["cv_data"] == ["first.jsonl"]
    assert card["training_data"]["rows"] == len(sample_rows)


def test_train_with_a_second_classifier_records_it_and_scores_with_it(sample_file, tmp_path):
    from ethicsnlp import load_model

    out = tmp_path / "m"
    result = runner.invoke(
        app,
        ["train", str(sample_file), "-o", str(out), "--cv", "-1", "--group-by", "none",
         "--n-jobs", "1", "--conditional", "exploitation:dual_relationship"],
    )
    assert result.exit_code == 0, result.output
    card = json.loads((out / "model_card.json").read_text())
    assert card["conditional"] == [{"target": "exploitation", "gate": "dual_relationship"}]
    model = load_model(out)
    classifier = model.pipeline.named_steps["classify"]
    assert [(gate, target) for gate, target, *_ in classifier.conditional_] == [(0, 1)]
    texts = [json.loads(line)["text"] for line in sample_file.read_text().splitlines()]
    records = model.predict(texts)
    gated_with_target = 0
    for record, text in zip(records, texts, strict=True):
        assert sorted(record["evidence"]) == sorted(record["labels"])
        for spans in record["evidence"].values():
            assert spans and all(text[s["start"] : s["end"]] == s["text"] for s in spans)
        if {"dual_relationship", "exploitation"} <= set(record["labels"]):
            # every sentence of a gated note is ranked by the second classifier
            from ethicsnlp.nlp import get_nlp
            from ethicsnlp.predict import sentence_views

            spans, views = sentence_views(get_nlp()(text), text)
            second = classifier.conditional_proba(
                model.pipeline.named_steps["features"].transform(views)
            )[(0, 1)]
            best = spans[int(np.argmax(second))]
            assert (best[0], best[1]) in {
                (s["start"], s["end"]) for s in record["evidence"]["exploitation"]
            }
            gated_with_target += 1
    assert gated_with_target > 0
    info = runner.invoke(app, ["info", "-m", str(out)])
    assert "second classifier: exploitation decided on notes flagged dual_relationship" in (
        info.output
    )
    bad_pair = ["--conditional", "exploitation"]
    bad = runner.invoke(app, ["train", str(sample_file), "-o", str(tmp_path / "bad"), *bad_pair])
    assert bad.exit_code == 2 and "--conditional takes TARGET:GATE" in bad.output


def test_conditional_option_keeps_the_default_unless_given_and_none_turns_it_off():
    from ethicsnlp.cli import _conditional_pairs

    assert _conditional_pairs(None) is None  # train() then uses DEFAULT_CONDITIONAL
    assert _conditional_pairs(["none"]) == [] and _conditional_pairs([" None "]) == []
    assert _conditional_pairs(["exploitation:dual_relationship"]) == [
        ("exploitation", "dual_relationship")
    ]


def test_train_with_the_issue_gate_records_its_threshold_and_scores_with_it(sample_file, tmp_path):
    from ethicsnlp import load_model

    out = tmp_path / "m"
    result = runner.invoke(
        app,
        ["train", str(sample_file), "-o", str(out), "--cv", "-1", "--group-by", "none",
         "--n-jobs", "1"],  # the issue gate is on by default
    )
    assert result.exit_code == 0, result.output
    card = json.loads((out / "model_card.json").read_text())
    model = load_model(out)
    classifier = model.pipeline.named_steps["classify"]
    assert classifier.issue_ is not None
    assert card["issue_gate"] == {"threshold": classifier.issue_threshold_}
    texts = [json.loads(line)["text"] for line in sample_file.read_text().splitlines()]
    features = model.pipeline[:-1].transform(texts)
    issue = classifier.issue_proba(features)
    assert (issue < classifier.issue_threshold_).any()  # the gate withdraws some flags here
    for record, p in zip(model.predict(texts), issue, strict=True):
        if p < classifier.issue_threshold_:
            assert record["labels"] == [] and record["evidence"] == {}
        assert sorted(record["evidence"]) == sorted(record["labels"])
    info = runner.invoke(app, ["info", "-m", str(out)])
    assert "issue gate: no flags on notes whose probability of any issue is below" in info.output
    plain = runner.invoke(app, ["train", str(sample_file), "-o", str(tmp_path / "p"), "--cv", "-1",
                                "--group-by", "none", "--n-jobs", "1", "--no-issue-gate"])
    assert plain.exit_code == 0
    assert "issue_gate" not in json.loads((tmp_path / "p" / "model_card.json").read_text())
