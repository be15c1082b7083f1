"""From a user's sweep table to clean runs: N, D, compute C and loss, with notes.

`prepare_runs` checks the columns, applies the FLOP convention (`FlopConvention`: FLOPs per
token as a function of N, so that C = per_token(N)·D), lets N exclude embedding parameters,
merges duplicate (N, D) runs (or keeps the best learning rate per (N, D) with ``tune=``),
drops rows with a missing loss (a missing checkpoint) and says what it did in ``notes``.

>>> import pandas as pd
>>> from scalinglab.compute.runs import prepare_runs
>>> df = pd.DataFrame({"N": [1e8, 1e8, 2e8], "D": [1e9, 1e9, 5e8], "loss": [3.0, 3.2, 3.1]})
>>> runs = prepare_runs(df, N="N", D="D", y="loss")
>>> runs.loss.tolist(), runs.C.tolist()
([3.1, 3.1], [6e+17, 6e+17])
>>> runs.notes[0]
'1 duplicate (N, D) row(s) were averaged into 1 run(s) (mean loss); pass tune= to keep the best of several learning rates instead'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scalinglab.errors import ScalingLabError
from scalinglab.fitting.data import _numeric_column, _rows, as_frame

FlopsArg = Callable[[np.ndarray, np.ndarray], np.ndarray] | str | None


@dataclass(frozen=True)
class FlopConvention:
    """How training FLOPs are counted: C = per_token(N)·D.

    ``k, p`` describe per_token(N) = k·N^p when it is a power law (C = 6·N·D: k = 6, p = 1),
    which gives the compute-optimal D in closed form and can be exported; ``fn`` is set for a
    callable convention that is not a power law.
    """

    name: str
    k: float | None = 6.0
    p: float | None = 1.0
    fn: Callable[[np.ndarray], np.ndarray] | None = None

    def per_token(self, N: np.ndarray) -> np.ndarray:
        """FLOPs per training token of a model with N parameters."""
        if self.fn is not None:
            return np.asarray(self.fn(np.asarray(N, dtype=float)), dtype=float)
        return self.k * np.asarray(N, dtype=float) ** self.p  # type: ignore[operator]

    def tokens(self, N: np.ndarray, C: np.ndarray) -> np.ndarray:
        """Training tokens D that spend the budget C on a model with N parameters."""
        return np.asarray(C, dtype=float) / self.per_token(N)

    @property
    def is_power(self) -> bool:
        return self.fn is None


SIX_ND = FlopConvention("C = 6·N·D")


@dataclass
class Runs:
    """Clean runs (one row per (N, D)), sorted by compute, and what was done to get them."""

    N: np.ndarray
    D: np.ndarray
    C: np.ndarray
    loss: np.ndarray
    frame: pd.DataFrame  # the kept rows of the user's table (after merging), same order
    convention: FlopConvention
    names: dict[str, str]  # role -> the user's column name: N, D, y (and C, tune, embeddings)
    notes: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return int(self.N.size)


def _positive(frame: pd.DataFrame, col: str, role: str) -> np.ndarray:
    v = _numeric_column(frame, col, role)
    bad = ~np.isfinite(v)
    if bad.any():
        raise ScalingLabError(
            f"column {col!r} ({role}) has missing or non-numeric values in rows "
            f"{_rows(frame.index, bad)}: fill them in or drop those rows"
        )
    if (v <= 0).any():
        raise ScalingLabError(
            f"column {col!r} ({role}) must be positive; rows {_rows(frame.index, v <= 0)} "
            f"have values <= 0: fix or drop those rows"
        )
    return v


def _convention(flops: FlopsArg, C: str | None, frame: pd.DataFrame, N: np.ndarray,
                D: np.ndarray) -> tuple[FlopConvention, np.ndarray, list[str]]:
    """The FLOP convention and each run's compute under it."""
    notes: list[str] = []
    if flops is not None and C is not None:
        raise ScalingLabError(
            "pass either C= (a column of each run's FLOPs) or flops= (a convention), not both"
        )
    column = C if C is not None else (flops if isinstance(flops, str) else None)
    if flops is None and column is None:
        return SIX_ND, 6.0 * N * D, notes
    if column is not None:
        comp = _positive(frame, column, "training FLOPs")
        # FLOPs per token against N, as a power law, to allocate models the table lacks.
        per_tok = np.log(comp / D)
        A = np.column_stack([np.ones_like(N), np.log(N)])
        (lk, p), *_ = np.linalg.lstsq(A, per_tok, rcond=None)
        dev = float(np.max(np.abs(per_tok - A @ np.array([lk, p]))))
        conv = FlopConvention(f"C from column {column!r}", k=float(np.exp(lk)), p=float(p))
        if dev > 1e-6:
            notes.append(
                f"FLOPs per token in column {column!r} follow {conv.k:.3g}·N^{p:.3f} only "
                f"approximately (up to {np.expm1(dev):.1%} off); allocations beyond the table "
                "use that power law"
            )
        return conv, comp, notes
    if not callable(flops):
        raise ScalingLabError(
            f"flops must be a callable flops(N, D) or a column name, not {type(flops).__name__}"
        )
    name = getattr(flops, "__name__", "flops")
    with np.errstate(all="ignore"):
        comp = np.asarray(flops(N, D), dtype=float)
        twice = np.asarray(flops(N, 2.0 * D), dtype=float)
    if comp.shape != N.shape or not np.all(np.isfinite(comp)) or (comp <= 0).any():
        raise ScalingLabError(
            f"flops={name}(N, D) must return one positive, finite number of FLOPs per run"
        )
    if not np.allclose(twice, 2.0 * comp, rtol=1e-9, atol=0.0):
        raise ScalingLabError(
            f"flops={name}(N, D) must be proportional to D (FLOPs per token × tokens), as "
            "every training-FLOP convention is; fold any fixed cost into the per-token count"
        )

    def per_token(n: np.ndarray, f=flops) -> np.ndarray:
        return np.asarray(f(n, np.ones_like(n)), dtype=float)

    # A callable that is an exact power law (6·N·D written out, 2·N·D) keeps the closed form.
    A = np.column_stack([np.ones_like(N), np.log(N)])
    (lk, p), *_ = np.linalg.lstsq(A, np.log(comp / D), rcond=None)
    probe = np.geomspace(N.min() / 100, N.max() * 1e4, 13)
    if np.allclose(per_token(probe), np.exp(lk) * probe**p, rtol=1e-9, atol=0.0):
        return FlopConvention(f"C = {name}(N, D)", k=float(np.exp(lk)), p=float(p)), comp, notes
    return FlopConvention(f"C = {name}(N, D)", k=None, p=None, fn=per_token), comp, notes


