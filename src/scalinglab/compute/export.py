"""``plan.to_python()``: a self-contained ``allocate(C, level=...)`` (numpy only).

Following `scalinglab.export`: numbers are written with ``repr`` (`num`), so the snippet, run
in a fresh interpreter, reproduces ``plan.allocate`` to 1e-12 relative, intervals included:
it carries the bootstrap draws behind them (one row per resample), which is what makes the
intervals exact at any budget and level. The function returns a dict of arrays with the
columns of ``plan.allocate``.

>>> import numpy as np, scalinglab as sl
>>> plan = sl.compute_optimal(sl.datasets.load("chinchilla"), n_boot=100)
>>> ns = {}
>>> exec(plan.to_python(), ns)
>>> out = ns["allocate"]([1e22, 1e24])
>>> bool(np.allclose(out["N_hi"], plan.allocate([1e22, 1e24])["N_hi"], rtol=1e-12))
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from scalinglab.compute.frontier import COLUMNS, Frontier
from scalinglab.compute.parametric import ParametricAllocator
from scalinglab.errors import ScalingLabError
from scalinglab.export import _comment, _version, num
from scalinglab.fitting.uncertainty import small_sample_factor, t_quantile

if TYPE_CHECKING:
    from scalinglab.compute.plan import ComputePlan

_BODY = '''

def _values(C, n, loss, per_token):
    """N_opt, D_opt and the loss at budgets C for parameter rows n and loss."""
    x = np.log(C / C_REF)
    N = np.exp(n[..., 0, None] + n[..., 1, None] * x)
    if per_token is None:
        k, p = FLOPS_PER_TOKEN
        D = C / (k * N**p)
    else:
        D = C / per_token(N)
    L = loss[..., 0, None] + loss[..., 1, None] * np.exp(-loss[..., 2, None] * x)
    return N, D, L


def _interval(draws, level):
    a = (1 - level) / 2
    finite = np.isfinite(draws)
    if finite.all():
        return np.quantile(draws, [a, 1 - a], axis=0)
    return np.nanquantile(np.where(finite, draws, np.nan), [a, 1 - a], axis=0)


def allocate(C, level=LEVEL, flops_per_token=None):
    """Compute-optimal N, D and loss at budgets C (FLOP), with intervals at ``level``.

    ``flops_per_token(N)``: the FLOP convention's FLOPs per token, needed when the plan's
    convention was a Python function (FLOPS_PER_TOKEN is None); D = C / flops_per_token(N).
    """
    if FLOPS_PER_TOKEN is None and flops_per_token is None:
        raise ValueError("pass flops_per_token(N): this plan's FLOP convention was a function")
    per_token = flops_per_token if FLOPS_PER_TOKEN is None else None
    C = np.atleast_1d(np.asarray(C, dtype=float))
    point = _values(C, np.array(N_LINE), np.array(LOSS_LAW), per_token)
    out = {"C": C}
    draws = None if N_DRAWS is None else _values(C, N_DRAWS, LOSS_DRAWS, per_token)
    for i, name in enumerate(("N", "D", "loss")):
        out[name] = point[i]
        if draws is None:
            out[name + "_lo"] = out[name + "_hi"] = np.full(C.size, np.nan)
        else:
            out[name + "_lo"], out[name + "_hi"] = _interval(draws[i], level)
    out["tokens_per_param"] = out["D"] / out["N"]
    return {k: out[k] for k in COLUMNS}
'''


def _tuple(values: object) -> str:
    return "(" + ", ".join(num(v) for v in np.ravel(values)) + ")"


def _array(rows: np.ndarray | None) -> str:
    if rows is None:
        return "None"
    body = ",\n".join("    [" + ", ".join(num(v) for v in row) + "]" for row in rows)
    return f"np.array([\n{body},\n])"


def frontier_source(fr: Frontier, level: float, header: list[str]) -> str:
    """The snippet for a frontier-based plan (approaches 1 and 2)."""
    lines = [*header, "import numpy as np", "",
             f"COLUMNS = {COLUMNS!r}",
             f"LEVEL = {num(level)}",
             f"C_REF = {num(fr.C_ref)}",
             f"N_LINE = {_tuple(fr.n)}  # ln N_opt = N_LINE[0] + N_LINE[1] * ln(C / C_REF)",
             f"FLOPS_PER_TOKEN = {'None' if fr.flops_kp is None else _tuple(fr.flops_kp)}"
             "  # (k, p): D_opt = C / (k * N_opt**p)",
             f"LOSS_LAW = {_tuple(fr.loss)}  # loss = E + K * (C / C_REF)**(-gamma): (E, K, gamma)",
             "# bootstrap draws of the same numbers, one row per resample",
             f"N_DRAWS = {_array(fr.n_draws)}",
             f"LOSS_DRAWS = {_array(fr.loss_draws)}"]
    return "\n".join(lines) + "\n" + _BODY


def plan_to_python(plan: ComputePlan) -> str:
    """A self-contained snippet with ``allocate(C, level=...)``; see the module docstring."""
    st = plan.settings
    n_boot = st["n_boot"]
    what = {"isoflop": f"approach 2, isoFLOP profiles ({st['profile']!r})",
            "envelope": "approach 1, the envelope of loss against compute",
            "parametric": "approach 3, a parametric law"}[plan.approach]
    header = [
        f"# Compute-optimal allocation exported by scalinglab {_version()}: {what}.",
        f"# Runs: {len(plan.runs)} from columns N={_comment(st['N'])}, D={_comment(st['D'])}, "
        f"loss={_comment(st['y'])}; FLOP convention: {st['convention']}.",
        "# Intervals: " + (f"percentiles of {n_boot} bootstrap resamples" if n_boot else
                           "none (fitted without ci)") + f", default level {plan.level!r}.",
    ]
    fr = plan.fit.frontier
    if isinstance(fr, Frontier):
        return frontier_source(fr, plan.level, header)
    if isinstance(fr, ParametricAllocator):
        return parametric_source(fr, plan.level, header)
    raise ScalingLabError(f"no Python export for a {type(fr).__name__}")  # pragma: no cover


_PARAMETRIC_BODY = '''

def _allocation(p, C):
    """Hoffmann et al. 2022, eq. 4: compute-optimal N and D under C = 6·N·D."""
    E, A, B, alpha, beta = (p[..., i, None] for i in range(5))
    c6 = C / 6.0
    G = (alpha * A / (beta * B)) ** (1.0 / (alpha + beta))
    N = G * c6 ** (beta / (alpha + beta))
    D = c6 / N
    L = E + A * N ** (-alpha) + B * D ** (-beta)
    return N, D, L


def _factor(level):
    """The small-sample factor that widens the bootstrap's percentile intervals."""
    if level == LEVEL:
        return FACTOR
    from scipy import stats

    a = (1 - level) / 2
    t = stats.norm.ppf(1 - a) if DOF == 0 else stats.t.ppf(1 - a, DOF)
    return SQRT_VAR * t / stats.norm.ppf(1 - a)


