"""Bundled example tables, loaded by name, each with its provenance (PROVENANCE.md).

``chinchilla`` is a CSV in this package; ``digits`` and ``breast_cancer`` are the copies that
scikit-learn (a dependency) ships, loaded through it, never downloaded.

>>> import scalinglab as sl
>>> sl.datasets.names()
['chinchilla', 'digits', 'breast_cancer']
>>> sl.datasets.load("chinchilla").shape
(234, 4)
>>> X, y = sl.datasets.load("digits", return_X_y=True)
>>> X.shape, sorted(set(y)) == list(range(10))
((1797, 64), True)
>>> print(sl.datasets.describe("digits").license)
CC BY 4.0 (UCI Machine Learning Repository); this copy ships with scikit-learn (BSD-3-Clause)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pandas as pd

from scalinglab.errors import ScalingLabError


@dataclass(frozen=True)
class DatasetInfo:
    """Where a bundled dataset comes from: what it is, source, license and what to cite."""

    name: str
    what: str
    source: str
    license: str
    citation: str

    def __str__(self) -> str:
        return (f"{self.name}: {self.what}\n  source: {self.source}\n  license: {self.license}"
                f"\n  cite: {self.citation}")

    def _repr_markdown_(self) -> str:
        return (f"**{self.name}**: {self.what}\n\n- source: {self.source}\n"
                f"- license: {self.license}\n- cite: {self.citation}")


def _csv(file: str) -> Callable[[], pd.DataFrame]:
    def read() -> pd.DataFrame:
        with resources.files(__name__).joinpath(file).open("r") as fh:
            return pd.read_csv(fh)

    return read


def _sklearn(loader: str) -> Callable[[], pd.DataFrame]:
    def read() -> pd.DataFrame:
        import sklearn.datasets

        bunch = getattr(sklearn.datasets, loader)(as_frame=True)
        return bunch.frame

    return read


_UCI_LICENSE = ("CC BY 4.0 (UCI Machine Learning Repository); this copy ships with "
                "scikit-learn (BSD-3-Clause)")

_DATASETS: dict[str, tuple[DatasetInfo, Callable[[], pd.DataFrame], bool]] = {
    "chinchilla": (
        DatasetInfo(
            "chinchilla",
            "234 language-model training runs: compute C (FLOP), parameters N, tokens D, final "
            "loss. Digitised from Fig. 4 of the Chinchilla paper, filtered to 1e18 < C and N < D.",
            "kyo-takano/chinchilla, examples/llm/df.csv at commit 75e5858",
            "Apache-2.0",
            "Hoffmann et al. 2022, \"Training Compute-Optimal Large Language Models\"; "
            "Besiroglu et al. 2024, \"Chinchilla Scaling: A replication attempt\"",
        ),
        _csv("chinchilla_runs.csv"),
        False,
    ),
    "digits": (
        DatasetInfo(
            "digits",
            "1,797 handwritten digits as 8x8 images of pixel counts 0..16 (64 columns) and "
            "their class 0..9 (column target): the test set of UCI's Optical Recognition of "
            "Handwritten Digits, written by 13 people.",
            "scikit-learn's sklearn.datasets.load_digits (bundled with scikit-learn), a copy of "
            "UCI ML repository dataset 80, Optical Recognition of Handwritten Digits",
            _UCI_LICENSE,
            "E. Alpaydin and C. Kaynak (1998), Optical Recognition of Handwritten Digits, UCI "
            "Machine Learning Repository; C. Kaynak (1995), Methods of Combining Multiple "
            "Classifiers and Their Applications to Handwritten Digit Recognition, MSc thesis, "
            "Bogazici University",
        ),
        _sklearn("load_digits"),
        True,
    ),
    "breast_cancer": (
        DatasetInfo(
            "breast_cancer",
            "569 breast masses, 30 features of cell nuclei in a digitised fine-needle aspirate "
            "image, and the diagnosis (column target: 0 malignant, 1 benign).",
            "scikit-learn's sklearn.datasets.load_breast_cancer (bundled with scikit-learn), a "
            "copy of UCI ML repository dataset 17, Breast Cancer Wisconsin (Diagnostic)",
            _UCI_LICENSE,
            "W. H. Wolberg, W. N. Street and O. L. Mangasarian (1995), Breast Cancer Wisconsin "
            "(Diagnostic), UCI Machine Learning Repository; W. N. Street, W. H. Wolberg and "
            "O. L. Mangasarian (1993), Nuclear feature extraction for breast tumor diagnosis, "
            "IS&T/SPIE Electronic Imaging 1905:861-870",
        ),
        _sklearn("load_breast_cancer"),
        True,
    ),
}


def names() -> list[str]:
    """Names of the bundled datasets."""
    return list(_DATASETS)


def _entry(name: str) -> tuple[DatasetInfo, Callable[[], pd.DataFrame], bool]:
    if name not in _DATASETS:
        raise ScalingLabError(f"no bundled dataset {name!r}; choose one of {names()}")
    return _DATASETS[name]


def describe(name: str) -> DatasetInfo:
    """What a bundled dataset is, its source, license and citation (also in PROVENANCE.md)."""
    return _entry(name)[0]


def load(name: str, return_X_y: bool = False) -> Any:
    """Load a bundled dataset as a DataFrame (``describe(name)`` says what it holds).

    ``return_X_y=True`` (classification sets: ``digits``, ``breast_cancer``): the feature
    matrix and the labels as NumPy arrays, ready for `scalinglab.learning_curves`.
    """
    _, read, has_target = _entry(name)
    frame = read()
    if not return_X_y:
        return frame
    if not has_target:
        raise ScalingLabError(
            f"dataset {name!r} is a table of runs with no target column; load it without "
            "return_X_y"
        )
    return frame.drop(columns="target").to_numpy(), frame["target"].to_numpy()
