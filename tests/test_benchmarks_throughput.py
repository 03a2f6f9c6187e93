"""benchmarks/throughput.py: timed children use a warmed bytecode cache; runs work."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_throughput():
    path = ROOT / "benchmarks" / "throughput.py"
    spec = importlib.util.spec_from_file_location("throughput", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_children_may_write_bytecode_under_the_given_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    throughput = load_throughput()
    assert throughput.CHILD_ENV is None  # by default children inherit this environment
    throughput.use_bytecode_cache(tmp_path / "pyc")
    assert "PYTHONDONTWRITEBYTECODE" not in throughput.CHILD_ENV
    assert throughput.CHILD_ENV["PYTHONPYCACHEPREFIX"] == str(tmp_path / "pyc")


@pytest.mark.slow
def test_a_timed_run_scores_every_note_and_fills_the_cache(tmp_path):
    throughput = load_throughput()
    notes = throughput.make_notes(tmp_path / "notes.jsonl", 3)
    assert [json.loads(line)["note_id"] for line in notes.open()] == [
        "b0000000",
        "b0000001",
        "b0000002",
    ]
    throughput.use_bytecode_cache(tmp_path / "pyc")
    run = throughput.predict_run(notes, tmp_path / "out.jsonl", 1, None)
    assert run["notes"] == 3 and run["seconds"] > 0 and run["peak_rss_mb"] > 0
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 3
    assert any((tmp_path / "pyc").rglob("*.pyc"))
