"""Custom laws from a formula typed by a user, parsed safely: `law_from_expression`.

The text is parsed with Python's ``ast`` module and checked against a whitelist; nothing the
user types is ever evaluated by Python (no ``eval``, ``exec``, ``compile`` or sympy parser).
Allowed:

* numbers (int or float literals), names of variables and parameters;
* ``+ - * / **``, unary minus and plus, parentheses;
* calls of the functions in `FUNCTIONS` with positional arguments:
  exp, log, log10, log2, log1p, expm1, sqrt, tanh, sinh, cosh, arctan, abs (one argument)
  and minimum, maximum (two arguments).

Everything else (attributes, subscripts, lambdas, comprehensions, conditionals, comparisons,
strings, keyword arguments, other calls, dunder names, names that are neither a variable nor
a parameter) is refused with a `ScalingLabError` that quotes the offending piece. Constant
exponents are bounded (``|p| <= 1000``) and constant sub-expressions must be finite, so
``9**9**9`` is refused instead of hanging or overflowing.

The accepted formula becomes a small tree that is evaluated with numpy (vectorised over
rows and over a batch of parameter vectors); its Jacobian comes from symbolic
differentiation of the same tree; the export body and the LaTeX formula are printed from it.

>>> import numpy as np
>>> import scalinglab as sl
>>> law = sl.Law.from_expression("a * x**(-b) + c", params={"a": (0, None), "b": (0, 3), "c": None})
>>> law.variables, law.param_names
(('x',), ('a', 'b', 'c'))
>>> law.python
'return a * x ** (-b) + c'
>>> law.formula
'a\\\\,x^{-b} + c'
>>> float(law(np.array([4.0]), a=2.0, b=0.5, c=1.0)[0])
2.0
>>> sl.Law.from_expression("x.__class__", params=[])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
scalinglab.errors.ScalingLabError: custom expression 'x.__class__': attribute access ...
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from scalinglab.errors import ScalingLabError
from scalinglab.laws.base import Direction, Law, Param, stack_jac, unpack
from scalinglab.laws.starts import (
    EXPONENTS,
    batch_scores,
    clip_into,
    quasi_random,
    search_range,
)

MAX_LENGTH = 2000
MAX_NODES = 400
MAX_CONST_EXPONENT = 1000.0

# name -> (numpy function, number of arguments)
FUNCTIONS: dict[str, tuple[object, int]] = {
    "exp": (np.exp, 1),
    "log": (np.log, 1),
    "log10": (np.log10, 1),
    "log2": (np.log2, 1),
    "log1p": (np.log1p, 1),
    "expm1": (np.expm1, 1),
    "sqrt": (np.sqrt, 1),
    "tanh": (np.tanh, 1),
    "sinh": (np.sinh, 1),
    "cosh": (np.cosh, 1),
    "arctan": (np.arctan, 1),
    "abs": (np.abs, 1),
    "minimum": (np.minimum, 2),
    "maximum": (np.maximum, 2),
}
# Helpers that only derivative trees use (a user cannot call them).
_INTERNAL = {
    "sign": np.sign,
    "where_le": lambda a, b, da, db: np.where(a <= b, da, db),
    "where_ge": lambda a, b, da, db: np.where(a >= b, da, db),
}
_ALLOWED = ", ".join(FUNCTIONS)


# --------------------------------------------------------------------------- the tree
@dataclass(frozen=True)
class Node:
    """A node of an accepted formula.

    kind: "const" (value), "var" / "par" (name), "neg" (args[0]),
    "add" "sub" "mul" "div" "pow" (args[0], args[1]), "call" (name, args).
    """

    kind: str
    value: float = 0.0
    name: str = ""
    args: tuple[Node, ...] = ()


def const(v: float) -> Node:
    return Node("const", value=float(v))


ZERO, ONE = const(0.0), const(1.0)


def is_const(n: Node, v: float | None = None) -> bool:
    return n.kind == "const" and (v is None or n.value == v)


def names_in(n: Node) -> set[str]:
    if n.kind in ("var", "par", "name"):
        return {n.name}
    return set().union(*(names_in(a) for a in n.args)) if n.args else set()


# --------------------------------------------------------------------------- parsing
def _refuse(text: str, what: str) -> ScalingLabError:
    return ScalingLabError(
        f"custom expression {text!r}: {what} is not allowed; use numbers, names, + - * / ** "
        f"and the functions {_ALLOWED}"
    )


_DESCRIBE = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripting",
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.IfExp: "a conditional (if/else)",
    ast.Compare: "a comparison",
    ast.BoolOp: "a boolean operator",
    ast.NamedExpr: "an assignment expression",
    ast.Starred: "star-unpacking",
    ast.JoinedStr: "an f-string",
    ast.List: "a list",
    ast.Tuple: "a tuple",
    ast.Set: "a set",
    ast.Dict: "a dict",
    ast.Slice: "a slice",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}
_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}


class _Converter:
    def __init__(self, text: str) -> None:
        self.text = text
        self.count = 0

    def piece(self, node: ast.AST) -> str:
        try:
            return ast.unparse(node)
        except Exception:  # pragma: no cover - unparse handles every parsed node
            return type(node).__name__

    def convert(self, node: ast.AST) -> Node:
        self.count += 1
        if self.count > MAX_NODES:
            raise ScalingLabError(
                f"custom expression is too long (more than {MAX_NODES} pieces); simplify it"
            )
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            if node.id.startswith("__") and node.id.endswith("__"):
                raise _refuse(self.text, f"the dunder name `{node.id}`")
            return Node("name", name=node.id)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return self.folded(Node("neg", args=(self.convert(node.operand),)), node)
            if isinstance(node.op, ast.UAdd):
                return self.convert(node.operand)
            raise _refuse(self.text, f"the operator in `{self.piece(node)}`")
        if isinstance(node, ast.BinOp):
            kind = _BINOPS.get(type(node.op))
            if kind is None:
                raise _refuse(self.text, f"the operator in `{self.piece(node)}`")
            left, right = self.convert(node.left), self.convert(node.right)
            if kind == "pow" and not names_in(right):
                p = _const_value(right)
                if not abs(p) <= MAX_CONST_EXPONENT:
                    raise _refuse(
                        self.text,
                        f"the constant power `{self.piece(node)}` (exponent {p:.6g}; the limit "
                        f"is {MAX_CONST_EXPONENT:g})",
                    )
            return self.folded(Node(kind, args=(left, right)), node)
        if isinstance(node, ast.Call):
            return self.call(node)
        what = _DESCRIBE.get(type(node), f"the construct {type(node).__name__}")
        raise _refuse(self.text, f"{what} `{self.piece(node)}`")

    def constant(self, node: ast.Constant) -> Node:
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _refuse(self.text, f"the literal `{self.piece(node)}` (only numbers)")
        try:
            f = float(v)
        except OverflowError:
            f = math.inf
        if not math.isfinite(f):
            raise _refuse(self.text, f"the number `{self.piece(node)}` (too large)")
        return const(f)

    def call(self, node: ast.Call) -> Node:
        if not isinstance(node.func, ast.Name):
            raise _refuse(self.text, f"the call `{self.piece(node)}`")
        fname = node.func.id
        if fname not in FUNCTIONS:
            raise _refuse(self.text, f"calling `{fname}` (in `{self.piece(node)}`)")
        if node.keywords:
            raise _refuse(self.text, f"keyword arguments (in `{self.piece(node)}`)")
        arity = FUNCTIONS[fname][1]
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise _refuse(self.text, f"star-unpacking (in `{self.piece(node)}`)")
        if len(node.args) != arity:
            raise ScalingLabError(
                f"custom expression {self.text!r}: {fname}() takes {arity} argument(s), got "
                f"{len(node.args)} in `{self.piece(node)}`"
            )
        args = tuple(self.convert(a) for a in node.args)
        return self.folded(Node("call", name=fname, args=args), node)

    def folded(self, n: Node, node: ast.AST) -> Node:
        """A constant sub-expression must evaluate to a finite number (it is kept as written)."""
        if not names_in(n) and not math.isfinite(_const_value(n)):
            raise _refuse(
                self.text, f"the constant `{self.piece(node)}` (it is not a finite number)"
            )
        return n


def _const_value(n: Node) -> float:
    with np.errstate(all="ignore"):
        return float(np.asarray(evaluate(n, {})).ravel()[0])


def parse(text: str) -> Node:
    """Parse and whitelist-check ``text``; returns the tree (names not yet classified)."""
    if not isinstance(text, str):
        raise ScalingLabError(f"a custom expression must be a string, not {type(text).__name__}")
    if not text.strip():
        raise ScalingLabError("the custom expression is empty; write e.g. 'a * x**(-b) + c'")
    if len(text) > MAX_LENGTH:
        raise ScalingLabError(f"custom expression is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise ScalingLabError(
            f"custom expression {text!r} is not a valid formula: {e.msg}"
            + (f" at column {e.offset}" if e.offset else "")
        ) from None
    except (ValueError, RecursionError, MemoryError) as e:
        raise ScalingLabError(f"custom expression {text!r} cannot be parsed: {e}") from None
    try:
        return _Converter(text).convert(tree.body)
    except RecursionError:
        raise ScalingLabError(f"custom expression {text!r} is nested too deeply") from None


def _classify(n: Node, variables: set[str], params: set[str]) -> Node:
    if n.kind == "name":
        return Node("var" if n.name in variables else "par", name=n.name)
    if not n.args:
        return n
    return Node(n.kind, n.value, n.name, tuple(_classify(a, variables, params) for a in n.args))


# --------------------------------------------------------------------------- evaluation
def evaluate(n: Node, env: Mapping[str, object]):
    """Evaluate a tree with numpy; ``env`` maps names to arrays (or floats)."""
    k = n.kind
    if k == "const":
        return np.float64(n.value)  # numpy scalars overflow to inf instead of raising
    if k in ("var", "par", "name"):
        return env[n.name]
    if k == "neg":
        return -evaluate(n.args[0], env)
    if k == "call":
        vals = [evaluate(a, env) for a in n.args]
        f = FUNCTIONS[n.name][0] if n.name in FUNCTIONS else _INTERNAL[n.name]
        return f(*vals)  # type: ignore[operator]
    a, b = evaluate(n.args[0], env), evaluate(n.args[1], env)
    if k == "add":
        return a + b
    if k == "sub":
        return a - b
    if k == "mul":
        return a * b
    if k == "div":
        return a / b
    return a**b


# --------------------------------------------------------------------------- differentiation
def _add(a: Node, b: Node) -> Node:
    if is_const(a, 0.0):
        return b
    if is_const(b, 0.0):
        return a
    return Node("add", args=(a, b))


def _sub(a: Node, b: Node) -> Node:
    if is_const(b, 0.0):
        return a
    if is_const(a, 0.0):
        return _neg(b)
    return Node("sub", args=(a, b))


def _neg(a: Node) -> Node:
    if is_const(a):
        return const(-a.value)
    if a.kind == "neg":
        return a.args[0]
    return Node("neg", args=(a,))


def _mul(a: Node, b: Node) -> Node:
    if is_const(a, 0.0) or is_const(b, 0.0):
        return ZERO
    if is_const(a, 1.0):
        return b
    if is_const(b, 1.0):
        return a
    return Node("mul", args=(a, b))


def _div(a: Node, b: Node) -> Node:
    if is_const(a, 0.0):
        return ZERO
    if is_const(b, 1.0):
        return a
    return Node("div", args=(a, b))


def _call(name: str, *args: Node) -> Node:
    return Node("call", name=name, args=args)


def diff(n: Node, p: str) -> Node:
    """d n / d p as a new tree (p a parameter name), simplified where trivially possible."""
    k = n.kind
    if k in ("const", "var"):
        return ZERO
    if k == "par":
        return ONE if n.name == p else ZERO
    if p not in names_in(n):
        return ZERO
    if k == "neg":
        return _neg(diff(n.args[0], p))
    if k == "call":
        return _diff_call(n, p)
    u, v = n.args
    du, dv = diff(u, p), diff(v, p)
    if k == "add":
        return _add(du, dv)
    if k == "sub":
        return _sub(du, dv)
    if k == "mul":
        return _add(_mul(du, v), _mul(u, dv))
    if k == "div":
        return _sub(_div(du, v), _div(_mul(u, dv), Node("pow", args=(v, const(2.0)))))
    # pow: d(u^v) = v·u^(v−1)·du + u^v·log(u)·dv
    first = ZERO
    if not is_const(du, 0.0):
        vm1 = const(v.value - 1.0) if is_const(v) else Node("sub", args=(v, ONE))
        first = _mul(_mul(v, Node("pow", args=(u, vm1))), du)
    second = ZERO
    if not is_const(dv, 0.0):
        second = _mul(_mul(n, _call("log", u)), dv)
    return _add(first, second)


def _diff_call(n: Node, p: str) -> Node:
    name, args = n.name, n.args
    if name in ("minimum", "maximum"):
        a, b = args
        pick = "where_le" if name == "minimum" else "where_ge"
        return _call(pick, a, b, diff(a, p), diff(b, p))
    u = args[0]
    du = diff(u, p)
    if is_const(du, 0.0):
        return ZERO
    outer = {
        "exp": lambda: n,
        "expm1": lambda: _call("exp", u),
        "log": lambda: _div(ONE, u),
        "log10": lambda: _div(ONE, _mul(u, const(math.log(10.0)))),
        "log2": lambda: _div(ONE, _mul(u, const(math.log(2.0)))),
        "log1p": lambda: _div(ONE, Node("add", args=(ONE, u))),
        "sqrt": lambda: _div(const(0.5), n),
        "tanh": lambda: Node("sub", args=(ONE, Node("pow", args=(n, const(2.0))))),
        "sinh": lambda: _call("cosh", u),
        "cosh": lambda: _call("sinh", u),
        "arctan": lambda: _div(ONE, Node("add", args=(ONE, Node("pow", args=(u, const(2.0)))))),
        "abs": lambda: _call("sign", u),
    }[name]()
    return _mul(outer, du)


# --------------------------------------------------------------------------- printing
_PREC = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}


def to_python(n: Node) -> str:
    """Python source (numpy as ``np``) that performs exactly the tree's operations, in order."""
    return _py(n)[0]


