"""Export a `FitResult` as Python, JSON or LaTeX, and load it back from JSON.

Numbers are written with ``repr`` so they round-trip exactly: the Python snippet, run in a fresh
interpreter, reproduces ``res.predict`` to 1e-12 relative, and ``load_fit(res.to_json())``
gives back the same parameters, intervals and bands.

>>> import numpy as np, pandas as pd
>>> import scalinglab as sl
>>> x = np.logspace(2, 6, 20)
>>> res = sl.fit(pd.DataFrame({"D": x, "loss": 3 * x ** -0.3 + 0.2}), x="D", y="loss", ci="delta")
>>> ns = {}
>>> exec(res.to_python(), ns)
>>> bool(np.allclose(ns["predict"](x), res.predict(x), rtol=1e-12))
True
>>> sl.load_fit(res.to_json()).params == res.params
True
"""

from __future__ import annotations

import json
import keyword
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalinglab.errors import ScalingLabError
from scalinglab.fitting.objective import Objective, ParamMap
from scalinglab.fitting.result import FitResult, fmt
from scalinglab.fitting.uncertainty import Uncertainty
from scalinglab.laws.base import Law
from scalinglab.laws.registry import get_law

FORMAT = 1


def _version() -> str:
    from scalinglab import __version__

    return __version__


def _ident(name: str, fallback: str) -> str:
    """A column name usable as a Python argument, else the law's own variable name."""
    return name if name.isidentifier() and not keyword.iskeyword(name) and name != "np" else fallback


def _comment(text: str) -> str:
    return repr(str(text))


def to_python(res: FitResult) -> str:
    """A self-contained snippet: ``law`` with the fitted numbers, ``predict`` in the user's
    metric, ``PARAMS`` and the intervals as dicts, and a header saying how it was fitted."""
    law = res.law
    st = res.settings
    n = res.metrics["n"]
    rng = ""
    if st.get("fit_range") is not None:
        lo, hi = st["fit_range"]
        rng = f", fit range {_comment(st['range_on'])} in [{lo!r}, {hi!r}]"
    ci = st["ci"]
    ci_desc = "no intervals" if ci is None else (
        f"ci={ci!r} at level {st['level']!r}" + (f", {st['n_boot']} resamples" if ci == "bootstrap" else ""))
    lines = [
        f"# Fitted with scalinglab {_version()}: law {law.name!r}, y = {_comment(res.y)} against "
        f"x = {', '.join(_comment(c) for c in res.x)}.",
        f"# Data: {n} points{rng}; loss={st['loss']!r}"
        + (f" (delta={st['delta']!r})" if st["loss"] == "huber" else "")
        + f", space={st['space']!r}; {ci_desc}.",
        f"# Formula: {law.formula}",
    ]
    if res.flip:
        lines.append(f"# {_comment(res.y)} is higher-is-better: the law models the error "
                     f"{res.ceiling!r} - y.")
    lines += ["import numpy as np", "", f"PARAMS = {_dict_repr(res.params)}"]
    if ci is not None:
        t = res.param_ci()
        ivals = {r.param: (float(r.lo), float(r.hi)) for r in t.itertuples()}
        lines.append(f"INTERVALS = {{{', '.join(f'{k!r}: ({num(lo)}, {num(hi)})' for k, (lo, hi) in ivals.items())}}}"
                     f"  # {st['level']:.0%} {ci}")
    lines += ["", "", law.python_source(res.params, func_name="law").rstrip(), "", ""]
    args = [_ident(c, v) for c, v in zip(res.x, law.variables, strict=True)]
    if len(set(args)) < len(args):
        args = list(law.variables)
    lines.append(f"def predict({', '.join(args)}):")
    lines.append('    """The fitted law\'s prediction, in the units of the fitted column."""')
    call = f"law({', '.join(args)})"
    lines.append(f"    return {res.ceiling!r} - {call}" if res.flip else f"    return {call}")
    return "\n".join(lines) + "\n"


def num(v: float) -> str:
    """A float as Python source that evaluates to exactly the same float (inf/nan included)."""
    v = float(v)
    return repr(v) if math.isfinite(v) else f"float({str(v)!r})"


def _dict_repr(d: dict[str, float]) -> str:
    return "{" + ", ".join(f"{k!r}: {num(v)}" for k, v in d.items()) + "}"


