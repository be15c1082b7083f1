"""`ScalingLabWidget`: the one base of every scalinglab widget.

It owns what each widget needs once:

* asset loading (``class W(ScalingLabWidget, asset="explorer")`` embeds
  ``static/explorer.js`` and ``static/explorer.css``);
* the traits every widget has (`contract.WidgetState`): ``spec``, ``chart_data``,
  ``error``, ``notes``, ``code``, ``table_version`` and ``_model_ref`` (the model id the
  front end uses to insert code cells);
* ONE policy for a bad value: a value set from Python that a trait's check refuses, or that
  the recomputation then refuses, raises `ScalingLabError` naming the trait and the fix,
  and the widget keeps its last good state. Set from the front end, the same error is shown
  in the ``error`` trait (and the front end gets the good value back). Checks are traitlets'
  own: `choice` (an Enum), `number` (a bounded Float / Int), and ``@validate`` methods that
  raise `BadValue`;
* custom messages, dispatched by their ``type`` in the contract (`contract.WIDGET_MESSAGES`)
  to ``_on_<type>`` methods; a message about an older table (``table_version``) is ignored;
* the table-load hook `_load_table` (a subclass's ``_accept_table``) with its
  ``table_version`` and error handling, and JSON export (``to_json``).

Adding a widget (e.g. ComputeExplorer):

1. add its state TypedDict (``class ComputeExplorerState(WidgetState)``) to
   ``contract.WIDGET_STATES`` and its front-end messages to ``contract.WIDGET_MESSAGES``,
   then run ``python -m scalinglab.widgets.contract --write``;
2. ``class ComputeExplorer(ScalingLabWidget, asset="compute")`` with its traits (`choice`,
   `number`, `checked`, ``@t.validate`` raising `BadValue`); recompute in observers through
   ``self._guard(change, recompute)``; set outputs inside ``self._silent()``;
3. handle each message in ``_on_<type>(msg)``; implement ``to_json`` and
   ``_export_filename`` (the ``export_json`` message is then answered), and
   ``_accept_table`` if it loads tables (``load_table`` then works, with ``table_version``).

tests/test_contract.py then checks that its synced traits and the contract agree.

>>> import traitlets as t
>>> class Demo(ScalingLabWidget):
...     level = number(0.95, low=0, high=1, rule="in (0, 1), e.g. 0.95", exclusive=True)
>>> w = Demo()
>>> try:
...     w.level = 1.5
... except ScalingLabError as e:
...     print(e, "| kept", w.level)
level must be in (0, 1), e.g. 0.95, not 1.5 | kept 0.95
"""

from __future__ import annotations

import contextlib
import typing
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import anywidget
import traitlets as t

from scalinglab.errors import ScalingLabError
from scalinglab.widgets import contract
from scalinglab.widgets.tables import read_table

STATIC = Path(__file__).resolve().parent.parent / "static"


class BadValue(ScalingLabError, t.TraitError):
    """A trait refused a value: a `ScalingLabError` that traitlets also rolls back as its own
    `TraitError` (so a batch of changes from the front end is undone as a whole)."""


def static_asset(name: str) -> str | Path:
    """The built front-end file ``name`` in scalinglab/static, or (a source checkout whose
    front end is not built) a module that says how to build it."""
    path = STATIC / name
    if path.exists():
        return path
    if name.endswith(".css"):
        return ""
    return ("export default { render({ el }) { el.textContent = 'scalinglab: the widget front "
            "end is not built. Run `pip install -e .` (or `cd js && npm install && npm run "
            "build`).'; } };")


# ---------------------------------------------------------------------------- checked traits
class _Choice(t.Enum):
    def validate(self, obj: Any, value: Any) -> Any:
        if self.allow_none and value is None:
            return value
        if value in self.values:
            return value
        options = ", ".join(repr(v) for v in self.values)
        raise BadValue(f"{self.name} must be one of {options}, not {value!r}")


def choice(alias_or_values: Any, default: Any, **kwargs: Any) -> t.Enum:
    """A synced Enum trait whose values come from a contract Literal (or a sequence).

    >>> choice(contract.Band, "confidence").values
    ('confidence', 'prediction', 'none')
    """
    values = (typing.get_args(alias_or_values) if typing.get_origin(alias_or_values)
              is typing.Literal else tuple(alias_or_values))
    return _Choice(values, default_value=default, **kwargs).tag(sync=True)


