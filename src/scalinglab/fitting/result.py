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
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from scalinglab.errors import ScalingLabError
from scalinglab.fitting.objective import Objective
from scalinglab.fitting.uncertainty import Uncertainty, curve_band, param_intervals
from scalinglab.laws.base import Law


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
        s = f"{self.law} reaches {fmt(self.target)} at {self.variable} = {fmt(self.x)}"
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
        ``max_factor`` × the largest; an interval end outside that is ±inf.
        """
        target = float(target)
        t_fit = (self.ceiling - target) if self.flip else target  # type: ignore[operator]
        if len(self.x) == 1 or at:
            col = vary or (self.x[0] if len(self.x) == 1 else next(c for c in self.x if c not in at))
            xs = self.data[col].to_numpy()
        else:
            xs = 6.0 * self.data[self.x[0]].to_numpy() * self.data[self.x[1]].to_numpy()
        lo_x, hi_x = float(xs.min()) / 1e3, float(xs.max()) * max_factor
        grid = np.logspace(math.log10(lo_x), math.log10(hi_x), 600)
        theta = self.objective.pmap.theta(self.u)
        with np.errstate(all="ignore"):
            vals, var = self._path(grid, theta, vary, at)
        h = vals - t_fit
        sign_change = np.flatnonzero(np.sign(h[:-1]) * np.sign(h[1:]) <= 0)
        if sign_change.size == 0:
            user = self._to_user(vals)
            lo_v, hi_v = np.nanmin(user), np.nanmax(user)
            raise ScalingLabError(
                f"{self.law.name} never reaches {fmt(target)} for {var} in "
                f"[{fmt(lo_x)}, {fmt(hi_x)}]: there it spans [{fmt(lo_v)}, {fmt(hi_v)}]"
                + self._floor_hint(target)
            )
        # crossing nearest to the data (in log x)
        mid = math.log10(float(np.median(xs)))
        i = sign_change[np.argmin(np.abs(np.log10(grid[sign_change]) - mid))]

        def f(logx: float) -> float:
            v, _ = self._path(np.array([10.0**logx]), theta, vary, at)
            return float(np.ravel(v)[0] - t_fit)

        x_star = 10.0 ** brentq(f, math.log10(grid[i]), math.log10(grid[i + 1]), xtol=1e-12)
        lo, hi, note = self._solve_interval(grid, t_fit, vary, at, x_star)
        return Solution(target=target, x=x_star, lo=lo, hi=hi, law=self.law.name,
                        variable=var, level=self.level, method=self.uncertainty.method,
                        note=note)

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
                        at: Mapping[str, float] | None, x_star: float) -> tuple[float, float, str]:
        unc = self.uncertainty
        if unc.method is None:
            return math.nan, math.nan, ""
        if unc.method == "bootstrap":
            U = unc.samples_u
        else:
            rng = np.random.default_rng(self.settings["seed"])
            U = rng.multivariate_normal(self.u, unc.cov_u, size=1000, method="eigh")
        thetas = self.objective.pmap.theta(U)
        with np.errstate(all="ignore"):
            V, _ = self._path(grid, thetas, vary, at)
        H = V - t_fit
        lg = np.log10(grid)
        xs = np.full(H.shape[0], np.nan)
        ref = math.log10(x_star)
        for b in range(H.shape[0]):
            sc = np.flatnonzero(np.sign(H[b, :-1]) * np.sign(H[b, 1:]) <= 0)
            if sc.size == 0:
                continue
            j = sc[np.argmin(np.abs(lg[sc] - ref))]
            h0, h1 = H[b, j], H[b, j + 1]
            frac = h0 / (h0 - h1) if h0 != h1 else 0.0
            xs[b] = lg[j] + frac * (lg[j + 1] - lg[j])
        a = (1 - self.level) / 2
        missing = np.isnan(xs)
        # A curve that never reaches the target within the grid reaches it beyond: +inf.
        xs = np.where(missing, np.inf, xs)
        with np.errstate(invalid="ignore"):
            lo, hi = np.quantile(xs, a), np.quantile(xs, 1 - a)
        lo = lo if not np.isnan(lo) else np.inf
        hi = hi if not np.isnan(hi) else np.inf
        note = ""
        if missing.any():
            note = (f"{missing.mean():.0%} of the {unc.method} draws never reach it within "
                    f"{fmt(grid[-1])}")
        return float(10.0**lo), float(10.0**hi) if np.isfinite(hi) else math.inf, note

    def optimal_allocation(self, compute: object) -> pd.DataFrame:
        """Compute-optimal N and D for budgets C (FLOP, C = 6ND), with the loss reached."""
        if self.law.allocation is None:
            raise ScalingLabError(
                f"law {self.law.name!r} has no compute allocation; use a compute law such as "
                "'chinchilla'"
            )
        C = np.atleast_1d(np.asarray(compute, dtype=float))
        if not np.all(np.isfinite(C)) or (C <= 0).any():
            raise ScalingLabError("compute budgets must be positive, finite numbers of FLOP")
        N, D = self.law.allocation(self.params, C)
        X = np.vstack([N, D])
        loss = self._to_user(self.objective.model(self.u, X))
        return pd.DataFrame({"C": C, self.x[0]: N, self.x[1]: D, self.y: loss})

    # --------------------------------------------------------------- export
    def to_python(self) -> str:
        from scalinglab.export import to_python

        return to_python(self)

    def to_json(self) -> str:
        from scalinglab.export import to_json

        return to_json(self)

    def to_latex(self) -> str:
        from scalinglab.export import to_latex

        return to_latex(self)

    def chart(self, **kwargs: Any) -> Any:
        """An Altair chart: points, fitted curve, band and dashed extrapolation."""
        from scalinglab.charts import fit_chart

        return fit_chart(self, **kwargs)

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
    """One `FitResult` per series (``group=``), plus the series that could not be fitted."""

    results: dict[Any, FitResult]
    failed: dict[Any, str]
    group: str

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
        from scalinglab.charts import fit_chart

        return fit_chart(list(self.results.values()), **kwargs)

    def __repr__(self) -> str:
        return (f"<GroupFit by {self.group!r}: {len(self.results)} fitted"
                + (f", {len(self.failed)} failed" if self.failed else "") + ">")
