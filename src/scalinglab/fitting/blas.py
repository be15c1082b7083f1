"""Keep BLAS single-threaded inside the solvers.

The kernel's matrix products are small (e.g. 1,000 × 200 counts times a 200 × 9 matrix). A
multi-threaded BLAS (OpenBLAS by default uses every core) hands each of them to worker
threads that spin while they wait: on a 2-core machine shared with JupyterLab and a browser
that doubles the CPU time of a bootstrap and makes its wall time erratic. `single_threaded`
limits BLAS to one thread for the duration of a fit, through threadpoolctl (a dependency of
scikit-learn), and restores the user's setting afterwards.

>>> import numpy as np
>>> with single_threaded():
...     float((np.ones((3, 3)) @ np.ones(3))[0])
3.0
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from threadpoolctl import ThreadpoolController


@cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()  # inspects the loaded libraries once (~2 ms)


@contextmanager
def single_threaded() -> Iterator[None]:
    """BLAS limited to one thread within the block (re-entrant; ~20 µs to enter)."""
    with _controller().limit(limits=1, user_api="blas"):
        yield