class _Bounded(t.TraitType):
    """Mixin: a bound or type error names the trait and the allowed values."""

    rule = ""
    exclusive: tuple[bool, bool] = (False, False)  # (low, high) bounds excluded

    def validate(self, obj: Any, value: Any) -> Any:
        if value is None and self.allow_none:
            return value
        try:
            value = super().validate(obj, value)  # type: ignore[misc]
            if (self.exclusive[0] and value == getattr(self, "min", None)) or (
                    self.exclusive[1] and value == getattr(self, "max", None)):
                raise t.TraitError("on an excluded bound")
        except t.TraitError:
            raise BadValue(f"{self.name} must be {self.rule}, not {value!r}") from None
        return value


class _Float(_Bounded, t.Float):
    pass


class _Int(_Bounded, t.Int):
    pass


def checked(trait: t.TraitType, rule: str) -> t.TraitType:
    """``trait`` (synced) whose own type / length errors become `BadValue` naming it and
    ``rule`` ("<name> must be <rule>, not <value>").

    >>> r = checked(t.List(t.Float(), minlen=2, maxlen=2), "two numbers (low, high)")
    >>> type(r).__name__
    'CheckedList'
    """
    trait.__class__ = type(f"Checked{type(trait).__name__}", (_Bounded, type(trait)), {})
    trait.rule = rule
    return trait.tag(sync=True)


def number(default: float | None, low: float | None = None, high: float | None = None, *,
           rule: str, integer: bool = False, exclusive: bool | tuple[bool, bool] = False,
           allow_none: bool = False) -> t.TraitType:
    """A synced, bounded Float (or Int) trait; ``rule`` completes "<name> must be ...";
    ``exclusive``: leave out both bounds (True) or (low, high)."""
    cls = _Int if integer else _Float
    trait = cls(default, min=low, max=high, allow_none=allow_none)
    trait.rule = rule
    trait.exclusive = (exclusive, exclusive) if isinstance(exclusive, bool) else exclusive
    return trait.tag(sync=True)


def members(values: Sequence[Any], known: Sequence[Any], what: str, among: str) -> list[Any]:
    """``values`` as a list if each is one of ``known`` (or nothing is known yet), else a
    `BadValue` naming the first stranger and the choices: "<what> <v>; <among> <known>".

    >>> members(["a"], ["a", "b"], "remedy", "the table has")
    ['a']
    >>> members(["c"], ["a", "b"], "remedy", "the table has")
    Traceback (most recent call last):
    ...
    scalinglab.widgets.base.BadValue: remedy 'c' is not one of them; the table has a, b
    """
    strangers = [v for v in values if known and v not in known]
    if strangers:
        raise BadValue(f"{what} {strangers[0]!r} is not one of them; {among} "
                       f"{', '.join(map(str, known))}")
    return list(values)


