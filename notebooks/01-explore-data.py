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
# # 01 · Explore the labelled data
#
# What the bundled training and evaluation notes look like: how many notes, how
# many carry each label, how long they are, which labels occur together, and
# whether any files overlap. Every function used here lives in the `ethicsnlp`
# package (mainly `ethicsnlp.explore`), so the same summaries are available from
# scripts. Nothing below prints note text.

# %%
from IPython.display import Image, display

from ethicsnlp.data import label_matrix
from ethicsnlp.explore import data_summary, group_table, label_counts_table, load_labelled
from ethicsnlp.paths import default_training_files
from ethicsnlp.report import cooccurrence_figure, figure_png
from ethicsnlp.validate import validate_files

files = default_training_files()
[f.name for f in files]

# %% [markdown]
# ## Notes, labels and lengths

# %%
frame = load_labelled(files)
summary = data_summary(frame)
{key: summary[key] for key in ("notes", "no_label_notes", "no_label_share", "labels_per_note")}

# %%
label_counts_table(frame)

# %% [markdown]
# Note length in characters and words (quantiles):

# %%
{"characters": summary["chars"], "words": summary["words"]}

# %% [markdown]
# ## Settings
#
# The prefix of a note id is its setting: `r1` … `r19` and `d1` … `d3` for the 22
# shared settings, `n1`, `n2`, … for the settings written since (see
# `data/README.md`). Cross-validation keeps whole settings out of training.

# %%
group_table(frame)

# %% [markdown]
# ## Labels that occur together
#
# Overlaps the label guide expects (e.g. sexual contact is both exploitation and a
# dual relationship) show up as the darker off-diagonal cells.

# %%
display(Image(figure_png(cooccurrence_figure(label_matrix(frame)))))

# %% [markdown]
# ## Checking the files together
#
# `ethicsnlp validate` (here its function) looks for repeated ids, exact and near
# duplicate texts within and across files, and labels too rare to train on.
# Cross-file duplicates would leak between training and evaluation data.

# %%
report = validate_files(files)
print("errors:", len(report.errors), "| warnings:", len(report.warnings))
for warning in report.warnings:
    print(warning)
