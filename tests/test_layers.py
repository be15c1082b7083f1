"""Dependencies point down: the kernel (laws/, fitting/, the numerics of compute/) imports no
presentation module, at module level or inside a function. `FitResult.chart()` and friends
reach presentation through `scalinglab.delegates`, filled by `scalinglab/__init__.py`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import scalinglab as sl

SRC = Path(sl.__file__).parent
KERNEL = ["laws", "fitting", "compute"]
#: Presentation that lives beside the kernel's numerics (the planner's code export).
NOT_KERNEL = {"compute/export.py"}
#: Modules the kernel must not import (a prefix also forbids its submodules).
PRESENTATION = ("scalinglab.charts", "scalinglab.export", "scalinglab.widgets",
                "scalinglab.compute_charts", "scalinglab.compute.export",
                "altair", "anywidget", "ipywidgets", "IPython")


def kernel_modules() -> list[Path]:
    files = [p for d in KERNEL for p in sorted((SRC / d).rglob("*.py"))]
    return [p for p in files if p.relative_to(SRC).as_posix() not in NOT_KERNEL]


def imported_names(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module an ``import`` or ``from ... import`` names, with its line; ``from
    scalinglab import charts`` counts as ``scalinglab.charts``."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append((node.lineno, node.module))
            out += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return out


def is_presentation(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in PRESENTATION)


def test_the_walk_sees_every_kernel_module():
    names = {p.relative_to(SRC).as_posix() for p in kernel_modules()}
    assert {"fitting/result.py", "fitting/fit.py", "laws/base.py", "compute/plan.py"} <= names
    assert "compute/export.py" not in names


@pytest.mark.parametrize("path", kernel_modules(), ids=lambda p: p.relative_to(SRC).as_posix())
def test_kernel_module_imports_no_presentation(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    bad = [f"line {line}: {name}" for line, name in imported_names(tree) if is_presentation(name)]
    assert not bad, f"{path.relative_to(SRC)} imports presentation: {bad}"


def test_the_check_catches_a_function_level_import():
    tree = ast.parse("def chart(self):\n    from scalinglab.charts import fit_chart\n"
                     "    from scalinglab import export\n")
    assert [n for _, n in imported_names(tree) if is_presentation(n)] == [
        "scalinglab.charts", "scalinglab.charts.fit_chart", "scalinglab.export"]


def test_delegates_still_reach_presentation():
    x = [10.0 ** (k / 2) for k in range(4, 14)]
    res = sl.fit({"D": x, "loss": [3 * v ** -0.3 + 0.2 for v in x]}, x="D", y="loss", ci=None)
    assert "def predict" in res.to_python()
    assert sl.load_fit(res.to_json()).params == res.params
    assert res.to_latex()
    assert type(res.chart()).__module__.startswith("altair")
