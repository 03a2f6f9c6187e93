"""ethicsnlp: flags possible ethical issues in de-identified psychotherapy session
notes for human review.

>>> from ethicsnlp import load_model
>>> model = load_model()                      # the shipped default model
>>> model.predict(["..."], note_ids=["n1"])   # one record per note
"""

from ethicsnlp.taxonomy import LABEL_IDS, LABELS

__version__ = "0.1.0"
__all__ = ["LABELS", "LABEL_IDS", "__version__", "load_model"]


def load_model(folder=None):
    """Load a model folder (default: the shipped model).

    See :func:`ethicsnlp.predict.load_model`.
    """
    from ethicsnlp.predict import load_model as _load

    return _load(folder)
