"""Fingerprints of training notes, to tell when evaluation notes were trained on.

A fingerprint is the first 16 hex digits (64 bits) of the SHA-256 of a note's text
with case and whitespace normalised, so the same note re-saved as CSV, re-indented
or under a new id still matches. A model folder keeps the fingerprints of its
training notes in ``training_fingerprints.txt`` (one per line, sorted, covered by
the folder's checksums); evaluation and comparison count how many of their notes
match. The fingerprints tell whether a given text was in the training data; they
cannot be turned back into text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

FINGERPRINT_FILE = "training_fingerprints.txt"

_SPACE = re.compile(r"\s+")


def note_fingerprint(text: str) -> str:
    """The fingerprint of one note's text (case and whitespace normalised)."""
    normal = _SPACE.sub(" ", text).strip().casefold()
    return hashlib.sha256(normal.encode("utf-8", errors="surrogateescape")).hexdigest()[:16]


def fingerprints_text(texts: Iterable[str]) -> str:
    """The content of a fingerprint file for ``texts``: sorted, unique, one per line."""
    return "".join(f"{fp}\n" for fp in sorted({note_fingerprint(t) for t in texts}))


def read_fingerprints(folder: str | Path) -> set[str] | None:
    """The training fingerprints of a model folder, or ``None`` when the model was
    saved without them (before they were recorded)."""
    path = Path(folder) / FINGERPRINT_FILE
    if not path.is_file():
        return None
    return set(path.read_text(encoding="ascii").split())


def count_in_training(texts: Iterable[str], folder: str | Path) -> int | None:
    """How many of ``texts`` a model was trained on (``None`` when unknown)."""
    known = read_fingerprints(folder)
    if known is None:
        return None
    return sum(note_fingerprint(text) in known for text in texts)
