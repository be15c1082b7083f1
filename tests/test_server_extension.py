"""scalinglab_server: TCP_NODELAY on kernel websockets.

Unit tests drive the wrapper with fake connection classes and a fake ServerApp. The
integration test starts a real ``jupyter server`` with a kernel, opens the kernel's websocket
from Python and asks a probe extension inside the server which connection class served it and
whether TCP_NODELAY is set on the server's end of the socket, with the extension enabled (by
the config file the wheel installs) and disabled.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import scalinglab_server as ext

SETTING = "kernel_websocket_connection_class"


# --------------------------------------------------------------------------------------------
# Unit: fake connections, fake handler, fake ServerApp
# --------------------------------------------------------------------------------------------


class FakeHandler:
    """Stands in for KernelWebsocketHandler: records set_nodelay calls into a shared list."""

    def __init__(self, calls: list[Any], open_: bool = True, fail: bool = False) -> None:
        self.calls = calls
        self.ws_connection = object() if open_ else None
        self.fail = fail

    def set_nodelay(self, value: bool) -> None:
        if self.ws_connection is None:  # what tornado does: assert self.ws_connection
            raise AssertionError("set_nodelay before the websocket is open")
        if self.fail:
            raise OSError("stream closed")
        self.calls.append(("set_nodelay", value))


class FakeConnection:
    """Like ZMQChannelsWebsocketConnection: a plain connect() that returns a future-ish value."""

    def __init__(self, handler: FakeHandler) -> None:
        self.websocket_handler = handler
        self.log = logging.getLogger("fake")

    def connect(self) -> str:
        self.websocket_handler.calls.append("connect")
        return "connected"


class FakeGatewayConnection(FakeConnection):
    """Like GatewayWebSocketConnection: connect() is a coroutine."""

    async def connect(self) -> str:  # type: ignore[override]
        self.websocket_handler.calls.append("gateway connect")
        return "gateway connected"


def fake_serverapp(settings: dict[str, Any] | None) -> SimpleNamespace:
    web_app = None if settings is None else SimpleNamespace(settings=settings)
    return SimpleNamespace(web_app=web_app, log=logging.getLogger("fake.serverapp"))


def test_extension_points_name_the_module() -> None:
    assert ext._jupyter_server_extension_points() == [{"module": "scalinglab_server"}]


def test_connect_sets_nodelay_before_the_parent_connects() -> None:
    calls: list[Any] = []
    wrapped = ext.wrap_connection_class(FakeConnection)
    assert issubclass(wrapped, FakeConnection) and wrapped is not FakeConnection
    assert wrapped(FakeHandler(calls)).connect() == "connected"
    assert calls == [("set_nodelay", True), "connect"]


def test_wraps_the_configured_class_and_keeps_async_connect() -> None:
    calls: list[Any] = []
    wrapped = ext.wrap_connection_class(FakeGatewayConnection)
    assert issubclass(wrapped, FakeGatewayConnection)
    assert asyncio.run(wrapped(FakeHandler(calls)).connect()) == "gateway connected"
    assert calls == [("set_nodelay", True), "gateway connect"]


def test_closed_or_failing_socket_still_connects() -> None:
    wrapped = ext.wrap_connection_class(FakeConnection)
    calls: list[Any] = []
    assert wrapped(FakeHandler(calls, open_=False)).connect() == "connected"
    assert calls == ["connect"]
    calls = []
    assert wrapped(FakeHandler(calls, fail=True)).connect() == "connected"
    assert calls == ["connect"]


def test_load_replaces_the_setting_once(caplog: pytest.LogCaptureFixture) -> None:
    settings: dict[str, Any] = {SETTING: FakeConnection}
    app = fake_serverapp(settings)
    with caplog.at_level(logging.INFO, logger="fake.serverapp"):
        ext._load_jupyter_server_extension(app)
        first = settings[SETTING]
        ext._load_jupyter_server_extension(app)
    assert settings[SETTING] is first
    assert first.__mro__[1] is FakeConnection  # one layer, not two
    assert caplog.messages.count(ext.LOADED_MESSAGE) == 2
    calls: list[Any] = []
    first(FakeHandler(calls)).connect()
    assert calls == [("set_nodelay", True), "connect"]


@pytest.mark.parametrize("settings", [None, {}, {SETTING: None}])
def test_missing_setting_warns_and_changes_nothing(
    settings: dict[str, Any] | None, caplog: pytest.LogCaptureFixture
) -> None:
    before = None if settings is None else dict(settings)
    with caplog.at_level(logging.WARNING, logger="fake.serverapp"):
        ext._load_jupyter_server_extension(fake_serverapp(settings))
    assert settings == before
    assert any("no 'kernel_websocket_connection_class' setting" in m for m in caplog.messages)


@pytest.mark.parametrize("which", ["zmq", "gateway"])
def test_wraps_the_real_connection_classes(which: str) -> None:
    """ServerApp's defaults: ZMQ channels, or the gateway connection in gateway mode."""
    if which == "gateway":
        from jupyter_server.gateway.connections import GatewayWebSocketConnection as configured
    else:
        from jupyter_server.services.kernels.connection.channels import (
            ZMQChannelsWebsocketConnection as configured,
        )
    settings: dict[str, Any] = {SETTING: configured}
    ext._load_jupyter_server_extension(fake_serverapp(settings))
    wrapped = settings[SETTING]
    assert wrapped.__mro__[1] is configured
    assert wrapped.__name__ == configured.__name__  # traitlets config sections keep matching
    assert wrapped.connect is not configured.connect
    assert asyncio.iscoroutinefunction(configured.connect) == (which == "gateway")


