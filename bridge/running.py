"""Who is using this database right now: a shared lock beside the SQLite file.

``serve`` and ``sync`` hold a *shared* ``flock`` on ``<database>.running`` for as
long as they run; ``restore`` asks for an *exclusive* one without waiting. The
kernel drops the lock when a process dies (``kill -9`` included), so there is no
stale pid file to clean up and no guessing from timestamps.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from typing import TextIO


def lock_path(database: str) -> str:
    return os.path.abspath(database) + ".running"


def hold_shared(database: str) -> TextIO:
    """Take the shared lock and return the open file; it stays held until closed
    (or the process ends). For the life of ``serve`` / ``sync``."""
    path = lock_path(database)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - held for the life of the process
    fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
    return handle


def in_use(database: str) -> bool:
    """True if a ``serve`` or ``sync`` holds the database."""
    with exclusive(database) as got:
        return not got


@contextlib.contextmanager
def exclusive(database: str) -> Iterator[bool]:
    """Try the exclusive lock without waiting; yields whether it was obtained and
    keeps it for the ``with`` block (so nothing starts while a restore writes)."""
    path = lock_path(database)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
