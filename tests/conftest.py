"""Shared fixtures: a small labelled sample and a tiny model trained on it once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ethicsnlp.taxonomy import LABEL_IDS

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "data" / "labelled"


def small_sample(per_label: int = 10, negatives: int = 40) -> list[dict]:
    """A deterministic sample of bundled notes covering every label."""
    rows = [json.loads(line) for line in (LABELLED / "gold_train.jsonl").open(encoding="utf-8")]
    chosen: dict[str, dict] = {}
    for label in LABEL_IDS:
        picked = [r for r in rows if label in r["labels"]][:per_label]
        chosen.update({r["note_id"]: r for r in picked})
    chosen.update({r["note_id"]: r for r in [r for r in rows if not r["labels"]][:negatives]})
    return [
        {"note_id": r["note_id"], "text": r["text"], "labels": r["labels"]} for r in chosen.values()
    ]


@pytest.fixture(scope="session")
def sample_rows() -> list[dict]:
    return small_sample()


@pytest.fixture(scope="session")
def sample_file(tmp_path_factory, sample_rows) -> Path:
    path = tmp_path_factory.mktemp("data") / "sample.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for row in sample_rows:
            handle.write(json.dumps(row) + "\n")
    return path


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, sample_file) -> Path:
    from ethicsnlp.train import train

    folder = tmp_path_factory.mktemp("models") / "tiny"
    train([sample_file], folder, seed=0, cv=-1, n_jobs=1)
    return folder


@pytest.fixture(scope="session")
def tiny_model(tiny_model_dir):
    from ethicsnlp import load_model

    return load_model(tiny_model_dir)


def heldout_sample(per_label: int = 4, negatives: int = 20) -> list[dict]:
    """A deterministic sample of ``gold_dev`` notes (settings the tiny model never saw)."""
    rows = [json.loads(line) for line in (LABELLED / "gold_dev.jsonl").open(encoding="utf-8")]
    chosen: dict[str, dict] = {}
    for label in LABEL_IDS:
        chosen.update(
            {r["note_id"]: r for r in [r for r in rows if label in r["labels"]][:per_label]}
        )
    chosen.update({r["note_id"]: r for r in [r for r in rows if not r["labels"]][:negatives]})
    return [
        {"note_id": r["note_id"], "text": r["text"], "labels": r["labels"]} for r in chosen.values()
    ]


@pytest.fixture(scope="session")
def heldout_file(tmp_path_factory) -> Path:
    """Labelled held-out notes (JSONL) for evaluation and comparison tests."""
    path = tmp_path_factory.mktemp("heldout") / "heldout.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for row in heldout_sample():
            handle.write(json.dumps(row) + "\n")
    return path
