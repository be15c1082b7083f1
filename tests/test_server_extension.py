"""scalinglab_server: TCP_NODELAY on kernel websockets, and quiet brush moves.

Unit tests drive the wrapper with fake connection classes and a fake ServerApp. The
integration tests start a real ``jupyter server`` with a kernel and open the kernel's websocket
from Python: one asks a probe extension inside the server which connection class served it and
whether TCP_NODELAY is set on the server's end of the socket; one sends comm messages over the
v1 protocol (as JupyterLab does) and reads which status messages come back. Both run with the
extension enabled (by the documented command, `jupyter server extension enable
scalinglab_server`, into a temporary config dir) and as installed (nothing enables it).
"""

from __future__ import annotations

import asyncio
import contextlib
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


def test_nothing_enables_the_extension_on_install() -> None:
    """A widget library must not change every kernel's messages on the user's server: the
    wheel ships no jupyter_server_config.d file, and the package's build says so."""
    from importlib import metadata

    files = [str(f) for f in metadata.files("scalinglab") or []]
    assert not [f for f in files if "jupyter_server_config" in f], files
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    if pyproject.exists():  # a source checkout
        assert "jupyter_server_config.d" not in pyproject.read_text()


def test_the_documented_command_enables_it_and_jupyter_sees_it(tmp_path: Path) -> None:
    env, dirs = _jupyter_env(tmp_path)

    def listed() -> str:
        out = subprocess.run([sys.executable, "-m", "jupyter", "server", "extension", "list"],
                             env=env, capture_output=True, text=True, timeout=60, check=True)
        text = (out.stdout + out.stderr).replace("\x1b[32m", "").replace("\x1b[31m", "")
        return " ".join(line.replace("\x1b[0m", "").strip() for line in text.splitlines()
                        if line.strip().startswith("scalinglab_server "))

    assert listed() == ""  # installed, not enabled anywhere
    assert str(dirs["config"]) in _toggle(env)
    assert json.loads((dirs["config"] / "jupyter_server_config.d" / "scalinglab_server.json")
                      .read_text()) == {"ServerApp": {"jpserver_extensions":
                                                      {"scalinglab_server": True}}}
    assert listed().startswith("scalinglab_server enabled")
    _toggle(env, "disable")
    assert listed().startswith("scalinglab_server disabled")


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
    # the quiet brush filter needs the ZMQ connection's message methods; the gateway keeps its own
    quiet = "handle_outgoing_message" in vars(wrapped)
    assert quiet is (which == "zmq")


# ------------------------------------------------------------------ quiet brush moves (unit)
def _parts(msg_type: str, msg_id: str, content: dict[str, Any], parent: str = "") -> list[bytes]:
    header = {"msg_id": msg_id, "msg_type": msg_type, "session": "s", "username": "u",
              "date": "2024-01-01T00:00:00Z", "version": "5.3"}  # fmt: skip
    return [json.dumps(header).encode(), json.dumps({"msg_id": parent} if parent else {}).encode(),
            b"{}", json.dumps(content).encode()]


def _brush(quiet: Any) -> dict[str, Any]:
    inner: dict[str, Any] = {"type": "brush", "range": [1.0, 2.0], "id": 3}
    if quiet is not None:
        inner[ext.QUIET_KEY] = quiet
    return {"comm_id": "c1", "data": {"method": "custom", "content": inner}}


@pytest.mark.parametrize(
    ("channel", "msg_type", "content", "quiet"),
    [
        ("shell", "comm_msg", _brush(True), True),
        ("shell", "comm_msg", _brush(None), False),  # not asked for
        ("shell", "comm_msg", _brush("yes"), False),  # only a real true counts
        ("control", "comm_msg", _brush(True), False),
        ("shell", "execute_request", {"code": "quiet_status = True"}, False),
        ("shell", "comm_msg", {"comm_id": "c1", "data": {"method": "update",
                                                           "state": {ext.QUIET_KEY: True}}}, False),
    ],
)
def test_quiet_message_id_only_for_custom_comm_messages_that_ask(
    channel: str, msg_type: str, content: dict[str, Any], quiet: bool
) -> None:
    got = ext.quiet_message_id(channel, _parts(msg_type, "m1", content))
    assert got == ("m1" if quiet else None)


def test_quiet_message_id_never_raises_on_garbage() -> None:
    assert ext.quiet_message_id("shell", [b"comm_msg {", b"", b"", b"quiet_status"]) is None
    assert ext.quiet_message_id("shell", [b"x"]) is None


class FakeSession:
    """Session.feed_identities as jupyter_server calls it: idents, then the message parts."""

    def feed_identities(self, msg_list: list[bytes]) -> tuple[list[bytes], list[bytes]]:
        i = msg_list.index(b"<IDS|MSG>")
        return msg_list[:i], msg_list[i + 1:]


