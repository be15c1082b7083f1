"""Class-imbalance studies: imbalanced datasets, remedies, metrics, a study runner.

>>> import scalinglab as sl
>>> sl.imbalance.class_counts(4, ratio=5, minority_fraction=0.5, n_max=50).tolist()
[10, 10, 50, 50]
>>> sl.imbalance.get_remedy("oversample+threshold").threshold
True
"""

from scalinglab.experiments.runner import default_cache_dir
from scalinglab.imbalance.analysis import (
    CURVE_LAWS,
    TREND_LAWS,
    largest_size,
    learning_curves,
    ratio_trends,
    summarize,
    tradeoff,
    winners,
)
from scalinglab.imbalance.datasets import (
    ImbalancedSplit,
    class_counts,
    make_imbalanced,
    n_minority_classes,
)
from scalinglab.imbalance.metrics import METRICS, evaluate
from scalinglab.imbalance.remedies import DEFAULT_REMEDIES, Remedy, get_remedy, names
from scalinglab.imbalance.study import (
    COLUMNS,
    DEFAULT_RATIOS,
    DEFAULT_SIZES,
    default_data,
    default_model,
    run_one,
    run_study,
)
from scalinglab.imbalance.table import validate_study_table

__all__ = [
    "COLUMNS",
    "CURVE_LAWS",
    "DEFAULT_RATIOS",
    "DEFAULT_REMEDIES",
    "DEFAULT_SIZES",
    "METRICS",
    "TREND_LAWS",
    "ImbalancedSplit",
    "Remedy",
    "class_counts",
    "default_cache_dir",
    "default_data",
    "default_model",
    "evaluate",
    "get_remedy",
    "largest_size",
    "learning_curves",
    "make_imbalanced",
    "n_minority_classes",
    "names",
    "ratio_trends",
    "run_one",
    "run_study",
    "summarize",
    "tradeoff",
    "validate_study_table",
    "winners",
]