def _py(n: Node) -> tuple[str, int]:
    k = n.kind
    if k == "const":
        return (repr(n.value), 3 if n.value < 0 else 5)
    if k in ("var", "par", "name"):
        return n.name, 5
    if k == "call":
        return f"np.{n.name}({', '.join(_py(a)[0] for a in n.args)})", 5
    if k == "neg":
        s, pr = _py(n.args[0])
        return f"-{s}" if pr >= 3 else f"-({s})", 3
    prec = _PREC[k]
    (ls, lp), (rs, rp) = _py(n.args[0]), _py(n.args[1])
    op = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}[k]
    if k == "pow":
        # ** binds right to left and tighter than unary minus: bracket anything but atoms.
        left = ls if lp == 5 else f"({ls})"
        right = rs if rp == 5 else f"({rs})"
    else:
        # Keep the tree's grouping exactly: (a + b) + c stays, a + (b + c) keeps its brackets.
        left = ls if lp >= prec else f"({ls})"
        right = rs if rp > prec else f"({rs})"
    return f"{left} {op} {right}", prec


_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "iota", "kappa", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi",
    "psi", "omega", "Gamma", "Delta", "Theta", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega",
}  # fmt: skip


def latex_name(name: str) -> str:
    """LaTeX for an identifier: Greek letters, subscripts after the first underscore."""
    base, _, sub = name.partition("_")
    if base in _GREEK:
        head = "\\" + base
    elif len(base) == 1 or not base:
        head = base
    else:
        head = rf"\mathrm{{{base}}}"
    if not sub:
        return head
    escaped = sub.replace("_", r"\_")
    return f"{head}_{{{escaped}}}"


