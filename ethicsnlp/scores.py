"""How probabilities are written to outputs (prediction files, templates, reviewer pages)."""

from __future__ import annotations

SCORE_DECIMALS = 4


def shown_score(probability: float) -> float:
    """A probability as written to outputs: rounded *down* to four decimals.

    The result is the largest four-decimal value not above ``probability``, compared as
    floats (``0.57 * 10**4`` flooring would show 0.5699 for 0.57). Thresholds have at
    most four decimals, so a shown score reaches a label's threshold exactly when the
    note is flagged for it (rounding to nearest could show 0.07 for an unflagged 0.06996
    against a threshold of 0.07).
    """
    value = float(probability)
    shown = round(value, SCORE_DECIMALS)
    if shown > value:  # rounded up: step down to the largest shown value not above it
        shown = round(shown - 10**-SCORE_DECIMALS, SCORE_DECIMALS)
    return shown


__all__ = ["SCORE_DECIMALS", "shown_score"]
