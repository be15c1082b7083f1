"""Custom laws from expressions: whitelist parsing, values, symbolic gradients, exports."""

from __future__ import annotations

import ast
import builtins
import re

import numpy as np
import pytest
from conftest import numeric_jac

import scalinglab as sl
from scalinglab.laws.expression import law_from_expression

X = np.linspace(0.5, 5.0, 25)
THETA = np.array([1.3, 0.7, 0.4])

# expression -> the same formula written by hand with numpy
GOOD = {
    "a * x**(-b) + c": lambda x, a, b, c: a * x ** (-b) + c,
    "a*exp(-b*x) + c*log(x)/sqrt(x)": (
        lambda x, a, b, c: a * np.exp(-b * x) + c * np.log(x) / np.sqrt(x)
    ),
    "-a*tanh(b*log10(x)) + minimum(c, x) - maximum(a, b*x)": (
        lambda x, a, b, c: -a * np.tanh(b * np.log10(x)) + np.minimum(c, x) - np.maximum(a, b * x)
    ),
    "(a/b)**c * x - abs(x - a) + sinh(b/x) * cosh(c/x)": (
        lambda x, a, b, c: (a / b) ** c * x - np.abs(x - a) + np.sinh(b / x) * np.cosh(c / x)
    ),
    "arctan(a*x) + log1p(b*x) + expm1(-c/x) + log2(x)*a": (
        lambda x, a, b, c: np.arctan(a * x) + np.log1p(b * x) + np.expm1(-c / x) + np.log2(x) * a
    ),
    "x**a**b / c - -a": lambda x, a, b, c: x**a**b / c - -a,
    "a - b - c*x + 2**-1 / x / b": lambda x, a, b, c: a - b - c * x + 2**-1 / x / b,
    "a - (b - c*x) + +x / (a * b)": lambda x, a, b, c: a - (b - c * x) + +x / (a * b),
    "c + a / (1 + exp(-b * (log(x) - 1)))": (
        lambda x, a, b, c: c + a / (1 + np.exp(-b * (np.log(x) - 1)))
    ),
}

# forbidden text -> a piece the error message must quote
BAD = {
    "__import__('os').system('x')": "__import__('os').system('x')",
    "x.__class__": "attribute access `x.__class__`",
    "(lambda: 1)()": "(lambda: 1)()",
    "x[0]": "subscripting `x[0]`",
    "open('f')": "calling `open`",
    "9**9**9": "the constant power `9 ** 9 ** 9`",
    "a if x else b": "conditional",
    "[a for a in x]": "comprehension",
    "x < a": "comparison",
    "exp(x, out=x)": "keyword arguments",
    "'s' * x": "the literal `'s'`",
    "__builtins__ * x": "dunder name `__builtins__`",
    "x // a": "operator",
    "np.exp(x)": "the call `np.exp(x)`",
    "exp(*x)": "star-unpacking",
    "True * x": "the literal `True`",
    "1j * x": "the literal `1j`",
    "x ** (2 ** 20)": "the constant power",
    "10 ** 400 * x": "the constant `10 ** 400`",
    "1e999 * x": "too large",
    "(a := x)": "assignment expression",
    "a and x": "boolean operator",
    "f'{x}'": "f-string",
    "x @ a": "operator",
    "eval('1') * x": "calling `eval`",
    "getattr(x, 'real')": "calling `getattr`",
    "exp(x, x)": "takes 1 argument",
}


def _law(expr: str):
    return law_from_expression(expr, params=["a", "b", "c"])


# --------------------------------------------------------------------------- accepted
@pytest.mark.parametrize("expr", GOOD)
def test_values_match_hand_written_numpy(expr):
    law = _law(expr)
    assert law.variables == ("x",) and law.param_names == ("a", "b", "c")
    np.testing.assert_allclose(law.fn(X[None], THETA), GOOD[expr](X, *THETA), rtol=1e-14)


@pytest.mark.parametrize("expr", GOOD)
def test_symbolic_jacobian_matches_finite_differences(expr):
    law = _law(expr)
    J = law.jac(X[None], THETA)
    Jn = numeric_jac(law, X[None], THETA)
    scale = np.max(np.abs(Jn), axis=0, keepdims=True)
    bad = np.abs(J - Jn) > 1e-5 * np.abs(Jn) + 1e-7 * scale
    assert not bad.any(), (expr, J[bad], Jn[bad])


@pytest.mark.parametrize("expr", GOOD)
def test_batches_of_parameters(expr):
    law = _law(expr)
    thetas = np.vstack([THETA, THETA * 1.1, THETA * 0.9])
    f, J = law.fn(X[None], thetas), law.jac(X[None], thetas)
    assert f.shape == (3, X.size) and J.shape == (3, X.size, 3)
    for b in range(3):
        np.testing.assert_array_equal(f[b], law.fn(X[None], thetas[b]))
        np.testing.assert_array_equal(J[b], law.jac(X[None], thetas[b]))


