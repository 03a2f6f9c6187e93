"""benchmarks/quality.py: the held-out test files never leak into the training data."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_quality():
    spec = importlib.util.spec_from_file_location("quality", ROOT / "benchmarks" / "quality.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_scored_files_are_dropped_from_extra(tmp_path):
    a, b, c = (tmp_path / name for name in ("a.jsonl", "b.jsonl", "c.jsonl"))
    quality = load_quality()
    # the same file named by another relative path is still recognised
    other_spelling = tmp_path / "sub" / ".." / "b.jsonl"
    assert quality.training_only([a, b, c], [other_spelling]) == [a, c]
    assert quality.training_only([a, b], []) == [a, b]
