"""Log lines for people (``text``) or for a log pipeline (``json``: one object per
line), chosen by ``server.log_format``; the same for gunicorn's error and access
logs, the app's own loggers and ``cms-bridge sync``."""
from __future__ import annotations

import json
import logging

#: gunicorn's access-log atoms worth a field of their own (its ``record.args``)
ACCESS_FIELDS = {"h": "remote", "m": "method", "U": "path", "q": "query", "s": "status", "B": "bytes",
                 "M": "duration_ms", "f": "referer", "a": "user_agent"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname.lower(),
                "logger": record.name, "message": record.getMessage()}
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            for atom, name in ACCESS_FIELDS.items():
                value = record.args.get(atom)
                if value not in (None, "-", ""):
                    line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def dict_config(log_format: str, *, access_log: bool) -> dict:
    """A :func:`logging.config.dictConfig` document (gunicorn's ``logconfig_dict``)."""
    formatter = {"()": f"{__name__}.JsonFormatter"} if log_format == "json" else {
        "format": "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"}
    access_formatter = formatter if log_format == "json" else {"format": "%(message)s"}
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter, "access": access_formatter},
        "handlers": {"main": {**handler, "formatter": "main"}, "access": {**handler, "formatter": "access"}},
        "root": {"level": "INFO", "handlers": ["main"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["main"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"] if access_log else [], "propagate": False},
        },
    }


def configure(log_format: str) -> None:
    """For commands outside gunicorn (``sync``): JSON lines on stderr when asked."""
    if log_format != "json":
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


def announce(log_format: str, message: str) -> None:
    """A line on stdout before logging is set up (``serve``'s "serving on …"),
    in the chosen format so a JSON log pipeline never meets a plain line."""
    if log_format == "json":
        record = logging.LogRecord("cms-bridge", logging.INFO, __file__, 0, message, None, None)
        message = JsonFormatter().format(record)
    print(message, flush=True)
