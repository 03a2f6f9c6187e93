"""The shipped default model and the README's first command."""

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ethicsnlp.cli import app
from ethicsnlp.paths import MODELS_DIR
from ethicsnlp.persist import read_card
from ethicsnlp.taxonomy import LABEL_IDS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "examples" / "notes.csv"
DEFAULT = MODELS_DIR / "default"


def test_shipped_card_records_data_versions_and_grouped_cv():
    card = read_card(DEFAULT)
    assert card["labels"] == list(LABEL_IDS)
    assert card["training_data"]["rows"] >= 3210
    assert card["cv_metrics"]["cv"].startswith("leave-one-group-out")
    assert card["peer_cv_metrics"]["macro_f1"] < card["cv_metrics"]["macro_f1"]
    assert set(card["thresholds"]) == set(LABEL_IDS)
    # the default second classifier (exploitation on dual_relationship notes) is in it
    assert card["conditional"] == [{"target": "exploitation", "gate": "dual_relationship"}]
    # and the issue gate, with the threshold its inner split tuned
    assert 0 < card["issue_gate"]["threshold"] <= 0.6


def test_readme_predict_command_on_examples(tmp_path):
    out = tmp_path / "predictions.jsonl"
    result = CliRunner().invoke(app, ["predict", str(EXAMPLES), "-o", str(out)])
    assert result.exit_code == 0, result.output
    notes = pd.read_csv(EXAMPLES)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["note_id"] for r in records] == notes["note_id"].astype(str).tolist()
    texts = dict(zip(notes["note_id"].astype(str), notes["text"], strict=True))
    for record in records:
        assert list(record) == ["note_id", "labels", "scores", "evidence"]
        assert list(record["scores"]) == list(LABEL_IDS)
        assert sorted(record["evidence"]) == sorted(record["labels"])
        for spans in record["evidence"].values():
            for span in spans:
                assert list(span) == ["start", "end", "text"]
                assert texts[record["note_id"]][span["start"] : span["end"]] == span["text"]
    assert any(r["labels"] for r in records)
    assert any(not r["labels"] for r in records)


@pytest.mark.parametrize(
    ("text", "label", "flagged"),
    [
        (
            "Writer accepted the client's friend request on Facebook and they now go out for "
            "drinks on weekends.",
            "dual_relationship",
            True,
        ),
        (
            "Client sent writer a friend request on Facebook. Writer declined it and reviewed the "
            "social media policy with client.",
            "dual_relationship",
            False,
        ),
    ],
)
def test_near_twin_pair(text, label, flagged):
    from ethicsnlp import load_model

    record = load_model().predict([text])[0]
    assert (label in record["labels"]) is flagged


def test_info_shows_peer_beside_model():
    result = CliRunner().invoke(app, ["info"])
    assert result.exit_code == 0
    assert "TF-IDF peer on the same folds" in result.output
    assert "peer F1" in result.output


def test_readme_python_example_runs_as_written(monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python", 1)[1]
    block = section.split("```python", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(block, "README.md (Python section)", "exec"), namespace)
    assert [r["note_id"] for r in namespace["records"]] == ["a", "b"]
    scored = namespace["scored"]
    assert len(scored) == len(pd.read_csv(EXAMPLES))
    assert {"labels", *(f"score_{label}" for label in LABEL_IDS)} <= set(scored.columns)
