"""A tiny Jupyter server extension: TCP_NODELAY on kernel websockets, for lower widget latency.

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

This package is deliberately separate from ``scalinglab`` so the server does not import numpy,
pandas or Altair. It is enabled on install by
``etc/jupyter/jupyter_server_config.d/scalinglab_server.json``; turn it off with
``jupyter server extension disable scalinglab_server``.
"""

from __future__ import annotations

import logging
from importlib import metadata
from typing import Any

__all__ = ["NODELAY_MARKER", "wrap_connection_class"]

try:  # shipped in the scalinglab wheel; `jupyter server extension list` shows this
    __version__ = metadata.version("scalinglab")
except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0+unknown"

SETTING = "kernel_websocket_connection_class"
# Class attribute that marks a class produced by wrap_connection_class (no double wrapping).
NODELAY_MARKER = "_scalinglab_nodelay"
LOADED_MESSAGE = "scalinglab_server: TCP_NODELAY on kernel websockets (lower widget latency)"


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
    wrapped = type(
        base.__name__,
        (base,),
        {
            "connect": connect,
            NODELAY_MARKER: True,
            "__module__": __name__,
            "__qualname__": f"NoDelay[{base.__qualname__}]",
            "__doc__": f"{base.__qualname__} with TCP_NODELAY on its websocket (scalinglab_server).",
        },
    )
    return wrapped


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