class FakeZMQConnection:
    """Records what would be written to the browser and sent to the kernel."""

    subprotocol = ext.V1_PROTOCOL

    def __init__(self) -> None:
        self.session = FakeSession()
        self.to_kernel: list[Any] = []
        self.to_browser: list[Any] = []

    def handle_incoming_message(self, incoming_msg: Any) -> None:
        self.to_kernel.append(incoming_msg)

    def handle_outgoing_message(self, stream: Any, outgoing_msg: list[bytes]) -> None:
        self.to_browser.append(outgoing_msg)


def _quiet_wrapped() -> type:
    """wrap_connection_class's filter methods on the fake (it only wraps ZMQ classes)."""
    wrapped = ext.wrap_connection_class(FakeZMQConnection)
    assert "handle_outgoing_message" not in vars(wrapped)  # not a ZMQ connection: untouched
    from unittest import mock

    with mock.patch.object(ext, "_is_zmq_connection", return_value=True):
        return ext.wrap_connection_class(type("FakeZMQ", (FakeZMQConnection,), {}))


def _ws_v1(channel: str, parts: list[bytes]) -> bytes:
    from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

    return serialize_msg_to_ws_v1(parts, channel)


def _from_kernel(msg_type: str, content: dict[str, Any], parent: str) -> list[bytes]:
    return [b"topic", b"<IDS|MSG>", b"signature", *_parts(msg_type, "k", content, parent)]


def test_the_busy_status_of_a_quiet_brush_is_dropped_and_everything_else_passes() -> None:
    conn = _quiet_wrapped()()
    iopub, shell = SimpleNamespace(channel="iopub"), SimpleNamespace(channel="shell")
    quiet = _ws_v1("shell", _parts("comm_msg", "q1", _brush(True)))
    loud = _ws_v1("shell", _parts("comm_msg", "l1", _brush(None)))
    conn.handle_incoming_message(quiet)
    conn.handle_incoming_message(loud)
    assert conn.to_kernel == [quiet, loud]  # both reach the kernel unchanged
    out = [
        (iopub, _from_kernel("status", {"execution_state": "busy"}, "q1")),  # dropped
        (iopub, _from_kernel("comm_msg", {"data": {"execution_state": "busy"}}, "q1")),
        (iopub, _from_kernel("status", {"execution_state": "idle"}, "q1")),
        (iopub, _from_kernel("status", {"execution_state": "busy"}, "l1")),
        (iopub, _from_kernel("status", {"execution_state": "idle"}, "l1")),
        (shell, _from_kernel("status", {"execution_state": "busy"}, "q1")),  # not iopub
        (iopub, _from_kernel("status", {"execution_state": "busy"}, "q1")),  # a second one
    ]
    for stream, msg in out:
        conn.handle_outgoing_message(stream, msg)
    assert conn.to_browser == [msg for _, msg in out[1:]]


def test_quiet_ids_are_bounded_and_legacy_json_messages_are_left_alone() -> None:
    conn = _quiet_wrapped()()
    for i in range(ext.QUIET_IDS_KEPT + 50):
        conn.handle_incoming_message(_ws_v1("shell", _parts("comm_msg", f"q{i}", _brush(True))))
    ids = conn.__dict__["_scalinglab_quiet_ids"]
    assert len(ids) == ext.QUIET_IDS_KEPT and "q0" not in ids and f"q{ext.QUIET_IDS_KEPT + 49}" in ids
    legacy = _quiet_wrapped()()
    legacy.subprotocol = None  # the JSON protocol: the server parses those itself; not filtered
    legacy.handle_incoming_message(json.dumps({"channel": "shell"}))
    assert "_scalinglab_quiet_ids" not in legacy.__dict__


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


def _jupyter_env(tmp: Path) -> tuple[dict[str, str], dict[str, Path]]:
    """Environment for ``jupyter`` commands with temporary user dirs; the sys.prefix config
    (what the install left, which must not enable scalinglab_server) still applies."""
    dirs = {name: tmp / name for name in ("config", "data", "runtime", "root", "ipython")}
    for path in dirs.values():
        path.mkdir(exist_ok=True)
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
    return env, dirs


def _toggle(env: dict[str, str], action: str = "enable") -> str:
    """The README's one-line opt-in (``--user``: into the temporary config dir)."""
    return subprocess.run([sys.executable, "-m", "scalinglab_server", action, "--user"], env=env,
                          check=True, capture_output=True, text=True, timeout=60).stdout


def _start_server(tmp: Path, enabled: bool) -> tuple[subprocess.Popen[bytes], str, Path]:
    """``jupyter server`` with temporary user dirs; ``enabled``: after the README's command."""
    (tmp / "nodelay_probe.py").write_text(PROBE)
    env, dirs = _jupyter_env(tmp)
    (dirs["config"] / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"nodelay_probe": True}}})
    )
    if enabled:
        _toggle(env)
    port = _free_port()
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


