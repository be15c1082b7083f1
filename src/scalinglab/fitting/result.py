"""`FitResult`: a fitted law that can predict, draw bands, solve for targets and export itself.

>>> import numpy as np, pandas as pd
>>> import scalinglab as sl
>>> D = np.logspace(6, 9, 40)
>>> rng = np.random.default_rng(0)
>>> df = pd.DataFrame({"D": D, "loss": (40 * D ** -0.25 + 1.7) * np.exp(rng.normal(0, 0.005, 40))})
>>> res = sl.fit(df, x="D", y="loss", law="power_offset", ci="delta")
>>> round(res.params["b"], 1)
0.3
>>> res.band([1e10], kind="prediction").columns.tolist()
['D', 'y', 'lo', 'hi', 'kind', 'level']
>>> print(res.solve(1.8))  # doctest: +ELLIPSIS
power_offset reaches 1.8 at D = ... [..., ...] (95% delta interval)

Any function of the parameters (and of x) gets an interval from the same draws, e.g. the
reducible loss L − L∞ at D = 1e10:

>>> iv = res.interval(lambda p, x: p["a"] * x ** -p["b"], x=1e10)
>>> bool(iv.lo < iv.estimate < iv.hi)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalinglab.delegates import delegate
from scalinglab.errors import ScalingLabError
from scalinglab.fitting.objective import Objective
from scalinglab.fitting.uncertainty import (
    Uncertainty,
    curve_band,
    delta_interval,
    param_intervals,
    percentile_interval,
    quantiles,
    small_sample_factor,
    t_quantile,
)
from scalinglab.laws.base import Law

#: The key of a compute law's budget C = 6·N·D in `FitResult.spans` (not a column name).
COMPUTE = "__compute__"


def fmt(v: float) -> str:
    """Compact human number: 2.1, 3.1e+11."""
    if v is None or not np.isfinite(v):
        return "∞" if v == np.inf else ("-∞" if v == -np.inf else "nan")
    return f"{v:.3g}"


@dataclass
class Solution:
    """Where a law reaches a target, with an interval (``lo``/``hi`` may be ±inf)."""

    target: float
    x: float
    lo: float
    hi: float
    law: str
    variable: str
    level: float
    method: str | None
    note: str = ""

    @property
    def message(self) -> str:
        if math.isfinite(self.x):
            s = f"{self.law} reaches {fmt(self.target)} at {self.variable} = {fmt(self.x)}"
        else:  # never reached (∞), or passed before the search starts (nan): see the note
            s = (f"{self.law} does not reach {fmt(self.target)} within the search: "
                 f"{self.variable} = {fmt(self.x)}")
        if self.method is not None:
            s += f" [{fmt(self.lo)}, {fmt(self.hi)}] ({self.level:.0%} {self.method} interval)"
        if self.note:
            s += f"; {self.note}"
        return s

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "x": self.x, "lo": self.lo, "hi": self.hi,
                "law": self.law, "variable": self.variable, "level": self.level,
                "method": self.method, "message": self.message}


@dataclass
class Interval:
    """An interval for a quantity derived from a fit (`FitResult.interval`): ``estimate``,
    ``lo`` and ``hi`` are floats, or arrays of the shape the function returns. ``note`` says
    when some draws gave no value. Unpacks as ``estimate, lo, hi``."""

    estimate: Any
    lo: Any
    hi: Any
    level: float
    method: str
    note: str = ""

    def __iter__(self) -> Iterator[Any]:
        return iter((self.estimate, self.lo, self.hi))

    def __repr__(self) -> str:
        def show(v: Any) -> str:
            return fmt(float(v)) if np.ndim(v) == 0 else np.array2string(
                np.asarray(v, dtype=float), precision=3)

        return (f"<Interval {show(self.estimate)} [{show(self.lo)}, {show(self.hi)}] "
                f"({self.level:.0%} {self.method})" + (f"; {self.note}" if self.note else "")
                + ">")


@dataclass
class FitResult:
    """The outcome of `scalinglab.fit` for one law on one series; see the module docstring."""

    law: Law
    params: dict[str, float]
    x: list[str]
    y: str
    data: pd.DataFrame
    objective: Objective
    u: np.ndarray
    uncertainty: Uncertainty
    metrics: dict[str, float]
    settings: dict[str, Any]
    higher_is_better: bool = False
    ceiling: float | None = None
    flip: bool = False
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    group: Any = None
    # (min, median, max) of each x column (and COMPUTE = 6·N·D for compute laws) over the table,
    # for a fit loaded from JSON without its data (`solve` searches around them)
    spans: dict[str, tuple[float, float, float]] | None = None

    # --------------------------------------------------------------- conveniences
    @property
    def level(self) -> float:
        return float(self.settings["level"])

    @property
    def fit_range(self) -> tuple[float, float] | None:
        return self.settings.get("fit_range")

    @property
    def ci(self) -> str | None:
        return self.uncertainty.method

    def __repr__(self) -> str:
        ps = ", ".join(f"{k}={fmt(v)}" for k, v in self.params.items())
        return (f"<FitResult {self.law.name}: {self.y} ~ {', '.join(self.x)} | {ps} | "
                f"n={self.metrics['n']}, rmsle={fmt(self.metrics.get('rmsle', np.nan))}>")

    def _matrix(self, x_new: object) -> tuple[np.ndarray, pd.DataFrame]:
        """x_new → (law matrix (k, m), DataFrame of the x columns)."""
        if isinstance(x_new, Mapping) or hasattr(x_new, "columns"):
            cols = {}
            for c in self.x:
                try:
                    cols[c] = np.asarray(x_new[c], dtype=float).ravel()  # type: ignore[index]
                except KeyError:
                    raise ScalingLabError(
                        f"x_new lacks column {c!r}; this fit needs columns {self.x}"
                    ) from None
            frame = pd.DataFrame(cols)
        else:
            if len(self.x) != 1:
                raise ScalingLabError(
                    f"this law takes {len(self.x)} variables: pass a DataFrame or dict with "
                    f"columns {self.x}"
                )
            frame = pd.DataFrame({self.x[0]: np.atleast_1d(np.asarray(x_new, dtype=float))},
                                 copy=False)
        X = np.vstack([frame[c].to_numpy(dtype=float) for c in self.x])
        if not np.all(np.isfinite(X)):
            raise ScalingLabError("x_new contains NaN or infinite values")
        if self.law.needs_positive_x and (X <= 0).any():
            raise ScalingLabError(f"law {self.law.name!r} needs x > 0; x_new has values <= 0")
        return X, frame

    def _to_user(self, values: np.ndarray) -> np.ndarray:
        return self.ceiling - values if self.flip else values  # type: ignore[operator]

    # --------------------------------------------------------------- the verbs
    def predict(self, x_new: object) -> np.ndarray:
        """The fitted law at ``x_new``, in the user's metric (accuracy stays accuracy)."""
        return self._predict_at(self._matrix(x_new)[0])

    def _predict_at(self, X: np.ndarray) -> np.ndarray:
        """`predict` at a law matrix X (variables, m), unchecked: for charts' grids."""
        return self._to_user(self.objective.model(self.u, X))

    def band(self, x_new: object, kind: str = "confidence", level: float | None = None,
             seed: int | None = None) -> pd.DataFrame:
        """Pointwise band: columns x…, y, lo, hi, kind ('confidence'/'prediction'), level."""
        level = self.level if level is None else float(level)
        X, frame = self._matrix(x_new)
        y, lo, hi = self._band_at(X, kind, level, seed)
        cols = {c: frame[c].to_numpy() for c in frame.columns}
        cols.update(y=y, lo=lo, hi=hi, kind=np.full(len(y), kind, dtype=object),
                    level=np.full(len(y), level))
        return pd.DataFrame(cols, copy=False)

    def band_arrays(self, X: np.ndarray, kind: str = "confidence", level: float | None = None,
                    seed: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`band` as arrays (y, lo, hi) at a law matrix X of shape (variables, m), without
        the DataFrames: for charts that redraw on every refit.

        >>> import numpy as np, scalinglab as sl
        >>> N = np.logspace(7, 10, 30)
        >>> res = sl.fit({"N": N, "loss": 30 * N ** -0.2 + 1.5}, x="N", y="loss", ci="delta")
        >>> y, lo, hi = res.band_arrays(np.array([[1e8, 1e11]]))
        >>> bool(np.all(lo <= y) and np.all(y <= hi))
        True
        """
        level = self.level if level is None else float(level)
        return self._band_at(np.asarray(X, dtype=float), kind, level, seed)

    def _band_at(self, X: np.ndarray, kind: str, level: float, seed: int | None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not 0 < level < 1:
            raise ScalingLabError(f"level must lie in (0, 1), not {level!r}")
        center, lo, hi = curve_band(
            self.uncertainty, self.objective, self.u, X, kind, level,
            seed=self.settings["seed"] if seed is None else seed,
        )
        y, lo, hi = self._to_user(center), self._to_user(lo), self._to_user(hi)
        return y, np.minimum(lo, hi), np.maximum(lo, hi)

    def param_ci(self, level: float | None = None) -> pd.DataFrame:
        """Parameter table: param, estimate, lo, hi, method (and level)."""
        level = self.level if level is None else float(level)
        lo, hi = param_intervals(self.uncertainty, self.objective.pmap, self.u, level)
        return pd.DataFrame({
            "param": list(self.params),
            "estimate": list(self.params.values()),
            "lo": lo, "hi": hi,
            "method": self.uncertainty.method,
            "level": level,
        })

    # --------------------------------------------------------------- derived quantities
    def _draws_u(self) -> np.ndarray:
        """Parameter draws in solver coordinates: the bootstrap's resamples, or for the delta
        method 1,000 draws from its normal approximation (seeded by the fit's seed)."""
        unc = self.uncertainty
        if unc.method is None:
            raise ScalingLabError(
                "this fit has no uncertainty: refit with ci='bootstrap' or 'delta'")
        if unc.method == "bootstrap":
            assert unc.samples_u is not None
            return unc.samples_u
        rng = np.random.default_rng(self.settings["seed"])
        return rng.multivariate_normal(self.u, unc.cov_u, size=1000, method="eigh")

    def draws(self) -> pd.DataFrame:
        """The parameter draws behind the intervals, one row per draw, in the law's parameter
        names (fixed and tied parameters included): the bootstrap's resamples, or for
        ``ci="delta"`` 1,000 draws from its normal approximation. ``attrs["method"]`` says
        which."""
        theta = self.objective.pmap.theta(self._draws_u())
        out = pd.DataFrame(theta, columns=list(self.law.param_names))
        out.attrs["method"] = self.uncertainty.method
        return out

    def interval(self, func: Callable[..., Any], level: float | None = None,
                 x: object = None) -> Interval:
        """An interval for ``func(params)`` (or ``func(params, x)`` when ``x`` is given), any
        function of the fitted parameters (a dict by name) returning a number or an array.

        Bootstrap fits evaluate it at every resample and take percentiles, widened by the
        same small-sample factor as the parameters' intervals (on the function's own scale:
        for a positive quantity spanning decades, ask for its log and exponentiate). Delta
        fits use its numeric gradient and the t quantile. Examples: the reducible loss
        ``lambda p, x: p["a"] * x ** -p["b"]``; a broken power law's asymptotic exponent
        ``lambda p: p["c0"] + p["c1"]``.
        """
        level = self.level if level is None else float(level)
        if not 0 < level < 1:
            raise ScalingLabError(f"level must lie in (0, 1), not {level!r}")
        unc = self.uncertainty
        if unc.method is None:
            raise ScalingLabError(
                "this fit has no uncertainty: refit with ci='bootstrap' or 'delta'")
        xv = None if x is None else np.asarray(x, dtype=float)
        names = self.law.param_names
        pmap = self.objective.pmap

        def at(theta: np.ndarray) -> np.ndarray:
            p = {n: float(v) for n, v in zip(names, theta, strict=True)}
            try:
                with np.errstate(all="ignore"):
                    out = func(p) if xv is None else func(p, xv)
                return np.asarray(out, dtype=float)
            except (TypeError, ValueError) as e:
                raise ScalingLabError(
                    f"the function given to interval() must return numbers (a float or an "
                    f"array); it gave {e}") from None

        est = at(pmap.theta(self.u))
        note = ""
        if unc.method == "bootstrap":
            vals = np.array([at(th) for th in pmap.theta(self._draws_u())])
            bad = np.isnan(vals).reshape(len(vals), -1).any(axis=1)
            if bad.any():
                note = (f"{int(bad.sum())} of {len(vals)} draws gave no value (NaN); they "
                        "count as beyond the upper end")
            lo, hi = percentile_interval(est, vals, level, small_sample_factor(unc, level))
        else:
            grad = np.array([self._partial(at, j) for j in range(pmap.q)])
            lo, hi = delta_interval(est, grad, unc.cov_u, level, unc.ci_dof)
        if est.ndim == 0:
            est, lo, hi = float(est), float(lo), float(hi)
        return Interval(est, lo, hi, level, unc.method, note)

    def _partial(self, at: Callable[[np.ndarray], np.ndarray], j: int) -> np.ndarray:
        """Central difference of ``at`` (a function of θ) along solver coordinate j."""
        h = 1e-6 * max(1.0, abs(float(self.u[j])))
        up, dn = self.u.copy(), self.u.copy()
        up[j] += h
        dn[j] -= h
        pmap = self.objective.pmap
        return (at(pmap.theta(up)) - at(pmap.theta(dn))) / (2 * h)

    # --------------------------------------------------------------- extrapolation
    def _path(self, grid: np.ndarray, theta: np.ndarray, vary: str | None,
              at: Mapping[str, float] | None) -> tuple[np.ndarray, str]:
        """Law output (fit space) along a 1-D grid: x, compute (optimal allocation) or one
        variable of a multi-variable law with the others held ``at`` fixed values."""
        law = self.law
        if len(self.x) == 1:
            return law.fn(grid[None, :], theta), self.x[0]
        if at:
            vary = vary or next(c for c in self.x if c not in at)
            missing = [c for c in self.x if c != vary and c not in at]
            if missing:
                raise ScalingLabError(f"give values for {missing} in at=")
            X = np.vstack([grid if c == vary else np.full_like(grid, float(at[c]))
                           for c in self.x])
            return law.fn(X, theta), vary
        if law.allocation is None:
            raise ScalingLabError(
                f"law {law.name!r} has several variables: say which to vary and hold the "
                f"others fixed, e.g. solve(target, at={{{self.x[1]!r}: 1e9}})"
            )
        vals = []
        for row in np.atleast_2d(theta):
            p = dict(zip(law.param_names, row, strict=True))
            N, D = law.allocation(p, grid)
            vals.append(law.fn(np.vstack([N, D]), row))
        out = np.array(vals)
        return (out[0] if theta.ndim == 1 else out), "C"

    def solve(self, target: float, vary: str | None = None,
              at: Mapping[str, float] | None = None, max_factor: float = 1e12) -> Solution:
        """Where the law reaches ``target`` (in the user's metric), with an interval.

        One variable: the x at which it is reached. Compute laws (Chinchilla): the compute C
        (FLOP, C = 6ND) at which the compute-optimal model reaches it. Otherwise pass ``at``
        with fixed values of the other variables. Searches from 1/1000 of the smallest x to
        ``max_factor`` × the largest.

        Any target inside the metric's range gets an answer: where the fitted law never
        reaches it (it levels off short of it) x is +inf, and where some draws never reach
        it the interval is open-ended (hi = inf); ``note`` says why. A target the law has
        already passed before the smallest x searched gives x = NaN. A target outside the
        metric's range ([0, ceiling] for accuracy-like metrics, > 0 in log space) raises.
        """
        target = float(target)
        self._check_target(target)
        t_fit = (self.ceiling - target) if self.flip else target  # type: ignore[operator]
        var, (x_min, x_mid, x_max) = self._solve_span(vary, at)
        lo_x, hi_x = x_min / 1e3, x_max * max_factor
        grid = np.logspace(math.log10(lo_x), math.log10(hi_x), 600)
        theta = self.objective.pmap.theta(self.u)
        with np.errstate(all="ignore"):
            vals, var = self._path(grid, theta, vary, at)
        h = vals - t_fit
        sign_change = np.flatnonzero(np.sign(h[:-1]) * np.sign(h[1:]) <= 0)
        mid = math.log10(x_mid)
        if sign_change.size == 0:
            x_star, why = self._unreached(vals, t_fit, grid, target, var)
        else:
            # crossing nearest to the data (in log x)
            i = sign_change[np.argmin(np.abs(np.log10(grid[sign_change]) - mid))]

            def f(logx: float) -> float:
                v, _ = self._path(np.array([10.0**logx]), theta, vary, at)
                return float(np.ravel(v)[0] - t_fit)

            from scipy.optimize import brentq  # loaded on first use (a light import)

            x_star = 10.0 ** brentq(f, math.log10(grid[i]), math.log10(grid[i + 1]), xtol=1e-12)
            why = ""
        lo, hi, note = self._solve_interval(grid, t_fit, vary, at, x_star, mid)
        note = "; ".join(n for n in (why, note) if n)
        return Solution(target=target, x=x_star, lo=lo, hi=hi, law=self.law.name,
                        variable=var, level=self.level, method=self.uncertainty.method,
                        note=note)

    def _check_target(self, target: float) -> None:
        if not math.isfinite(target):
            raise ScalingLabError(f"target must be a finite number, not {target!r}")
        if self.higher_is_better and self.ceiling is not None:
            lo, hi = 0.0, float(self.ceiling)
            if not lo <= target <= hi:
                raise ScalingLabError(
                    f"target {fmt(target)} is outside the range of {self.y!r}, "
                    f"[{fmt(lo)}, {fmt(hi)}]: choose a target inside it")
        elif self.settings.get("space") == "log" and target <= 0:
            raise ScalingLabError(
                f"target {fmt(target)} is outside the range of {self.y!r}, (0, ∞) (it is "
                "fitted in log space): choose a positive target")

    def _solve_span(self, vary: str | None, at: Mapping[str, float] | None
                    ) -> tuple[str, tuple[float, float, float]]:
        """The key of the variable solved for (an x column, or `COMPUTE` for a compute law's
        budget C = 6·N·D) and (min, median, max) of it over the table (or, for a fit loaded
        without its data, as saved in `spans`)."""
        if len(self.x) == 1 or at:
            col = vary or (self.x[0] if len(self.x) == 1 else next(c for c in self.x if c not in at))
        else:
            col = COMPUTE
        if len(self.data):
            return col, _span(self._values_of(col))
        if self.spans is None or col not in self.spans:
            raise ScalingLabError(
                f"this fit was saved without its data and without the range of {col!r}: "
                "save it with to_json(include_data=True)")
        lo, mid, hi = self.spans[col]
        return col, (float(lo), float(mid), float(hi))

    def _values_of(self, col: str) -> np.ndarray:
        if col == COMPUTE:  # compute of each run, C = 6·N·D
            return 6.0 * self.data[self.x[0]].to_numpy() * self.data[self.x[1]].to_numpy()
        return self.data[col].to_numpy()

    def data_spans(self) -> dict[str, tuple[float, float, float]]:
        """(min, median, max) of each x column (and of C = 6·N·D for compute laws, under
        `COMPUTE`) over the table: what `solve` searches around, saved by `to_json` without
        the data."""
        if not len(self.data):
            return dict(self.spans or {})
        cols = list(self.x) + ([COMPUTE] if self.law.allocation is not None else [])
        return {c: _span(self._values_of(c)) for c in cols}

    def _unreached(self, vals: np.ndarray, t_fit: float, grid: np.ndarray, target: float,
                   var: str) -> tuple[float, str]:
        """(x, why) when the fitted law does not cross the target on the grid: +inf when it
        levels off short of it, NaN when it has already passed it at the smallest x."""
        user = self._to_user(vals)
        with np.errstate(all="ignore"):
            lo_v, hi_v = np.nanmin(user), np.nanmax(user)
            h = np.abs(vals - t_fit)
        spans = f"there it spans [{fmt(lo_v)}, {fmt(hi_v)}]"
        if not (np.isfinite(h[0]) and np.isfinite(h[-1]) and h[0] < h[-1]):
            return math.inf, (f"the fitted {self.law.name} never reaches {fmt(target)} for "
                              f"{var} up to {fmt(grid[-1])}: {spans}" + self._floor_hint(target))
        return math.nan, (f"the fitted {self.law.name} is already past {fmt(target)} at the "
                          f"smallest {var} searched ({fmt(grid[0])}): {spans}")

    def _floor_hint(self, target: float) -> str:
        floors = {"c": "floor", "E": "irreducible loss E", "a": "asymptote"}
        for name, what in floors.items():
            if name in self.params and self.law.name in ("power_offset", "chinchilla",
                                                         "exponential", "broken_power",
                                                         "broken_power2"):
                v = self._to_user(np.array(self.params[name]))
                if self.flip:
                    what = f"ceiling (from the error floor {name})"
                return (f". The fitted {what} is {fmt(float(v))}; a target beyond it "
                        "is never reached")
        return ""

    def _solve_interval(self, grid: np.ndarray, t_fit: float, vary: str | None,
                        at: Mapping[str, float] | None, x_star: float, mid: float
                        ) -> tuple[float, float, str]:
        """Percentiles of the crossing over the draws (a draw that never reaches the target
        counts as +inf, one already past it as 0), widened like the bands by the small-sample
        factor (t/z for the delta method's normal draws) in log x around the estimate."""
        unc = self.uncertainty
        if unc.method is None:
            return math.nan, math.nan, ""
        thetas = self.objective.pmap.theta(self._draws_u())
        with np.errstate(all="ignore"):
            V, _ = self._path(grid, thetas, vary, at)
        H = V - t_fit
        lg = np.log10(grid)
        xs = np.full(H.shape[0], np.nan)
        ref = math.log10(x_star) if math.isfinite(x_star) else mid
        for b in range(H.shape[0]):
            sc = np.flatnonzero(np.sign(H[b, :-1]) * np.sign(H[b, 1:]) <= 0)
            if sc.size == 0:
                continue
            j = sc[np.argmin(np.abs(lg[sc] - ref))]
            h0, h1 = H[b, j], H[b, j + 1]
            frac = h0 / (h0 - h1) if h0 != h1 else 0.0
            xs[b] = lg[j] + frac * (lg[j + 1] - lg[j])
        missing = np.isnan(xs)
        with np.errstate(invalid="ignore"):
            passed = (missing & np.isfinite(H[:, 0]) & np.isfinite(H[:, -1])
                      & (np.abs(H[:, 0]) < np.abs(H[:, -1])))  # nearer the target at the start
        never = missing & ~passed
        xs = np.where(passed, -np.inf, np.where(never, np.inf, xs))
        a = (1 - self.level) / 2
        if math.isfinite(x_star):
            k = (small_sample_factor(unc, self.level) if unc.method == "bootstrap"
                 else t_quantile(1 - a, unc.ci_dof) / t_quantile(1 - a, 0))
            lo, hi = percentile_interval(np.array(math.log10(x_star)), xs, self.level, k)
        else:
            lo, hi = quantiles(xs, [a, 1 - a])
        notes = []
        if never.any():
            notes.append(f"{never.mean():.0%} of the {unc.method} draws never reach it within "
                         f"{fmt(grid[-1])}, so the interval is open-ended")
        if passed.any():
            notes.append(f"{passed.mean():.0%} of the draws are already past it at "
                         f"{fmt(grid[0])}")
        return float(10.0 ** float(lo)), float(10.0 ** float(hi)), "; ".join(notes)

    def optimal_allocation(self, compute: object) -> pd.DataFrame:
        """Compute-optimal N and D for budgets C (FLOP, C = 6ND), with the loss reached.

        Columns: C, N, N_lo, N_hi, D, D_lo, D_hi, loss, loss_lo, loss_hi, tokens_per_param
        (= D/N). The intervals (at the fit's level) come from the same draws as every other
        interval (`interval`, on log N, log D and the loss in fitting space): each draw's own
        allocation and the loss it reaches. NaN for a fit without ``ci``.
        """
        law = self.law
        if law.allocation is None:
            raise ScalingLabError(
                f"law {law.name!r} has no compute allocation; use a compute law such as "
                "'chinchilla'"
            )
        C = np.atleast_1d(np.asarray(compute, dtype=float))
        if not np.all(np.isfinite(C)) or (C <= 0).any():
            raise ScalingLabError("compute budgets must be positive, finite numbers of FLOP")
        N, D = law.allocation(self.params, C)
        loss = self._to_user(self.objective.model(self.u, np.vstack([N, D])))
        out = {"C": C, "N": N, "N_lo": np.nan, "N_hi": np.nan, "D": D, "D_lo": np.nan,
               "D_hi": np.nan, "loss": loss, "loss_lo": np.nan, "loss_hi": np.nan,
               "tokens_per_param": D / N}
        if self.uncertainty.method is not None:
            g = self.objective.g

            def logs(p: Mapping[str, float], c: np.ndarray) -> np.ndarray:
                n, d = law.allocation(p, c)
                return np.stack([np.log(n), np.log(d), g(law.fn(np.vstack([n, d]), law.theta(p)))])

            iv = self.interval(logs, x=C)
            out.update(N_lo=np.exp(iv.lo[0]), N_hi=np.exp(iv.hi[0]), D_lo=np.exp(iv.lo[1]),
                       D_hi=np.exp(iv.hi[1]))
            back = np.exp if self.objective.space == "log" else (lambda v: v)
            ends = self._to_user(back(np.stack([iv.lo[2], iv.hi[2]])))
            out.update(loss_lo=ends.min(axis=0), loss_hi=ends.max(axis=0))
        return pd.DataFrame(out)

    # --------------------------------------------------------------- export
    def to_python(self) -> str:
        return delegate("fit_to_python")(self)

    def to_json(self, include_data: bool = False) -> str:
        """Everything needed to rebuild the result (`scalinglab.load_fit`); the table's rows
        only with ``include_data=True``."""
        return delegate("fit_to_json")(self, include_data=include_data)

    def to_latex(self) -> str:
        return delegate("fit_to_latex")(self)

    def chart(self, **kwargs: Any) -> Any:
        """An Altair chart: points, fitted curve, band and dashed extrapolation."""
        if not len(self.data):
            raise ScalingLabError("this fit was loaded without its data, so there are no "
                                  "points to draw: save it with to_json(include_data=True)")
        return delegate("fit_chart")(self, **kwargs)

    def _repr_markdown_(self) -> str:
        lines = [f"**{self.law.name}** fitted to `{self.y}` ~ `{', '.join(self.x)}` "
                 f"(n = {self.metrics['n']}, loss = {self.settings['loss']}, "
                 f"space = {self.settings['space']})", "",
                 f"$${self.to_latex()}$$", "", "| param | estimate | lo | hi |", "|---|---|---|---|"]
        for row in self.param_ci().itertuples():
            lines.append(f"| {row.param} | {fmt(row.estimate)} | {fmt(row.lo)} | {fmt(row.hi)} |")
        lines += [f"- {w}" for w in self.warnings + self.notes]
        return "\n".join(lines)


@dataclass
class GroupFit(Mapping):
    """One `FitResult` per series (``group=``), plus the series that could not be fitted.

    A joint fit with ``shared=`` (`scalinglab.fitting.joint`) still reads per series; then
    ``shared`` names the parameters that are one value across them, and ``metrics`` holds the
    joint fit's (n, n_params, objective, aic, bic, ...)."""

    results: dict[Any, FitResult]
    failed: dict[Any, str]
    group: str
    shared: tuple[str, ...] = ()
    metrics: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: Any) -> FitResult:
        return self.results[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def param_table(self) -> pd.DataFrame:
        """Long table: group, param, estimate, lo, hi."""
        frames = []
        for key, res in self.results.items():
            t = res.param_ci()
            t.insert(0, self.group, key)
            frames.append(t)
        return pd.concat(frames, ignore_index=True)

    def predict(self, x_new: object, group: Any) -> np.ndarray:
        return self.results[group].predict(x_new)

    def chart(self, **kwargs: Any) -> Any:
        return delegate("fit_chart")(list(self.results.values()), **kwargs)

    def __repr__(self) -> str:
        return (f"<GroupFit by {self.group!r}: {len(self.results)} fitted"
                + (f", {len(self.failed)} failed" if self.failed else "")
                + (f", sharing {list(self.shared)}" if self.shared else "") + ">")


def _span(values: np.ndarray) -> tuple[float, float, float]:
    """(min, median, max) of finite values."""
    v = values[np.isfinite(values)]
    return float(v.min()), float(np.median(v)), float(v.max())
