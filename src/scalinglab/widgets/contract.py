"""The widget contract, written once: every synced trait of every widget and every custom
message in both directions, as TypedDicts. The front end's types (js/src/shared/contract.ts)
are generated from this module, and tests/test_contract.py checks that the checked-in file is
current and that every ``sync=True`` trait of each widget class is declared here.

    python -m scalinglab.widgets.contract --write   # regenerate js/src/shared/contract.ts
    python -m scalinglab.widgets.contract --check   # exit 1 when it is stale

Rules the types cannot say:

* ``table_version`` counts table loads (from Python or a drop). Every front-end message that
  depends on the table (``brush``) carries the version it was made for; the kernel ignores,
  and does not answer, a message made for an older table.
* ``points`` (the table's points, one row per data point) is set only when the table or the
  drawn columns change, never per range move; ``chart_data`` (curves, bands, targets, axis
  domains) is sent per move and stays small whatever the table size. The chart styles points
  inside / outside the fit range through the Vega-Lite params ``fit_lo`` / ``fit_hi``, which
  the front end sets from ``fit_range`` (``null`` for no range).
* The front end moves the fit range only with ``brush`` messages (never by setting the
  ``fit_range`` trait), so that every range carries its table version.

>>> sorted(WIDGET_STATES)
['ComputeExplorer', 'LawExplorer', 'RemedyComparer']
>>> "table_version" in state_fields("LawExplorer")
True
>>> message_types(FrontendMessage)
['brush', 'load_table', 'export_json']
"""

import argparse
import sys
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypedDict, Union

try:  # Python 3.11+
    from typing import NotRequired
except ImportError:  # pragma: no cover - Python 3.10
    from typing_extensions import NotRequired

# ------------------------------------------------------------------------------ enumerations
Band = Literal["confidence", "prediction", "none"]
AxisScale = Literal["log", "linear"]
CiMethod = Literal["bootstrap", "delta", "none"]
DragCi = Literal["same", "delta"]
Loss = Literal["l2", "huber", "asymmetric"]  # fitting/objective.py LOSSES
FitSpace = AxisScale
RemedyView = Literal[1, 2, 3]
Approach = Literal["isoflop", "envelope", "parametric"]  # compute/plan.py APPROACHES

#: The Vega-Lite params the front end sets from ``fit_range`` (null: no range).
FIT_RANGE_PARAMS = ("fit_lo", "fit_hi")
#: Per-move chart data limit (bytes of JSON), whatever the table size.
CHART_DATA_LIMIT = 150_000


# ------------------------------------------------------------------------------ rows
class ColumnInfo(TypedDict):
    name: str
    numeric: bool


class LawInfo(TypedDict):
    name: str
    color: str
    formula: str
    description: str
    variables: list[str]


class ParamRow(TypedDict):
    law: str
    series: str
    param: str
    estimate: float | None
    lo: float | None
    hi: float | None


class MetricRow(TypedDict):
    law: str
    series: str
    n: int | None
    r2: float | None
    rmsle: float | None
    aic: float | None
    holdout: float | None
    best: bool
    pending: NotRequired[bool]
    error: NotRequired[str]


class SolutionRow(TypedDict):
    law: str
    series: str
    ok: bool
    text: str
    x: NotRequired[float | None]
    lo: NotRequired[float | None]
    hi: NotRequired[float | None]


class PointRow(TypedDict):
    """One data point of the ``points`` trait (x and y in data units; ``color`` is the
    series key of the colour scale, ``label`` the series label)."""

    x: float
    y: float
    color: str
    label: str


class Timing(TypedDict):
    kernel_ms: NotRequired[float]
    kernel_cpu_ms: NotRequired[float]
    fit_ms: NotRequired[float]
    draw_ms: NotRequired[float]
    sent_at: NotRequired[float]


class ChartData(TypedDict):
    """What a refit sends: named datasets (replaced with Vega changesets), top-level param
    values (``xdomain``, ``ydomain``), the request it answers and the table it belongs to."""

    datasets: dict[str, list[dict[str, Any]]]
    signals: NotRequired[dict[str, Any]]
    request_id: NotRequired[int | None]
    version: NotRequired[int]
    table_version: NotRequired[int]
    timing: NotRequired[Timing]


class RemedyInfo(TypedDict):
    name: str
    color: str
    description: str
    known: bool


