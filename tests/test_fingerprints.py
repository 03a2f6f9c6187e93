"""Training-note fingerprints: recorded by train, counted by evaluate and compare."""

import json

from ethicsnlp.compare import compare_models
from ethicsnlp.evaluate import evaluate
from ethicsnlp.fingerprints import (
    FINGERPRINT_FILE,
    count_in_training,
    note_fingerprint,
    read_fingerprints,
)
from ethicsnlp.persist import CHECKSUM_FILE


def test_fingerprint_ignores_case_and_whitespace_only():
    assert note_fingerprint("Client  said\nhello ") == note_fingerprint("client said hello")
    assert note_fingerprint("client said hello") != note_fingerprint("client said hallo")
    assert len(note_fingerprint("x")) == 16


def test_train_records_fingerprints_under_the_checksums(tiny_model_dir, sample_rows):
    known = read_fingerprints(tiny_model_dir)
    assert known == {note_fingerprint(r["text"]) for r in sample_rows}
    assert FINGERPRINT_FILE in (tiny_model_dir / CHECKSUM_FILE).read_text(encoding="utf-8")
    texts = [r["text"] for r in sample_rows[:5]] + ["a note nobody trained on"]
    assert count_in_training(texts, tiny_model_dir) == 5
    assert count_in_training(texts, tiny_model_dir.parent / "missing") is None


def test_evaluate_and_compare_count_training_notes_under_new_ids(
    tiny_model, sample_rows, heldout_file, tmp_path, caplog
):
    mixed = tmp_path / "mixed.jsonl"
    rows = [json.loads(line) for line in heldout_file.read_text(encoding="utf-8").splitlines()]
    reused = [{**r, "note_id": f"new-{i}", "text": r["text"].upper()} for i, r in
              enumerate(sample_rows[:7])]
    mixed.write_text("".join(json.dumps(r) + "\n" for r in rows + reused), encoding="utf-8")
    metrics = evaluate(mixed, tiny_model, tmp_path / "report", n_boot=0)
    assert metrics["data"]["notes_in_training_data"] == 7
    assert not metrics["data"]["in_training_data"]
    assert "7 of the" in caplog.text
    report = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert f"**7 of these {len(rows) + 7} notes were used to train the model" in report
    clean = evaluate(heldout_file, tiny_model, n_boot=0)
    assert clean["data"]["notes_in_training_data"] == 0

    result = compare_models(tiny_model, tiny_model, mixed, tmp_path / "cmp", n_boot=20)
    assert result["model_a"]["notes_in_training_data"] == 7
    assert "in model A's training data" in (tmp_path / "cmp" / "compare.md").read_text()