# --------------------------------------------------------------------------------------------
# Integration: a real jupyter server, a real kernel, a real websocket
# --------------------------------------------------------------------------------------------

# A second server extension, loaded only in these tests: GET /nodelay-probe reports the
# connection class in the settings and, for every open kernel websocket, its class and the
# TCP_NODELAY option on the server's socket.
PROBE = textwrap.dedent(
    """
    import json, socket
    from tornado import web
    from jupyter_server.services.kernels.connection.channels import (
        ZMQChannelsWebsocketConnection,
    )

    class Probe(web.RequestHandler):
        def get(self):
            cls = self.settings["kernel_websocket_connection_class"]
            conns = []
            for conn in list(ZMQChannelsWebsocketConnection._open_sockets):
                sock = conn.websocket_handler.ws_connection.stream.socket
                conns.append({
                    "is_setting_class": type(conn) is cls,
                    "nodelay": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY),
                })
            self.finish(json.dumps({
                "base": cls.__mro__[1].__name__,
                "wrapped": bool(getattr(cls, "_scalinglab_nodelay", False)),
                "connections": conns,
            }))

    def _jupyter_server_extension_points():
        return [{"module": "nodelay_probe"}]

    def _load_jupyter_server_extension(serverapp):
        serverapp.web_app.add_handlers(".*$", [("/nodelay-probe", Probe)])
    """
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _api(url: str, method: str = "GET", body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else None


def _start_server(tmp: Path, enabled: bool) -> tuple[subprocess.Popen[bytes], str, Path]:
    """``jupyter server`` with temporary dirs; the sys.prefix config (the wheel's) still applies."""
    (tmp / "nodelay_probe.py").write_text(PROBE)
    dirs = {name: tmp / name for name in ("config", "data", "runtime", "root", "ipython")}
    for path in dirs.values():
        path.mkdir()
    # Only the user config dir is replaced; enabling scalinglab_server is left to the file the
    # wheel installed under sys.prefix, so this also checks the install.
    extensions = {"nodelay_probe": True} | ({} if enabled else {"scalinglab_server": False})
    (dirs["config"] / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": extensions}})
    )
    port = _free_port()
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        IPYTHONDIR=str(dirs["ipython"]),
        PYTHONPATH=os.pathsep.join(filter(None, [str(tmp), env.get("PYTHONPATH")])),
    )
    env.pop("JUPYTER_TOKEN", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", "--no-browser",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
             f"--ServerApp.root_dir={dirs['root']}", "--IdentityProvider.token=",
             "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
             "--ServerApp.allow_root=True"],
            cwd=dirs["root"], env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"jupyter server exited early:\n{log_path.read_text()[-3000:]}")
        try:
            _api(url + "/api/status")
            return proc, url, log_path
        except OSError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail(f"jupyter server did not come up:\n{log_path.read_text()[-3000:]}")


async def _kernel_info_then_probe(url: str, kernel_id: str) -> dict[str, Any]:
    """Open the kernel's websocket, get a kernel_info_reply over it, then ask the probe."""
    from tornado.websocket import websocket_connect

    session = uuid.uuid4().hex
    ws_url = url.replace("http", "ws", 1) + f"/api/kernels/{kernel_id}/channels?session_id={session}"
    ws = await websocket_connect(ws_url)
    try:
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": "kernel_info_request", "session": session,
                  "username": "test", "date": "2024-01-01T00:00:00Z", "version": "5.3"}  # fmt: skip
        await ws.write_message(json.dumps(
            {"header": header, "parent_header": {}, "metadata": {}, "content": {},
             "channel": "shell", "buffers": []}
        ))  # fmt: skip
        deadline = time.monotonic() + 15
        while True:
            raw = await asyncio.wait_for(ws.read_message(), max(0.1, deadline - time.monotonic()))
            assert raw is not None, "kernel websocket closed before kernel_info_reply"
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") == msg_id and (
                msg["header"]["msg_type"] == "kernel_info_reply"
            ):
                break
        return await asyncio.to_thread(_api, url + "/nodelay-probe")
    finally:
        ws.close()


@pytest.mark.slow
@pytest.mark.parametrize("enabled", [True, False], ids=["enabled", "disabled"])
def test_real_server_kernel_websocket_has_nodelay(tmp_path: Path, enabled: bool) -> None:
    proc, url, log_path = _start_server(tmp_path, enabled)
    try:
        kernel = _api(url + "/api/kernels", "POST", {"name": "python3"})
        probe = asyncio.run(_kernel_info_then_probe(url, kernel["id"]))
        _api(url + f"/api/kernels/{kernel['id']}", "DELETE")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    log = log_path.read_text()
    assert (ext.LOADED_MESSAGE in log) is enabled, log[-3000:]
    assert probe["wrapped"] is enabled
    if enabled:
        assert probe["base"] == "ZMQChannelsWebsocketConnection"
    assert len(probe["connections"]) == 1, probe
    (conn,) = probe["connections"]
    assert conn["is_setting_class"]
    assert bool(conn["nodelay"]) is enabled  # without us tornado leaves Nagle on
