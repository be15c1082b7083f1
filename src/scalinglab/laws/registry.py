"""The registry of named law families: `names()` and `get_law(name, **options)`."""

from __future__ import annotations

from collections.abc import Callable

from scalinglab.errors import ScalingLabError
from scalinglab.laws.base import Law

_LAWS: dict[str, Law] = {}
_FACTORIES: dict[str, Callable[..., Law]] = {}


def register(law: Law, factory: Callable[..., Law] | None = None) -> Law:
    """Add a law under its name (a name can be registered once). ``factory``: builds the
    family with other constants (``get_law(name, **options)``); ``law`` is its default."""
    if law.name in _LAWS:
        raise ScalingLabError(f"a law named {law.name!r} is already registered")
    _LAWS[law.name] = law
    if factory is not None:
        _FACTORIES[law.name] = factory
    return law


def names() -> list[str]:
    """Names of all registered laws, in registration order.

    >>> import scalinglab as sl
    >>> "power_offset" in sl.laws.names()
    True
    """
    return list(_LAWS)


def get_law(name: str | Law, **options: float) -> Law:
    """The law registered under ``name`` (a `Law` passes through unchanged); ``options``
    build the family with other constants, where it has any (`Law.options`).

    >>> import scalinglab as sl
    >>> sl.get_law("power").param_names
    ('a', 'b')
    >>> sl.get_law("nmt_encoder_decoder", nbar_e=2e8).options
    {'nbar_e': 200000000.0, 'nbar_d': 100000000.0}
    """
    if isinstance(name, Law):
        if options:
            raise ScalingLabError("options apply to a law given by name, not to a Law object")
        return name
    try:
        law = _LAWS[name]
    except (KeyError, TypeError):
        raise ScalingLabError(
            f"unknown law {name!r}. Known laws: {', '.join(_LAWS)}; or build one with "
            "sl.Law.from_expression(...)"
        ) from None
    if not options or options == dict(law.options):
        return law
    if name not in _FACTORIES:
        raise ScalingLabError(f"law {name!r} takes no options; got {sorted(options)}")
    unknown = sorted(set(options) - set(law.options))
    if unknown:
        raise ScalingLabError(
            f"law {name!r} has no option(s) {unknown}; its options are {sorted(law.options)}")
    return _FACTORIES[name](**options)
