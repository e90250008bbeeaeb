"""``cms-bridge serve``: gunicorn, not Flask's development server.

Each worker process builds its own app (no preload): SQLite connections must not
cross a fork.
"""
from __future__ import annotations

from gunicorn.app.base import BaseApplication

from .config import Config
from .logs import announce, dict_config


class BridgeServer(BaseApplication):
    def __init__(self, config: Config, options: dict):
        self.bridge_config = config
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings:  # newer gunicorn settings are skipped on older releases
                self.cfg.set(key, value)

    def load(self):
        from .app import create_app

        return create_app(self.bridge_config)


def run_server(config: Config, *, host: str, port: int, workers: int) -> None:
    threads = config.server.threads
    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": 60,
        "graceful_timeout": 20,
        "accesslog": "-" if config.server.access_log else None,
        "errorlog": "-",
        "loglevel": "info",
        "logconfig_dict": dict_config(config.server.log_format, access_log=config.server.access_log),
        "forwarded_allow_ips": "*" if config.server.behind_proxy else "127.0.0.1",
        "limit_request_line": 8190,
        "preload_app": False,
        # gunicorn's runtime control socket is one per user by default, so two
        # instances (two configs, or the tests) would take it from each other; unused here
        "control_socket_disable": True,
    }
    announce(config.server.log_format,
             f"cms-bridge: serving on http://{host}:{port}/ ({workers} workers × {threads} threads)")
    BridgeServer(config, options).run()
