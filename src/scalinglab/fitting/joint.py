"""Groups that share parameters: one joint fit, read per group.

``sl.fit(df, ..., group="family", shared=["c"])`` fits one model to every group at once: one
objective summed over all rows, with each shared parameter one value for all groups and every
other parameter one value per group. The joint law (`joint_law`) is the group's law evaluated
row by row with that row's group's parameters; it is solved by the same multi-start solver,
started from each group's own fit.

The result is a `GroupFit` whose per-group `FitResult`s read like fits of their own (params,
param_ci, band, solve, export), except that a shared parameter is the same number, with the
same interval, in each. Bootstrap resamples are drawn within each group (its rows, or its
clusters of repeated x), so every resample keeps every group's size; the delta method takes
the joint covariance. ``GroupFit.metrics`` holds the joint fit's n, parameters, objective,
AIC and BIC.

>>> import numpy as np, pandas as pd
>>> import scalinglab as sl
>>> D = np.logspace(3, 6, 12)
>>> df = pd.concat([pd.DataFrame({"D": D, "loss": a * D ** -b + 1.5, "family": f})
...                 for f, a, b in (("s", 20.0, 0.3), ("l", 60.0, 0.45))])
>>> res = sl.fit(df, x="D", y="loss", group="family", shared=["c"], ci=None)
>>> round(res["s"].params["c"], 6), round(res["l"].params["c"], 6)
(1.5, 1.5)
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from scalinglab.errors import ScalingLabError, ScalingLabWarning
from scalinglab.fitting import uncertainty
from scalinglab.fitting.blas import single_threaded
from scalinglab.fitting.data import Prepared, as_frame, prepare, require_column
from scalinglab.fitting.fit import (
    _metrics,
    bound_warnings,
    check_dof,
    cluster_notes,
    convergence_messages,
    fit,
    fit_settings,
    zero_width,
)
from scalinglab.fitting.objective import Objective, ParamMap
from scalinglab.fitting.result import FitResult, GroupFit
from scalinglab.fitting.solver import point_fit
from scalinglab.laws.base import Law, Param


def joint_law(law: Law, shared: Sequence[str], n_groups: int) -> tuple[Law, np.ndarray]:
    """The law of all groups at once, and the index (n_groups, p) of each group's law
    parameters among the joint ones. The joint law takes the group code (0..n_groups−1) as
    an extra, last variable; a shared parameter keeps its name, the others are repeated as
    ``name__k`` for group k."""
    params: list[Param] = []
    index = np.zeros((n_groups, law.n_params), dtype=int)
    for i, p in enumerate(law.params):
        if p.name in shared:
            index[:, i] = len(params)
            params.append(p)
        else:
            for k in range(n_groups):
                index[k, i] = len(params)
                params.append(Param(f"{p.name}__{k}", p.lower, p.upper, p.log, p.latex, p.doc))

    def fn(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
        codes, Xl = X[-1], X[:-1]
        out = np.empty((*np.shape(theta)[:-1], X.shape[1]))
        for k in range(n_groups):
            rows = codes == k
            if rows.any():
                out[..., rows] = law.fn(Xl[:, rows], theta[..., index[k]])
        return out

    def jac(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
        codes, Xl = X[-1], X[:-1]
        out = np.zeros((*np.shape(theta)[:-1], X.shape[1], len(params)))
        for k in range(n_groups):
            rows = np.flatnonzero(codes == k)
            if rows.size:
                Jk = np.asarray(law.jac(Xl[:, rows], theta[..., index[k]]), dtype=float)  # type: ignore[misc]
                out[(Ellipsis, *np.ix_(rows, index[k]))] = Jk
        return out

    joint = Law(
        name=law.name, variables=(*law.variables, "__group__"), params=tuple(params), fn=fn,
        init=lambda X, y: [], template="", python="", jac=jac if law.jac is not None else None,
        direction=law.direction, needs_positive_x=False,
    )
    return joint, index


def fit_shared(data: object, x: str | Sequence[str], y: str, law: Law, group: str,
               shared: Sequence[str], **kw: Any) -> GroupFit:
    """`scalinglab.fit` with ``group`` and ``shared``; see the module docstring."""
    shared = [shared] if isinstance(shared, str) else list(shared)
    unknown = [s for s in shared if s not in law.param_names]
    if unknown:
        raise ScalingLabError(f"law {law.name!r} has no parameter {unknown[0]!r} to share; its "
                              f"parameters are {list(law.param_names)}")
    fixed, tie = dict(kw.get("fixed") or {}), dict(kw.get("tie") or {})
    if tie:
        raise ScalingLabError("tie= cannot be combined with shared=: share the parameters, or "
                              "fit the groups separately")
    both = [s for s in shared if s in fixed]
    if both:
        raise ScalingLabError(f"parameter {both[0]!r} is both fixed and shared: a fixed value is "
                              "already one value for every group; drop it from shared=")
    frame = as_frame(data)
    require_column(frame, group, "group")
    prep = prepare(frame, x, y, law, fit_range=kw["fit_range"], range_on=kw["range_on"],
                   space=kw["space"], weights=kw["weights"],
                   higher_is_better=kw["higher_is_better"], ceiling=kw["ceiling"],
                   cluster=kw["cluster"])
    labels = frame[group].iloc[prep.rows]
    codes, keys = pd.factorize(labels, sort=True, use_na_sentinel=False)
    keys = list(keys)
    m = prep.in_range & (prep.weights > 0)
    own = len([p for p in law.param_names if p not in shared and p not in fixed])
    for k, key in enumerate(keys):
        n_k = int((m & (codes == k)).sum())
        if n_k <= own:
            raise ScalingLabError(
                f"series {group}={key!r} has {n_k} usable point(s) for its {own} own "
                f"parameters (those not in shared={shared}): add points, share more "
                "parameters, or leave it out")
    jlaw, index = joint_law(law, shared, len(keys))
    jfixed = {jlaw.params[index[k, i]].name: v for k in range(len(keys))
              for i, p in enumerate(law.params) for n, v in fixed.items() if p.name == n}
    pmap = ParamMap.build(jlaw, fixed=jfixed)
    X = np.vstack([prep.X, codes[None, :].astype(float)])
    clusters, strata = _units(prep, codes, m)
    dof_msgs, clusters = check_dof(X[:, m], clusters, pmap.q, law.name)
    obj = Objective(pmap, X[:, m], prep.target[m], prep.weights[m], space=prep.space,
                    loss=kw["loss"], delta=kw["delta"], asymmetry=kw["asymmetry"])
    starts = _starts(frame, group, keys, law, shared, index, jlaw, x, y, kw)
    ci, level = kw["ci"], kw["level"]
    with single_threaded():
        pf = point_fit(obj, extra_starts=starts, seed=kw["seed"], multistart=kw["multistart"])
        unc = uncertainty.build(obj, pf.u, ci, kw["n_boot"], kw["seed"], clusters=clusters,
                                strata=strata, draws=kw.get("boot_draws", "auto"))
    theta = pmap.theta(pf.u)
    joint_names = [p.name for p in jlaw.params]
    conv_warnings, conv_notes = convergence_messages(law, pf.converged, unc, capped=False)
    warn_msgs = (list(dof_msgs) + conv_warnings
                 + [w.replace(repr(n), repr(_reader(n, keys, group)))
                    for w, n in _bound_msgs(pmap, theta, joint_names)]
                 + zero_width(unc, pmap, pf.u, level, law.name))
    for msg in warn_msgs:
        warnings.warn(msg, ScalingLabWarning, stacklevel=3)
    metrics = _metrics(obj, pf.u, prep, m, unc)
    metrics.update(objective=pf.cost, n_starts=pf.starts_tried, converged=pf.converged)
    how = dict(loss=kw["loss"], delta=kw["delta"], asymmetry=kw["asymmetry"], space=prep.space,
               ci=ci, n_boot=kw["n_boot"], level=level, seed=kw["seed"], fixed=fixed, tie={},
               shared=shared, group=group)
    note = (f"fitted jointly with the other series of {group!r} ({len(keys)} in all): "
            f"{', '.join(repr(s) for s in shared)} shared by all, the other parameters per "
            "series" + ("; the bootstrap resamples within each group, so every resample keeps "
                        "each group's size" if ci == "bootstrap" else ""))
    results: dict[Any, FitResult] = {}
    for k, key in enumerate(keys):
        rows = codes == k
        sub = prep.subset(rows)
        sub_m = m[rows]
        kmap = ParamMap.build(law, fixed=fixed)
        cols = [pmap.free.index(index[k, i]) for i in kmap.free]
        u_k = pf.u[cols]
        obj_k = Objective(kmap, sub.X[:, sub_m], sub.target[sub_m], sub.weights[sub_m],
                          space=prep.space, loss=kw["loss"], delta=kw["delta"],
                          asymmetry=kw["asymmetry"])
        unc_k = uncertainty.Uncertainty(
            method=unc.method, resid_sd=unc.resid_sd, resid=obj_k.residuals(u_k), dof=unc.dof,
            cov_u=None if unc.cov_u is None else unc.cov_u[np.ix_(cols, cols)],
            samples_u=None if unc.samples_u is None else unc.samples_u[:, cols],
            n_failed=unc.n_failed, n=unc.n_rows, n_clusters=unc.n_units, draws=unc.draws)
        m_k = _metrics(obj_k, u_k, sub, sub_m, unc_k)
        m_k.update(objective=float(obj_k.value(u_k)), n_starts=pf.starts_tried,
                   converged=pf.converged)
        sub_clusters = None if clusters is None else clusters[rows[m]]
        results[key] = FitResult(
            law=law, params=dict(zip(law.param_names, map(float, theta[index[k]]), strict=True)),
            x=prep.x_cols, y=prep.y_col, data=sub.frame, objective=obj_k, u=u_k,
            uncertainty=unc_k, metrics=m_k,
            settings=fit_settings(sub, sub_m, kw["fit_range"] if kw["fit_range"] is not None
                                  else "from-prep", **how),
            higher_is_better=prep.higher_is_better, ceiling=prep.ceiling, flip=prep.flip,
            warnings=list(warn_msgs),
            notes=[*prep.notes, note, *cluster_notes(prep, sub_clusters, ci), *conv_notes,
                   *uncertainty.draws_note(unc)],
            group=key)
    return GroupFit(results=results, failed={}, group=group, shared=tuple(shared),
                    metrics=metrics)


def _units(prep: Prepared, codes: np.ndarray, m: np.ndarray
           ) -> tuple[np.ndarray | None, np.ndarray]:
    """(clusters, strata) of the fitted rows: clusters never straddle groups (repeated x, or
    the cluster column, within each group); strata are the groups."""
    strata = codes[m]
    if prep.clusters is None:
        return None, strata
    pairs = (prep.clusters.astype(np.int64) * (int(codes.max()) + 1) + codes)[m]
    inv = np.unique(pairs, return_inverse=True)[1].ravel()
    return (inv if inv.max() + 1 < inv.size else None), strata


def _starts(frame: pd.DataFrame, group: str, keys: list[Any], law: Law, shared: list[str],
            index: np.ndarray, jlaw: Law, x: Any, y: str, kw: Mapping[str, Any]
            ) -> list[np.ndarray]:
    """Starts of the joint fit from each group's own fit: its parameters, with each shared
    one at the median over the groups and at each group's value."""
    own: dict[int, np.ndarray] = {}
    opts = {k: kw[k] for k in ("fit_range", "range_on", "loss", "delta", "asymmetry", "space",
                               "weights", "higher_is_better", "ceiling", "fixed", "seed")}
    if not isinstance(opts["weights"], str | type(None)):
        opts["weights"] = None  # an array of weights belongs to the whole table
    for k, key in enumerate(keys):
        sub = frame[frame[group].isna()] if pd.isna(key) else frame[frame[group] == key]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ScalingLabWarning)
                r = fit(sub, x=x, y=y, law=law, ci=None, **opts)
            own[k] = law.theta(r.params)
        except ScalingLabError:
            continue
    if not own:
        return []
    median = np.median(np.array(list(own.values())), axis=0)
    base = np.array([own.get(k, median) for k in range(len(keys))])  # (G, p)
    shared_idx = [i for i, p in enumerate(law.params) if p.name in shared]
    starts = []
    for value in [median, *own.values()]:
        theta = np.empty(jlaw.n_params)
        for k in range(len(keys)):
            row = base[k].copy()
            row[shared_idx] = value[shared_idx]
            theta[index[k]] = row
        starts.append(theta)
    return starts


def _bound_msgs(pmap: ParamMap, theta: np.ndarray, names: list[str]) -> list[tuple[str, str]]:
    out = []
    for msg in bound_warnings(pmap, theta):
        name = next(n for n in names if f"parameter {n!r}" in msg)
        out.append((msg, name))
    return out


def _reader(name: str, keys: list[Any], group: str) -> str:
    """A joint parameter's name as a user reads it: ``b`` of series family='large'."""
    base, _, k = name.rpartition("__")
    return f"{base} of {group}={keys[int(k)]!r}" if base and k.isdigit() else name
