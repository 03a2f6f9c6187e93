"""The data-round agreement script: counts, and the warning for a slipped annotator."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "data" / "briefs" / "agreement.py"
LABELS = [
    [],
    ["exploitation"],
    ["dual_relationship"],
    ["beyond_competence"],
    ["neglecting_risk"],
    ["dual_relationship", "exploitation"],
    ["giving_advice"],
    [],
    ["harmful_practice"],
    ["confidentiality_breach"],
] * 3


def load_script():
    spec = importlib.util.spec_from_file_location("agreement", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(path, labels):
    rows = [{"note_id": f"x-{i:03d}", "labels": lab} for i, lab in enumerate(labels)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def run(*paths):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_counts_and_lists_disagreements(tmp_path):
    annotated = [list(lab) for lab in LABELS]
    annotated[4] = ["beyond_competence", "neglecting_risk"]
    out = run(write(tmp_path / "w.jsonl", LABELS), write(tmp_path / "a.jsonl", annotated))
    assert out.splitlines()[0] == "29/30 label sets agree exactly; per-label 299/300"
    assert '"note_id": "x-004"' in out
    assert "warning" not in out


def test_warns_when_labels_slip_one_note_later(tmp_path):
    # From line 12 on each line carries the labels of the note after it.
    slipped = LABELS[:12] + LABELS[13:] + [[]]
    out = run(write(tmp_path / "w.jsonl", LABELS), write(tmp_path / "a.jsonl", slipped))
    first = out.splitlines()[0]
    assert first.startswith("warning:") and "slipped" in first
    assert "from about line" in first


def test_slipped_runs_finds_both_directions_and_ignores_scattered_errors():
    module = load_script()
    writer = [set(lab) for lab in LABELS]
    later = [*writer[1:], set()]
    earlier = [set(), *writer[:-1]]
    assert (0, 1) in module.slipped_runs(writer, later)
    assert (0, -1) in module.slipped_runs(writer, earlier)
    scattered = [set(lab) for lab in LABELS]
    for i in (3, 11, 19, 27):
        scattered[i] = {"imposing_beliefs"}
    assert module.slipped_runs(writer, scattered) == []
