"""A trained reader (``TrainedReader``) as bytes for the store and back: a NumPy ``.npz``
of the model's arrays and the papers the reader's picks hide, loaded with
``allow_pickle=False`` (no pickles)."""

from __future__ import annotations

import io

import numpy as np

from paperwire.recommend.model import ReaderModel
from paperwire.recommend.models import TrainedReader

ARRAYS = ("weights", "bias", "low", "span", "interest_of", "positives", "bonus", "negatives")


def pack(trained: TrainedReader) -> bytes:
    """The bytes to store (the hidden papers alone for a reader with no model)."""
    arrays = {
        "hidden_positives": np.asarray(sorted(trained.positives), dtype=np.int64),
        "hidden_negatives": np.asarray(sorted(trained.negatives), dtype=np.int64),
    }
    model = trained.model
    if model is not None:
        arrays.update({name: getattr(model, name) for name in ARRAYS})
        arrays["positive_ids"] = np.asarray(model.positive_ids, dtype=np.int64)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def unpack(payload: bytes) -> TrainedReader:
    """The trained reader from ``pack``'s bytes."""
    with np.load(io.BytesIO(payload), allow_pickle=False) as arrays:
        model = None
        if "weights" in arrays.files:
            model = ReaderModel(
                **{name: arrays[name] for name in ARRAYS},
                positive_ids=tuple(int(pid) for pid in arrays["positive_ids"]),
            )
        return TrainedReader(model, frozenset(int(p) for p in arrays["hidden_positives"]),
                             frozenset(int(n) for n in arrays["hidden_negatives"]))
