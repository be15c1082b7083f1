"""Bundled example tables, loaded by name; each has its provenance in PROVENANCE.md.

>>> import scalinglab as sl
>>> sl.datasets.names()
['chinchilla']
>>> sl.datasets.load("chinchilla").shape
(234, 4)
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from scalinglab.errors import ScalingLabError

_FILES = {
    "chinchilla": "chinchilla_runs.csv",
}


def names() -> list[str]:
    """Names of the bundled tables."""
    return list(_FILES)


def load(name: str) -> pd.DataFrame:
    """Load a bundled table as a DataFrame.

    ``chinchilla``: 234 language-model training runs (compute C in FLOP, parameters N, tokens
    D, final loss), digitised from Hoffmann et al. 2022, Fig. 4.
    """
    if name not in _FILES:
        raise ScalingLabError(f"no bundled dataset {name!r}; choose one of {names()}")
    with resources.files(__name__).joinpath(_FILES[name]).open("r") as fh:
        return pd.read_csv(fh)
