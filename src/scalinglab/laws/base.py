"""`Law` and `Param`: what every law family is made of.

A law is a parametric family y = f(X; θ). Everything the fitting kernel, the charts and the
exporters need to know about a family lives on its `Law` object:

* ``fn(X, theta)``: the model, vectorised. ``X`` has shape ``(k, n)`` (one row per variable,
  in the order of ``variables``); ``theta`` has shape ``(p,)`` or ``(B, p)`` for a batch of
  parameter vectors (the bootstrap solves all resamples at once). It returns ``(n,)`` or
  ``(B, n)``.
* ``jac(X, theta)``: d fn / d theta in closed form, shape ``(..., n, p)``, or ``None`` when
  there is none (the solver then differentiates numerically).
* ``init(X, y)``: a short list of data-driven starting points (each a ``(p,)`` array), e.g. a
  linearised fit in log space. The solver adds a multi-start around them.
* ``template``: the formula in LaTeX with parameters written ``<name>``; `formula` shows it
  with the parameters' symbols, `latex` with fitted numbers.
* ``python``: the body of a Python function of the variables, with the parameters as local
  names, that computes exactly what ``fn`` computes (numpy as ``np``). Exports use it.
* ``levels``: parameters that are values of the output (a floor, a ceiling); a fit to a
  metric with a known range (a rate) keeps them inside it.

Example
-------
>>> import numpy as np
>>> import scalinglab as sl
>>> law = sl.get_law("power_offset")
>>> law.param_names
('a', 'b', 'c')
>>> float(law(np.array([10.0]), a=2.0, b=1.0, c=0.5)[0])
0.7
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from scalinglab.errors import ScalingLabError

Model = Callable[[np.ndarray, np.ndarray], np.ndarray]
Init = Callable[[np.ndarray, np.ndarray], "list[np.ndarray]"]
Direction = Literal["decreasing", "increasing", "either"]


@dataclass(frozen=True)
class Param:
    """One parameter of a law.

    ``log=True`` asks the solver to work on log(value): right for positive scales that span
    orders of magnitude (A, B in Chinchilla). ``latex`` is the symbol used in formulas.
    """

    name: str
    lower: float = -math.inf
    upper: float = math.inf
    log: bool = False
    latex: str = ""
    doc: str = ""

    def __post_init__(self) -> None:
        if not self.lower < self.upper:
            raise ScalingLabError(
                f"parameter {self.name!r}: lower bound {self.lower} must be below upper bound "
                f"{self.upper}"
            )
        if self.log and self.lower < 0:
            raise ScalingLabError(
                f"parameter {self.name!r} is fitted in log space, so its lower bound must be "
                f">= 0, not {self.lower}"
            )

    @property
    def symbol(self) -> str:
        return self.latex or self.name


_PLACEHOLDER = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)>")
_MINUS_PLACEHOLDER = re.compile(r"(-)?<([A-Za-z_][A-Za-z0-9_]*)>")


@dataclass(frozen=True, eq=False)
class Law:
    """A parametric law family; see the module docstring for the contract of each field."""

    name: str
    variables: tuple[str, ...]
    params: tuple[Param, ...]
    fn: Model
    init: Init
    template: str
    python: str
    jac: Model | None = None
    direction: Direction = "decreasing"
    needs_positive_x: bool = True
    description: str = ""
    citation: str = ""
    variable_latex: Mapping[str, str] = field(default_factory=dict)
    # For compute laws: (params dict, compute array) -> (N_opt, D_opt) under a compute budget.
    # Optional: (f, columns) together from shared intermediates (x^-b once instead of twice):
    # the value and one derivative per parameter, each broadcastable to f's shape (a constant
    # derivative may be np.ones(1)). The batched solver uses it on its hot path, laying the
    # columns out parameter-major; f must equal fn exactly and the columns jac.
    fn_jac: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, Sequence[np.ndarray]]] | None = None
    # The source text of a law built by `Law.from_expression` (so exports can rebuild it).
    expression: str | None = None
    # Constants a law family was built with (`get_law(name, **options)`), e.g. the NMT law's
    # reference sizes: kept so that exports and JSON rebuild the same law.
    options: Mapping[str, float] = field(default_factory=dict)
    # Parameters that are values of the law's output (a floor, a ceiling, a limit): on a
    # metric with a known range (a rate in [0, 1], or [0, ceiling]) the fit bounds them by it.
    levels: tuple[str, ...] = ()
    # Optional: X (k, n) -> (n,) bool, the rows where the law is undefined (not finite) for
    # every parameter value: the domain check of a law that does not simply need x > 0.
    undefined_rows: Callable[[np.ndarray], np.ndarray] | None = None
    allocation: Callable[[Mapping[str, float], np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None

    # ----------------------------------------------------------------- introspection
    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def n_params(self) -> int:
        return len(self.params)

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) arrays in parameter order."""
        lo = np.array([p.lower for p in self.params], dtype=float)
        hi = np.array([p.upper for p in self.params], dtype=float)
        return lo, hi

    @property
    def formula(self) -> str:
        """The LaTeX formula with parameter symbols, e.g. ``a\\,x^{-b} + c``."""
        symbols = {p.name: p.symbol for p in self.params}
        return _PLACEHOLDER.sub(lambda m: symbols.get(m.group(1), m.group(1)), self.template)

    def latex(self, values: Mapping[str, float], digits: int = 4) -> str:
        """The formula with numbers in place of parameters: a negative number after a minus
        sign flips it (x^{-<b>} with b = −0.5 reads x^{0.5}), elsewhere it is bracketed.

        >>> import scalinglab as sl
        >>> sl.get_law("power").latex({"a": 2.0, "b": -0.5})
        '2\\\\,x^{0.5}'
        """

        def num(m: re.Match) -> str:
            v = float(values[m.group(2)])
            s = _latex_number(abs(v) if m.group(1) and v < 0 else v, digits)
            if m.group(1):
                return s if v < 0 else f"-{s}"
            return f"({s})" if v < 0 else s

        return _MINUS_PLACEHOLDER.sub(num, self.template)

    # ----------------------------------------------------------------- evaluation
    def theta(self, values: Mapping[str, float]) -> np.ndarray:
        """Parameter dict → vector in parameter order; names a missing or unknown one."""
        unknown = set(values) - set(self.param_names)
        if unknown:
            raise ScalingLabError(
                f"law {self.name!r} has no parameter(s) {sorted(unknown)}; its parameters are "
                f"{list(self.param_names)}"
            )
        missing = [n for n in self.param_names if n not in values]
        if missing:
            raise ScalingLabError(f"law {self.name!r} needs a value for parameter(s) {missing}")
        return np.array([float(values[n]) for n in self.param_names])

    def as_matrix(self, X: object) -> np.ndarray:
        """Variables → the ``(k, n)`` float matrix that ``fn`` takes.

        Accepts a 1-D array for one-variable laws, a mapping or DataFrame keyed by the law's
        variable names, or a ``(k, n)`` array.
        """
        k = len(self.variables)
        if isinstance(X, Mapping) or hasattr(X, "columns"):
            cols = list(X.keys()) if isinstance(X, Mapping) else list(X.columns)  # type: ignore[attr-defined]
            missing = [v for v in self.variables if v not in cols]
            if missing:
                raise ScalingLabError(
                    f"law {self.name!r} needs variable(s) {missing}; got columns {cols}"
                )
            return np.vstack([np.asarray(X[v], dtype=float).ravel() for v in self.variables])  # type: ignore[index]
        arr = np.asarray(X, dtype=float)
        if arr.ndim <= 1:
            if k != 1:
                raise ScalingLabError(
                    f"law {self.name!r} takes {k} variables {list(self.variables)}: pass a "
                    "DataFrame or dict with those columns"
                )
            return arr.reshape(1, -1)
        if arr.shape[0] != k:
            raise ScalingLabError(
                f"law {self.name!r} takes {k} variable(s); got an array of shape {arr.shape}"
            )
        return arr

    def __call__(self, X: object, **values: float) -> np.ndarray:
        """Evaluate the law at ``X`` with parameters given by name."""
        return self.fn(self.as_matrix(X), self.theta(values))

    def python_source(self, values: Mapping[str, float], func_name: str = "law") -> str:
        """A self-contained Python function (numpy as ``np``) with the numbers filled in."""
        args = ", ".join(self.variables)
        lines = [f"def {func_name}({args}):"]
        for n in self.variables:
            lines.append(f"    {n} = np.asarray({n}, dtype=float)")
        for p in self.params:
            v = float(values[p.name])
            lines.append(f"    {p.name} = {v!r}" if math.isfinite(v) else f"    {p.name} = float({str(v)!r})")
        for line in self.python.strip("\n").splitlines():
            lines.append(f"    {line}")
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return f"Law({self.name!r}, variables={list(self.variables)}, params={list(self.param_names)})"

    @classmethod
    def from_expression(
        cls,
        expression: str,
        params: Mapping[str, tuple[float | None, float | None]] | Sequence[str] | None = None,
        variables: Sequence[str] | None = None,
        name: str = "custom",
        direction: Direction = "either",
    ) -> Law:
        """A law from a formula typed by a user, parsed safely (no ``eval``).

        >>> import scalinglab as sl
        >>> law = sl.Law.from_expression("a * x**(-b) + c", params={"a": (0, None), "b": (0, 3), "c": (0, None)})
        >>> law.param_names
        ('a', 'b', 'c')
        """
        import dataclasses

        from scalinglab.laws.expression import law_from_expression

        law = law_from_expression(
            expression, params=params, variables=variables, name=name, direction=direction
        )
        return law if law.expression else dataclasses.replace(law, expression=expression)


def unpack(theta: np.ndarray, p: int) -> list[np.ndarray]:
    """Split ``theta`` of shape ``(..., p)`` into ``p`` arrays that broadcast against ``(..., n)``."""
    theta = np.asarray(theta, dtype=float)
    if theta.shape[-1] != p:
        raise ScalingLabError(f"expected {p} parameters, got {theta.shape[-1]}")
    return [theta[..., i, None] for i in range(p)]


def stack_jac(*columns: np.ndarray) -> np.ndarray:
    """Stack per-parameter derivatives (each broadcastable to ``(..., n)``) into ``(..., n, p)``."""
    cols = np.broadcast_arrays(*columns)
    return np.stack(cols, axis=-1)


def _latex_number(v: float, digits: int) -> str:
    if v == 0 or not math.isfinite(v):
        return str(v)
    exp = math.floor(math.log10(abs(v)))
    if -3 <= exp < 4:
        return f"{v:.{digits}g}"
    mant = v / 10**exp
    return f"{mant:.{digits - 1}f} \\times 10^{{{exp}}}"