class WinnerRow(TypedDict):
    """One ratio of the "wins" table, in ONE unit: ``best_mean``, ``runner_up_mean``,
    ``margin``, ``spread``, ``diff_lo`` and ``diff_hi`` are in percentage points (a mean of
    0.912 is 91.2); ``unit`` is "percentage points" (show it; do not rescale)."""

    ratio: float
    best: str
    best_mean: float | None
    runner_up: str | None
    runner_up_mean: float | None
    margin: float | None
    spread: float | None
    clear: bool
    n_seeds: int
    diff_lo: float | None
    diff_hi: float | None
    unit: str


class FitRow(TypedDict):
    remedy: str
    law: str
    params: str
    r2: float | None
    aic: NotRequired[float | None]
    error: str


class Readout(TypedDict):
    """ComputeExplorer's answer at the budget C (FLOP): ``plan.allocate([C])`` and
    ``plan.tokens_per_param([C])`` (``tpp``: tokens per parameter); intervals at ``level``,
    null where the plan has none."""

    C: float | None
    N: float | None
    N_lo: float | None
    N_hi: float | None
    D: float | None
    D_lo: float | None
    D_hi: float | None
    loss: float | None
    loss_lo: float | None
    loss_hi: float | None
    tpp: float | None
    tpp_lo: float | None
    tpp_hi: float | None
    approach: str
    level: float


class ApproachRow(TypedDict):
    """One approach at the budget (the `Readout` fields), or ``error`` saying why the table
    does not support it."""

    approach: Approach
    label: str
    error: str
    C: NotRequired[float | None]
    N: NotRequired[float | None]
    N_lo: NotRequired[float | None]
    N_hi: NotRequired[float | None]
    D: NotRequired[float | None]
    D_lo: NotRequired[float | None]
    D_hi: NotRequired[float | None]
    loss: NotRequired[float | None]
    loss_lo: NotRequired[float | None]
    loss_hi: NotRequired[float | None]
    tpp: NotRequired[float | None]
    tpp_lo: NotRequired[float | None]
    tpp_hi: NotRequired[float | None]
    level: NotRequired[float]


class Spread(TypedDict):
    """How far the approaches disagree: N and D as largest / smallest, loss as max − min."""

    n: int
    N: NotRequired[float]
    D: NotRequired[float]
    loss: NotRequired[float | None]


class BudgetInfo(TypedDict):
    name: str
    included: bool
    color: str
    C: float


class MarkerRow(TypedDict):
    C: float | None
    value: float | None
    lo: float | None
    hi: float | None
    quantity: str


class OptionInfo(TypedDict):
    key: str
    label: str


# ------------------------------------------------------------------------------ widget state
class WidgetState(TypedDict):
    """Traits every widget has (`ScalingLabWidget`)."""

    spec: dict[str, Any]
    chart_data: ChartData
    error: str
    notes: list[str]
    code: str
    table_version: int
    _model_ref: str


class LawExplorerState(WidgetState):
    # table
    columns: list[ColumnInfo]
    source_name: str
    x: str
    y: str
    group: str
    variables: list[str]
    points: list[PointRow]
    # fitting
    laws: list[str]
    law_info: list[LawInfo]
    fit_range: tuple[float, float] | None
    level: float
    ci: CiMethod
    n_boot: int
    loss: Loss
    space: FitSpace
    seed: int
    holdout: int
    drag_ci: DragCi
    # drawing
    band: Band
    horizon: float
    target: float | None
    x_scale: AxisScale
    y_scale: AxisScale
    export_law: str
    # outputs
    param_rows: list[ParamRow]
    metric_rows: list[MetricRow]
    solutions: list[SolutionRow]
    status: str


class RemedyComparerState(WidgetState):
    view: RemedyView
    metric: str
    remedies: list[str]
    ratio: float | None
    trend_law: str
    curve_law: str
    level: float
    horizon: float
    remedy_info: list[RemedyInfo]
    metric_options: list[str]
    ratio_options: list[float]
    trend_options: list[str]
    curve_options: list[str]
    summary_rows: list[WinnerRow]
    fit_rows: list[FitRow]
    verdict: str


class ComputeExplorerState(WidgetState):
    """A budget move changes only ``readout``, ``approaches``, ``spread`` and ``marker`` (the
    chart's ``marker`` dataset, kept out of ``chart_data`` so a move sends a few hundred
    bytes); ``excluded`` names budgets (``budgets[].name``) left out of the frontier."""

    # controls
    approach: Approach
    convention: str
    level: float
    excluded: list[str]
    budget: float
    # table
    N: str
    D: str
    y: str
    source_name: str
    status: str
    # outputs
    readout: Readout
    approaches: list[ApproachRow]
    spread: Spread
    marker: list[MarkerRow]
    budgets: list[BudgetInfo]
    budget_range: list[float]
    convention_options: list[OptionInfo]
    approach_options: list[OptionInfo]
    level_options: list[float]
    warnings: list[str]


