"""validate: schema errors, ids across files, exact and near duplicates, no text in messages."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from typer.testing import CliRunner

from ethicsnlp.cli import app
from ethicsnlp.taxonomy import LABEL_IDS
from ethicsnlp.validate import near_duplicate_pairs, validate_files

runner = CliRunner()
CANARY = "NUMBAT-CANARY-4410"


def _write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def rows(sample_rows):
    return [dict(r) for r in sample_rows[:40]]


def test_clean_file_passes_with_label_counts(sample_file):
    report = validate_files([sample_file])
    assert report.ok and not report.errors
    assert report.files[0]["rows"] > 0 and report.files[0]["labelled"]
    assert set(report.label_counts) == set(LABEL_IDS)
    result = runner.invoke(app, ["validate", str(sample_file)])
    assert result.exit_code == 0, result.output
    assert "ok:" in result.output


def test_exact_and_near_duplicates_within_and_across_files(tmp_path, rows):
    train_rows = rows[:30]
    eval_rows = [dict(r, note_id=f"x-{k}") for k, r in enumerate(rows[30:])]
    # exact copy across files, with different labels
    eval_rows.append(
        {"note_id": "x-copy", "text": train_rows[0]["text"], "labels": ["exploitation"]}
    )
    # near-duplicate within the training file: one word changed
    words = train_rows[1]["text"].split()
    words[len(words) // 2] = "different"
    train_rows.append(
        {"note_id": "r-near", "text": " ".join(words), "labels": train_rows[1]["labels"]}
    )
    a = _write_jsonl(tmp_path / "train.jsonl", train_rows)
    b = _write_jsonl(tmp_path / "eval.jsonl", eval_rows)
    report = validate_files([a, b])
    assert report.ok
    assert len(report.exact_duplicates) == 1 and report.exact_duplicates[0].cross_file
    assert report.exact_duplicates[0].second.note_id == "x-copy"
    near = [(p.first.note_id, p.second.note_id) for p in report.near_duplicates]
    assert (train_rows[1]["note_id"], "r-near") in near
    text = "\n".join(report.warnings)
    assert "leakage" in text and "eval.jsonl line" in text and "'x-copy'" in text
    result = runner.invoke(app, ["validate", str(a), str(b), "--json", str(tmp_path / "v.json")])
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "labels differ" in result.output
    saved = json.loads((tmp_path / "v.json").read_text())
    assert saved["ok"] and saved["exact_duplicates"][0]["cross_file"]


def test_duplicate_ids_across_files_and_bad_files_exit_2(tmp_path, rows):
    a = _write_jsonl(tmp_path / "a.jsonl", rows[:5])
    b = _write_jsonl(tmp_path / "b.jsonl", rows[3:8])
    bad = tmp_path / "bad.csv"
    bad.write_text("note_id,text,labels\nz1,some text,not_a_label\n", encoding="utf-8")
    report = validate_files([a, b, bad])
    assert not report.ok
    joined = "\n".join(report.errors)
    assert "2 note id(s) in more than one file" in joined
    assert "bad.csv, row 1, column 'labels': unknown label 'not_a_label'" in joined
    result = runner.invoke(app, ["validate", str(a), str(b), str(bad)])
    assert result.exit_code == 2
    assert "error:" in result.output


def test_messages_never_contain_note_text(tmp_path, rows):
    texts = [dict(r, text=f"{CANARY} {r['text']}") for r in rows[:6]]
    copies = [dict(r, note_id=r["note_id"] + "-copy") for r in texts[:3]]
    a = _write_jsonl(tmp_path / "a.jsonl", texts)
    b = _write_jsonl(tmp_path / "b.jsonl", copies)
    c = _write_jsonl(tmp_path / "c.jsonl", [dict(texts[0], note_id="c1", labels=["not_a_label"])])
    d = tmp_path / "d.csv"
    pd.DataFrame({"note_id": ["q"], "text": [CANARY], "exploitation": ["2"]}).to_csv(d, index=False)
    out = tmp_path / "o.json"
    result = runner.invoke(app, ["validate", str(a), str(b), str(c), str(d), "--json", str(out)])
    assert result.exit_code == 2
    assert "exact duplicate texts across files" in result.output
    assert "c.jsonl, line 1, column 'labels': unknown label" in result.output
    assert "d.csv: label columns missing" in result.output
    assert CANARY not in result.output
    assert CANARY not in out.read_text()


def test_near_duplicate_search_matches_brute_force():
    rng = np.random.default_rng(0)
    vocab = [f"w{k}" for k in range(60)] + ["client", "therapist", "session", "plan"]
    texts = [" ".join(rng.choice(vocab, size=rng.integers(30, 60))) for _ in range(150)]
    for k in range(10):  # light edits of earlier notes
        words = texts[k].split()
        words[0] = words[1]
        texts.append(" ".join(words))
    texts += ["ok", "ok.", "a"]
    found = {(i, j) for i, j, _ in near_duplicate_pairs(texts, 0.9)}
    X = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(
        texts
    )
    sims = (X @ X.T).toarray()
    brute = {
        (i, j)
        for i in range(len(texts))
        for j in range(i + 1, len(texts))
        if sims[i, j] >= 0.9 - 1e-6
    }
    assert found == brute and len(brute) >= 10
    assert near_duplicate_pairs(["only one"]) == []


def test_rare_labels_warn(tmp_path):
    rows = [
        {"note_id": f"n{k}", "text": f"note number {k} about sleep", "labels": []} for k in range(6)
    ]
    rows[0]["labels"] = ["exploitation"]
    report = validate_files([_write_jsonl(tmp_path / "r.jsonl", rows)])
    assert report.ok
    assert any("'exploitation': 1 of 6" in w for w in report.warnings)
