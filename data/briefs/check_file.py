"""Check one writer's JSONL file against the writing brief.

Usage: uv run python data/briefs/check_file.py FILE PREFIX
"""

from __future__ import annotations

import collections
import json
import sys

from ethicsnlp.taxonomy import LABEL_IDS

FIELDS = ("note_id", "text", "labels", "style", "rationale")


def problems(rows: list[dict], prefix: str) -> list[str]:
    """Missing fields, wrong id prefixes, unknown labels, empty texts and duplicate ids."""
    found = []
    for line, row in enumerate(rows, 1):
        found += [f"line {line}: missing {key}" for key in FIELDS if key not in row]
        if not str(row.get("note_id", "")).startswith(prefix + "-"):
            found.append(f"line {line}: id must start with {prefix}-")
        unknown = [x for x in row.get("labels", []) if x not in LABEL_IDS]
        found += [f"line {line}: unknown label {x}" for x in unknown]
        if not str(row.get("text", "")).strip():
            found.append(f"line {line}: empty text")
    ids = collections.Counter(row.get("note_id") for row in rows)
    found += [f"duplicate id {key}" for key, count in ids.items() if count > 1]
    return found


def main() -> None:
    path, prefix = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    lengths = [len(row["text"]) for row in rows]
    counts = collections.Counter(label for row in rows for label in row["labels"])
    print(
        f"notes {len(rows)}; no-label {sum(not row['labels'] for row in rows)}; "
        f"multi-label {sum(len(row['labels']) > 1 for row in rows)}"
    )
    print(
        f"long (>=1200 chars) {sum(n >= 1200 for n in lengths)}; "
        f"fragments (<200) {sum(n < 200 for n in lengths)}"
    )
    for label in LABEL_IDS:
        print(f"  {label}: {counts[label]}")
    print("styles:", dict(collections.Counter(row["style"] for row in rows).most_common()))
    found = problems(rows, prefix)
    for problem in found:
        print(problem)
    print("problems:", len(found))


if __name__ == "__main__":
    main()