def _tex_number(v: float) -> str:
    s = f"{v:.6g}"
    if "e" in s:
        mant, ex = s.split("e")
        s = rf"{mant} \times 10^{{{int(ex)}}}"
    return s


def to_latex(n: Node, variable_latex: Mapping[str, str] | None = None) -> str:
    """The tree as LaTeX; parameters become ``<name>`` placeholders (see `Law.template`)."""
    return _tex(n, variable_latex or {})[0]


def _tex(n: Node, vl: Mapping[str, str]) -> tuple[str, int]:
    k = n.kind
    if k == "const":
        return _tex_number(n.value), 5
    if k == "par":
        return f"<{n.name}>", 5
    if k in ("var", "name"):
        return vl.get(n.name, latex_name(n.name)), 5
    if k == "call":
        args = [_tex(a, vl)[0] for a in n.args]
        a0 = args[0]
        fmt = {
            "exp": rf"\exp\left({a0}\right)",
            "log": rf"\log\left({a0}\right)",
            "log10": rf"\log_{{10}}\left({a0}\right)",
            "log2": rf"\log_{{2}}\left({a0}\right)",
            "log1p": rf"\log\left(1 + {a0}\right)",
            "expm1": rf"\left(e^{{{a0}}} - 1\right)",
            "sqrt": rf"\sqrt{{{a0}}}",
            "tanh": rf"\tanh\left({a0}\right)",
            "sinh": rf"\sinh\left({a0}\right)",
            "cosh": rf"\cosh\left({a0}\right)",
            "arctan": rf"\arctan\left({a0}\right)",
            "abs": rf"\left|{a0}\right|",
            "sign": rf"\operatorname{{sign}}\left({a0}\right)",
        }
        if n.name in fmt:
            return fmt[n.name], 5
        op = r"\min" if n.name == "minimum" else r"\max"
        return rf"{op}\left({', '.join(args)}\right)", 5
    if k == "neg":
        s, pr = _tex(n.args[0], vl)
        return (f"-{s}" if pr >= 3 else rf"-\left({s}\right)"), 3
    (ls, lp), (rs, rp) = _tex(n.args[0], vl), _tex(n.args[1], vl)
    if k == "div":
        return rf"\frac{{{ls}}}{{{rs}}}", 5
    if k == "pow":
        base = ls if lp == 5 and n.args[0].kind != "div" else rf"\left({ls}\right)"
        return f"{base}^{{{rs}}}", 4
    prec = _PREC[k]
    left = ls if lp >= prec else rf"\left({ls}\right)"
    right = rs if rp > prec or (k == "add" and rp >= prec) else rf"\left({rs}\right)"
    if k == "mul":
        sep = r" \cdot " if n.args[1].kind == "const" else r"\,"
        return f"{left}{sep}{right}", prec
    return f"{left} {'+' if k == 'add' else '-'} {right}", prec


