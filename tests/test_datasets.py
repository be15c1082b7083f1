"""Bundled datasets: every name loads, and says where it comes from (source, license, cite)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import scalinglab as sl

PROVENANCE = Path(sl.datasets.__file__).with_name("PROVENANCE.md")


def test_gallery_datasets_are_registered() -> None:
    assert {"chinchilla", "digits", "breast_cancer"} <= set(sl.datasets.names())


@pytest.mark.parametrize("name", sl.datasets.names())
def test_every_dataset_describes_its_provenance(name: str) -> None:
    info = sl.datasets.describe(name)
    assert info.name == name
    for field in ("what", "source", "license", "citation"):
        assert getattr(info, field).strip(), f"{name}: empty {field}"
    text = str(info)
    assert info.license in text and info.citation in text
    assert info.license in info._repr_markdown_()
    # one row per dataset in PROVENANCE.md, naming the same license
    rows = [r for r in PROVENANCE.read_text().splitlines() if r.startswith(f"| {name} |")]
    assert len(rows) == 1, f"PROVENANCE.md needs one row for {name!r}"
    assert info.license in rows[0]


@pytest.mark.parametrize(("name", "shape", "n_classes"),
                         [("digits", (1797, 64), 10), ("breast_cancer", (569, 30), 2)])
def test_classification_sets_load_as_table_and_as_arrays(name: str, shape: tuple[int, int],
                                                         n_classes: int) -> None:
    X, y = sl.datasets.load(name, return_X_y=True)
    assert X.shape == shape and y.shape == (shape[0],)
    assert len(np.unique(y)) == n_classes
    table = sl.datasets.load(name)
    assert table.shape == (shape[0], shape[1] + 1) and "target" in table.columns
    np.testing.assert_array_equal(table.drop(columns="target").to_numpy(), X)


def test_tables_without_a_target_refuse_return_X_y() -> None:
    with pytest.raises(sl.ScalingLabError, match="chinchilla"):
        sl.datasets.load("chinchilla", return_X_y=True)


@pytest.mark.parametrize("call", [sl.datasets.load, sl.datasets.describe])
def test_unknown_name_lists_the_known_ones(call) -> None:
    with pytest.raises(sl.ScalingLabError, match="digits"):
        call("mnist")