@pytest.mark.parametrize("expr", GOOD)
def test_python_export_reproduces_fn(expr):
    law = _law(expr)
    values = dict(zip(law.param_names, THETA, strict=True))
    namespace: dict = {}
    exec("import numpy as np\n" + law.python_source(values, func_name="f"), namespace)
    np.testing.assert_allclose(namespace["f"](X), law.fn(X[None], THETA), rtol=1e-12, atol=0)


@pytest.mark.parametrize("expr", GOOD)
def test_latex_renders(expr):
    law = _law(expr)
    filled = law.latex(dict(zip(law.param_names, THETA, strict=True)))
    for text in (law.formula, filled):
        assert not re.search(r"<[A-Za-z_]", text)
        assert text.count("{") == text.count("}")


def test_printers_keep_the_meaning():
    law = _law("a * x**(-b) + c")
    assert law.python == "return a * x ** (-b) + c"
    assert law.template == r"<a>\,x^{-<b>} + <c>"
    assert _law("(a - b) - (c - x)").python == "return a - b - (c - x)"
    assert _law("-(a * x) ** b + c").python == "return -(a * x) ** b + c"
    assert _law("(-a * x) ** b + c").python == "return (-a * x) ** b + c"
    assert _law("a / (b * x) + c").template == r"\frac{<a>}{<b>\,x} + <c>"


def test_constant_expressions_of_constants_are_kept():
    law = law_from_expression("a * x ** 0.5 + 2 ** 3", params=["a"])
    np.testing.assert_allclose(law(np.array([4.0]), a=1.5), [11.0])


def test_multi_variable_and_bounds():
    law = sl.Law.from_expression(
        "E + A / N**alpha + B / D**beta",
        params={"E": (0, None), "A": (0, None), "B": (0, None), "alpha": (0, 2), "beta": (0, 2)},
    )
    assert law.variables == ("N", "D")
    assert law.param_names == ("E", "A", "B", "alpha", "beta")
    lo, hi = law.bounds
    np.testing.assert_array_equal(lo, [0, 0, 0, 0, 0])
    np.testing.assert_array_equal(hi, [np.inf, np.inf, np.inf, 2, 2])
    assert law.formula == r"E + \frac{A}{N^{\alpha}} + \frac{B}{D^{\beta}}"
    chin = sl.get_law("chinchilla")
    X = np.vstack([np.logspace(7, 10, 5), np.logspace(9, 12, 5)])
    theta = np.array([1.8, 480.0, 2000.0, 0.34, 0.37])
    np.testing.assert_allclose(law.fn(X, theta), chin.fn(X, theta), rtol=1e-14)
    np.testing.assert_allclose(law.jac(X, theta), chin.jac(X, theta), rtol=1e-12)


def test_law_keeps_its_source_and_rebuilds_from_it():
    law = law_from_expression(" a * x**(-b) + c ", params={"a": (0, None), "b": (0, 3), "c": None})
    assert law.expression == "a * x**(-b) + c"
    again = sl.Law.from_expression(
        law.expression, params={p.name: (p.lower, p.upper) for p in law.params}
    )
    assert again.bounds[0].tolist() == law.bounds[0].tolist()
    np.testing.assert_array_equal(again.fn(X[None], THETA), law.fn(X[None], THETA))


def test_names_are_inferred():
    law = law_from_expression("k * z + m", variables=["z"])
    assert law.param_names == ("k", "m") and law.variables == ("z",)
    law = law_from_expression("a * x + b")
    assert law.param_names == ("a", "b") and law.variables == ("x",)
    # the domain is checked on the expression (issue 12, finding 7), not by asking x > 0
    assert not law.needs_positive_x and not law_from_expression("a * log(x)").needs_positive_x
    undefined = law_from_expression("a * log(x)").undefined_rows(np.array([[0.0, 1.0, 2.0]]))
    assert undefined.tolist() == [True, False, False]


def test_generic_init_solves_the_linear_parameters():
    law = law_from_expression("a * x**(-b) + c", params={"a": (0, None), "b": (0, 3), "c": None})
    x = np.logspace(1, 5, 30)
    y = law(x, a=7.0, b=1.0, c=0.25)  # b = 1 is among the generic starts
    best = law.init(x[None], y)[0]
    np.testing.assert_allclose(best, [7.0, 1.0, 0.25], rtol=1e-8)