# --------------------------------------------------------------------------- the law
def _param_bounds(
    params: Mapping[str, object] | Sequence[str],
) -> list[tuple[str, float, float]]:
    if isinstance(params, str):
        params = [params]
    if isinstance(params, Mapping):
        items = list(params.items())
    else:
        items = [(name, None) for name in params]
    out = []
    for name, b in items:
        if not isinstance(name, str) or not name.isidentifier():
            raise ScalingLabError(f"parameter name {name!r} is not a valid identifier")
        if b is None:
            lo, hi = None, None
        else:
            try:
                lo, hi = b  # type: ignore[misc]
            except (TypeError, ValueError):
                raise ScalingLabError(
                    f"bounds of parameter {name!r} must be a pair (low, high) with None for "
                    f"unbounded, not {b!r}"
                ) from None
        try:
            lo_f = -math.inf if lo is None else float(lo)
            hi_f = math.inf if hi is None else float(hi)
        except (TypeError, ValueError):
            raise ScalingLabError(
                f"bounds of parameter {name!r} must be numbers or None, not {b!r}"
            ) from None
        if math.isnan(lo_f) or math.isnan(hi_f):
            raise ScalingLabError(f"bounds of parameter {name!r} must not be NaN")
        out.append((name, lo_f, hi_f))
    return out


