import numpy as np

from ethicsnlp.error_analysis import analyse_errors, cause_table
from ethicsnlp.nlp import get_nlp
from ethicsnlp.taxonomy import LABEL_IDS, label_index


def _case(text, label, flagged, true):
    nlp = get_nlp()
    doc = nlp(text)
    Y = np.zeros((1, len(LABEL_IDS)), dtype=int)
    for name in true:
        Y[0, label_index(name)] = 1
    proba = np.zeros((1, len(LABEL_IDS)))
    proba[0, label_index(label)] = 0.9 if flagged else 0.1
    return analyse_errors(["n1"], [doc], Y, proba, np.full(len(LABEL_IDS), 0.5))


def test_false_positive_negation_missed():
    errors = _case(
        "Writer declined the client's friend request on Facebook.", "dual_relationship", True, []
    )
    assert errors.loc[0, "kind"] == "FP"
    assert errors.loc[0, "cause"] == "negation missed"


def test_cues_say_whether_they_sit_in_a_refusal_sentence():
    errors = _case(
        "Writer declined the client's friend request on Facebook.", "dual_relationship", True, []
    )
    cues = errors.loc[0, "cues"]
    assert cues and all(c["refused"] for c in cues)
    errors = _case(
        "Writer accepted the friend request and they went to a party.",
        "dual_relationship",
        False,
        ["dual_relationship"],
    )
    cues = errors.loc[0, "cues"]
    assert cues and not any(c["refused"] for c in cues)


def test_false_positive_actor_wrong():
    errors = _case(
        "Client's sister posted about her diagnosis on Facebook.",
        "confidentiality_breach",
        True,
        [],
    )
    assert errors.loc[0, "cause"] == "actor wrong"


def test_false_negative_causes():
    errors = _case(
        "Th bought a boat from ct at a good price.", "exploitation", False, ["exploitation"]
    )
    assert errors.loc[0, "kind"] == "FN"
    assert errors.loc[0, "cause"] == "vocabulary not seen"
    errors = _case(
        "Writer accepted the friend request and they went to a party.",
        "dual_relationship",
        False,
        ["dual_relationship"],
    )
    assert errors.loc[0, "cause"] == "weak signal"


def test_no_errors_and_cause_table():
    errors = _case("Routine session.", "exploitation", False, [])
    assert errors.empty
    assert cause_table(errors).empty
    errors = _case("Writer declined the friend request.", "dual_relationship", True, [])
    table = cause_table(errors)
    assert table.loc["dual_relationship", ("FP", "negation missed")] == 1


def test_grouped_cv_errors_on_a_sample(sample_rows):
    import pandas as pd

    from ethicsnlp.error_analysis import grouped_cv_errors

    frame = pd.DataFrame(
        [
            {"note_id": r["note_id"], "text": r["text"]}
            | {label: int(label in r["labels"]) for label in LABEL_IDS}
            for r in sample_rows
        ]
    )
    errors, metrics = grouped_cv_errors(frame, cv=3, group_by="none")
    assert metrics["n_notes"] == len(frame)
    assert set(errors["kind"]) <= {"FP", "FN"}
    assert (errors["threshold"] > 0).all()
    assert len(errors) > 0  # a model trained on ~140 notes makes mistakes


def test_grouped_cv_errors_names_a_label_too_rare_for_the_folds(sample_rows):
    import pandas as pd
    import pytest

    from ethicsnlp.error_analysis import grouped_cv_errors
    from ethicsnlp.errors import DataError

    frame = pd.DataFrame(
        [
            {"note_id": r["note_id"], "text": r["text"]}
            | {label: int(label in r["labels"]) for label in LABEL_IDS}
            for r in sample_rows[:3]
        ]
    )
    with pytest.raises(DataError, match=r"has no positive .* cross-validation fold"):
        grouped_cv_errors(frame, cv=2, group_by="none")


def test_a_miss_the_issue_gate_withdrew_says_so():
    doc = get_nlp()("Writer accepted the friend request and they went to a party.")
    Y = np.zeros((1, len(LABEL_IDS)), dtype=int)
    Y[0, label_index("dual_relationship")] = 1
    proba = np.full((1, len(LABEL_IDS)), 0.1)
    withdrawn = np.zeros_like(Y)
    withdrawn[0, label_index("dual_relationship")] = 1
    errors = analyse_errors(["n1"], [doc], Y, proba, np.full(len(LABEL_IDS), 0.5), withdrawn)
    assert errors.loc[0, "kind"] == "FN" and errors.loc[0, "cause"] == "issue gate"
    plain = analyse_errors(["n1"], [doc], Y, proba, np.full(len(LABEL_IDS), 0.5))
    assert plain.loc[0, "cause"] == "weak signal"
