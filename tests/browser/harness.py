"""End-to-end harness: a real JupyterLab, a real kernel and headless Debian Chromium.

Used by the pytest fixtures in ``conftest.py`` and by ``benchmarks/e2e_latency.py``. Pieces:

- :class:`LabServer` starts ``jupyter lab`` on a free loopback port with no token, a temporary
  root, runtime, config, data and settings directory, and stops it (and its kernels) again.
- :func:`launch_chromium` starts ``/usr/bin/chromium`` through Playwright (never a downloaded
  browser) with background networking disabled.
- :class:`NetworkGuard` records every request a browser context makes; anything that is not
  loopback (or ``data:`` / ``blob:``) is an offence.
- :class:`LabPage` drives JupyterLab: open a notebook, run all cells, switch theme, screenshot.
- :class:`KernelProbe` runs code in the *same* kernel as the notebook (via its connection file
  in the temporary runtime dir) and returns what it prints, so tests read kernel-side state.
- :class:`ExplorerDriver` knows the LawExplorer DOM contract: chart plot box, brush drags,
  ``data-fit-version`` and ``window.__scalinglab_latency``.

The harness loads nothing from the network: JupyterLab's news feed and update check are off.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import nbformat

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SKIP_ENV = "SCALINGLAB_SKIP_BROWSER"
LIGHT_THEME = "JupyterLab Light"
DARK_THEME = "JupyterLab Dark"
EXPLORER_ROOT = ".scalinglab-explorer"


class HarnessError(RuntimeError):
    """The harness could not bring up or drive JupyterLab / Chromium; the message says why."""


# --------------------------------------------------------------------------------------------
# JupyterLab server
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _jupyter_command() -> list[str]:
    """``jupyter lab`` from the running interpreter's environment."""
    exe = Path(sys.executable).parent / "jupyter-lab"
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", "jupyterlab"]


# Written into the temporary JUPYTER_CONFIG_DIR: no network, exposed app, no announcements.
_SERVER_CONFIG = {
    "LabApp": {
        "news_url": None,
        "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "expose_app_in_browser": True,
    },
    "LanguageServerManager": {"autodetect": False},
}
_PAGE_CONFIG = {
    "disabledExtensions": {
        "@jupyterlab/apputils-extension:announcements": True,
    }
}