def _order_of_appearance(n: Node) -> list[str]:
    seen: list[str] = []

    def walk(m: Node) -> None:
        if m.kind == "name" and m.name not in seen:
            seen.append(m.name)
        for a in m.args:
            walk(a)

    walk(n)
    return seen


def affine_parameters(tree: Node, params: Sequence[str]) -> list[str]:
    """Parameters in which the formula is jointly affine (f = f₀ + Σ θ_j·g_j, with f₀ and g_j
    free of them): E, A, B and C in E + A/N^α + B·r^η/D^β + C/(r + 0.02)^γ. Chosen greedily
    in order: a and b in a·b are each affine, but not together. Found on the derivative
    trees: ∂f/∂θ_j must not contain any parameter of the set.

    >>> affine_parameters(_classify(parse("E + A/N**alpha + B*x"), {"N", "x"},
    ...                   {"E", "A", "alpha", "B"}), ["E", "A", "alpha", "B"])
    ['E', 'A', 'B']
    >>> affine_parameters(_classify(parse("a*b*x + c"), {"x"}, {"a", "b", "c"}), ["a", "b", "c"])
    ['a', 'c']
    """
    chosen: list[str] = []
    uses: dict[str, set[str]] = {}
    for p in params:
        uses[p] = names_in(diff(tree, p))
        if p in uses[p] or uses[p] & set(chosen) or any(p in uses[c] for c in chosen):
            continue
        chosen.append(p)
    return chosen


