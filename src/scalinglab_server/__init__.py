"""A tiny Jupyter server extension for lower widget latency: TCP_NODELAY on kernel websockets,
and no kernel ``busy`` status for the messages a LawExplorer brush sends.

Why: jupyter_server never calls tornado's ``WebSocketHandler.set_nodelay(True)`` on the kernel
websocket, so Nagle's algorithm is on for server → browser writes. During a LawExplorer brush
the kernel first publishes ``status: busy`` (a small frame; the browser delays its ACK, up to
~40 ms on Linux), then 10–35 ms later our comm message (tens of KB, below the 64 KB loopback
MSS). Nagle holds that message until the busy frame is ACKed. Measured in headless Chromium
against a real JupyterLab, the kernel → browser leg fell from 38 ms to ~14 ms (median) with
TCP_NODELAY, and a light brush round trip from 86 / 107 ms to 59 / 92 ms (p50 / p95). With
this extension on vs off, in three interleaved pairs on a noisy 2-core VM: round trip p50
83 / 66 / 51 ms vs 112 / 92 / 86 ms; kernel send → browser frame p50 22 / 18 / 15 vs 26 / 41 / 40.

How: jupyter_server 2 reads the class it builds per kernel websocket from the tornado setting
``kernel_websocket_connection_class`` (trait ``ServerApp.kernel_websocket_connection_class``:
``ZMQChannelsWebsocketConnection`` by default, ``GatewayWebSocketConnection`` in gateway mode,
or whatever the user configured). On load we replace that setting with a subclass of the
configured class whose ``connect`` sets TCP_NODELAY first. ``connect`` is called from the
handler's ``open``, i.e. after tornado has accepted the upgrade and detached the stream, so
``ws_connection`` exists and the option sticks. Earlier is too early: in the handler's
``pre_get`` there is no ``ws_connection`` yet, and tornado's HTTP layer turns Nagle back on when
it finishes the 101 response, just before the detach.

Quiet brush moves: the kernel publishes ``status: busy`` and ``status: idle`` around every
message it handles, and JupyterLab (and Notebook 7) react to each change: the toolbar's kernel
indicator is redrawn, the tab's favicon is swapped and fetched. During a drag a LawExplorer
sends a brush message per refit, so the indicator and the favicon flicker and the page spends
CPU on it that the chart needs. A message whose custom content carries ``"quiet_status": true``
(only LawExplorer's brush moves do) has its ``busy`` status dropped here; its ``idle`` still goes
out, so the front end's bookkeeping (a message's future ends at its idle) is unchanged, and
idle while idle changes nothing on the page. Measured in headless Chromium against a real
JupyterLab (20 drags, the benchmark's configuration), in three interleaved pairs without and
with the filter: end-to-end brush latency p50 147 / 148 / 151 → 132 / 114 / 132 ms, p95
217 / 209 / 211 → 184 / 164 / 166 ms; CPU time per drag of the page −15 %, of Chromium's browser
process (the favicon) −45 %, of the Jupyter server −30 %. Only the v1 kernel websocket protocol
(JupyterLab ≥ 4, Notebook 7) is filtered; the server's own kernel activity tracking reads the
kernel directly and is unaffected.

This package is deliberately separate from ``scalinglab`` so the server does not import numpy,
pandas or Altair. It is opt-in: installing scalinglab enables nothing on the user's server (a
widget library must not change every kernel's messages unasked), and the widgets work the same
without it. ``python -m scalinglab_server enable`` turns it on (`scalinglab_server.__main__`);
``python -m scalinglab_server disable`` or ``jupyter server extension disable scalinglab_server``
turns it off.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Sequence
from importlib import metadata
from typing import Any

__all__ = ["NODELAY_MARKER", "QUIET_KEY", "quiet_message_id", "wrap_connection_class"]

try:  # shipped in the scalinglab wheel; `jupyter server extension list` shows this
    __version__ = metadata.version("scalinglab")
except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0+unknown"

SETTING = "kernel_websocket_connection_class"
# Class attribute that marks a class produced by wrap_connection_class (no double wrapping).
NODELAY_MARKER = "_scalinglab_nodelay"
LOADED_MESSAGE = ("scalinglab_server: TCP_NODELAY on kernel websockets, quiet brush moves "
                  "(lower widget latency)")
# A comm custom message whose content has this key set to true gets no busy status.
QUIET_KEY = "quiet_status"
V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"
QUIET_IDS_KEPT = 256  # msg_ids remembered per websocket until their busy status comes back


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """Tell jupyter_server that this module is its own extension (no ExtensionApp)."""
    return [{"module": "scalinglab_server"}]


def _set_nodelay(connection: Any) -> None:
    """Turn off Nagle's algorithm on the websocket behind ``connection``, if it is open.

    Never raises: a socket option must not cost the user their kernel connection.
    """
    handler = getattr(connection, "websocket_handler", None)
    if handler is None or getattr(handler, "ws_connection", None) is None:
        return  # tornado asserts ws_connection; nothing to tune before the upgrade
    try:
        handler.set_nodelay(True)
    except Exception as exc:  # e.g. the stream closed under us; Nagle stays on for this one
        log = getattr(connection, "log", None) or logging.getLogger(__name__)
        log.debug("scalinglab_server: set_nodelay failed: %s", exc)


def quiet_message_id(channel: str | None, parts: Sequence[bytes]) -> str | None:
    """The msg_id of a shell ``comm_msg`` whose custom content asks for a quiet status, else
    None. ``parts``: header, parent header, metadata, content (as the v1 websocket protocol
    delivers them). Never raises.

    >>> header = json.dumps({"msg_id": "m1", "msg_type": "comm_msg"}).encode()
    >>> content = json.dumps({"comm_id": "c", "data": {"method": "custom",
    ...     "content": {"type": "brush", "quiet_status": True}}}).encode()
    >>> quiet_message_id("shell", [header, b"{}", b"{}", content])
    'm1'
    >>> quiet_message_id("shell", [header, b"{}", b"{}", content.replace(b"true", b"false")])
    """
    if channel != "shell" or len(parts) < 4:
        return None
    try:
        # cheap checks first: most shell messages are not quiet comm messages
        header = bytes(parts[0])
        if b"comm_msg" not in header:
            return None
        content = bytes(parts[3])
        if QUIET_KEY.encode() not in content:
            return None
        head, body = json.loads(header), json.loads(content)
        data = body.get("data") or {}
        inner = data.get("content") if data.get("method") == "custom" else None
        if head.get("msg_type") == "comm_msg" and isinstance(inner, dict) and (
            inner.get(QUIET_KEY) is True
        ):
            return str(head.get("msg_id"))
    except Exception:  # a malformed message is the kernel's business, not ours
        return None
    return None


def _busy_parent(parts: Sequence[bytes]) -> str | None:
    """The parent msg_id of an iopub ``status: busy`` message, else None. ``parts``: header,
    parent header, metadata, content (after the signature)."""
    if len(parts) < 4:
        return None
    try:
        header = bytes(parts[0])
        if b'"status"' not in header:  # e.g. the widget's state updates: not looked into
            return None
        content = bytes(parts[3])
        if b"busy" not in content:
            return None
        if json.loads(header).get("msg_type") != "status":
            return None
        if json.loads(content).get("execution_state") != "busy":
            return None
        return str(json.loads(bytes(parts[1])).get("msg_id"))
    except Exception:
        return None


def _quiet_ids(connection: Any) -> OrderedDict[str, None]:
    ids = connection.__dict__.get("_scalinglab_quiet_ids")
    if ids is None:
        ids = connection.__dict__["_scalinglab_quiet_ids"] = OrderedDict()
    return ids


def _note_quiet(connection: Any, incoming: Any) -> None:
    """Remember the msg_id of a quiet brush message coming from the browser. Never raises."""
    if getattr(connection, "subprotocol", None) != V1_PROTOCOL or not isinstance(incoming, bytes):
        return
    if QUIET_KEY.encode() not in incoming:  # most messages: not split up twice (the server will)
        return
    try:
        from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

        channel, parts = deserialize_msg_from_ws_v1(incoming)
    except Exception:
        return
    msg_id = quiet_message_id(channel, parts)
    if msg_id is not None:
        ids = _quiet_ids(connection)
        ids[msg_id] = None
        while len(ids) > QUIET_IDS_KEPT:
            ids.popitem(last=False)


def _drop_busy(connection: Any, stream: Any, outgoing: Any) -> bool:
    """Is this the kernel's busy status for a quiet brush message (then it is not sent)?"""
    ids = connection.__dict__.get("_scalinglab_quiet_ids")
    if not ids or getattr(stream, "channel", None) != "iopub":
        return False
    try:
        _, fed = connection.session.feed_identities(outgoing)
    except Exception:
        return False
    parent = _busy_parent(fed[1:])  # fed[0] is the signature
    if parent is None or parent not in ids:
        return False
    del ids[parent]
    return True


