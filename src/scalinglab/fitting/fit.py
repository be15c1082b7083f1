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
from scalinglab.fitting.data import Prepared, as_frame, prepare, require_column
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
    cluster: str | bool | None = None,
    shared: Sequence[str] | None = None,
    boot_draws: str = "auto",
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
    space : where residuals are measured: ``"log"`` (relative errors) or ``"linear"``. A rate
        (a metric with a ceiling) that reaches 0 is fitted in linear space, and the notes
        say so.
    ci : ``"bootstrap"`` (``n_boot`` case resamples, solved as one batch; whole clusters when
        rows share their x values, see ``cluster``), ``"delta"``, None.
    level : confidence level of intervals and bands.
    group : a column; one fit per series, returned as a `GroupFit`.
    weights : a column name or array of per-row weights (e.g. inverse variance over seeds).
    fixed : parameters held at given values, e.g. ``{"c": 1.7}``.
    tie : parameters that follow another, e.g. ``{"beta": "alpha"}``.
    higher_is_better, ceiling : for accuracy-like metrics; detected from the column name and
        the values (a 0–100 scale is taken as percent) when not given. A metric with a
        ceiling (or a lower-is-better one given ``ceiling=``, such as an error rate) is a
        rate: the law's levels (`Law.levels`, e.g. the sigmoid's floor and ceiling) are
        bounded by [0, ceiling] in the fit and in every bootstrap resample.
    starts : extra starting points (dicts of parameter values) for the multi-start solver.
    multistart : False tries only the law's data-driven starts and ``starts``, without the
        jittered copies: a quicker refit when ``starts`` holds a fit of nearby data (the
        widgets use it while a brush is dragged, then refit in full when it rests).
    cap : an explicit `IterationCap` for interactive refits (a widget's brush drag); a fit
        stopped by it may sit short of its own optimum. None (the default) runs every solve
        to its convergence test.
    cluster : rows resampled together by the bootstrap (and pooled by the delta method's
        cluster-robust covariance). None (default): rows that share their x values, when any
        x repeats (the seeds of one configuration share its luck); a column name: rows with
        the same value there; False: every row on its own. ``res.notes`` says which.
    boot_draws : the bootstrap's draws: ``"auto"`` (default) resamples cases up to 2,000
        independent rows or clusters and above that draws from the normal approximation with
        a robust sandwich covariance (exact enough there, and its cost does not grow with
        resamples × rows; ``res.notes`` says so); ``"cases"`` or ``"normal"`` at any size.
        See `fitting.uncertainty`.
    shared : with ``group``, parameters that take one value across all groups (e.g. a
        common floor ``["c"]``): one joint fit, read per group; see `fitting.joint`.

    Every fit without a cap ends on a convergence test (see `fitting.solver.convergence`):
    ``res.metrics["converged"]`` says whether it passed, and a fit that did not carries a
    warning naming the law. ``res.metrics["boot_unconverged"]`` counts bootstrap resamples
    stopped by their iteration limit (a note says so when there are any).
    """
    law = get_law(law)
    if not 0 < level < 1:
        raise ScalingLabError(f"level must lie in (0, 1), not {level!r}")
    if shared:
        if group is None:
            raise ScalingLabError("shared= needs group=: the column whose series share "
                                  f"parameters {list(shared)}")
        from scalinglab.fitting.joint import fit_shared

        return fit_shared(**{k: v for k, v in locals().items() if k not in ("shared", "group")},
                          group=group, shared=shared)
    if group is not None:
        return _fit_groups(**{k: v for k, v in locals().items() if k not in ("group", "shared")},
                           group=group)
    prep = prepare(data, x, y, law, fit_range=fit_range, range_on=range_on, space=space,
                   weights=weights, higher_is_better=higher_is_better, ceiling=ceiling,
                   cluster=cluster)
    return fit_prepared(prep, law, loss=loss, delta=delta, asymmetry=asymmetry, space=space,
                        ci=ci, n_boot=n_boot, level=level, seed=seed, fixed=fixed, tie=tie,
                        starts=starts, multistart=multistart, cap=cap, boot_draws=boot_draws)


def fit_prepared(
    prep: Prepared, law: Law, *, loss: str = "l2", delta: float = 1e-3, asymmetry: float = 0.9,
    space: str = "log", ci: str | None = "bootstrap", n_boot: int = 1000, level: float = 0.95,
    seed: int = 0, fixed: Mapping[str, float] | None = None, tie: Mapping[str, str] | None = None,
    starts: Sequence[Mapping[str, float]] | None = None, fit_range: Any = "from-prep",
    multistart: bool = True, cap: IterationCap | None = None, boot_draws: str = "auto",
) -> FitResult:
    """Fit an already validated table (the widget reuses one `Prepared` across laws).
    The residuals are measured in ``prep.space`` (``space``, unless `prepare` moved a rate
    with zeros to linear space)."""
    space = prep.space
    bounds = level_bounds(law, prep)
    pmap = ParamMap.build(law, fixed=fixed, tie=tie, bounds=bounds)
    m = prep.in_range & (prep.weights > 0)
    dof_msgs, clusters = check_dof(prep.X[:, m], fitted_clusters(prep, m), pmap.q, law.name)
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
                       max_iter=None if cap is None else cap.point_fit,
                       row_labels=prep.frame.index[m])
        unc = uncertainty.build(
            obj, pf.u, ci, n_boot, seed,
            boot_max_iter=uncertainty.BOOT_ITER_LIMIT if cap is None else cap.resample,
            clusters=clusters, draws=boot_draws)
    theta = pmap.theta(pf.u)
    params = {n: float(v) for n, v in zip(law.param_names, theta, strict=True)}

    conv_warnings, conv_notes = convergence_messages(law, pf.converged, unc,
                                                      capped=cap is not None)
    warn_msgs = (list(dof_msgs) + conv_warnings + bound_warnings(pmap, theta, obj.X)
                 + zero_width(unc, pmap, pf.u, level, law.name))
    for msg in warn_msgs:
        warnings.warn(msg, ScalingLabWarning, stacklevel=3)

    metrics = _metrics(obj, pf.u, prep, m, unc)
    metrics["objective"] = pf.cost
    metrics["n_starts"] = pf.starts_tried
    metrics["converged"] = pf.converged
    settings = fit_settings(prep, m, fit_range, loss=loss, delta=delta, asymmetry=asymmetry,
                            space=space, ci=ci, n_boot=n_boot, level=level, seed=seed,
                            fixed=dict(fixed or {}), tie=dict(tie or {}), bounds=bounds)
    return FitResult(
        law=law, params=params, x=prep.x_cols, y=prep.y_col, data=prep.frame, objective=obj,
        u=pf.u, uncertainty=unc, metrics=metrics, settings=settings,
        higher_is_better=prep.higher_is_better, ceiling=prep.ceiling, flip=prep.flip,
        warnings=warn_msgs,
        notes=(list(prep.notes) + cluster_notes(prep, clusters, ci) + conv_notes
               + uncertainty.draws_note(unc)),
    )


def fit_settings(prep: Prepared, m: np.ndarray, fit_range: Any, **how: Any) -> dict[str, Any]:
    """How a fit was made, as `FitResult.settings` records it: the fit range on the data
    (``fit_range`` as asked, unless "from-prep") and the options ``how``."""
    rng = None if prep.range_on is None else _range_of(prep, m)
    if prep.range_on is not None and fit_range != "from-prep":
        rng = fit_range
    return {"fit_range": rng, "range_on": prep.range_on, **how}


def fitted_clusters(prep: Prepared, m: np.ndarray) -> np.ndarray | None:
    """Cluster codes 0..G−1 of the fitted rows ``m``, or None when each stands alone."""
    if prep.clusters is None:
        return None
    codes = np.unique(prep.clusters[m], return_inverse=True)[1].ravel()
    return codes if codes.size and codes.max() + 1 < codes.size else None


def check_dof(X: np.ndarray, clusters: np.ndarray | None, q: int, name: str
              ) -> tuple[list[str], np.ndarray | None]:
    """Refuse a fit without degrees of freedom; return warnings for one with few, and the
    clusters the intervals can use (None when there are too few to resample)."""
    n = X.shape[1]
    if n <= q:
        raise ScalingLabError(
            f"only {n} points for law {name!r}, which has {q} free parameters: the fit has no "
            "degrees of freedom left to measure its error. Add points, fix a parameter "
            "(fixed=...), or choose a law with fewer parameters"
        )
    msgs = []
    if clusters is not None:
        distinct = np.unique(X.T, axis=0).shape[0]
        G = int(clusters.max()) + 1
        if distinct <= q:
            msgs.append(
                f"only {distinct} distinct x values for the {q} free parameters of {name!r}: "
                "the law passes through their means whatever its form, so nothing checks it, "
                "and its intervals resample rows, so they reflect the scatter at each x but "
                "not the luck each configuration shares (that cannot be measured here). Add x "
                "values or fix a parameter")
            return msgs, None
        if G <= q:
            msgs.append(
                f"only {G} clusters for the {q} free parameters of {name!r}: too few to "
                "resample, so the intervals resample rows and ignore the luck the rows of a "
                "cluster share (they are likely too narrow)")
            return msgs, None
    units = n if clusters is None else int(clusters.max()) + 1
    dof = units - q
    if dof <= 2:
        what = "clusters" if clusters is not None else "points"
        msgs.append(
            f"only {dof} degree{'s' if dof > 1 else ''} of freedom ({units} {what} for {q} "
            f"free parameters of {name!r}): the residual scale, and every interval built on "
            "it, rests on very little evidence; treat the intervals as rough")
    return msgs, clusters


def zero_width(unc: uncertainty.Uncertainty, pmap: ParamMap, u: np.ndarray, level: float,
               name: str) -> list[str]:
    """A warning when free parameters' intervals come out with no width: an exact fit, or
    parameters the data carry no information on (a term that vanished on this range)."""
    if unc.method is None:
        return []
    lo, hi = uncertainty.param_intervals(unc, pmap, u, level)
    theta = pmap.theta(u)
    free = list(pmap.free)
    flat = [pmap.law.param_names[i] for i in free
            if not hi[i] - lo[i] > 1e-9 * max(abs(theta[i]), 1e-12)]
    if not flat:
        return []
    if len(flat) == len(free) and unc.resid_sd <= 1e-9:
        return [f"the intervals of {name!r} have zero width: it fits these points exactly "
                f"(residual scale {unc.resid_sd:.2g}), so they say nothing about how well it "
                "is determined; add noisy replicates or treat the law as given"]
    return [f"the data carry no information on {', '.join(map(repr, flat))} of {name!r}: "
            f"{'its interval has' if len(flat) == 1 else 'their intervals have'} zero width, "
            "which is not a precision. Treat them as undetermined: fix them, narrow the fit "
            "range's law, or choose a law without them"]


def cluster_notes(prep: Prepared, clusters: np.ndarray | None, ci: str | None) -> list[str]:
    """What the intervals took as independent evidence, when rows were pooled in clusters."""
    if clusters is None or ci is None:
        return []
    G, n = int(np.unique(clusters).size), clusters.size
    if prep.cluster_by == "x":
        what = (f"{n} rows share {G} distinct x values: the intervals take each x as one piece "
                "of evidence (the seeds of one configuration share its luck)")
        how = "resamples whole x values (all rows at one x together)"
    else:
        what = (f"rows are clustered by {prep.cluster_by!r} ({G} clusters): the intervals "
                "take each cluster as one piece of evidence")
        how = "resamples whole clusters"
    if ci == "bootstrap":
        what += f"; the bootstrap {how}"
    else:
        what += "; the delta method uses a cluster-robust (sandwich) covariance"
    return [what + f", with {G} − q degrees of freedom. Pass cluster=False to treat rows as "
            "independent."]


def bound_warnings(pmap: ParamMap, theta: np.ndarray, X: np.ndarray | None = None
                   ) -> list[str]:
    """A warning for each free parameter whose estimate sits on one of its bounds.

    A scale fitted in log space (``Param.log``) never reaches its bound 0; it sits there when
    putting it at 0 would not change the fitted values at ``X`` (a term that vanished, such
    as a = 1e-123), not merely when it is small (a decay rate of 7e-11 on x up to 1e12 is a
    value like any other)."""
    out = []
    with np.errstate(all="ignore"):
        f = None if X is None else pmap.law.fn(X, theta)
    for i, p in enumerate(pmap.law.params):
        if i not in pmap.free:
            continue
        for bound, side in ((pmap.lower[i], "lower"), (pmap.upper[i], "upper")):
            near = np.isfinite(bound) and abs(theta[i] - bound) <= 1e-6 * max(1.0, abs(bound))
            if near and p.log and side == "lower" and f is not None:
                at = theta.copy()
                at[i] = bound
                with np.errstate(all="ignore"):
                    change = np.max(np.abs(pmap.law.fn(X, at) - f), initial=0.0)
                near = bool(change <= 1e-9 * np.max(np.abs(f), initial=0.0))
            if near:
                out.append(
                    f"parameter {p.name!r} sits on its {side} bound {bound:g}: the data do not "
                    "pin it down within the allowed range; fix it, narrow the law, or add data"
                )
    return out


def convergence_messages(law: Law, converged: bool, unc: uncertainty.Uncertainty,
                          capped: bool) -> tuple[list[str], list[str]]:
    """(warnings, notes) about where the solvers stopped. A fit under an explicit
    `IterationCap` (a widget's brush drag) records it in the metrics and says nothing: the
    uncapped fit follows when the brush rests."""
    if capped:
        return [], []
    warn, notes = [], []
    if not converged:
        warn.append(
            f"the fit of law {law.name!r} did not converge: the solvers stopped short of the "
            "convergence test (a Gauss–Newton step would still lower the objective), often "
            "because the best fit is a limit the law only approaches (parameters running off "
            "together, towards a bound or infinity): the law may not suit this data. Its "
            "parameters and intervals are not to be trusted; fix a parameter, narrow the "
            "bounds, or choose another law"
        )
    k = unc.n_unconverged
    if unc.method == "bootstrap" and k:
        n = 0 if unc.samples_u is None else len(unc.samples_u)
        notes.append(
            f"{k} of {n} bootstrap resamples stopped at the iteration limit "
            f"({uncertainty.BOOT_ITER_LIMIT}) before meeting their convergence test; they keep "
            "their last, lower-cost point, which can make the intervals slightly narrow"
        )
    return warn, notes


def level_bounds(law: Law, prep: Prepared) -> dict[str, tuple[float, float]]:
    """Bounds for the law's levels (`Law.levels`: a floor, a ceiling) from the metric's range:
    [0, ceiling] for a rate (a higher-is-better metric, or one with a declared ceiling).
    The error a flipped law fits lies in the same range. Otherwise none.

    >>> import numpy as np
    >>> from scalinglab.fitting.data import prepare
    >>> p = prepare({"N": [1e8, 1e9, 1e10, 1e11], "pass_rate": [0.02, 0.1, 0.4, 0.6]}, "N",
    ...             "pass_rate", get_law("sigmoid"))
    >>> level_bounds(get_law("sigmoid"), p)
    {'floor': (0.0, 1.0), 'ceiling': (0.0, 1.0)}
    """
    if prep.ceiling is None or not law.levels:
        return {}
    return {name: (0.0, float(prep.ceiling)) for name in law.levels}


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
    w = obj.weights
    out: dict[str, Any] = {"n": n, "n_params": q}
    with np.errstate(all="ignore"):  # data near 1e300: squares overflow to inf, said as inf
        out["rmse"] = float(np.sqrt(np.mean(err**2)))
        out["mae"] = float(np.mean(np.abs(err)))
        if (y_user > 0).all() and (pred_user > 0).all():
            out["rmsle"] = float(np.sqrt(np.mean((np.log(pred_user) - np.log(y_user)) ** 2)))
        else:
            out["rmsle"] = float("nan")
        ss_tot = float(np.sum((y_user - y_user.mean()) ** 2))
        out["r2"] = 1.0 - float(np.sum(err**2)) / ss_tot if ss_tot > 0 else float("nan")
        # AIC and BIC from the law's predictions of the user's metric, on one scale whatever
        # the law was fitted to (BLEU, not 100 − BLEU), so that laws can be ranked by them:
        # log of the metric when residuals are measured in log space and the metric is
        # positive, else the metric itself (see `score_space`).
        space = score_space(obj.space, y_user)
        out["score_space"] = space
        if space == "log":
            e = np.where(pred_user > 0, np.log(pred_user) - np.log(y_user), np.inf)
        else:
            e = err
        rss = float(np.sum(w * e * e))
        ll = n * np.log(max(rss, 1e-300) / n)
        out["aic"] = float(ll + 2 * q)
        out["bic"] = float(ll + q * np.log(n))
    out["resid_sd"] = unc.resid_sd
    if unc.method == "bootstrap":
        out["boot_failed"] = unc.n_failed
        out["boot_unconverged"] = unc.n_unconverged
    return out


def score_space(space: str, y_user: np.ndarray) -> str:
    """Where laws fitted to one metric are scored against each other: ``"log"`` (log of the
    metric) when the fits measure residuals in log space and every value is positive, else
    ``"linear"``.

    >>> import numpy as np
    >>> score_space("log", np.array([0.5, 0.9])), score_space("log", np.array([0.0, 0.9]))
    ('log', 'linear')
    """
    return "log" if space == "log" and bool(np.all(y_user > 0)) else "linear"


def _fit_groups(data: object, group: str, **kw: Any) -> GroupFit:
    frame = as_frame(data)
    require_column(frame, group, "group")
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