def prepare_runs(data: object, N: str, D: str, y: str, C: str | None = None,
                 flops: FlopsArg = None, tune: str | None = None,
                 embeddings: str | None = None) -> Runs:
    """Validate a sweep table; see the module docstring. Raises `ScalingLabError` on bad input."""
    frame = as_frame(data).copy()
    loss = _numeric_column(frame, y, "the loss")
    missing = ~np.isfinite(loss)
    notes: list[str] = []
    if missing.all():
        raise ScalingLabError(f"column {y!r} (the loss) has no numeric values")
    if missing.any():
        notes.append(
            f"{int(missing.sum())} row(s) without a loss (missing checkpoints: rows "
            f"{_rows(frame.index, missing)}) were left out"
        )
        frame = frame.loc[~missing]
        loss = loss[~missing]
    if (loss <= 0).any():
        raise ScalingLabError(
            f"column {y!r} (the loss) must be positive; rows {_rows(frame.index, loss <= 0)} "
            "are <= 0"
        )
    n_par = _positive(frame, N, "parameters N")
    d_tok = _positive(frame, D, "training tokens D")
    names = {"N": N, "D": D, "y": y}
    if embeddings is not None:
        emb = _numeric_column(frame, embeddings, "embedding parameters")
        if not np.all(np.isfinite(emb)) or (emb < 0).any():
            raise ScalingLabError(
                f"column {embeddings!r} (embedding parameters) must hold counts >= 0 in every row"
            )
        n_par = n_par - emb
        if (n_par <= 0).any():
            raise ScalingLabError(
                f"N minus embeddings ({N!r} - {embeddings!r}) is <= 0 in rows "
                f"{_rows(frame.index, n_par <= 0)}: check that {embeddings!r} counts only the "
                "embedding parameters"
            )
        names["embeddings"] = embeddings
        notes.append(f"N counts non-embedding parameters: {N!r} - {embeddings!r}")
    conv, comp, conv_notes = _convention(flops, C, frame, n_par, d_tok)
    notes += conv_notes
    if C is not None:
        names["C"] = C

    key = pd.DataFrame({"N": n_par, "D": d_tok})
    dup = key.duplicated(keep=False).to_numpy()
    keep = np.ones(len(frame), dtype=bool)
    loss = loss.copy()
    if tune is not None:
        if tune not in frame.columns:
            raise ScalingLabError(
                f"no column {tune!r} for tune; the table has columns "
                f"{[str(c) for c in frame.columns]}"
            )
        names["tune"] = tune
    if dup.any():
        groups = key[dup].groupby(["N", "D"], sort=False).indices
        rows = np.flatnonzero(dup)
        for idx in groups.values():
            members = rows[idx]
            if tune is not None:
                best = members[np.argmin(loss[members])]
                keep[members] = False
                keep[best] = True
            else:
                loss[members[0]] = float(np.mean(loss[members]))
                keep[members[1:]] = False
        n_dup = int(dup.sum())
        if tune is not None:
            notes.append(
                f"{n_dup} runs share an (N, D) across values of {tune!r}: kept the lowest loss "
                f"of each of {len(groups)} (N, D) (the best of a minimum is biased low by the "
                "spread between settings)"
            )
        else:
            notes.append(
                f"{n_dup - len(groups)} duplicate (N, D) row(s) were averaged into "
                f"{len(groups)} run(s) (mean loss); pass tune= to keep the best of several "
                "learning rates instead"
            )
    frame = frame.loc[keep]
    n_par, d_tok, comp, loss = n_par[keep], d_tok[keep], comp[keep], loss[keep]
    order = np.argsort(comp, kind="stable")
    return Runs(N=n_par[order], D=d_tok[order], C=comp[order], loss=loss[order],
                frame=frame.iloc[order], convention=conv, names=names, notes=notes)
