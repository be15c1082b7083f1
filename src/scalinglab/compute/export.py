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
from scalinglab.errors import ScalingLabError
from scalinglab.export import _comment, _version, num

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
    from scalinglab.compute.parametric import ParametricAllocator, parametric_source

    if isinstance(fr, ParametricAllocator):
        return parametric_source(fr, plan.level, header)
    raise ScalingLabError(f"no Python export for a {type(fr).__name__}")  # pragma: no cover
