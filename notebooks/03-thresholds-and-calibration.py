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
# # 03 · Thresholds and calibration
#
# A label is flagged when its probability reaches the label's threshold, tuned on
# out-of-fold predictions when the model was trained. This notebook asks: are the
# probabilities honest (calibration), and what would another threshold do?
# As in notebook 02 it uses a small model trained on a sample of
# `gold_train.jsonl`, scored on the unseen settings of `gold_dev.jsonl`.

# %%
import tempfile
from pathlib import Path

import pandas as pd
from IPython.display import Image, display

from ethicsnlp import load_model
from ethicsnlp.data import label_matrix, read_notes
from ethicsnlp.explore import quick_model, threshold_sweep
from ethicsnlp.metrics import flag_metrics
from ethicsnlp.paths import DATA_DIR
from ethicsnlp.report import brier_scores, calibration_figure, figure_png, threshold_figure

workdir = tempfile.TemporaryDirectory()
model = load_model(quick_model(Path(workdir.name) / "quick"))
notes = read_notes(DATA_DIR / "labelled" / "gold_dev.jsonl", require_labels=True)
Y = label_matrix(notes)
proba = model.predict_proba(notes["text"].tolist())
pd.Series(model.thresholds, index=model.labels, name="threshold")

# %% [markdown]
# ## Calibration
#
# Reliability diagrams: points on the diagonal mean that notes given a
# probability of 0.7 carry the label about 70% of the time. The Brier score is
# the mean squared error of the probabilities (lower is better).

# %%
display(Image(figure_png(calibration_figure(Y, proba))))
pd.Series(brier_scores(Y, proba), name="Brier")

# %% [markdown]
# ## Threshold sweeps
#
# Precision, recall and F1 at every threshold; the grey line is the model's.

# %%
display(Image(figure_png(threshold_figure(Y, proba, model.thresholds))))

# %% [markdown]
# The same for one label as a table, around its threshold:

# %%
label = "neglecting_risk"
j = model.labels.index(label)
sweep = threshold_sweep(Y[:, j], proba[:, j])
sweep[(sweep["threshold"] - model.thresholds[j]).abs() <= 0.1]

# %% [markdown]
# ## What if a review team wants fewer missed risks?
#
# Lowering one label's threshold trades precision for recall. Compare the
# metrics with the model's thresholds and with a lower one for `neglecting_risk`
# (a what-if on this data, not a tuned setting: tune on held-out notes).

# %%
lower = model.thresholds.copy()
lower[j] = max(0.05, model.thresholds[j] - 0.1)
before = flag_metrics(Y, (proba >= model.thresholds).astype(int))["per_label"][label]
after = flag_metrics(Y, (proba >= lower).astype(int))["per_label"][label]
pd.DataFrame({"model threshold": before, "lower threshold": after})

# %%
workdir.cleanup()
