"""Optional dependencies: import one where it is used, or say which extra installs it.

The core install (numpy, scipy, pandas, altair, anywidget, scikit-learn, ...) covers the kernel,
charts and widgets. A few features need more, each declared as an extra in pyproject.toml:

========================  ==============================  ===================================
extra                     installs                        for
========================  ==============================  ===================================
``html``                  nbconvert, jinja2, latex2mathml  `scalinglab.widgets.static_html`
``distributed``           dask.distributed                 ``backend="dask"`` (studies, curves)
``ray``                   ray                              ``backend="ray"``
``server``                jupyter_server                   the opt-in ``scalinglab_server``
``gallery``               vl-convert-python                the notebook gallery's SVG charts
========================  ==============================  ===================================

>>> require("json", extra="html", feature="a test").__name__
'json'
>>> require("no_such_module_here", extra="html", feature="the offline HTML export")
Traceback (most recent call last):
...
scalinglab.errors.MissingDependency: the offline HTML export needs no_such_module_here, which is not installed: pip install 'scalinglab[html]'
"""

from __future__ import annotations

import importlib
from types import ModuleType

from scalinglab.errors import MissingDependency


def require(module: str, *, extra: str, feature: str, package: str | None = None) -> ModuleType:
    """``import module``, or raise `MissingDependency` naming ``feature`` and the extra.

    ``package`` is the distribution's name where it differs from the module's."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        top = module.split(".")[0]
        if e.name is not None and e.name != top and not module.startswith(e.name + "."):
            raise  # the module is there but itself imports something broken: show that
        raise MissingDependency(
            f"{feature} needs {package or top}, which is not installed: "
            f"pip install 'scalinglab[{extra}]'"
        ) from None
