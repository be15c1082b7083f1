"""The one error type users see."""

from __future__ import annotations


class ScalingLabError(ValueError):
    """Bad input a user can fix: the message names what is wrong and how to fix it.

    Example
    -------
    >>> import scalinglab as sl
    >>> try:
    ...     sl.get_law("powr")
    ... except sl.ScalingLabError as e:
    ...     print(str(e).split(".")[0])
    unknown law 'powr'
    """


class ScalingLabWarning(UserWarning):
    """Something the user should know about a result (an estimate on a bound, dropped rows)."""


class MissingDependency(ScalingLabError, ImportError):
    """An optional dependency is not installed: the message names the extra that installs it
    (`scalinglab.optional.require`). Both a `ScalingLabError` and an `ImportError`, so code that
    probes for optional features with ``except ImportError`` keeps working."""
