"""Turn the opt-in server extension on or off: ``python -m scalinglab_server enable``.

Installing scalinglab enables nothing on the user's Jupyter server. This command writes
``jupyter_server_config.d/scalinglab_server.json`` (``{"scalinglab_server": true}``) into this
environment's config (``<sys.prefix>/etc/jupyter``), or the user's with ``--user``; restart the
server afterwards. ``disable`` writes ``false`` there.

Why not ``jupyter server extension enable scalinglab_server``: jupyter_server 2 enables only an
extension that some config file in the same directory already names, which is what a wheel's
enable-on-install file provides and what we no longer ship. Once this command has written the
file, ``jupyter server extension list`` / ``disable`` work as usual. For one launch only:
``jupyter lab --ServerApp.jpserver_extensions="{'scalinglab_server': True}"``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scalinglab_server",
        description="Enable or disable the scalinglab_server Jupyter server extension "
                    "(TCP_NODELAY on kernel websockets, quiet brush moves).")
    parser.add_argument("action", choices=["enable", "disable"])
    parser.add_argument("--user", action="store_true",
                        help="write the user's config (~/.jupyter), not this environment's")
    args = parser.parse_args(argv)
    try:
        from jupyter_server.extension.serverextension import (
            _get_config_dir,
            toggle_server_extension_python,
        )
    except ImportError:
        print("scalinglab_server runs inside jupyter_server 2: pip install 'scalinglab[server]' "
              "(JupyterLab 4 and Notebook 7 bring it)", file=sys.stderr)
        return 1
    enabled = args.action == "enable"
    toggle_server_extension_python("scalinglab_server", enabled=enabled, user=args.user,
                                   sys_prefix=not args.user)
    where = _get_config_dir(user=args.user, sys_prefix=not args.user)
    print(f"scalinglab_server {'enabled' if enabled else 'disabled'} in {where}; "
          "restart the Jupyter server")
    return 0


if __name__ == "__main__":
    sys.exit(main())