def to_latex(res: FitResult, digits: int = 4) -> str:
    """The fitted formula with numbers, e.g. ``y = 36.55\\,x^{-0.2425} + 1.681``."""
    body = res.law.latex(res.params, digits=digits)
    if res.flip:
        body = f"{fmt(res.ceiling)} - \\left({body}\\right)"
    names = ", ".join(f"{v} = \\text{{{_tex_escape(c)}}}" for v, c in zip(res.law.variables, res.x, strict=True))
    return f"y = {body} \\quad ({names},\\ y = \\text{{{_tex_escape(res.y)}}})"


def _tex_escape(s: str) -> str:
    out = str(s)
    for a, b in (("\\", r"\textbackslash{}"), ("{", r"\{"), ("}", r"\}"), ("_", r"\_"),
                 ("%", r"\%"), ("$", r"\$"), ("#", r"\#"), ("&", r"\&"), ("^", r"\^{}"),
                 ("~", r"\~{}")):
        out = out.replace(a, b) if a != "\\" else out.replace(a, "\x00")
    return out.replace("\x00", r"\textbackslash{}")


# ------------------------------------------------------------------------------ JSON
def _clean(v: Any) -> Any:
    """JSON-safe: numpy → Python, non-finite floats → strings that `_unclean` restores."""
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    if isinstance(v, np.ndarray):
        return _clean(v.tolist())
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    return v


_SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _unclean(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _unclean(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_unclean(x) for x in v]
    if isinstance(v, str) and v in _SPECIAL:
        return _SPECIAL[v]
    return v


def _law_spec(law: Law) -> dict[str, Any]:
    return {
        "name": law.name,
        "expression": law.expression,
        "variables": list(law.variables),
        "params": [{"name": p.name, "lower": p.lower, "upper": p.upper, "log": p.log}
                   for p in law.params],
        "direction": law.direction,
        "options": dict(law.options),
    }


def to_json(res: FitResult, include_data: bool = False) -> str:
    """Everything needed to rebuild the result (law, numbers, uncertainty), as JSON; the
    table's rows (and the fitted arrays) only with ``include_data=True``. Without them,
    `load_fit` still predicts, draws bands and intervals and solves, the same numbers; only
    a chart (which draws the points) needs them."""
    obj = res.objective
    unc = res.uncertainty
    doc = {
        "scalinglab": _version(),
        "format": FORMAT,
        "law": _law_spec(res.law),
        "x": res.x,
        "y": res.y,
        "params": res.params,
        "param_ci": res.param_ci().drop(columns=["method"]).to_dict(orient="list")
        if unc.method else None,
        "u": res.u,
        "settings": res.settings,
        "metrics": res.metrics,
        "higher_is_better": res.higher_is_better,
        "ceiling": res.ceiling,
        "flip": res.flip,
        "warnings": res.warnings,
        "notes": res.notes,
        "group": res.group if isinstance(res.group, str | int | float | type(None)) else str(res.group),
        "uncertainty": {"method": unc.method, "resid_sd": unc.resid_sd, "resid": unc.resid,
                        "dof": unc.dof, "cov_u": unc.cov_u, "samples_u": unc.samples_u,
                        "n_failed": unc.n_failed, "n": unc.n_rows, "n_clusters": unc.n_units,
                        "draws": unc.draws},
        "spans": {k: list(v) for k, v in res.data_spans().items()},
    }
    if include_data:
        data = res.data.reset_index(drop=True)
        doc["objective"] = {"X": obj.X, "target": obj.target, "weights": obj.weights}
        doc["data"] = {c: data[c].tolist() for c in data.columns}
    return json.dumps(_clean(doc))


def _law_from_spec(spec: dict[str, Any]) -> Law:
    if spec.get("expression"):
        params = {p["name"]: (p["lower"], p["upper"]) for p in spec["params"]}
        return Law.from_expression(spec["expression"], params=params,
                                   variables=spec["variables"], name=spec["name"],
                                   direction=spec.get("direction", "either"))
    law = get_law(spec["name"], **spec.get("options", {}))
    if [p.name for p in law.params] != [p["name"] for p in spec["params"]]:
        raise ScalingLabError(
            f"law {spec['name']!r} in this JSON has parameters "
            f"{[p['name'] for p in spec['params']]}, but this scalinglab's has {list(law.param_names)}"
        )
    return law


def _json_text(source: str | os.PathLike[str]) -> tuple[str, str]:
    """(text, where): JSON text as given, or read from a path (str or pathlib.Path)."""
    if isinstance(source, str) and source.lstrip().startswith(("{", "[")):
        return source, ""
    if not isinstance(source, str | os.PathLike):
        raise ScalingLabError(
            "load_fit takes the JSON text of a fit (from res.to_json()) or a path to a file "
            f"holding it, not {type(source).__name__}"
        )
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8"), f" (in {str(path)!r})"
    except FileNotFoundError:
        raise ScalingLabError(
            f"no such file: {str(path)!r}. load_fit takes the JSON text of a fit (from "
            "res.to_json()) or a path to a file holding it"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScalingLabError(f"could not read {str(path)!r}: {e}") from None


def load_fit(source: str | os.PathLike[str]) -> FitResult:
    """Rebuild a `FitResult` from `to_json` output (exact numbers; bands work again):
    the JSON text itself, or a path (str or pathlib.Path) to a file holding it.

    >>> import tempfile, pathlib, numpy as np
    >>> import scalinglab as sl
    >>> x = np.logspace(2, 6, 20)
    >>> res = sl.fit({"D": x, "loss": 3 * x ** -0.3 + 0.2}, x="D", y="loss", ci=None)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "fit.json"
    >>> _ = path.write_text(res.to_json())
    >>> sl.load_fit(path).params == sl.load_fit(str(path)).params == res.params
    True
    """
    text, where = _json_text(source)
    try:
        doc = _unclean(json.loads(text))
    except (TypeError, json.JSONDecodeError) as e:
        raise ScalingLabError(f"not a scalinglab fit in JSON{where}: {e}") from None
    if not isinstance(doc, dict) or "law" not in doc or "params" not in doc:
        raise ScalingLabError(
            f"not a scalinglab fit in JSON{where}: 'law' and 'params' are missing")
    if doc.get("format", 0) > FORMAT:
        raise ScalingLabError(
            f"this fit was saved by scalinglab {doc.get('scalinglab')} in a newer format; upgrade"
        )
    law = _law_from_spec(doc["law"])
    st = doc["settings"]
    pmap = ParamMap.build(law, fixed=st.get("fixed"), tie=st.get("tie"),
                          bounds={k: tuple(v) for k, v in (st.get("bounds") or {}).items()})
    # saved without its data: the objective keeps no rows (predict, bands and intervals
    # need only the law, the parameters and the uncertainty)
    o = doc.get("objective") or {"X": np.zeros((len(law.variables), 0)), "target": [],
                                 "weights": []}
    obj = Objective(pmap, np.array(o["X"], dtype=float).reshape(len(law.variables), -1),
                    np.array(o["target"], dtype=float), np.array(o["weights"], dtype=float),
                    space=st["space"], loss=st["loss"], delta=st["delta"],
                    asymmetry=st.get("asymmetry", 0.9))
    u = doc["uncertainty"]
    unc = Uncertainty(
        method=u["method"], resid_sd=u["resid_sd"], resid=np.array(u["resid"], dtype=float),
        dof=u["dof"],
        cov_u=None if u["cov_u"] is None else np.array(u["cov_u"], dtype=float),
        samples_u=None if u["samples_u"] is None else np.array(u["samples_u"], dtype=float),
        n_failed=u.get("n_failed", 0), n=u.get("n", 0), n_clusters=u.get("n_clusters", 0),
        draws=u.get("draws", "cases"),
    )
    data = (pd.DataFrame(doc["data"]) if "data" in doc
            else pd.DataFrame(columns=[*doc["x"], doc["y"], "in_range"]))
    if st.get("fit_range") is not None:
        st["fit_range"] = tuple(st["fit_range"])
    return FitResult(
        law=law, params={k: float(v) for k, v in doc["params"].items()}, x=list(doc["x"]),
        y=doc["y"], data=data, objective=obj,
        u=np.array(doc["u"], dtype=float), uncertainty=unc, metrics=doc["metrics"], settings=st,
        higher_is_better=doc["higher_is_better"], ceiling=doc["ceiling"], flip=doc["flip"],
        warnings=doc.get("warnings", []), notes=doc.get("notes", []), group=doc.get("group"),
        spans={k: tuple(v) for k, v in doc.get("spans", {}).items()} or None,
    )


__all__ = ["load_fit", "to_json", "to_latex", "to_python"]
