"""`fit`: the one verb of the kernel.

>>> import numpy as np, pandas as pd
>>> import scalinglab as sl
>>> N = np.logspace(7, 10, 25)
>>> df = pd.DataFrame({"N": N, "loss": 30 * N ** -0.2 + 1.5})
>>> res = sl.fit(df, x="N", y="loss", law="power_offset", ci=None)
>>> {k: round(v, 4) for k, v in res.params.items()}
{'a': 30.0, 'b': 0.2, 'c': 1.5}
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from scalinglab.errors import ScalingLabError, ScalingLabWarning
from scalinglab.fitting import uncertainty
from scalinglab.fitting.blas import single_threaded
from scalinglab.fitting.data import Prepared, as_frame, prepare
from scalinglab.fitting.objective import Objective, ParamMap
from scalinglab.fitting.result import FitResult, GroupFit
from scalinglab.fitting.solver import IterationCap, point_fit
from scalinglab.laws.base import Law
from scalinglab.laws.registry import get_law


def fit(
    data: object,
    x: str | Sequence[str],
    y: str,
    law: str | Law = "power_offset",
    fit_range: tuple[float | None, float | None] | None = None,
    range_on: str | None = None,
    loss: str = "l2",
    delta: float = 1e-3,
    asymmetry: float = 0.9,
    space: str = "log",
    ci: str | None = "bootstrap",
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    group: str | None = None,
    weights: str | Sequence[float] | np.ndarray | None = None,
    fixed: Mapping[str, float] | None = None,
    tie: Mapping[str, str] | None = None,
    higher_is_better: bool | None = None,
    ceiling: float | None = None,
    starts: Sequence[Mapping[str, float]] | None = None,
    multistart: bool = True,
    cap: IterationCap | None = None,
) -> FitResult | GroupFit:
    """Fit ``law`` to ``y`` against ``x`` in ``data`` and return a `FitResult`.

    Parameters
    ----------
    data : DataFrame, dict of columns, or CSV path.
    x : the column (or, for multi-variable laws, the columns in the law's variable order).
    y : the metric column (loss, error, or a higher-is-better metric such as accuracy).
    law : a registered law name (``sl.laws.names()``) or a `Law`.
    fit_range : (low, high) on x (or on ``range_on``); None means all points. Points outside
        are kept in ``res.data`` with ``in_range=False``.
    loss : ``"l2"``, ``"huber"`` (threshold ``delta``) or ``"asymmetric"`` (over-prediction
        weighted by ``asymmetry``: fits the lower envelope of noisy runs).
    space : where residuals are measured: ``"log"`` (relative errors) or ``"linear"``.
    ci : ``"bootstrap"`` (``n_boot`` case resamples, solved as one batch), ``"delta"``, None.
    level : confidence level of intervals and bands.
    group : a column; one fit per series, returned as a `GroupFit`.
    weights : a column name or array of per-row weights (e.g. inverse variance over seeds).
    fixed : parameters held at given values, e.g. ``{"c": 1.7}``.
    tie : parameters that follow another, e.g. ``{"beta": "alpha"}``.
    higher_is_better, ceiling : for accuracy-like metrics; detected from the column name and
        the values (a 0–100 scale is taken as percent) when not given.
    starts : extra starting points (dicts of parameter values) for the multi-start solver.
    multistart : False tries only the law's data-driven starts and ``starts``, without the
        jittered copies: a quicker refit when ``starts`` holds a fit of nearby data (the
        widgets use it while a brush is dragged, then refit in full when it rests).
    cap : an explicit `IterationCap` for interactive refits (a widget's brush drag); a fit
        stopped by it may sit short of its own optimum. None (the default) runs every solve
        to its convergence test.
    """
    law = get_law(law)
    if not 0 < level < 1:
        raise ScalingLabError(f"level must lie in (0, 1), not {level!r}")
    if group is not None:
        return _fit_groups(**{k: v for k, v in locals().items() if k != "group"}, group=group)
    prep = prepare(data, x, y, law, fit_range=fit_range, range_on=range_on, space=space,
                   weights=weights, higher_is_better=higher_is_better, ceiling=ceiling)
    return fit_prepared(prep, law, loss=loss, delta=delta, asymmetry=asymmetry, space=space,
                        ci=ci, n_boot=n_boot, level=level, seed=seed, fixed=fixed, tie=tie,
                        starts=starts, multistart=multistart, cap=cap)


def fit_prepared(
    prep: Prepared, law: Law, *, loss: str = "l2", delta: float = 1e-3, asymmetry: float = 0.9,
    space: str = "log", ci: str | None = "bootstrap", n_boot: int = 1000, level: float = 0.95,
    seed: int = 0, fixed: Mapping[str, float] | None = None, tie: Mapping[str, str] | None = None,
    starts: Sequence[Mapping[str, float]] | None = None, fit_range: Any = "from-prep",
    multistart: bool = True, cap: IterationCap | None = None,
) -> FitResult:
    """Fit an already validated table (the widget reuses one `Prepared` across laws)."""
    pmap = ParamMap.build(law, fixed=fixed, tie=tie)
    m = prep.in_range & (prep.weights > 0)
    obj = Objective(pmap, prep.X[:, m], prep.target[m], prep.weights[m], space=space, loss=loss,
                    delta=delta, asymmetry=asymmetry)
    extra = []
    if starts:
        base: dict[str, float] = {}
        if any(set(law.param_names) - set(s) for s in starts):  # fill gaps from the init
            base = dict(zip(law.param_names, law.init(obj.X, obj.target)[0], strict=True))
        extra = [law.theta({**base, **s}) for s in starts]
    with single_threaded():
        pf = point_fit(obj, extra_starts=extra, seed=seed, multistart=multistart,
                       max_iter=None if cap is None else cap.point_fit)
        unc = uncertainty.build(obj, pf.u, ci, n_boot, seed,
                                boot_max_iter=25 if cap is None else cap.resample)
    theta = pmap.theta(pf.u)
    params = {n: float(v) for n, v in zip(law.param_names, theta, strict=True)}

    warn_msgs = []
    for i, p in enumerate(law.params):
        if i not in pmap.free:
            continue
        for bound, side in ((p.lower, "lower"), (p.upper, "upper")):
            if np.isfinite(bound) and abs(theta[i] - bound) <= 1e-6 * max(1.0, abs(bound)):
                warn_msgs.append(
                    f"parameter {p.name!r} sits on its {side} bound {bound:g}: the data do not "
                    "pin it down within the allowed range; fix it, narrow the law, or add data"
                )
    for msg in warn_msgs:
        warnings.warn(msg, ScalingLabWarning, stacklevel=3)

    metrics = _metrics(obj, pf.u, prep, m, unc)
    metrics["objective"] = pf.cost
    metrics["n_starts"] = pf.starts_tried
    settings = {
        "fit_range": None if prep.range_on is None else _range_of(prep, m),
        "range_on": prep.range_on, "loss": loss, "delta": delta, "asymmetry": asymmetry,
        "space": space, "ci": ci, "n_boot": n_boot, "level": level, "seed": seed,
        "fixed": dict(fixed or {}), "tie": dict(tie or {}),
    }
    if prep.range_on is not None and fit_range != "from-prep":
        settings["fit_range"] = fit_range
    return FitResult(
        law=law, params=params, x=prep.x_cols, y=prep.y_col, data=prep.frame, objective=obj,
        u=pf.u, uncertainty=unc, metrics=metrics, settings=settings,
        higher_is_better=prep.higher_is_better, ceiling=prep.ceiling, flip=prep.flip,
        warnings=warn_msgs, notes=list(prep.notes),
    )


def _range_of(prep: Prepared, m: np.ndarray) -> tuple[float, float]:
    col = prep.range_on
    v = prep.frame[col].to_numpy()[m] if col in prep.frame else prep.X[0, m]
    return float(np.min(v)), float(np.max(v))


def _metrics(obj: Objective, u: np.ndarray, prep: Prepared, m: np.ndarray,
             unc: uncertainty.Uncertainty) -> dict[str, Any]:
    f = obj.model(u)
    y_user = prep.y[m]
    pred_user = prep.to_user(f)
    err = pred_user - y_user
    n = int(m.sum())
    q = obj.pmap.q
    r = obj.residuals(u)
    w = obj.weights
    rss = float(np.sum(w * r * r))
    out: dict[str, Any] = {
        "n": n,
        "n_params": q,
        "rmse": float(np.sqrt(np.mean(err**2))),
        "mae": float(np.mean(np.abs(err))),
    }
    with np.errstate(all="ignore"):
        if (y_user > 0).all() and (pred_user > 0).all():
            out["rmsle"] = float(np.sqrt(np.mean((np.log(pred_user) - np.log(y_user)) ** 2)))
        else:
            out["rmsle"] = float("nan")
        ss_tot = float(np.sum((y_user - y_user.mean()) ** 2))
        out["r2"] = 1.0 - float(np.sum(err**2)) / ss_tot if ss_tot > 0 else float("nan")
        ll = n * np.log(max(rss, 1e-300) / n)
        out["aic"] = float(ll + 2 * q)
        out["bic"] = float(ll + q * np.log(n))
    out["resid_sd"] = unc.resid_sd
    if unc.method == "bootstrap":
        out["boot_failed"] = unc.n_failed
    return out


def _fit_groups(data: object, group: str, **kw: Any) -> GroupFit:
    frame = as_frame(data)
    if group not in frame.columns:
        raise ScalingLabError(
            f"no column {group!r} for group; the table has columns {[str(c) for c in frame.columns]}"
        )
    results: dict[Any, FitResult] = {}
    failed: dict[Any, str] = {}
    for key, sub in frame.groupby(group, sort=True, dropna=False):
        try:
            res = fit(sub, **kw)
            assert isinstance(res, FitResult)
            res.group = key
            results[key] = res
        except ScalingLabError as e:
            failed[key] = str(e)
    if not results:
        details = "; ".join(f"{k}: {v}" for k, v in failed.items())
        raise ScalingLabError(f"no series of {group!r} could be fitted. {details}")
    for key, msg in failed.items():
        warnings.warn(f"series {group}={key!r} was not fitted: {msg}", ScalingLabWarning,
                      stacklevel=3)
    return GroupFit(results=results, failed=failed, group=group)