_UNARY = {"log", "log10", "log2", "sqrt"}


def _strip(n: Node) -> Node:
    """A node without one-argument log/sqrt wrappers: log(x0) → x0."""
    while n.kind == "call" and n.name in _UNARY:
        n = n.args[0]
    return n


def search_windows(tree: Node, variables: Sequence[str], X: np.ndarray
                   ) -> dict[str, tuple[float, float]]:
    """Magnitudes that parameters plausibly take, read from where they sit in the formula:

    * an exponent of a power of a variable (x**(-b), (log(A·x^α))^β): `EXPONENTS`;
    * a location, compared with a variable by +, −, / or min/max (log(N) − log(x0), x/d):
      a decade beyond the range of that variable's positive values in ``X``.
    """
    ranges = {}
    for i, v in enumerate(variables):
        pos = X[i][X[i] > 0] if X.size else X[i]
        if pos.size:
            ranges[v] = (float(pos.min()) / 10.0, float(pos.max()) * 10.0)
    out: dict[str, tuple[float, float]] = {}

    def walk(n: Node) -> None:
        if n.kind == "pow" and names_in(n.args[0]) & set(variables):
            for p in names_in(n.args[1]) - set(variables):
                out.setdefault(p, EXPONENTS)
        if n.kind in ("add", "sub", "div") or (n.kind == "call" and n.name in ("minimum",
                                                                               "maximum")):
            a, b = (_strip(x) for x in n.args)
            for u, w in ((a, b), (b, a)):
                if u.kind == "var" and w.kind == "par" and u.name in ranges:
                    out.setdefault(w.name, ranges[u.name])
        for a in n.args:
            walk(a)

    walk(tree)
    return out