def _percentile(estimate, values, level):
    a = (1 - level) / 2
    v = np.where(np.isnan(values), np.inf, values)
    if np.all(np.isfinite(v)):
        ql, qh = np.quantile(v, [a, 1 - a], axis=0)
    else:
        ql, qh = np.quantile(v, [a, 1 - a], axis=0, method="inverted_cdf")
    k = _factor(level)
    with np.errstate(invalid="ignore"):
        lo, hi = estimate + k * (ql - estimate), estimate + k * (qh - estimate)
    lo = np.where(np.isfinite(ql), lo, ql)
    hi = np.where(np.isfinite(qh), hi, qh)
    return np.minimum(lo, hi), np.maximum(lo, hi)


def allocate(C, level=LEVEL):
    """Compute-optimal N, D and loss at budgets C (FLOP), with intervals at ``level``
    (levels other than LEVEL need scipy for the t quantile)."""
    C = np.atleast_1d(np.asarray(C, dtype=float))
    point = [v[0] for v in _allocation(np.array([PARAMS]), C)]
    out = {"C": C, "N": point[0], "D": point[1], "loss": point[2]}
    if DRAWS is None:
        for name in ("N", "D", "loss"):
            out[name + "_lo"] = out[name + "_hi"] = np.full(C.size, np.nan)
    else:
        draws = _allocation(DRAWS, C)
        for i, name in enumerate(("N", "D", "loss")):  # intervals of the logs, as the fit's
            lo, hi = _percentile(np.log(point[i]), np.log(draws[i]), level)
            out[name + "_lo"], out[name + "_hi"] = np.exp(lo), np.exp(hi)
    out["tokens_per_param"] = out["D"] / out["N"]
    return {k: out[k] for k in COLUMNS}
'''


def parametric_source(alloc: ParametricAllocator, level: float, header: list[str]) -> str:
    """The snippet for approach 3: the Chinchilla law's closed-form allocation at the fitted
    parameters and at each bootstrap draw, with the fit's percentile interval (the same
    quantiles and small-sample factor as `FitResult.interval`)."""
    res = alloc.res
    if not alloc.closed_form or res.law.name != "chinchilla" or res.objective.space != "log":
        raise ScalingLabError(
            "Python export of approach 3 covers the Chinchilla law fitted in log space under "
            "C = 6·N·D (closed-form allocation); this plan's allocation is numeric"
        )
    names = ["E", "A", "B", "alpha", "beta"]
    point = [res.params[n] for n in names]
    unc = res.uncertainty
    draws = None
    factor = sqrt_var = float("nan")
    dof = 0
    if unc.method is not None:
        draws = res.draws()[names].to_numpy()
        factor = small_sample_factor(unc, level)
        a = (1 - level) / 2
        dof = int(unc.ci_dof)
        sqrt_var = factor * t_quantile(1 - a, 0) / t_quantile(1 - a, dof)
    lines = [*header, "import numpy as np", "",
             f"COLUMNS = {COLUMNS!r}",
             f"LEVEL = {num(level)}",
             f"PARAMS = {_tuple(point)}  # (E, A, B, alpha, beta): E + A / N**alpha + B / D**beta",
             f"FACTOR = {num(factor)}  # small-sample factor at LEVEL: SQRT_VAR * t / z",
             f"SQRT_VAR = {num(sqrt_var)}",
             f"DOF = {dof}",
             "# bootstrap draws of the parameters, one row per resample",
             f"DRAWS = {_array(draws)}"]
    return "\n".join(lines) + "\n" + _PARAMETRIC_BODY