# ------------------------------------------------------------------------------ messages
class BrushMsg(TypedDict):
    """Front end → kernel: the fit range moved (``range`` null clears it). ``id`` increases
    per message; ``table_version`` is the table the range was drawn on; ``dragging`` is true
    while the pointer is down (the kernel refits quickly, then fully when it rests) and false
    on release (full refit now). ``quiet_status`` is for the optional server extension."""

    type: Literal["brush"]
    range: tuple[float, float] | None
    id: int
    table_version: int
    dragging: NotRequired[bool]
    quiet_status: NotRequired[bool]


class LoadTableMsg(TypedDict):
    """Front end → kernel: a dropped, chosen or pasted table as text; ``name`` the file's
    name ("" for a paste)."""

    type: Literal["load_table"]
    text: str
    name: NotRequired[str]


class ExportJsonRequest(TypedDict):
    """Front end → kernel: send the current fit as JSON."""

    type: Literal["export_json"]


class AckMsg(TypedDict):
    """Kernel → front end: the range of request ``id`` was refused (the error trait says
    why); the fit range in force is the ``fit_range`` trait."""

    type: Literal["ack"]
    id: int
    table_version: int


class TableLoadedMsg(TypedDict):
    """Kernel → front end: a table from ``load_table`` is in; ``table_version`` is its
    version (the front end resets the brush)."""

    type: Literal["table_loaded"]
    table_version: int
    name: str


class ExportJsonReply(TypedDict):
    """Kernel → front end: ``text`` to download as ``filename``, or ``text`` "" and
    ``message`` saying why there is nothing."""

    type: Literal["export_json"]
    text: str
    filename: NotRequired[str]
    message: NotRequired[str]


FrontendMessage = Union[BrushMsg, LoadTableMsg, ExportJsonRequest]  # noqa: UP007
KernelMessage = Union[AckMsg, TableLoadedMsg, ExportJsonReply]  # noqa: UP007

#: Each widget's state; a new widget adds its TypedDict here (and its messages below).
WIDGET_STATES: dict[str, type] = {
    "LawExplorer": LawExplorerState,
    "RemedyComparer": RemedyComparerState,
    "ComputeExplorer": ComputeExplorerState,
}
#: The front-end messages each widget handles.
WIDGET_MESSAGES: dict[str, tuple[type, ...]] = {
    "LawExplorer": (BrushMsg, LoadTableMsg, ExportJsonRequest),
    "RemedyComparer": (ExportJsonRequest,),
    "ComputeExplorer": (LoadTableMsg, ExportJsonRequest),
}
#: Front-end messages that depend on the table (ignored when made for an older one).
TABLE_MESSAGES = ("brush",)
#: Required fields the kernel still accepts a message without (a front end built before
#: they existed, e.g. a cached bundle): such a message is taken as made for the current table.
TOLERATED_MISSING = frozenset({"table_version"})


def state_fields(widget: str) -> dict[str, Any]:
    """Trait name → type of a widget's state."""
    return typing.get_type_hints(WIDGET_STATES[widget], include_extras=True)


def message_types(union: Any) -> list[str]:
    """The ``type`` tags of a union of message TypedDicts."""
    return [typing.get_args(typing.get_type_hints(m)["type"])[0] for m in typing.get_args(union)]


def choices(alias: Any) -> tuple[Any, ...]:
    """The values of a Literal alias (for `traitlets.Enum`).

    >>> choices(Band)
    ('confidence', 'prediction', 'none')
    """
    return typing.get_args(alias)


def check_message(content: Any, known: tuple[type, ...]) -> dict[str, Any] | None:
    """``content`` if it is a message of one of the ``known`` types with its required
    fields, else None (unknown or malformed messages are ignored).

    >>> check_message({"type": "export_json"}, (ExportJsonRequest,))
    {'type': 'export_json'}
    >>> check_message({"type": "brush", "range": None}, (BrushMsg,)) is None
    True
    """
    if not isinstance(content, dict):
        return None
    for kind in known:
        hints = typing.get_type_hints(kind)
        if content.get("type") != typing.get_args(hints["type"])[0]:
            continue
        required = getattr(kind, "__required_keys__", frozenset()) - TOLERATED_MISSING
        return content if all(k in content for k in required) else None
    return None


