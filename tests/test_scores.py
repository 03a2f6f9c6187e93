"""Shown scores agree with the flags they sit beside."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from ethicsnlp.model import THRESHOLD_GRID
from ethicsnlp.scores import shown_score


def test_rounds_down_to_four_decimals():
    assert shown_score(0.069996) == 0.0699
    assert shown_score(0.07) == 0.07
    assert shown_score(0.57) == 0.57 and shown_score(0.69) == 0.69
    assert shown_score(1.0) == 1.0 and shown_score(0.0) == 0.0
    assert isinstance(shown_score(np.float64(0.5)), float)


@given(
    st.one_of(st.floats(min_value=0.0, max_value=1.0), st.sampled_from(THRESHOLD_GRID.tolist())),
    st.sampled_from(THRESHOLD_GRID.tolist()),
)
def test_shown_score_reaches_the_threshold_exactly_when_flagged(probability, threshold):
    assert (shown_score(probability) >= threshold) == (probability >= threshold)


def test_every_grid_threshold_is_shown_as_itself():
    assert [shown_score(t) for t in THRESHOLD_GRID.tolist()] == THRESHOLD_GRID.tolist()
