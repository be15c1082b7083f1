"""The law library: every family registers itself on import.

>>> import scalinglab as sl
>>> sl.laws.names()[:2]
['power', 'power_offset']
"""

from scalinglab.laws import power  # noqa: F401  (registers power, power_offset)
from scalinglab.laws.base import Law, Param
from scalinglab.laws.registry import get_law, names, register

__all__ = ["Law", "Param", "get_law", "names", "register"]
