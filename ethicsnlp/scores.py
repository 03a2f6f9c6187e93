"""How probabilities are written to outputs (prediction files, templates, reviewer pages)."""

from __future__ import annotations

import math

SCORE_DECIMALS = 4


def shown_score(probability: float) -> float:
    """A probability as written to outputs: rounded *down* to four decimals.

    Thresholds have at most four decimals, so a shown score reaches a label's threshold
    exactly when the note is flagged for it (rounding to nearest could show 0.07 for an
    unflagged 0.06996 against a threshold of 0.07).
    """
    scale = 10**SCORE_DECIMALS
    return math.floor(float(probability) * scale) / scale


__all__ = ["SCORE_DECIMALS", "shown_score"]
