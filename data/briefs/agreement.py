"""Agreement between a writer's labels and a blind annotator's labels.

Usage: uv run python data/briefs/agreement.py WRITER.jsonl ANNOTATOR.jsonl [...pairs]

Prints exact label-set agreement, per-label agreement, and each disagreement (ids
and labels only) for adjudication by the guide.
"""

from __future__ import annotations

import json
import sys


def read(path: str) -> dict[str, dict]:
    with open(path, encoding="utf-8") as handle:
        return {row["note_id"]: row for row in map(json.loads, handle)}


def main() -> None:
    args = sys.argv[1:]
    notes = same = decisions = agreed = 0
    disagreements = []
    for writer_path, annotator_path in zip(args[::2], args[1::2], strict=True):
        writer, annotator = read(writer_path), read(annotator_path)
        if set(writer) != set(annotator):
            sys.exit(f"{annotator_path}: note ids differ from {writer_path}")
        for note_id, row in writer.items():
            first, second = set(row["labels"]), set(annotator[note_id]["labels"])
            notes += 1
            same += first == second
            decisions += 10
            agreed += 10 - len(first ^ second)
            if first != second:
                disagreements.append((note_id, sorted(first), sorted(second)))
    print(f"{same}/{notes} label sets agree exactly; per-label {agreed}/{decisions}")
    for note_id, first, second in disagreements:
        print(json.dumps({"note_id": note_id, "writer": first, "annotator": second}))


if __name__ == "__main__":
    main()