# --------------------------------------------------------------------------- refused
@pytest.mark.parametrize("expr", BAD)
def test_forbidden_constructs_are_refused(expr):
    with pytest.raises(sl.ScalingLabError) as err:
        law_from_expression(expr, params=["a", "b"])
    assert BAD[expr] in str(err.value), str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"expression": "a * x + foo", "params": ["a"]}, "['foo'] are neither a variable"),
        ({"expression": "a * x", "params": ["a", "b"]}, "['b'] do not appear"),
        ({"expression": "a * y + b"}, "say which names are parameters"),
        ({"expression": "a * np", "params": ["a"], "variables": ["np"]}, "'np' is reserved"),
        ({"expression": "a + b", "params": ["a", "b"]}, "has no variable"),
        ({"expression": "a * x", "params": {"a": (2, 1)}}, "lower bound 2.0 must be below"),
        ({"expression": "a * x", "params": {"a": 3}}, "must be a pair"),
        ({"expression": "a * x", "params": ["a"], "variables": ["x", "a"]}, "listed twice"),
        ({"expression": "a * x +", "params": ["a"]}, "not a valid formula"),
        ({"expression": "", "params": ["a"]}, "empty"),
        ({"expression": "a * x " + "+ x " * 450, "params": ["a"]}, "too long"),
        ({"expression": "a * x " + "+ x " * 600, "params": ["a"]}, "longer than 2000"),
        ({"expression": "a * x + " + "(" * 300 + "x" + ")" * 300, "params": ["a"]}, "custom"),
    ],
)
def test_bad_declarations_are_refused(kwargs, message):
    with pytest.raises(sl.ScalingLabError, match=re.escape(message)):
        law_from_expression(**kwargs)


def test_user_text_is_never_evaluated(monkeypatch):
    """Building and evaluating a custom law runs no eval/exec, and compile only for the AST."""

    def refuse(*args, **kwargs):
        raise AssertionError("eval/exec called on user text")

    real_compile = builtins.compile

    def ast_only(source, filename, mode, flags=0, *args, **kwargs):
        assert flags & ast.PyCF_ONLY_AST, "compile() used for more than parsing"
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    monkeypatch.setattr(builtins, "compile", ast_only)
    law = law_from_expression("a * x**(-b) + c", params=["a", "b", "c"])
    law.fn(X[None], THETA)
    law.jac(X[None], THETA)
    law.init(X[None], GOOD["a * x**(-b) + c"](X, *THETA))


# --------------------------------------------------------------------------- domain (issue 12, finding 7)
def test_variables_may_be_zero_where_the_expression_is_defined():
    # a mixture ratio r = 0 and an indicator column z: defined there, so accepted
    law = law_from_expression("E + A/N**alpha + C/(r + 0.02)**gamma + d*z",
                              params={"E": (0, None), "A": (0, None), "alpha": (0, 2),
                                      "C": (0, None), "gamma": (0, 2), "d": (None, None)},
                              variables=["N", "r", "z"])
    N, r = np.meshgrid(np.logspace(7, 9, 6), np.array([0.0, 0.1, 0.3, 0.6]))
    df = {"N": N.ravel(), "r": r.ravel(), "z": (np.arange(N.size) % 2).astype(float)}
    truth = {"E": 1.5, "A": 30.0, "alpha": 0.3, "C": 0.05, "gamma": 0.5, "d": 0.1}
    df["loss"] = law(df, **truth)
    res = sl.fit(df, x=["N", "r", "z"], y="loss", law=law, ci=None)
    assert res.params["gamma"] == pytest.approx(0.5, rel=1e-4)
    assert res.predict({"N": [1e8], "r": [0.0], "z": [1.0]})[0] == pytest.approx(
        law({"N": [1e8], "r": [0.0], "z": [1.0]}, **truth)[0], rel=1e-6)


def test_rows_outside_the_expression_domain_are_named():
    law = law_from_expression("a + b * log(x)", params=["a", "b"])
    df = {"x": [0.0, 1.0, 2.0, 4.0, 8.0, 16.0], "y": [1.0, 1.1, 1.2, 1.3, 1.4, 1.5]}
    with pytest.raises(sl.ScalingLabError, match=r"undefined .*rows 0\b"):
        sl.fit(df, x="x", y="y", law=law, ci=None)


def test_the_target_must_still_be_positive_in_log_space():
    law = law_from_expression("a + b * x", params=["a", "b"])
    df = {"x": [0.0, 1.0, 2.0, 3.0], "y": [0.0, 1.0, 2.0, 3.0]}
    with pytest.raises(sl.ScalingLabError, match="space='linear'"):
        sl.fit(df, x="x", y="y", law=law, ci=None)
    res = sl.fit(df, x="x", y="y", law=law, ci=None, space="linear")
    assert res.params["b"] == pytest.approx(1.0)
