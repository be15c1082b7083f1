"""Laws in several variables: `chinchilla`, `kaplan`, `nmt_encoder_decoder`.

* `chinchilla`: L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022), with the compute-optimal
  allocation under C = 6·N·D (`allocation`).
* `kaplan`: L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D (Kaplan et al. 2020), evaluated in log
  space (log-sum-exp) so that no power overflows.
* `nmt_encoder_decoder`: L = α·(N̄_e/N_e)^p_e·(N̄_d/N_d)^p_d + L∞ (Ghorbani et al. 2021). Only
  the product α·N̄_e^p_e·N̄_d^p_d is identifiable, so the reference sizes N̄_e, N̄_d are fixed
  constants, not parameters: Ghorbani et al. normalise by the encoder and decoder sizes of a
  reference model of their own. The registered law takes N̄_e = N̄_d = 10^8 (`NMT_NBAR_E`,
  `NMT_NBAR_D`), so α is the reducible loss of a model with 10^8 encoder and 10^8 decoder
  parameters; `nmt_encoder_decoder` (or ``get_law("nmt_encoder_decoder", nbar_e=…,
  nbar_d=…)``) builds it with other reference sizes, which changes α's meaning and no fit.

>>> import numpy as np
>>> import scalinglab as sl
>>> law = sl.get_law("chinchilla")
>>> law.variables, law.param_names
(('N', 'D'), ('E', 'A', 'B', 'alpha', 'beta'))
>>> p = dict(E=1.82, A=482.0, B=2085.0, alpha=0.348, beta=0.366)
>>> N, D = law.allocation(p, np.array([1e21]))
>>> bool(np.isclose(6 * N[0] * D[0], 1e21))
True
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from scalinglab.errors import ScalingLabError
from scalinglab.laws.base import Law, Param, _latex_number, stack_jac, unpack
from scalinglab.laws.registry import register
from scalinglab.laws.starts import batch_scores, best_starts, clip_into, lstsq

_CAP = 300.0  # exp(300) ~ 2e130: values (and squared residuals) stay finite
NMT_NBAR_E = 1e8
NMT_NBAR_D = 1e8


def _nonneg_pair(uu, vv, uv, uz, vz, zz):
    """Least squares z ≈ A·u + B·v with A, B ≥ 0, from the weighted sums Σw·u², Σw·v², Σw·u·v,
    Σw·u·z, Σw·v·z, Σw·z² (arrays broadcasting together). When the joint solution has a
    negative coefficient, the better one-feature fit is used."""
    with np.errstate(all="ignore"):
        det = uu * vv - uv * uv
        A = (uz * vv - vz * uv) / det
        B = (vz * uu - uz * uv) / det
        A_only = np.maximum(uz / uu, 0.0)
        B_only = np.maximum(vz / vv, 0.0)
        sse_a = zz - 2 * A_only * uz + A_only**2 * uu
        sse_b = zz - 2 * B_only * vz + B_only**2 * vv
    both = (A > 0) & (B > 0) & np.isfinite(A) & np.isfinite(B)
    use_a = sse_a <= sse_b
    A = np.where(both, A, np.where(use_a, A_only, 0.0))
    B = np.where(both, B, np.where(use_a, 0.0, B_only))
    return A, B


def _diverse(cands: list[np.ndarray], scores: np.ndarray, key: np.ndarray, keep: int):
    """The best candidate overall, then the best for each other value of ``key`` (the first
    candidate when none fits at all, so there is always a start)."""
    order = np.argsort(scores, kind="stable")
    out, seen = [], set()
    for i in order:
        if not np.isfinite(scores[i]) or key[i] in seen:
            continue
        seen.add(key[i])
        out.append(cands[i])
        if len(out) == keep:
            break
    return out or [cands[int(order[0])]]


# --------------------------------------------------------------------------- chinchilla
def _chinchilla(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    E, A, B, alpha, beta = unpack(theta, 5)
    return E + A * X[0] ** (-alpha) + B * X[1] ** (-beta)


def _chinchilla_jac(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    _, A, B, alpha, beta = unpack(theta, 5)
    u, v = X[0] ** (-alpha), X[1] ** (-beta)
    return stack_jac(np.ones_like(u + v), u, v, -A * u * np.log(X[0]), -B * v * np.log(X[1]))


def _chinchilla_init(X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Variable projection on a small grid: for each floor E and exponents (α, β), A and B
    are a (relative-error weighted) linear least-squares fit; the best few are returned,
    one per floor value, so the starts differ in the direction that is hardest to fit."""
    with np.errstate(all="ignore"):
        return _chinchilla_starts(X, y)