@dataclass
class LabServer:
    """A running ``jupyter lab`` process. Start it with :meth:`start`, end it with :meth:`stop`.

    Example (not run by doctest: it starts a server)::

        server = LabServer.start(Path("/tmp/lab"))
        print(server.url, server.api("/api/status"))
        server.stop()
    """

    workdir: Path
    root_dir: Path
    runtime_dir: Path
    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path
    _log_file: Any = field(repr=False, default=None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(
        cls,
        workdir: Path,
        timeout: float = 180.0,
        attempts: int = 3,
        extensions: dict[str, bool] | None = None,
    ) -> LabServer:
        """Start JupyterLab in ``workdir`` and wait until ``/api/status`` answers.

        ``extensions``: server extensions to switch on or off for this server only (e.g.
        ``{"scalinglab_server": True}``), written as ``ServerApp.jpserver_extensions`` into its
        own config directory, which takes precedence over the environment's.
        Retries on another port if the chosen one was taken in the meantime. Raises
        :class:`HarnessError` with the tail of the server log when it does not come up.
        """
        last_error: HarnessError | None = None
        for attempt in range(attempts):
            server = cls._spawn(workdir, attempt, extensions or {})
            try:
                server.wait_ready(timeout)
                return server
            except HarnessError as exc:
                last_error = exc
                server.stop()
                if "address already in use" not in server.log_tail().lower():
                    break
        assert last_error is not None
        raise last_error

    @classmethod
    def _spawn(cls, workdir: Path, attempt: int, extensions: dict[str, bool]) -> LabServer:
        base = workdir / f"lab{attempt}"
        root = base / "root"
        dirs = {name: base / name for name in ("runtime", "config", "data", "settings", "ws")}
        for path in [root, *dirs.values(), base / "ipython"]:
            path.mkdir(parents=True, exist_ok=True)
        config = json.loads(json.dumps(_SERVER_CONFIG))
        if extensions:
            config["ServerApp"] = {"jpserver_extensions": dict(extensions)}
        (dirs["config"] / "jupyter_server_config.json").write_text(json.dumps(config))
        (dirs["config"] / "labconfig").mkdir(exist_ok=True)
        (dirs["config"] / "labconfig" / "page_config.json").write_text(json.dumps(_PAGE_CONFIG))
        port = free_port()
        env = dict(os.environ)
        env.update(
            JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
            JUPYTER_CONFIG_DIR=str(dirs["config"]),
            JUPYTER_DATA_DIR=str(dirs["data"]),
            IPYTHONDIR=str(base / "ipython"),
            JUPYTER_PLATFORM_DIRS="1",
            PYTHONUNBUFFERED="1",
        )
        env.pop("JUPYTER_TOKEN", None)
        cmd = [
            *_jupyter_command(),
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={root}",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True",
            "--ServerApp.terminals_enabled=False",
            "--ServerApp.allow_root=True",
            "--LabApp.extension_manager=readonly",
            f"--LabApp.user_settings_dir={dirs['settings']}",
            f"--LabApp.workspaces_dir={dirs['ws']}",
        ]
        log_path = base / "jupyterlab.log"
        log_file = log_path.open("wb")
        proc = subprocess.Popen(
            cmd,
            cwd=root,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return cls(base, root, dirs["runtime"], port, proc, log_path, log_file)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise HarnessError(
                    f"jupyter lab exited with code {self.proc.returncode} before answering "
                    f"/api/status.\n--- server log ---\n{self.log_tail()}"
                )
            with contextlib.suppress(OSError, ValueError):
                status = self.api("/api/status", timeout=5)
                if isinstance(status, dict):
                    return
            time.sleep(0.3)
        raise HarnessError(
            f"jupyter lab did not answer {self.url}/api/status within {timeout:.0f} s."
            f"\n--- server log ---\n{self.log_tail()}"
        )

    def api(self, path: str, method: str = "GET", body: Any = None, timeout: float = 30) -> Any:
        """Call the server's REST API and return the decoded JSON (or None when empty)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def log_tail(self, lines: int = 120) -> str:
        if self._log_file is not None:
            with contextlib.suppress(ValueError):
                self._log_file.flush()
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def kernel_for(self, notebook: str, timeout: float = 60) -> str:
        """Id of the kernel of the session whose path is ``notebook`` (waits for it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for session in self.api("/api/sessions") or []:
                if session.get("path") == notebook and session.get("kernel"):
                    return str(session["kernel"]["id"])
            time.sleep(0.3)
        raise HarnessError(f"no kernel session for {notebook!r} after {timeout:.0f} s")

    def connection_file(self, kernel_id: str) -> Path:
        path = self.runtime_dir / f"kernel-{kernel_id}.json"
        if not path.exists():
            raise HarnessError(f"kernel connection file {path} is missing")
        return path

    def shutdown_sessions(self) -> None:
        """Shut down every session and kernel (keeps the 2-core machine free between tests)."""
        with contextlib.suppress(OSError, ValueError):
            for session in self.api("/api/sessions") or []:
                with contextlib.suppress(OSError, ValueError, urllib.error.HTTPError):
                    self.api(f"/api/sessions/{session['id']}", method="DELETE")
            for kernel in self.api("/api/kernels") or []:
                with contextlib.suppress(OSError, ValueError, urllib.error.HTTPError):
                    self.api(f"/api/kernels/{kernel['id']}", method="DELETE")

    def stop(self, timeout: float = 20) -> None:
        """Shut down kernels, then the server; kill what is left of its process tree."""
        import psutil

        children: list[psutil.Process] = []
        if self.proc.poll() is None:
            self.shutdown_sessions()
            with contextlib.suppress(psutil.Error):
                children = psutil.Process(self.proc.pid).children(recursive=True)
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        for child in children:
            with contextlib.suppress(psutil.Error):
                child.kill()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def keep_log(self, name: str = "jupyterlab-server.log") -> Path:
        """Copy the server log into the artefacts directory (CI keeps it)."""
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        if worker:
            name = name.replace(".log", f"-{worker}.log")
        target = ARTIFACTS_DIR / name
        with contextlib.suppress(OSError):
            shutil.copyfile(self.log_path, target)
        return target


# --------------------------------------------------------------------------------------------
# Notebooks
# --------------------------------------------------------------------------------------------


def write_notebook(root: Path, name: str, cells: Iterable[str]) -> str:
    """Write a Python 3 notebook of code cells into the server root; return its API path.

    A cell whose source starts with ``# md`` becomes a markdown cell (rest of the text).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = write_notebook(Path(tmp), "demo.ipynb", ["x = 1", "# md\\n# Title"])
    ...     nb = nbformat.read(Path(tmp) / path, as_version=4)
    >>> [c.cell_type for c in nb.cells]
    ['code', 'markdown']
    """
    nb = nbformat.v4.new_notebook()
    for source in cells:
        if source.startswith("# md\n"):
            nb.cells.append(nbformat.v4.new_markdown_cell(source[len("# md\n") :]))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(source))
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return name


# --------------------------------------------------------------------------------------------
# Kernel probe
# --------------------------------------------------------------------------------------------


class KernelProbe:
    """Run code in the notebook's own kernel over its connection file and return stdout.

    The notebook front end ignores replies to our requests (they carry our session's msg ids),
    while comm messages our code triggers (trait changes) reach the widget as usual.
    """

    def __init__(self, connection_file: Path, timeout: float = 60) -> None:
        from jupyter_client.blocking.client import BlockingKernelClient

        self.client = BlockingKernelClient(connection_file=str(connection_file))
        self.client.load_connection_file()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=timeout)

    def run(self, code: str, timeout: float = 120) -> str:
        """Execute ``code``; return what it printed; raise HarnessError on an exception."""
        out: list[str] = []
        errors: list[str] = []

        def hook(msg: dict[str, Any]) -> None:
            kind = msg["header"]["msg_type"]
            content = msg["content"]
            if kind == "stream":
                (out if content["name"] == "stdout" else errors).append(content["text"])
            elif kind == "error":
                errors.append("\n".join(content.get("traceback", [])) or content["evalue"])

        reply = self.client.execute_interactive(
            code, store_history=False, allow_stdin=False, timeout=timeout, output_hook=hook
        )
        if reply["content"]["status"] != "ok":
            raise HarnessError(
                f"kernel raised while running:\n{code}\n---\n" + _strip_ansi("".join(errors))
            )
        return "".join(out)

    def wait_for(self, expression: str, accept: Any, timeout: float = 60) -> Any:
        """Poll a kernel expression until ``accept(value)`` holds; return the value (or fail
        with the last one seen)."""
        deadline = time.monotonic() + timeout
        value = self.json(expression)
        while not accept(value) and time.monotonic() < deadline:
            time.sleep(0.25)
            value = self.json(expression)
        assert accept(value), f"kernel state never got there: {value}"
        return value

    def json(self, expression: str, timeout: float = 120) -> Any:
        """Evaluate a Python expression in the kernel and return it decoded from JSON."""
        marker = "__SCALINGLAB_PROBE__"
        code = (
            "import json as __sl_json\n"
            f"print({marker!r} + __sl_json.dumps({expression}, default=float))"
        )
        text = self.run(code, timeout)
        for line in text.splitlines():
            if line.startswith(marker):
                return json.loads(line[len(marker) :])
        raise HarnessError(f"probe printed no JSON for {expression!r}: {text!r}")

    def close(self) -> None:
        self.client.stop_channels()


def _strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


# --------------------------------------------------------------------------------------------
# Browser
# --------------------------------------------------------------------------------------------


def browser_opt_out() -> bool:
    """True when the developer set SCALINGLAB_SKIP_BROWSER=1 to skip browser tests."""
    return os.environ.get(SKIP_ENV, "").strip().lower() in {"1", "true", "yes"}


def launch_chromium(playwright: Any) -> Any:
    """Launch Debian's Chromium headless through Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM_PATH).exists():
        raise HarnessError(
            f"{CHROMIUM_PATH} is missing: install Debian's chromium with `make browser` "
            f"(apt-get install chromium), or set {SKIP_ENV}=1 to skip the browser tests."
        )
    return playwright.chromium.launch(
        executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
    )


def is_loopback_url(url: str) -> bool:
    """True for URLs that stay on this machine.

    >>> is_loopback_url("http://127.0.0.1:8888/lab"), is_loopback_url("ws://localhost:1/x")
    (True, True)
    >>> is_loopback_url("data:image/png;base64,AA"), is_loopback_url("blob:http://127.0.0.1/1")
    (True, True)
    >>> is_loopback_url("https://cdn.jsdelivr.net/npm/vega"), is_loopback_url("http://[::1]:8/")
    (False, True)
    """
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about"}:
        return True
    if parts.scheme not in {"http", "https", "ws", "wss"}:
        return False
    return (parts.hostname or "") in {"127.0.0.1", "localhost", "::1"}


@dataclass
class NetworkGuard:
    """Records every URL a browser context requests (HTTP and WebSocket)."""

    urls: list[str] = field(default_factory=list)

    def attach(self, context: Any) -> NetworkGuard:
        context.on("request", lambda request: self.urls.append(request.url))
        context.on("page", self._watch_page)
        for page in context.pages:
            self._watch_page(page)
        return self

    def _watch_page(self, page: Any) -> None:
        page.on("websocket", lambda ws: self.urls.append(ws.url))

    def offenders(self) -> list[str]:
        return sorted({url for url in self.urls if not is_loopback_url(url)})


# --------------------------------------------------------------------------------------------
# JupyterLab page
# --------------------------------------------------------------------------------------------

_WAIT_NOTEBOOK_JS = """
async (path) => {
  const app = window.jupyterapp;
  await app.started; await app.restored;
  const panel = app.shell.currentWidget;
  if (!panel || !panel.context || panel.context.path !== path) return false;
  await panel.context.ready;
  await panel.sessionContext.ready;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}
"""

_RUN_ALL_JS = """
async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  await app.commands.execute('notebook:run-all-cells');
  const cells = panel.content.widgets.filter((c) => c.model.type === 'code');
  const report = cells.map((c, i) => {
    const outputs = c.model.outputs.toJSON();
    const errors = outputs.filter((o) => o.output_type === 'error')
      .map((o) => o.ename + ': ' + o.evalue + '\\n' + (o.traceback || []).join('\\n'));
    return {index: i, count: c.model.executionCount, errors};
  });
  return report;
}
"""

_KERNEL_IDLE_JS = """
() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle';
}
"""


class LabPage:
    """A Playwright page showing JupyterLab on a :class:`LabServer`."""

    def __init__(self, page: Any, server: LabServer) -> None:
        self.page = page
        self.server = server
        self.notebook: str | None = None
        self.dialogs: list[str] = []
        self.console_errors: list[str] = []
        page.on("dialog", self._on_dialog)
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.console_errors.append(f"pageerror: {exc}"))

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        with contextlib.suppress(Exception):
            dialog.dismiss()

    def _on_console(self, msg: Any) -> None:
        if msg.type == "error":
            self.console_errors.append(msg.text)

    def open_notebook(self, name: str, timeout: float = 180) -> None:
        """Navigate to ``/lab/tree/<name>`` and wait for a connected, idle kernel."""
        self.notebook = name
        # ?reset: start from an empty workspace, so tabs of earlier tests are not restored
        # (each restored notebook would start another kernel).
        self.page.goto(f"{self.server.url}/lab/tree/{name}?reset", timeout=timeout * 1000)
        self.page.wait_for_function("() => !!window.jupyterapp", timeout=timeout * 1000)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.page.evaluate(_WAIT_NOTEBOOK_JS, name):
                return
            self.page.wait_for_timeout(300)
        raise HarnessError(
            f"notebook {name!r} did not open with an idle kernel within {timeout:.0f} s"
            f"\n--- server log ---\n{self.server.log_tail()}"
        )

    def enable_debug(self, latency: bool = True) -> None:
        """Turn on the widgets' debug flag (``window.__scalinglab_debug``) for the pages opened
        from now on: latency samples go to ``window.__scalinglab_latency``."""
        self.page.add_init_script(
            f"window.__scalinglab_debug = {{latency: {'true' if latency else 'false'}}};"
        )

    def command(self, command_id: str, args: dict[str, Any] | None = None) -> Any:
        """Execute a JupyterLab command (e.g. ``notebook:run-all-cells``)."""
        return self.page.evaluate(
            "([id, args]) => window.jupyterapp.commands.execute(id, args)",
            [command_id, args or {}],
        )

    def run_all(self, timeout: float = 300) -> None:
        """Run all cells (JupyterLab's Run > Run All Cells) and wait for the kernel to idle.

        Raises :class:`HarnessError` naming the cell when one raised or did not run.
        """
        self.page.set_default_timeout(timeout * 1000)
        report = self.page.evaluate(_RUN_ALL_JS)
        for cell in report:
            if cell["errors"]:
                raise HarnessError(
                    f"cell {cell['index']} of {self.notebook} raised:\n"
                    + _strip_ansi("\n".join(cell["errors"]))
                )
            if cell["count"] is None:
                raise HarnessError(f"cell {cell['index']} of {self.notebook} did not run")
        self.wait_kernel_idle(timeout)

    def wait_kernel_idle(self, timeout: float = 120) -> None:
        self.page.wait_for_function(_KERNEL_IDLE_JS, timeout=timeout * 1000)

    def probe(self) -> KernelProbe:
        """A :class:`KernelProbe` on this notebook's kernel."""
        assert self.notebook is not None, "open a notebook first"
        kernel_id = self.server.kernel_for(self.notebook)
        return KernelProbe(self.server.connection_file(kernel_id))

    def set_theme(self, theme: str, timeout: float = 60) -> None:
        """Switch JupyterLab's theme (``apputils:change-theme``) and wait until it applies."""
        light = "true" if theme == LIGHT_THEME else "false"
        self.command("apputils:change-theme", {"theme": theme})
        self.page.wait_for_function(
            "(light) => document.body.dataset.jpThemeLight === light",
            arg=light,
            timeout=timeout * 1000,
        )
        self.page.wait_for_timeout(500)  # let the theme's CSS variables settle

    def screenshot(self, name: str, locator: Any = None) -> Path:
        """Save a PNG into the artefacts dir (the element if given, else the page)."""
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS_DIR / f"{name}.png"
        if locator is not None:
            # Put the element at the top of the notebook's scroller (below the toolbar).
            locator.evaluate("(el) => el.scrollIntoView({block: 'start'})")
            self.page.wait_for_timeout(200)
        target = locator if locator is not None else self.page
        target.screenshot(path=str(path))
        return path


# --------------------------------------------------------------------------------------------
# LawExplorer front-end contract
# --------------------------------------------------------------------------------------------

_PLOT_BOX_JS = """
(root) => {
  const chart = root.querySelector('[data-testid="sl-chart"]');
  const drawing = chart && chart.querySelector('svg, canvas');
  if (!drawing) return null;
  const box = (el) => { const r = el.getBoundingClientRect();
    return {x: r.x, y: r.y, width: r.width, height: r.height}; };
  // SVG: Vega's root group background covers exactly the plotting area of a layered view.
  const bg = drawing.querySelector('g.mark-group.role-frame.root > g > path.background')
          || drawing.querySelector('g.mark-group.role-frame.root path.background');
  if (bg) { const b = box(bg); if (b.width > 20 && b.height > 20) return b; }
  // Canvas (large tables): the chart controller's data-plot-box, relative to the drawing.
  const mark = (chart.getAttribute('data-plot-box') || '').split(',').map(Number);
  if (mark.length === 4 && mark.every(Number.isFinite) && mark[2] > 20 && mark[3] > 20) {
    const d = box(drawing);
    return {x: d.x + mark[0], y: d.y + mark[1], width: mark[2], height: mark[3]};
  }
  return null;
}
"""


class ExplorerDriver:
    """Drives one LawExplorer in a :class:`LabPage` through its DOM contract."""

    def __init__(self, lab: LabPage, index: int = 0) -> None:
        self.lab = lab
        self.page = lab.page
        self.root = self.page.locator(EXPLORER_ROOT).nth(index)

    def testid(self, name: str) -> Any:
        return self.root.locator(f'[data-testid="{name}"]')

    def wait_ready(self, timeout: float = 120, chart: bool = True) -> None:
        """Wait for the root and (unless ``chart=False``: an empty explorer) the chart's SVG
        with a plotting area of some size."""
        self.root.wait_for(state="visible", timeout=timeout * 1000)
        if not chart:
            return
        self.testid("sl-chart").locator("svg, canvas").first.wait_for(timeout=timeout * 1000)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.plot_box() is not None:
                return
            self.page.wait_for_timeout(200)
        raise HarnessError("the LawExplorer chart has no plotting area (Vega root background)")

    def plot_box(self) -> dict[str, float] | None:
        return self.root.evaluate(_PLOT_BOX_JS)

    def fit_version(self) -> int:
        value = self.root.get_attribute("data-fit-version")
        return int(value) if value not in (None, "") else -1

    def latency(self) -> list[dict[str, Any]]:
        return self.page.evaluate("() => (window.__scalinglab_latency || []).slice()")

    def drag_brush(self, start: float, end: float, steps: int = 8) -> None:
        """Drag across the plotting area from fraction ``start`` to ``end`` of its width."""
        box = self.plot_box()
        if box is None:
            raise HarnessError("no plotting area to drag on")
        y = box["y"] + box["height"] * 0.5
        x0 = box["x"] + box["width"] * start
        x1 = box["x"] + box["width"] * end
        mouse = self.page.mouse
        mouse.move(x0, y)
        mouse.down()
        mouse.move(x1, y, steps=steps)
        mouse.up()

    def slow_drag(
        self, start: float, end: float, steps: int = 30, pause_ms: int = 40, tiny_first: bool = False
    ) -> None:
        """Drag a new brush as a hand does: press at fraction ``start`` of the plotting area's
        width, then ``steps`` small moves to ``end`` with ``pause_ms`` between them (kernel
        answers arrive mid-drag), then release. ``tiny_first``: the first move goes only half
        a percent of the width (a range that holds no point)."""
        box = self.plot_box()
        if box is None:
            raise HarnessError("no plotting area to drag on")
        y = box["y"] + box["height"] * 0.5
        at = [start + (end - start) * i / steps for i in range(1, steps + 1)]
        if tiny_first:
            at.insert(0, start + 0.005)
        mouse = self.page.mouse
        mouse.move(box["x"] + box["width"] * start, y)
        mouse.down()
        for i, f in enumerate(at):
            mouse.move(box["x"] + box["width"] * f, y)
            self.page.wait_for_timeout(pause_ms * (8 if tiny_first and i == 0 else 1))
        mouse.up()

    def data_x_at(self, fraction: float, xdomain: tuple[float, float], log: bool = True) -> float:
        """The data value at ``fraction`` of the plotting area's width, for an x axis whose
        domain is ``xdomain`` (the chart's ``xdomain`` param)."""
        lo, hi = xdomain
        if log:
            import math

            return 10 ** (math.log10(lo) + fraction * (math.log10(hi) - math.log10(lo)))
        return lo + fraction * (hi - lo)

    def chart_width(self) -> float:
        """Width (px) of the chart's drawing (the Vega SVG or canvas)."""
        return float(
            self.root.evaluate(
                """(root) => { const el = root.querySelector(
                     '[data-testid="sl-chart"] svg, [data-testid="sl-chart"] canvas');
                   return el ? el.getBoundingClientRect().width : 0; }"""
            )
        )

    def wait_fit_version_above(self, version: int, timeout: float = 60) -> int:
        self.page.wait_for_function(
            "([root, v]) => Number(document.querySelector(root)"
            "?.getAttribute('data-fit-version') ?? -1) > v",
            arg=[EXPLORER_ROOT, version],
            timeout=timeout * 1000,
        )
        return self.fit_version()

    def wait_settled(self, version: int, quiet_ms: int = 1000, timeout: float = 120) -> int:
        """Wait for a fit version above ``version``, then until the kernel is idle and the
        version has stayed put for ``quiet_ms`` (a drag can send several paced requests; the
        last one wins)."""
        current = self.wait_fit_version_above(version, timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(quiet_ms)
            latest = self.fit_version()
            if latest == current and self.page.evaluate(_KERNEL_IDLE_JS):
                return current
            current = latest
        raise HarnessError(f"data-fit-version kept changing for {timeout:.0f} s")

    def brush_extent(self) -> tuple[float, float] | None:
        """Page x-coordinates (left, right) of the drawn brush rectangle, or None."""
        ext = self.root.evaluate(
            """(root) => {
                 const p = root.querySelector(
                   '[data-testid="sl-chart"] svg g[class~="brush_brush_bg"] path');
                 if (!p) return null;
                 const r = p.getBoundingClientRect();
                 return r.width > 0 ? [r.x, r.x + r.width] : null; }"""
        )
        return None if ext is None else (float(ext[0]), float(ext[1]))

    def point_xs(self, filled: bool | None = None) -> list[float]:
        """Page x-coordinates of the centres of the data points' symbols (the ``points``
        layer): all of them, or only the filled ones (``filled=True``: the rows inside the fit
        range) or the hollow ones (``filled=False``)."""
        return self.root.evaluate(
            """(root, filled) => Array.from(root.querySelectorAll(
                 '[data-testid="sl-chart"] svg g.mark-symbol[class~="points_marks"] path'))
               .filter((p) => filled === null
                 || (Number(p.getAttribute('fill-opacity') ?? 1) > 0) === filled)
               .map((p) => { const r = p.getBoundingClientRect(); return r.x + r.width / 2; })""",
            filled,
        )

    def band_paths(self) -> list[str]:
        """``d`` attributes of the band layer's SVG paths (Vega-Lite name contains 'band')."""
        return self.root.evaluate(
            """(root) => Array.from(root.querySelectorAll(
                 '[data-testid="sl-chart"] svg g[class*="band"] path'))
               .map((p) => p.getAttribute('d') || '')"""
        )


def offline_page(browser: Any, viewport: dict[str, int]) -> tuple[Any, Any, list[str], list[str]]:
    """A context and page for a page opened from ``file://`` with every other request refused:
    (context, page, refused URLs, page errors). Close the context when done."""
    context = browser.new_context(viewport=viewport)
    refused: list[str] = []
    errors: list[str] = []

    def only_local(route: Any) -> None:
        url = route.request.url
        if url.split(":", 1)[0] in {"file", "data", "blob"}:
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, refused, errors


@contextlib.contextmanager
def lab_session(
    workdir: Path, extensions: dict[str, bool] | None = None
) -> Iterator[tuple[LabServer, Any, Any]]:
    """Server + Playwright + Chromium for scripts (the benchmark); tests use the fixtures.
    ``extensions``: see :meth:`LabServer.start`."""
    from playwright.sync_api import sync_playwright

    server = LabServer.start(workdir, extensions=extensions)
    try:
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            try:
                yield server, pw, browser
            finally:
                browser.close()
    finally:
        server.stop()
