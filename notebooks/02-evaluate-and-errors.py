# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Evaluate a model and read its errors
#
# To stay fast and independent of the shipped model, this notebook trains a
# small model on a sample of `gold_train.jsonl` and evaluates it on
# `gold_dev.jsonl`, whose settings (`d1`–`d3`) it never saw. To evaluate the
# shipped model instead, set `MODEL = "models/default"`, but note that it was
# trained on every bundled labelled file, so its figures on them are optimistic
# (the report says so); use the cross-validated figures in its model card.

# %%
import tempfile
from pathlib import Path

import pandas as pd
from IPython.display import Image, display

from ethicsnlp import load_model
from ethicsnlp.data import read_notes
from ethicsnlp.evaluate import errors_frame, errors_with_evidence, evaluate
from ethicsnlp.explore import quick_model
from ethicsnlp.paths import DATA_DIR
from ethicsnlp.report import figure_png, pr_curves_figure

workdir = tempfile.TemporaryDirectory()
MODEL = quick_model(Path(workdir.name) / "quick")
DEV = DATA_DIR / "labelled" / "gold_dev.jsonl"

# %% [markdown]
# ## The report
#
# `evaluate` writes `metrics.json`, `report.md` and a self-contained
# `report.html` (open it in a browser). With `redact=True` the HTML holds no
# note text, only ids, labels and scores.

# %%
out = Path(workdir.name) / "report"
metrics = evaluate(DEV, MODEL, out, n_boot=200, seed=0)
sorted(p.name for p in out.iterdir())

# %%
print(f"macro F1 {metrics['macro_f1']:.3f}, 95% interval {metrics['macro_f1_ci']}")
pd.DataFrame(metrics["per_label"]).T[
    ["support", "flagged", "precision", "recall", "f1", "f1_ci", "brier", "threshold"]
]

# %% [markdown]
# ## Precision–recall curves
#
# The dot is where the model's threshold puts it.

# %%
model = load_model(MODEL)
notes = read_notes(DEV, require_labels=True)
labels = notes[list(model.labels)].to_numpy()
proba = model.predict_proba(notes["text"].tolist())
display(Image(figure_png(pr_curves_figure(labels, proba, model.thresholds))))

# %% [markdown]
# ## Errors with their evidence
#
# The report's error tables as a DataFrame: for each label, the false alarms with
# the highest probability and the misses with the lowest, with the sentence(s)
# the model points to. This cell shows note text: keep its output out of shared
# copies (the notebook file itself is stored without outputs).

# %%
errors = errors_frame(errors_with_evidence(model, metrics["errors"], notes))
errors[errors["label"] == "neglecting_risk"]

# %% [markdown]
# Those tables hold at most five errors per label and kind (the report's
# `TOP_ERRORS`). All the errors, counted:

# %%
flags = proba >= model.thresholds
pd.DataFrame(
    {
        "false_positives": (flags & (labels == 0)).sum(axis=0),
        "false_negatives": (~flags & (labels == 1)).sum(axis=0),
        "shown_above": errors.groupby("label").size().reindex(model.labels, fill_value=0),
    },
    index=list(model.labels),
)

# %%
workdir.cleanup()