def law_from_expression(
    expression: str,
    params: Mapping[str, tuple[float | None, float | None] | None] | Sequence[str] | None = None,
    variables: Sequence[str] | None = None,
    name: str = "custom",
    direction: Direction = "either",
) -> Law:
    """Build a `Law` from ``expression`` (see the module docstring for what is allowed).

    ``params``: a dict name → (low, high) bounds (None for unbounded) or a list of names; when
    omitted, every name that is not a variable is a parameter. ``variables``: defaults to
    ``("x",)`` when ``x`` appears, else to the names that are not parameters.
    """
    tree = parse(expression)
    appear = _order_of_appearance(tree)
    if variables is not None:
        variables = [variables] if isinstance(variables, str) else list(variables)
    if params is None:
        if variables is None:
            if "x" not in appear:
                raise ScalingLabError(
                    f"custom expression {expression!r}: say which names are parameters "
                    "(params=...) or variables (variables=...); there is no 'x'"
                )
            variables = ["x"]
        bounds = [(n, -math.inf, math.inf) for n in appear if n not in variables]
    else:
        bounds = _param_bounds(params)
        pnames = [b[0] for b in bounds]
        if variables is None:
            variables = ["x"] if "x" in appear else [n for n in appear if n not in pnames]
    pnames = [b[0] for b in bounds]
    for nm in [*pnames, *variables]:
        if not isinstance(nm, str) or not nm.isidentifier():
            raise ScalingLabError(f"name {nm!r} is not a valid identifier")
        if nm.startswith("__") and nm.endswith("__"):
            raise ScalingLabError(f"custom expression: the dunder name {nm!r} is not allowed")
        if nm == "np":
            raise ScalingLabError("custom expression: 'np' is reserved (it names numpy)")
    dup = sorted({n for n in pnames if pnames.count(n) > 1} | (set(pnames) & set(variables)))
    if dup:
        raise ScalingLabError(f"custom expression: {dup} listed twice (parameters/variables)")
    if not variables:
        raise ScalingLabError(f"custom expression {expression!r} has no variable")
    unknown = [n for n in appear if n not in pnames and n not in variables]
    if unknown:
        raise ScalingLabError(
            f"custom expression {expression!r}: name(s) {unknown} are neither a variable "
            f"{list(variables)} nor a parameter {pnames}; add them to params= or variables="
        )
    unused = [n for n in pnames if n not in appear]
    if unused:
        raise ScalingLabError(
            f"custom expression {expression!r}: parameter(s) {unused} do not appear in it"
        )
    if not set(variables) & set(appear):
        raise ScalingLabError(
            f"custom expression {expression!r} uses none of its variables {list(variables)}"
        )
    tree = _classify(tree, set(variables), set(pnames))
    p = len(pnames)
    param_objs = tuple(Param(n, lo, hi, latex=latex_name(n)) for n, lo, hi in bounds)
    dtrees = [diff(tree, n) for n in pnames]
    var_list = tuple(variables)

    def env_of(X: np.ndarray, theta: np.ndarray) -> tuple[dict, tuple[int, ...]]:
        vals = unpack(theta, p)
        env = {v: X[i] for i, v in enumerate(var_list)}
        env.update(zip(pnames, vals, strict=True))
        shape = np.broadcast_shapes((*np.shape(theta)[:-1], 1), (X.shape[1],))
        return env, shape

    def fn(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
        env, shape = env_of(X, theta)
        with np.errstate(all="ignore"):
            out = evaluate(tree, env)
        return np.array(np.broadcast_to(out, shape), dtype=float)

    def jac(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
        env, shape = env_of(X, theta)
        with np.errstate(all="ignore"):
            cols = [np.broadcast_to(evaluate(d, env), shape) for d in dtrees]
        return stack_jac(*cols).astype(float)

    lower = np.array([b[1] for b in bounds])
    upper = np.array([b[2] for b in bounds])
    affine = [pnames.index(a) for a in affine_parameters(tree, pnames)]
    affine_cols = [dtrees[j] for j in affine]

    def columns(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """∂f/∂θ_j of the affine parameters: (B, n, len(affine)), free of those parameters."""
        env, shape = env_of(X, theta)
        with np.errstate(all="ignore"):
            cols = [np.broadcast_to(evaluate(d, env), shape) for d in affine_cols]
        return np.stack(cols, axis=-1).astype(float)

    def box(X: np.ndarray) -> list:
        windows = search_windows(tree, var_list, X)
        return [search_range(lo, hi, windows.get(n)) for n, lo, hi in bounds]

    def init(X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
        return _box_starts(fn, columns, X, y, lower, upper, box(X), affine)

    def undefined_rows(X: np.ndarray) -> np.ndarray:
        thetas = _box_points(box(X), affine=[], n=64, lower=lower, upper=upper)
        with np.errstate(all="ignore"):
            return ~np.isfinite(fn(X, thetas)).any(axis=0)

    return Law(
        name=name,
        variables=var_list,
        params=param_objs,
        fn=fn,
        jac=jac,
        init=init,
        template=to_latex(tree),
        python="return " + to_python(tree),
        direction=direction,
        needs_positive_x=False,
        undefined_rows=undefined_rows,
        description=f"Custom law: y = {expression.strip()}",
        citation="",
        expression=expression.strip(),
    )


def _typical(lo: float, hi: float) -> float:
    """A value of order one inside (lo, hi)."""
    if lo < 1.0 < hi:
        return 1.0
    if math.isfinite(lo) and math.isfinite(hi):
        return 0.5 * (lo + hi)
    if math.isfinite(lo):
        return 2.0 * lo if lo > 0 else lo + 1.0
    return 0.5 * hi if hi > 0 else hi - 1.0


# Quasi-random points of the search box per parameter not solved linearly (at most 4096;
# fewer when the table is long: samples × rows stays under SAMPLE_WORK).
SAMPLES_PER_PARAM = 256
SAMPLE_WORK = 400_000


def _box_points(ranges: Sequence, affine: Sequence[int], n: int, lower: np.ndarray,
                upper: np.ndarray) -> np.ndarray:
    """(n + 1, p): an order-one point, then ``n`` quasi-random points of the search box in
    the parameters not in ``affine`` (those keep their order-one values)."""
    base = np.array([_typical(lo, hi) for lo, hi in zip(lower, upper, strict=True)])
    nonlin = [j for j in range(base.size) if j not in affine]
    thetas = np.tile(base, (n + 1 if nonlin else 1, 1))
    if nonlin:
        thetas[1:, nonlin] = quasi_random([ranges[j] for j in nonlin], n)
    return clip_into(thetas, lower, upper)


def _box_starts(fn, columns, X, y, lower, upper, ranges, affine) -> list[np.ndarray]:
    """Starts for a custom law: quasi-random points of its search box in the parameters that
    enter non-linearly, the affine ones solved for each point by linear least squares
    (variable projection; relative errors when y > 0), best first by `batch_scores`."""
    d = lower.size - len(affine)
    n = 2 ** int(np.clip(np.ceil(np.log2(SAMPLES_PER_PARAM * max(d, 1))), 6, 12))
    while n > 64 and n * y.size > SAMPLE_WORK:
        n //= 2
    thetas = _box_points(ranges, affine, n, lower, upper)
    if affine:
        thetas = _solve_affine(fn, columns, X, y, thetas, affine, lower, upper)
    scores = batch_scores(fn, X, y, thetas)
    order = np.argsort(scores, kind="stable")
    keep = order[np.isfinite(scores[order])]
    return list(thetas[keep if keep.size else order[:1]])


def _solve_affine(fn, columns, X, y, thetas, affine, lower, upper) -> np.ndarray:
    """For each row of ``thetas`` (B, p), the affine parameters that fit ``y`` best given the
    others (one batched solve of the normal equations), clipped into their bounds."""
    with np.errstate(all="ignore"):
        f = fn(X, thetas)  # (B, n)
        G = columns(X, thetas)  # (B, n, k)
        w = 1.0 / np.abs(y) if np.all(y > 0) else np.ones_like(y)
        Gw = G * w[None, :, None]
        rw = (y[None, :] - f) * w
        ok = np.all(np.isfinite(Gw), axis=(1, 2)) & np.all(np.isfinite(rw), axis=1)
        A = np.einsum("bnk,bnl->bkl", Gw[ok], Gw[ok])
        b = np.einsum("bnk,bn->bk", Gw[ok], rw[ok])
        ridge = 1e-12 * np.einsum("bkk->b", A)[:, None, None] * np.eye(len(affine))
        try:
            step = np.linalg.solve(A + ridge + 1e-300, b[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = (np.linalg.pinv(A) @ b[..., None])[..., 0]
    out = thetas.copy()
    sub = out[ok]
    sub[:, affine] += np.where(np.isfinite(step), step, 0.0)
    out[ok] = sub
    return clip_into(out, lower, upper)
