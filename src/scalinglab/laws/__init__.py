"""The law library: every family registers itself on import.

>>> import scalinglab as sl
>>> sl.laws.names()[:2]
['power', 'power_offset']
"""

# Importing a family module registers its laws; the order here is the order of names().
from scalinglab.laws import power  # noqa: I001, F401  (power, power_offset)
from scalinglab.laws import broken, saturating, m4  # noqa: F401  (other one-variable laws)
from scalinglab.laws import learning_curves  # noqa: F401  (LCDB / Domhan et al. families)
from scalinglab.laws import multivariable  # noqa: F401  (chinchilla, kaplan, nmt_encoder_decoder)
from scalinglab.laws.base import Law, Param
from scalinglab.laws.registry import get_law, names, register

__all__ = ["Law", "Param", "get_law", "names", "register"]