# ------------------------------------------------------------------------------ TypeScript
HEADER = (
    "// GENERATED by `python -m scalinglab.widgets.contract --write` from\n"
    "// src/scalinglab/widgets/contract.py. Do not edit: change the Python and regenerate\n"
    "// (tests/test_contract.py fails when this file is stale).\n"
)
TS_PATH = Path("js/src/shared/contract.ts")


_ALIASES = {Band: "Band", AxisScale: "AxisScale", CiMethod: "CiMethod", DragCi: "DragCi",
            Loss: "Loss", RemedyView: "RemedyView", Approach: "Approach"}


def _literal(tp: Any) -> str:
    return " | ".join(f'"{a}"' if isinstance(a, str) else str(a).lower()
                      for a in typing.get_args(tp))


def _ts(tp: Any) -> str:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return "unknown"
    if tp is type(None):
        return "null"
    if tp is str:
        return "string"
    if tp in (int, float):
        return "number"
    if tp is bool:
        return "boolean"
    if origin is NotRequired:
        return _ts(args[0])
    if origin is Literal and tp in _ALIASES:
        return _ALIASES[tp]
    if origin is Literal:
        return _literal(tp)
    if origin in (Union, types.UnionType):
        return " | ".join(_ts(a) for a in args)
    if origin is list:
        inner = _ts(args[0])
        return f"({inner})[]" if " " in inner else f"{inner}[]"
    if origin is tuple:
        return "[" + ", ".join(_ts(a) for a in args) + "]"
    if origin is dict:
        return f"Record<{_ts(args[0])}, {_ts(args[1])}>"
    if typing.is_typeddict(tp):
        return tp.__name__
    raise TypeError(f"no TypeScript for {tp!r}")


def _interface(td: type) -> str:
    hints = typing.get_type_hints(td)
    base = WidgetState if td in WIDGET_STATES.values() else None
    own = [k for k in td.__annotations__ if base is None or k not in base.__annotations__]
    bases = [base.__name__] if base is not None else []
    optional = td.__optional_keys__
    lines = []
    if td.__doc__ and not td.__doc__.startswith(f"{td.__name__}("):
        doc = " ".join(td.__doc__.split())
        lines.append(f"/** {doc} */")
    ext = f" extends {', '.join(bases)}" if bases else ""
    lines.append(f"export interface {td.__name__}{ext} {{")
    for name in own:
        q = "?" if name in optional else ""
        lines.append(f"  {name}{q}: {_ts(hints[name])};")
    lines.append("}")
    return "\n".join(lines)


def _collect() -> list[type]:
    """Every TypedDict in this module, in definition order."""
    return [v for v in globals().values()
            if isinstance(v, type) and typing.is_typeddict(v) and v.__module__ == __name__]


def typescript() -> str:
    """The contents of js/src/shared/contract.ts."""
    parts = [HEADER]
    for alias, name in _ALIASES.items():
        parts.append(f"export type {name} = {_literal(alias)};")
    parts.append("")
    parts.append(f"export const FIT_RANGE_PARAMS = {list(FIT_RANGE_PARAMS)!r} as const;"
                 .replace("'", '"'))
    parts.append(f"export const CHART_DATA_LIMIT = {CHART_DATA_LIMIT};")
    parts.append(f"export const TABLE_MESSAGES = {list(TABLE_MESSAGES)!r} as const;"
                 .replace("'", '"'))
    for td in _collect():
        parts.append("")
        parts.append(_interface(td))
    parts.append("")
    for name, union in (("FrontendMessage", FrontendMessage), ("KernelMessage", KernelMessage)):
        parts.append(f"export type {name} = {_ts(union)};")
    for widget, kinds in WIDGET_MESSAGES.items():
        parts.append(f"export type {widget}Message = {' | '.join(k.__name__ for k in kinds)};")
    return "\n".join(parts) + "\n"


def _root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "js" / "package.json").exists():
            return parent
    raise SystemExit("no js/ directory above this module: run from a source checkout")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m scalinglab.widgets.contract",
                                 description="Generate or check js/src/shared/contract.ts.")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="write the TypeScript file")
    mode.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = ap.parse_args(argv)
    path = _root() / TS_PATH
    text = typescript()
    if args.write:
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
        return 0
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if current != text:
        print(f"{path} is stale: run `python -m scalinglab.widgets.contract --write`",
              file=sys.stderr)
        return 1
    print(f"{path} is current")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
