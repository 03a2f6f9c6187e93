"""Agreement between a writer's labels and a blind annotator's labels.

Usage: uv run python data/briefs/agreement.py WRITER.jsonl ANNOTATOR.jsonl [...pairs]

Prints exact label-set agreement, per-label agreement, and each disagreement (ids
and labels only) for adjudication by the guide. It also warns when a run of the
annotator's lines matches the writer's neighbouring notes better than their own: the
sign of an annotator who slipped against the note ids, whose file should be redone
rather than adjudicated.
"""

from __future__ import annotations

import json
import sys

SLIP_WINDOW = 10
SLIP_MARGIN = 4


def read(path: str) -> dict[str, dict]:
    with open(path, encoding="utf-8") as handle:
        return {row["note_id"]: row for row in map(json.loads, handle)}


def slipped_runs(
    writer_labels: list[set[str]],
    annotator_labels: list[set[str]],
    window: int = SLIP_WINDOW,
    margin: int = SLIP_MARGIN,
) -> list[tuple[int, int]]:
    """Start positions and offsets (+1 or -1) of windows that look shifted.

    Both lists are in the annotator's line order. A window of ``window`` lines is
    reported when its labels equal the writer's labels one note later (or earlier)
    at least ``margin`` times more often than the writer's labels of the same note.
    """
    found = []
    count = len(writer_labels)
    for start in range(0, max(count - window, 0) + 1):
        lines = range(start, min(start + window, count))
        aligned = sum(annotator_labels[i] == writer_labels[i] for i in lines)
        for offset in (1, -1):
            shifted = sum(
                0 <= i + offset < count and annotator_labels[i] == writer_labels[i + offset]
                for i in lines
            )
            if shifted - aligned >= margin:
                found.append((start, offset))
    return found


def main() -> None:
    args = sys.argv[1:]
    notes = same = decisions = agreed = 0
    disagreements = []
    for writer_path, annotator_path in zip(args[::2], args[1::2], strict=True):
        writer, annotator = read(writer_path), read(annotator_path)
        if set(writer) != set(annotator):
            sys.exit(f"{annotator_path}: note ids differ from {writer_path}")
        order = list(annotator)
        by_position = [set(writer[note_id]["labels"]) for note_id in order]
        runs = slipped_runs(by_position, [set(annotator[n]["labels"]) for n in order])
        if runs:
            start, offset = runs[0]
            print(
                f"warning: {annotator_path}: from about line {start + 1} ({order[start]}) the "
                f"labels match the writer's note {'after' if offset > 0 else 'before'} "
                "better than their own; the annotator probably slipped against the note "
                "ids: redo the annotation instead of adjudicating it"
            )
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
