"""End to end: train -> suggest -> label the template -> retrain with --parent ->
validate -> compare -> evaluate both, all through the CLI."""

import hashlib
import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from ethicsnlp.cli import app
from ethicsnlp.data import read_notes
from ethicsnlp.taxonomy import LABEL_IDS

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "data" / "labelled" / "gold_dev.jsonl"
runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def test_retrain_workflow(sample_file, tmp_path):
    dev = pd.read_json(DEV, lines=True)
    pool = dev[dev["note_id"].str.startswith(("d1-", "d2-"))].head(150)
    heldout = dev[dev["note_id"].str.startswith("d3-")].head(90)
    pool[["note_id", "text"]].to_csv(tmp_path / "unlabelled.csv", index=False)
    heldout[["note_id", "text", "labels"]].to_json(
        tmp_path / "heldout.jsonl", orient="records", lines=True
    )

    # 1. a first model on a small sample
    _run("train", sample_file, "-o", tmp_path / "m1", "--cv", "-1", "--n-jobs", "1")

    # 2. the 20 notes most worth labelling, as a template
    template_path = tmp_path / "template.csv"
    _run(
        "suggest",
        tmp_path / "unlabelled.csv",
        "-m",
        tmp_path / "m1",
        "-n",
        "20",
        "-o",
        template_path,
    )
    template = pd.read_csv(template_path, dtype={"note_id": str})
    assert len(template) == 20 and set(template["note_id"]) <= set(pool["note_id"])

    # 3. "label" it: correct the 0/1 cells from the annotators' labels
    truth = dict(zip(dev["note_id"], dev["labels"], strict=True))
    edited = 0
    for i, note_id in enumerate(template["note_id"]):
        for label in LABEL_IDS:
            value = int(label in truth[note_id])
            if template.at[i, label] != value:
                template.at[i, label] = value
                edited += 1
    assert edited > 0
    template.to_csv(template_path, index=False)
    assert len(read_notes(template_path, require_labels=True)) == 20

    # 4. check the data, then retrain with lineage
    output = _run("validate", sample_file, template_path, tmp_path / "heldout.jsonl")
    assert "ok:" in output
    _run(
        "train",
        sample_file,
        template_path,
        "-o",
        tmp_path / "m2",
        "--cv",
        "-1",
        "--parent",
        tmp_path / "m1",
        "--n-jobs",
        "1",
    )
    card = json.loads((tmp_path / "m2" / "model_card.json").read_text(encoding="utf-8"))
    parent_rows = json.loads((tmp_path / "m1" / "model_card.json").read_text())["training_data"][
        "rows"
    ]
    assert card["lineage"]["parent"] == str(tmp_path / "m1")
    assert card["lineage"]["parent_rows"] == parent_rows
    assert card["lineage"]["rows_added"] == 20
    assert card["lineage"]["notes_dropped"] == 0
    assert card["lineage"]["notes_added"] == template["text"].nunique()
    files = {Path(f["path"]).name: f for f in card["training_data"]["files"]}
    assert files["template.csv"]["rows"] == 20
    assert files["template.csv"]["sha256"] == hashlib.sha256(template_path.read_bytes()).hexdigest()
    assert files[sample_file.name]["rows"] == parent_rows

    # 5. compare the two models on held-out notes
    output = _run(
        "compare",
        tmp_path / "m1",
        tmp_path / "m2",
        tmp_path / "heldout.jsonl",
        "-o",
        tmp_path / "cmp",
        "--n-boot",
        "200",
    )
    assert "better on" in output or "neither better nor worse" in output
    compare = json.loads((tmp_path / "cmp" / "compare.json").read_text(encoding="utf-8"))
    assert set(compare["per_label"]) == set(LABEL_IDS) and compare["data"]["rows"] == 90
    assert "**Verdict:" in (tmp_path / "cmp" / "compare.md").read_text(encoding="utf-8")

    # 6. evaluate both
    for name in ("m1", "m2"):
        out = tmp_path / f"eval-{name}"
        _run(
            "evaluate",
            tmp_path / "heldout.jsonl",
            "-m",
            tmp_path / name,
            "-o",
            out,
            "--n-boot",
            "200",
        )
        page = (out / "report.html").read_text(encoding="utf-8")
        for section in (
            "labels",
            "data",
            "pr",
            "calibration",
            "thresholds",
            "cooccurrence",
            "errors",
        ):
            assert f"id='{section}'" in page
        metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
        assert metrics["model"]["name"] == name and "macro_f1_ci" in metrics
        assert "Macro F1" in (out / "report.md").read_text(encoding="utf-8")