# ---------------------------------------------------------------------------- the base
class ScalingLabWidget(anywidget.AnyWidget):
    """Base of LawExplorer, RemedyComparer and ComputeExplorer; see the module docstring."""

    #: the contract's name of this widget (its state and messages); default: the class name
    CONTRACT: ClassVar[str] = ""

    spec = t.Dict().tag(sync=True)
    chart_data = t.Dict().tag(sync=True)
    error = t.Unicode("").tag(sync=True)
    notes = t.List(t.Unicode()).tag(sync=True)
    code = t.Unicode("").tag(sync=True)
    table_version = t.Int(0).tag(sync=True)
    _model_ref = t.Unicode("").tag(sync=True)

    def __init_subclass__(cls, asset: str | None = None, **kwargs: Any) -> None:
        if asset is not None:
            cls._esm = static_asset(f"{asset}.js")
            cls._css = static_asset(f"{asset}.css")
        super().__init_subclass__(**kwargs)

    def __init__(self, **kwargs: Any) -> None:
        self._quiet = 0
        super().__init__(**kwargs)
        with contextlib.suppress(Exception):
            self._model_ref = str(self.model_id or "")
        self.on_msg(self._dispatch)

    # ------------------------------------------------------------------ quiet changes
    @contextlib.contextmanager
    def _silent(self) -> Iterator[None]:
        """Set traits without recomputing (observers check ``self._quiet``)."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def _from_frontend(self) -> bool:
        """Is the change being handled one the front end made?"""
        return bool(getattr(self, "_property_lock", None))

    # ------------------------------------------------------------------ the bad-value policy
    def _guard(self, change: dict[str, Any], recompute: Callable[[], None]) -> None:
        """Run ``recompute`` for a changed trait; on a `ScalingLabError` put the old value
        back (the last good state), show the error, and raise it unless the front end made
        the change (the front end then receives the old value)."""
        try:
            recompute()
        except ScalingLabError as e:
            with self._silent():
                self.set_trait(change["name"], change["old"])
            self._show_error(e)
            if not self._from_frontend():
                raise

    def __setattr__(self, name: str, value: Any) -> None:
        # a value a trait's check refuses (set from Python) is shown too, then raised
        try:
            super().__setattr__(name, value)
        except BadValue as e:
            self._show_error(e)
            raise

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """A change from the front end; a value a trait refuses is shown as the error and
        the front end gets the kept values back (it is never raised into the comm)."""
        try:
            super().set_state(sync_data)
        except ScalingLabError as e:
            self._show_error(e)
            self.send_state([k for k in sync_data if self.has_trait(k)])

    def _show_error(self, e: Exception) -> None:
        self.error = str(e)

    # ------------------------------------------------------------------ messages
    @classmethod
    def _contract_name(cls) -> str:
        if cls.CONTRACT:
            return cls.CONTRACT
        for klass in cls.__mro__:
            if klass.__name__ in contract.WIDGET_STATES:
                return klass.__name__
        return cls.__name__

    def _dispatch(self, _widget: Any, content: Any, _buffers: Any) -> None:
        """Route a front-end message to ``_on_<type>`` (unknown or malformed: ignored;
        a table-dependent message made for an older table: ignored, not answered)."""
        known = contract.WIDGET_MESSAGES.get(self._contract_name(), ())
        msg = contract.check_message(content, known)
        if msg is None:
            return
        kind = msg["type"]
        if kind in contract.TABLE_MESSAGES and self._stale(msg):
            return
        getattr(self, f"_on_{kind}")(msg)

    def _stale(self, msg: dict[str, Any]) -> bool:
        version = msg.get("table_version")
        return isinstance(version, int) and version < self.table_version

    def _reply(self, msg: dict[str, Any]) -> None:
        self.send(msg)

    # ------------------------------------------------------------------ tables
    def _accept_table(self, frame: Any, source: str, **kwargs: Any) -> None:
        """Switch to ``frame`` and recompute; raise `ScalingLabError` leaving the state as it
        was. Widgets that load tables implement it."""
        raise ScalingLabError(f"{type(self).__name__} does not load tables")

    def _load_table(self, frame: Any, source: str = "", strict: bool = True,
                    **kwargs: Any) -> bool:
        """Load a table: its ``table_version`` is the next one (messages about older tables
        are ignored from now on). A table the widget refuses keeps the last good state, shows
        the error, and raises it when ``strict``. Returns whether it was loaded."""
        old = self.table_version
        try:
            with self._silent():
                self.table_version = old + 1
            self._accept_table(frame, source, **kwargs)
        except ScalingLabError as e:
            with self._silent():
                self.table_version = old
            self._show_error(e)
            if strict:
                raise
            return False
        return True

    def _on_load_table(self, msg: dict[str, Any]) -> None:
        name = str(msg.get("name") or "")
        try:
            frame = read_table(str(msg.get("text", "")), name)
        except ScalingLabError as e:
            self._show_error(e)
            return
        if self._load_table(frame, source=name, strict=False):
            self._reply({"type": "table_loaded", "table_version": self.table_version,
                         "name": name})

    # ------------------------------------------------------------------ export
    def to_json(self) -> str:
        """The widget's results as JSON (each widget says what)."""
        raise ScalingLabError(f"{type(self).__name__} has nothing to export")

    def _export_filename(self) -> str:
        return "scalinglab.json"

    def _on_export_json(self, _msg: dict[str, Any]) -> None:
        try:
            text = self.to_json()
        except (ScalingLabError, ValueError) as e:
            self._reply({"type": "export_json", "text": "", "message": str(e)})
            return
        self._reply({"type": "export_json", "text": text, "filename": self._export_filename()})


def synced_traits(cls: type) -> set[str]:
    """The ``sync=True`` traits a widget class adds to anywidget's own."""
    assert isinstance(cls, type) and issubclass(cls, anywidget.AnyWidget)
    own = set(cls.class_traits(sync=True))
    return own - set(anywidget.AnyWidget.class_traits(sync=True))


__all__: Sequence[str] = ("BadValue", "ScalingLabWidget", "checked", "choice", "members", "number",
                          "static_asset", "synced_traits")
