"""How the kernel hands a result to presentation without importing it.

The kernel (`scalinglab.laws`, `scalinglab.fitting`, the numerics of `scalinglab.compute`)
computes; presentation (`scalinglab.charts`, `scalinglab.export`, `scalinglab.compute_charts`,
`scalinglab.compute.export`, `scalinglab.widgets`) draws and writes. Dependencies point down
only: presentation imports the kernel, never the other way round (`tests/test_layers.py` walks
the kernel's imports and fails on any of these).

Yet ``res.chart()`` and ``res.to_python()`` are the natural spelling for a user. They stay, as
one-way delegates: the kernel names a *role* ("fit_chart", "fit_to_python", ...) and asks this
module for whatever fills it; `scalinglab/__init__.py`, the top of the package, fills each role
with a ``"module:attribute"`` path (`provide`). The module is imported on the first call, so a
script that never draws never loads Altair.

>>> from scalinglab.delegates import delegate, provide
>>> provide("title", "string:capwords")
>>> delegate("title")("fit a law")
'Fit A Law'
>>> delegate("unknown")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
scalinglab.errors.ScalingLabError: nothing provides 'unknown' ...

This module imports nothing from scalinglab but its errors: the kernel may import it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from scalinglab.errors import ScalingLabError

_PROVIDERS: dict[str, str | Callable[..., Any]] = {}


def provide(role: str, target: str | Callable[..., Any]) -> None:
    """Fill ``role`` with ``target``: a callable, or a ``"module:attribute"`` path imported on
    first use. A later call replaces an earlier one (a test or a plug-in may swap a chart)."""
    if isinstance(target, str) and ":" not in target:
        raise ScalingLabError(f"a provider path is 'module:attribute', not {target!r}")
    _PROVIDERS[role] = target


def delegate(role: str) -> Callable[..., Any]:
    """The callable that fills ``role`` (importing its module on first use)."""
    try:
        target = _PROVIDERS[role]
    except KeyError:
        raise ScalingLabError(
            f"nothing provides {role!r} (known: {sorted(_PROVIDERS)}); `import scalinglab` "
            "provides the package's charts and exports"
        ) from None
    if isinstance(target, str):
        module, _, attribute = target.partition(":")
        target = getattr(importlib.import_module(module), attribute)
        _PROVIDERS[role] = target
    return target
