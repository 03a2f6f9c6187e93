"""Groups for cross-validation: the setting each note comes from.

Notes from one setting share vocabulary, so honest validation keeps a whole
setting out of training. By default the group is the note id's prefix before
the first ``-`` (``r12-0042`` -> ``r12``).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut, StratifiedKFold

from ethicsnlp.errors import DataError

log = logging.getLogger(__name__)


def note_groups(frame: pd.DataFrame, group_by: str = "prefix") -> np.ndarray | None:
    """Return one group per note: ``prefix`` (of note_id), ``column:NAME``, or ``none``."""
    if group_by == "none":
        return None
    if group_by == "prefix":
        groups = frame["note_id"].astype(str).str.split("-", n=1).str[0].to_numpy()
        if len(groups) >= 20 and len(set(groups)) > len(groups) / 2:
            log.warning(
                "most note ids have no setting prefix before a '-' (%d groups for %d notes), "
                "so cross-validation groups are nearly single notes and its figures are "
                "those of a random split; name the setting with --group-by column:NAME",
                len(set(groups)),
                len(groups),
            )
        return groups
    if group_by.startswith("column:"):
        name = group_by.split(":", 1)[1]
        if name not in frame.columns:
            raise DataError(f"--group-by names column {name!r}, which the data does not have")
        return frame[name].astype(str).to_numpy()
    raise DataError(f"--group-by must be 'prefix', 'column:NAME' or 'none', got {group_by!r}")


def outer_splits(
    Y: np.ndarray, groups: np.ndarray | None, cv: int, seed: int, warn: bool = True
) -> tuple[list, str]:
    """Cross-validation splits and a description of them.

    ``cv == 0`` means leave one group out, and so does a ``cv`` larger than the
    number of groups (with a warning). With fewer than two groups (or none), falls
    back to stratified K-fold on "has any label", with a warning when groups were
    asked for: those figures are not for unseen settings.
    """
    n = len(Y)
    n_groups = len(set(groups)) if groups is not None else 0
    if groups is not None and 2 <= n_groups < cv:
        if warn:
            log.warning(
                "only %d groups for %d folds: leaving one group out instead", n_groups, cv
            )
        cv = 0
    if groups is not None and n_groups < 2 and warn:
        log.warning(
            "fewer than two groups: cross-validation is a random stratified split, so its "
            "figures are not for settings the model never saw"
        )
    if groups is not None and n_groups >= 2 and cv == 0:
        return list(
            LeaveOneGroupOut().split(np.zeros(n), groups=groups)
        ), f"leave-one-group-out over {n_groups} groups"
    if groups is not None and n_groups >= max(cv, 2):
        return list(
            GroupKFold(n_splits=cv).split(np.zeros(n), groups=groups)
        ), f"group {cv}-fold over {n_groups} groups"
    k = cv if cv >= 2 else 5
    strata = np.asarray(Y).any(axis=1).astype(int)
    splitter = StratifiedKFold(k, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(n), strata)), f"stratified {k}-fold (no groups)"


def one_class_message(label: str, where: str) -> str:
    """The start of every message about a label that cannot be fitted somewhere;
    callers add what to do, in their own command's terms."""
    return f"label {label!r} has no positive (or no negative) notes in {where}"


def label_missing_from_a_fold(
    Y: np.ndarray,
    groups: np.ndarray | None,
    cv: int,
    seed: int,
    Y_every_fold: np.ndarray | None = None,
) -> int | None:
    """The first label column whose notes in some outer fold's training part (plus
    ``Y_every_fold``, notes that join every fold) are all positive or all negative,
    or ``None`` when every fold can fit every label. Checked before any fitting, so
    a label that sits in too few groups fails in seconds, not after hours of work."""
    splits, _ = outer_splits(Y, groups, cv, seed, warn=False)
    for train_idx, _ in splits:
        fold = Y[train_idx] if Y_every_fold is None else np.vstack([Y[train_idx], Y_every_fold])
        for column in range(Y.shape[1]):
            if fold[:, column].min() == fold[:, column].max():
                return column
    return None