def wrap_connection_class(base: type) -> type:
    """A subclass of ``base`` whose ``connect`` sets TCP_NODELAY, then defers to ``base``.

    Returns ``base`` unchanged if it is already wrapped. ``connect`` keeps the parent's calling
    convention: ``ZMQChannelsWebsocketConnection.connect`` is a plain method returning a Future
    (or None), ``GatewayWebSocketConnection.connect`` a coroutine; either is passed through.
    Class-level state (``_open_sockets``, ``close_all``) stays on ``base`` and is shared.
    """
    if getattr(base, NODELAY_MARKER, False):
        return base

    def connect(self: Any, *args: Any, **kwargs: Any) -> Any:
        _set_nodelay(self)
        return super(wrapped, self).connect(*args, **kwargs)

    connect.__doc__ = "Set TCP_NODELAY on the kernel websocket, then connect as the parent does."
    members: dict[str, Any] = {
        "connect": connect,
        NODELAY_MARKER: True,
        "__module__": __name__,
        "__qualname__": f"NoDelay[{base.__qualname__}]",
        "__doc__": f"{base.__qualname__} with TCP_NODELAY on its websocket (scalinglab_server).",
    }
    if _is_zmq_connection(base):  # the quiet brush filter needs the ZMQ connection's methods

        def handle_incoming_message(self: Any, incoming_msg: Any) -> Any:
            _note_quiet(self, incoming_msg)
            return super(wrapped, self).handle_incoming_message(incoming_msg)

        def handle_outgoing_message(self: Any, stream: Any, outgoing_msg: Any) -> Any:
            if _drop_busy(self, stream, outgoing_msg):
                return None
            return super(wrapped, self).handle_outgoing_message(stream, outgoing_msg)

        handle_incoming_message.__doc__ = "Note quiet brush messages, then pass it on."
        handle_outgoing_message.__doc__ = "Drop the busy status of quiet brush messages."
        members["handle_incoming_message"] = handle_incoming_message
        members["handle_outgoing_message"] = handle_outgoing_message
        members["__doc__"] = (f"{base.__qualname__} with TCP_NODELAY on its websocket and no busy "
                              "status for quiet brush messages (scalinglab_server).")
    wrapped = type(base.__name__, (base,), members)
    return wrapped


def _is_zmq_connection(base: type) -> bool:
    try:
        from jupyter_server.services.kernels.connection.channels import (
            ZMQChannelsWebsocketConnection,
        )
    except Exception:  # pragma: no cover - jupyter_server < 2
        return False
    return issubclass(base, ZMQChannelsWebsocketConnection)


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Swap the kernel websocket connection class in the tornado settings for the wrapped one.

    Called by jupyter_server after the web application exists. If the setting is missing
    (jupyter_server < 2) it logs a warning and changes nothing.
    """
    log = serverapp.log
    web_app = getattr(serverapp, "web_app", None)
    settings = getattr(web_app, "settings", None)
    base = settings.get(SETTING) if isinstance(settings, dict) else None
    if not isinstance(base, type):
        log.warning(
            "scalinglab_server: this jupyter_server has no %r setting (needs jupyter_server 2); "
            "kernel websockets keep Nagle's algorithm on.",
            SETTING,
        )
        return
    settings[SETTING] = wrap_connection_class(base)
    log.info(LOADED_MESSAGE)
