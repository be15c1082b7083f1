"""Numbers made safe for the front end: JSON has no NaN or infinity.

>>> finite_or_none("2.5"), finite_or_none(float("nan")), finite_or_none(None)
(2.5, None, None)
"""

from __future__ import annotations

import math
from typing import Any


def finite_or_none(v: Any) -> float | None:
    """``float(v)`` when that is a finite number, else None (shown as a blank)."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None