def _chinchilla_starts(X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    N, D = X[0], X[1]
    ymin = float(np.min(y))
    floors = np.array([0.05, 0.3, 0.5, 0.7, 0.85, 0.95]) * ymin if ymin > 0 else np.array([0.0])
    exps = np.array([0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.8, 1.0])
    w = 1.0 / np.maximum(np.abs(y), 1e-12) ** 2
    U = N[None, :] ** (-exps[:, None])  # (k, n): N^-α for each α of the grid
    V = D[None, :] ** (-exps[:, None])
    Z = y[None, :] - floors[:, None]  # (m, n)
    Uw, Vw = U * w, V * w
    A, B = _nonneg_pair(
        np.sum(Uw * U, 1)[None, :, None],
        np.sum(Vw * V, 1)[None, None, :],
        (Uw @ V.T)[None, :, :],
        (Z @ Uw.T)[:, :, None],
        (Z @ Vw.T)[:, None, :],
        np.sum(Z * Z * w, 1)[:, None, None],
    )  # (m, k, k)
    m, k = floors.size, exps.size
    ie, ia, ib = (
        a.ravel() for a in np.meshgrid(np.arange(m), np.arange(k), np.arange(k), indexing="ij")
    )
    lower, upper = CHINCHILLA.bounds
    cands = clip_into(
        np.column_stack([floors[ie], A.ravel(), B.ravel(), exps[ia], exps[ib]]), lower, upper
    )
    # scores from the precomputed powers (no new x**α)
    pred = cands[:, :1] + cands[:, 1:2] * U[ia] + cands[:, 2:3] * V[ib]
    r = np.log(np.where(pred > 0, pred, np.nan)) - np.log(y)
    scores = np.sum(r * r, axis=1)
    scores = np.where(np.isfinite(scores), scores, np.inf)
    return _diverse(list(cands), scores, ie, keep=5)


def _chinchilla_allocation(
    params: Mapping[str, float], compute: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Compute-optimal N and D for budgets C = 6·N·D (Hoffmann et al. 2022, eq. 4).

    Parameters may be arrays (e.g. bootstrap draws, shape (B, 1)): N and D then broadcast
    against C, one row per draw."""
    A, B = np.asarray(params["A"], dtype=float), np.asarray(params["B"], dtype=float)
    alpha = np.asarray(params["alpha"], dtype=float)
    beta = np.asarray(params["beta"], dtype=float)
    c6 = np.asarray(compute, dtype=float) / 6.0
    G = (alpha * A / (beta * B)) ** (1.0 / (alpha + beta))
    N_opt = G * c6 ** (beta / (alpha + beta))
    return N_opt, c6 / N_opt


CHINCHILLA = register(
    Law(
        name="chinchilla",
        variables=("N", "D"),
        params=(
            Param("E", 0.0, np.inf, log=True, doc="irreducible loss"),
            Param("A", 0.0, np.inf, log=True, doc="model-size term scale"),
            Param("B", 0.0, np.inf, log=True, doc="data term scale"),
            Param("alpha", 0.0, 5.0, latex=r"\alpha", doc="model-size exponent"),
            Param("beta", 0.0, 5.0, latex=r"\beta", doc="data exponent"),
        ),
        fn=_chinchilla,
        jac=_chinchilla_jac,
        init=_chinchilla_init,
        template=r"<E> + \frac{<A>}{N^{<alpha>}} + \frac{<B>}{D^{<beta>}}",
        python="return E + A * N ** (-alpha) + B * D ** (-beta)",
        direction="decreasing",
        description="Loss in model size N and tokens D: a floor plus one power law in each.",
        citation="Hoffmann et al. 2022, Training Compute-Optimal Large Language Models",
        allocation=_chinchilla_allocation,
    )
)


# --------------------------------------------------------------------------- kaplan
def _kaplan_parts(X: np.ndarray, theta: np.ndarray):
    N_c, D_c, alpha_N, alpha_D = unpack(theta, 4)
    u = alpha_N / alpha_D * (np.log(N_c) - np.log(X[0]))
    v = np.log(D_c) - np.log(X[1])
    S = np.logaddexp(u, v)
    return N_c, D_c, alpha_N, alpha_D, u, v, S


def _kaplan(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    *_, alpha_D, _, _, S = _kaplan_parts(X, theta)
    return np.exp(np.minimum(alpha_D * S, _CAP))


def _kaplan_jac(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    N_c, D_c, alpha_N, alpha_D, u, v, S = _kaplan_parts(X, theta)
    L = np.exp(np.minimum(alpha_D * S, _CAP))
    wu, wv = np.exp(u - S), np.exp(v - S)  # shares of the two terms inside the bracket
    return stack_jac(
        L * alpha_N * wu / N_c,
        L * alpha_D * wv / D_c,
        L * wu * (np.log(N_c) - np.log(X[0])),
        L * (S - wu * u),
    )


def _kaplan_init(X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """For fixed (α_N, α_D), y^(1/α_D) = N_c^r·N^(−r) + D_c/D (r = α_N/α_D) is linear in
    (N_c^r, D_c): solve it on a small exponent grid and keep the best fits."""
    N, D = X[0], X[1]
    grid = np.array([0.03, 0.05, 0.08, 0.12, 0.2, 0.3, 0.5])
    lower, upper = KAPLAN.bounds
    cands, keys = [], []
    with np.errstate(all="ignore"):
        for alpha_D in grid:
            z = np.abs(y) ** (1.0 / alpha_D)
            for alpha_N in grid:
                r = alpha_N / alpha_D
                u, v, w = N ** (-r), 1.0 / D, 1.0 / z**2
                P, D_c = _nonneg_pair(
                    *(
                        np.sum(w * a * b)
                        for a, b in ((u, u), (v, v), (u, v), (u, z), (v, z), (z, z))
                    )
                )
                N_c = float(P) ** (1.0 / r) if P > 0 else 1.0
                cands.append(clip_into(np.array([N_c, D_c, alpha_N, alpha_D]), lower, upper))
                keys.append(alpha_D)
    scores = batch_scores(_kaplan, X, y, np.array(cands))
    return _diverse(cands, scores, np.array(keys), keep=4)


KAPLAN = register(
    Law(
        name="kaplan",
        variables=("N", "D"),
        params=(
            Param("N_c", 0.0, np.inf, log=True, latex="N_c", doc="model-size scale"),
            Param("D_c", 0.0, np.inf, log=True, latex="D_c", doc="data scale"),
            Param("alpha_N", 0.0, 5.0, latex=r"\alpha_N", doc="model-size exponent"),
            Param("alpha_D", 1e-3, 5.0, latex=r"\alpha_D", doc="data exponent"),
        ),
        fn=_kaplan,
        jac=_kaplan_jac,
        init=_kaplan_init,
        template=(
            r"\left[\left(\frac{<N_c>}{N}\right)^{<alpha_N>/<alpha_D>} + \frac{<D_c>}{D}"
            r"\right]^{<alpha_D>}"
        ),
        python=(
            "S = np.logaddexp(alpha_N / alpha_D * (np.log(N_c) - np.log(N)), "
            "np.log(D_c) - np.log(D))\n"
            f"return np.exp(np.minimum(alpha_D * S, {_CAP!r}))"
        ),
        direction="decreasing",
        description="Loss in model size N and tokens D with a joint bottleneck (no floor).",
        citation="Kaplan et al. 2020, Scaling Laws for Neural Language Models, eq. 1.5",
    )
)


# --------------------------------------------------------------------------- nmt_encoder_decoder
def nmt_encoder_decoder(nbar_e: float = NMT_NBAR_E, nbar_d: float = NMT_NBAR_D) -> Law:
    """Ghorbani et al.'s encoder-decoder law with reference sizes N̄_e, N̄_d (see the module
    docstring): α is the reducible loss at N_e = N̄_e, N_d = N̄_d.

    >>> law = nmt_encoder_decoder(nbar_e=5e8, nbar_d=5e8)
    >>> float(law({"N_e": [5e8], "N_d": [5e8]}, alpha=0.7, p_e=0.3, p_d=0.5, L_inf=1.2)[0])
    1.9
    """
    nbar_e, nbar_d = float(nbar_e), float(nbar_d)
    if not (nbar_e > 0 and nbar_d > 0 and np.isfinite(nbar_e) and np.isfinite(nbar_d)):
        raise ScalingLabError(
            f"the reference sizes nbar_e, nbar_d must be positive numbers, not {nbar_e!r}, "
            f"{nbar_d!r}")

    def g(X: np.ndarray, p_e, p_d) -> np.ndarray:
        return np.exp(np.minimum(p_e * np.log(nbar_e / X[0]) + p_d * np.log(nbar_d / X[1]),
                                 _CAP))

    def fn(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
        alpha, p_e, p_d, L_inf = unpack(theta, 4)
        return alpha * g(X, p_e, p_d) + L_inf

    def jac(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
        alpha, p_e, p_d, _ = unpack(theta, 4)
        G = g(X, p_e, p_d)
        return stack_jac(G, alpha * G * np.log(nbar_e / X[0]), alpha * G * np.log(nbar_d / X[1]),
                         np.ones_like(G))

    def init(X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
        le, ld = np.log(nbar_e / X[0]), np.log(nbar_d / X[1])
        ymin = float(np.min(y))
        cands = []
        for frac in (0.0, 0.5, 0.8, 0.9, 0.95):
            L_inf = frac * ymin if ymin > 0 else 0.0
            with np.errstate(all="ignore"):
                c0, p_e, p_d = lstsq([np.ones_like(le), le, ld], np.log(y - L_inf))
            cands.append(np.array([np.exp(np.clip(c0, -700, 700)), p_e, p_d, L_inf]))
        return best_starts(fn, X, y, cands, (lower, upper))

    params = (
        Param("alpha", 0.0, np.inf, log=True, latex=r"\alpha",
              doc="reducible loss at N_e = N̄_e, N_d = N̄_d"),
        Param("p_e", 0.0, 5.0, latex="p_e", doc="encoder exponent"),
        Param("p_d", 0.0, 5.0, latex="p_d", doc="decoder exponent"),
        Param("L_inf", 0.0, np.inf, latex=r"L_\infty", doc="irreducible loss"),
    )
    lower = np.array([p.lower for p in params])
    upper = np.array([p.upper for p in params])
    ne, nd = _size_latex(nbar_e), _size_latex(nbar_d)
    return Law(
        name="nmt_encoder_decoder",
        variables=("N_e", "N_d"),
        params=params,
        fn=fn,
        jac=jac,
        init=init,
        template=(
            rf"<alpha>\,\left(\frac{{{ne}}}{{N_e}}\right)^{{<p_e>}}"
            rf"\left(\frac{{{nd}}}{{N_d}}\right)^{{<p_d>}} + <L_inf>"
        ),
        python=(
            "return alpha * np.exp(\n"
            f"    np.minimum(p_e * np.log({nbar_e!r} / N_e) + "
            f"p_d * np.log({nbar_d!r} / N_d), {_CAP!r})\n"
            ") + L_inf"
        ),
        direction="decreasing",
        description=(
            f"NMT loss in encoder and decoder sizes, relative to reference sizes N̄_e = "
            f"{nbar_e:g}, N̄_d = {nbar_d:g} (fixed, so that the law is identifiable)."
        ),
        citation="Ghorbani et al. 2021, Scaling Laws for Neural Machine Translation",
        variable_latex={"N_e": "N_e", "N_d": "N_d"},
        options={"nbar_e": nbar_e, "nbar_d": nbar_d},
    )


def _size_latex(v: float) -> str:
    """10^{8} for an exact power of ten, else the number as `Law.latex` writes it."""
    k = round(np.log10(v))
    return f"10^{{{k}}}" if v == 10.0**k else _latex_number(v, 4)


NMT_ENCODER_DECODER = register(nmt_encoder_decoder(), factory=nmt_encoder_decoder)
