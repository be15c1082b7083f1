"""The objective a fit minimises, in the solver's coordinates.

Two pieces:

* `ParamMap`: law parameters θ ↔ solver coordinates u. Fixed parameters drop out, tied
  parameters follow their source (``tie={"beta": "alpha"}``), and parameters declared
  ``log=True`` are optimised as log θ (scales spanning decades, such as Chinchilla's A and B).
* `Objective`: residuals r = g(f(X; θ)) − g(target) with g = log or identity (``space``),
  positive when the law over-predicts, and the loss ρ summed over points with weights:
  ``l2`` ½r², ``huber`` (δ), or ``asymmetric`` (squared, over-prediction weighted by
  ``asymmetry`` and under-prediction by 1 − asymmetry: the lower envelope of noisy runs).

>>> import numpy as np
>>> from scalinglab import get_law
>>> law = get_law("power")
>>> pm = ParamMap.build(law, fixed={"b": 0.5})
>>> pm.free_names
('a',)
>>> pm.theta(np.log([2.0]))
array([2. , 0.5])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from scalinglab.errors import ScalingLabError
from scalinglab.laws.base import Law

TINY = 1e-300
LOSSES = ("l2", "huber", "asymmetric")


@dataclass(frozen=True)
class ParamMap:
    """Maps solver coordinates u (free parameters, some in log) to law parameters θ."""

    law: Law
    free: tuple[int, ...]
    fixed: Mapping[int, float]
    ties: Mapping[int, int]  # dependent parameter index -> source parameter index
    log: np.ndarray  # bool, per free parameter
    lower: np.ndarray  # (p,) bounds of every parameter: the law's, or narrower ones for this fit
    upper: np.ndarray

    @classmethod
    def build(
        cls, law: Law, fixed: Mapping[str, float] | None = None, tie: Mapping[str, str] | None = None,
        bounds: Mapping[str, tuple[float, float]] | None = None,
    ) -> ParamMap:
        """``bounds``: narrower bounds for some parameters in this fit (intersected with the
        law's), e.g. a sigmoid's ceiling within [0, 1] on a rate."""
        names = law.param_names
        idx = {n: i for i, n in enumerate(names)}
        fixed = dict(fixed or {})
        tie = dict(tie or {})
        bounds = dict(bounds or {})
        for n in [*fixed, *tie, *tie.values(), *bounds]:
            if n not in idx:
                raise ScalingLabError(
                    f"law {law.name!r} has no parameter {n!r}; its parameters are {list(names)}"
                )
        lower, upper = law.bounds
        for n, (lo, hi) in bounds.items():
            i = idx[n]
            lower[i], upper[i] = max(lower[i], float(lo)), min(upper[i], float(hi))
            if not lower[i] < upper[i]:
                raise ScalingLabError(
                    f"bounds ({lo}, {hi}) for parameter {n!r} leave nothing of its range "
                    f"[{law.params[i].lower}, {law.params[i].upper}]"
                )
        for n, v in fixed.items():
            lo, hi = lower[idx[n]], upper[idx[n]]
            if not np.isfinite(v) or not (lo <= v <= hi):
                raise ScalingLabError(
                    f"fixed value {v!r} for parameter {n!r} is outside its bounds [{lo}, {hi}]"
                )
        for dep, src in tie.items():
            if dep == src or dep in fixed or src in tie:
                raise ScalingLabError(
                    f"tie {dep!r} -> {src!r} is not allowed: a parameter can follow one free, "
                    "untied parameter, and cannot also be fixed"
                )
        free = tuple(i for i, n in enumerate(names) if n not in fixed and n not in tie)
        if not free:
            raise ScalingLabError("every parameter is fixed or tied: nothing is left to fit")
        log = np.array([law.params[i].log for i in free], dtype=bool)
        return cls(
            law=law,
            free=free,
            fixed={idx[n]: float(v) for n, v in fixed.items()},
            ties={idx[d]: idx[s] for d, s in tie.items()},
            log=log,
            lower=lower,
            upper=upper,
        )

    @property
    def q(self) -> int:
        return len(self.free)

    @property
    def plain(self) -> bool:
        """True when every parameter is free (u maps to θ elementwise)."""
        return len(self.free) == self.law.n_params

    @property
    def free_names(self) -> tuple[str, ...]:
        return tuple(self.law.param_names[i] for i in self.free)

    def bounds_u(self) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.lower[list(self.free)], self.upper[list(self.free)]
        with np.errstate(divide="ignore"):
            lo = np.where(self.log, np.log(np.maximum(lo, 0.0)), lo)
            hi = np.where(self.log, np.log(hi), hi)
        return lo, hi

    def theta(self, u: np.ndarray) -> np.ndarray:
        """u of shape (..., q) → θ of shape (..., p)."""
        u = np.asarray(u, dtype=float)
        with np.errstate(over="ignore"):
            vals = np.where(self.log, np.exp(u), u)
        out = np.empty((*u.shape[:-1], self.law.n_params))
        out[..., list(self.free)] = vals
        for i, v in self.fixed.items():
            out[..., i] = v
        for d, s in self.ties.items():
            out[..., d] = out[..., s]
        return out

    def u(self, theta: np.ndarray) -> np.ndarray:
        """θ (..., p) → u (..., q), clipped strictly inside the bounds."""
        theta = np.asarray(theta, dtype=float)
        vals = theta[..., list(self.free)]
        lo, hi = self.lower[list(self.free)], self.upper[list(self.free)]
        span = np.where(np.isfinite(hi - lo), hi - lo, np.abs(vals) + 1.0)
        vals = np.clip(vals, lo + 1e-9 * span, hi - 1e-9 * span)
        vals = np.where(self.log, np.maximum(vals, 1e-250), vals)
        return np.where(self.log, np.log(np.where(self.log, vals, 1.0)), vals)

    def dtheta_du(self, u: np.ndarray) -> np.ndarray:
        """(..., p, q): the chain-rule matrix from u to θ."""
        u = np.asarray(u, dtype=float)
        scale = np.where(self.log, np.exp(u), 1.0)
        M = np.zeros((*u.shape[:-1], self.law.n_params, self.q))
        for j, i in enumerate(self.free):
            M[..., i, j] = scale[..., j]
        for d, s in self.ties.items():
            M[..., d, :] = M[..., s, :]
        return M


@dataclass
class Objective:
    """Residuals, Jacobian and loss of a law on fixed data, in u coordinates."""

    pmap: ParamMap
    X: np.ndarray  # (k, n)
    target: np.ndarray  # (n,)
    weights: np.ndarray  # (n,)
    space: str = "log"
    loss: str = "l2"
    delta: float = 1e-3
    asymmetry: float = 0.9

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise ScalingLabError(f"loss must be one of {LOSSES}, not {self.loss!r}")
        if self.loss == "huber" and not self.delta > 0:
            raise ScalingLabError(f"huber loss needs delta > 0, not {self.delta!r}")
        if self.loss == "asymmetric" and not 0 < self.asymmetry < 1:
            raise ScalingLabError(f"asymmetry must lie in (0, 1), not {self.asymmetry!r}")
        self.g_target = self.g(self.target)

    @property
    def law(self) -> Law:
        return self.pmap.law

    # ------------------------------------------------------------ model in fitting space
    def g(self, values: np.ndarray) -> np.ndarray:
        if self.space == "log":
            return np.log(np.maximum(values, TINY))
        return values

    def model(self, u: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        with np.errstate(all="ignore"):
            return self.law.fn(self.X if X is None else X, self.pmap.theta(u))

    def residuals(self, u: np.ndarray) -> np.ndarray:
        """r = g(f) − g(target), shape (..., n); non-finite values become large."""
        return self.residuals_and_model(u)[0]

    def residuals_model_jacq(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(r, f, Jq): residuals, model values, and d g(f)/du laid out parameter-major as
        (q, ..., n). The batched solver's hot path: with the law's ``fn_jac`` the costly
        intermediates (x^-b, exp) serve the value and the Jacobian, and every pass over the
        (B, n) arrays is a long contiguous loop (a trailing axis of length q is not)."""
        u = np.asarray(u, dtype=float)
        if self.law.fn_jac is None:
            r, f = self.residuals_and_model(u)
            return r, f, self.jacq(u, f)
        with np.errstate(all="ignore"):
            f, cols = self.law.fn_jac(self.X, self.pmap.theta(u))
            r = self.g(f)
            r -= self.g_target
        bad = ~np.isfinite(r)
        if bad.any():
            r[bad] = 1e10
        return r, f, self._chain_q(cols, u, f)

    def jacq(self, u: np.ndarray, f: np.ndarray) -> np.ndarray:
        """d g(f)/du as (q, ..., n) at u, where the model value f is already known."""
        u = np.asarray(u, dtype=float)
        with np.errstate(all="ignore"):
            if self.law.jac is None:
                Ju = self._numeric_jac(u, self.X)  # already in u coordinates
                return self._chain_q([Ju[..., j] for j in range(self.pmap.q)], u, f, chain=False)
            Jt = np.asarray(self.law.jac(self.X, self.pmap.theta(u)), dtype=float)
        return self._chain_q([Jt[..., i] for i in range(Jt.shape[-1])], u, f)

    def _chain_q(self, cols: Sequence[np.ndarray], u: np.ndarray, f: np.ndarray,
                 chain: bool = True) -> np.ndarray:
        """Per-parameter columns d f/dθ_i → (q, ..., n) of d g(f)/du_j: tied parameters add
        to their source, fixed ones drop out, log coordinates multiply by θ, and log space
        divides by f (zero where f <= 0, whose residual is a constant penalty)."""
        q = self.pmap.q
        Jq = np.empty((q, *f.shape))
        with np.errstate(all="ignore"):
            inv = None
            if self.space == "log":
                inv = np.divide(1.0, f, out=np.zeros(f.shape), where=f > TINY)
            for j in range(q):
                if chain:
                    i = self.pmap.free[j]
                    col = np.asarray(cols[i], dtype=float)
                    for d, s in self.pmap.ties.items():
                        if s == i:
                            col = col + cols[d]
                else:
                    col = cols[j]
                if inv is None:
                    Jq[j] = col
                else:
                    np.multiply(col, inv, out=Jq[j])
                if chain and self.pmap.log[j]:
                    Jq[j] *= np.exp(u[..., j, None])
        bad = ~np.isfinite(Jq)
        if bad.any():
            Jq[bad] = 0.0
        return Jq

    def residuals_and_model(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(r, f): residuals and the model values they came from (f feeds `jac`)."""
        f = self.model(u)
        with np.errstate(all="ignore"):
            r = self.g(f) - self.g_target
        bad = ~np.isfinite(r)
        if bad.any():
            r[bad] = 1e10
        return r, f

    def jac(self, u: np.ndarray, X: np.ndarray | None = None,
            f: np.ndarray | None = None) -> np.ndarray:
        """d g(f) / d u, shape (..., n, q). Pass ``f`` (the model at u) if already known."""
        u = np.asarray(u, dtype=float)
        X = self.X if X is None else X
        with np.errstate(all="ignore"):
            if self.law.jac is None:
                return self._scale_jac(self._numeric_jac(u, X), u, f, X, chain=False)
            Jt = np.asarray(self.law.jac(X, self.pmap.theta(u)), dtype=float)
        return self._scale_jac(Jt, u, f, X)

    def _scale_jac(self, Jt: np.ndarray, u: np.ndarray, f: np.ndarray | None,
                   X: np.ndarray | None = None, chain: bool = True) -> np.ndarray:
        """d f/d θ (..., n, p) → d g(f)/d u (..., n, q): the chain rule to solver coordinates
        and, in log space, division by f. On the hot path of every solver iteration, so the
        scaling is done in place, one pass each."""
        X = self.X if X is None else X
        with np.errstate(all="ignore"):
            J = Jt
            if chain:
                if not J.flags.owndata or not J.flags.writeable:
                    J = J.copy()  # scaled in place below
                if self.pmap.plain:  # no fixed or tied parameters: the chain rule is diagonal
                    if self.pmap.log.any():
                        J *= np.where(self.pmap.log, np.exp(u), 1.0)[..., None, :]
                else:
                    J = J @ self.pmap.dtheta_du(u)  # (..., n, q)
            if self.space == "log":
                if f is None:
                    f = self.law.fn(X, self.pmap.theta(u))
                # where f <= 0 the residual is a constant penalty: its gradient is zero
                J *= np.where(f > TINY, 1.0 / np.maximum(f, TINY), 0.0)[..., None]
        bad = ~np.isfinite(J)
        if bad.any():
            J[bad] = 0.0
        return J

    def _numeric_jac(self, u: np.ndarray, X: np.ndarray) -> np.ndarray:
        cols = []
        for j in range(self.pmap.q):
            h = 1e-6 * np.maximum(1.0, np.abs(u[..., j]))
            up, dn = u.copy(), u.copy()
            up[..., j] += h
            dn[..., j] -= h
            fu = self.law.fn(X, self.pmap.theta(up))
            fd = self.law.fn(X, self.pmap.theta(dn))
            cols.append((fu - fd) / (2 * np.asarray(h)[..., None]))
        return np.stack(cols, axis=-1)

    # ------------------------------------------------------------ loss
    def rho(self, r: np.ndarray) -> np.ndarray:
        """Per-point loss of residuals r (already multiplied by sqrt(weights))."""
        if self.loss == "l2":
            return 0.5 * r * r
        if self.loss == "huber":
            a = np.abs(r)
            return np.where(a <= self.delta, 0.5 * r * r, self.delta * (a - 0.5 * self.delta))
        return 0.5 * r * r * self.asym_weight(r)

    def asym_weight(self, r: np.ndarray) -> np.ndarray:
        return np.where(r > 0, 2.0 * self.asymmetry, 2.0 * (1.0 - self.asymmetry))

    def irls_weight(self, r: np.ndarray) -> np.ndarray:
        """Weights that turn the loss into a weighted least-squares step (IRLS)."""
        if self.loss == "l2":
            return np.ones_like(r)
        if self.loss == "huber":
            a = np.abs(r)
            return np.where(a <= self.delta, 1.0, self.delta / np.maximum(a, TINY))
        return self.asym_weight(r)

    def step_weights(self, r: np.ndarray) -> np.ndarray:
        """Per-point weights of the weighted least-squares (IRLS) step at raw residuals r:
        the user weights times the loss's IRLS weights (the user weights alone for l2)."""
        if self.loss == "l2":
            return self.weights
        return self.weights * self.irls_weight(r * np.sqrt(self.weights))

    def value(self, u: np.ndarray, counts: np.ndarray | None = None) -> np.ndarray:
        """Σ w·ρ(√w r) over points, for one u (q,) or a batch (B, q)."""
        with np.errstate(over="ignore", invalid="ignore"):
            r = self.residuals(u) * np.sqrt(self.weights)
            per = self.rho(r)
        if counts is not None:
            per = per * counts
        return per.sum(axis=-1)

    # ------------------------------------------------------------ for scipy.least_squares
    def ls_residuals(self, u: np.ndarray) -> np.ndarray:
        r = self.residuals(u) * np.sqrt(self.weights)
        if self.loss == "asymmetric":
            r = r * np.sqrt(self.asym_weight(r))
        return r

    def ls_jac(self, u: np.ndarray) -> np.ndarray:
        J = self.jac(u) * np.sqrt(self.weights)[:, None]
        if self.loss == "asymmetric":
            r = self.residuals(u) * np.sqrt(self.weights)
            J = J * np.sqrt(self.asym_weight(r))[:, None]
        return J