def _with_a_kernel(tmp: Path, enabled: bool, talk: Any) -> tuple[Any, str]:
    """Start a server, start a kernel, run ``talk(url, kernel_id)`` (a coroutine function),
    stop both; returns what it returned and the server log."""
    proc, url, log_path = _start_server(tmp, enabled)
    try:
        kernel = _api(url + "/api/kernels", "POST", {"name": "python3"})
        got = asyncio.run(talk(url, kernel["id"]))
        _api(url + f"/api/kernels/{kernel['id']}", "DELETE")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return got, log_path.read_text()


@pytest.mark.slow
@pytest.mark.parametrize("enabled", [True, False], ids=["enabled", "as-installed"])
def test_real_server_kernel_websocket_has_nodelay(tmp_path: Path, enabled: bool) -> None:
    probe, log = _with_a_kernel(tmp_path, enabled, _kernel_info_then_probe)
    assert (ext.LOADED_MESSAGE in log) is enabled, log[-3000:]
    assert probe["wrapped"] is enabled
    if enabled:
        assert probe["base"] == "ZMQChannelsWebsocketConnection"
    assert len(probe["connections"]) == 1, probe
    (conn,) = probe["connections"]
    assert conn["is_setting_class"]
    assert bool(conn["nodelay"]) is enabled  # without us tornado leaves Nagle on


async def _statuses_of_comm_messages(url: str, kernel_id: str) -> dict[str, list[str]]:
    """Over the v1 protocol (JupyterLab's), send a quiet and an ordinary comm message (to a
    comm the kernel does not know: it still reports busy and idle around each) and return the
    execution states the browser would see for each, in order."""
    from jupyter_server.services.kernels.connection.base import (
        deserialize_msg_from_ws_v1,
        serialize_msg_to_ws_v1,
    )
    from tornado.websocket import websocket_connect

    session = uuid.uuid4().hex
    ws_url = url.replace("http", "ws", 1) + f"/api/kernels/{kernel_id}/channels?session_id={session}"
    ws = await websocket_connect(ws_url, subprotocols=[ext.V1_PROTOCOL])

    async def send(msg_type: str, content: dict[str, Any]) -> str:
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": msg_type, "session": session, "username": "t",
                  "date": "2024-01-01T00:00:00Z", "version": "5.3"}  # fmt: skip
        parts = [json.dumps(p).encode() for p in (header, {}, {}, content)]
        await ws.write_message(serialize_msg_to_ws_v1(parts, "shell"), binary=True)
        return msg_id

    async def read_until(done: Any) -> dict[str, list[str]]:
        seen: dict[str, list[str]] = {}
        deadline = time.monotonic() + 20
        while not done(seen):
            raw = await asyncio.wait_for(ws.read_message(), max(0.1, deadline - time.monotonic()))
            assert raw is not None, "kernel websocket closed"
            channel, parts = deserialize_msg_from_ws_v1(raw)
            header, parent = json.loads(parts[0]), json.loads(parts[1])
            key = parent.get("msg_id", "")
            if channel == "iopub" and header["msg_type"] == "status":
                seen.setdefault(key, []).append(json.loads(parts[3])["execution_state"])
            elif header["msg_type"].endswith("_reply"):
                seen.setdefault(key, []).append("reply")
        return seen

    try:
        ready = await send("kernel_info_request", {})
        await read_until(lambda seen: "reply" in seen.get(ready, []))
        comm = {"comm_id": uuid.uuid4().hex, "data": {"method": "custom", "content": {}}}
        quiet = await send("comm_msg", {**comm, "data": {"method": "custom",
                                                          "content": {"type": "brush",
                                                                      ext.QUIET_KEY: True}}})
        loud = await send("comm_msg", comm)
        seen = await read_until(lambda seen: "idle" in seen.get(quiet, [])
                                and "idle" in seen.get(loud, []))
        return {"quiet": seen[quiet], "loud": seen[loud]}
    finally:
        ws.close()
        with contextlib.suppress(asyncio.TimeoutError):  # let the close handshake finish
            while await asyncio.wait_for(ws.read_message(), 2) is not None:
                pass


@pytest.mark.slow
@pytest.mark.parametrize("enabled", [True, False], ids=["enabled", "as-installed"])
def test_real_server_drops_only_the_busy_status_of_quiet_comm_messages(
    tmp_path: Path, enabled: bool
) -> None:
    got, _log = _with_a_kernel(tmp_path, enabled, _statuses_of_comm_messages)
    assert got["loud"] == ["busy", "idle"]  # ordinary messages are untouched
    assert got["quiet"] == (["idle"] if enabled else ["busy", "idle"])
