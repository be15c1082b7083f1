"""The registry of named law families: `names()` and `get_law(name)`."""

from __future__ import annotations

from scalinglab.errors import ScalingLabError
from scalinglab.laws.base import Law

_LAWS: dict[str, Law] = {}


def register(law: Law) -> Law:
    """Add a law under its name (a name can be registered once)."""
    if law.name in _LAWS:
        raise ScalingLabError(f"a law named {law.name!r} is already registered")
    _LAWS[law.name] = law
    return law


def names() -> list[str]:
    """Names of all registered laws, in registration order.

    >>> import scalinglab as sl
    >>> "power_offset" in sl.laws.names()
    True
    """
    return list(_LAWS)


def get_law(name: str | Law) -> Law:
    """The law registered under ``name`` (a `Law` passes through unchanged).

    >>> import scalinglab as sl
    >>> sl.get_law("power").param_names
    ('a', 'b')
    """
    if isinstance(name, Law):
        return name
    try:
        return _LAWS[name]
    except (KeyError, TypeError):
        raise ScalingLabError(
            f"unknown law {name!r}. Known laws: {', '.join(_LAWS)}; or build one with "
            "sl.Law.from_expression(...)"
        ) from None
