"""Keys that come from the environment or, failing that, from a file only its
owner can read, made on first use (the session key, the key that encrypts site
credentials). Several gunicorn workers may start at once: the first one to
create the file wins and the others read its key."""
from __future__ import annotations

import os
from collections.abc import Callable


def key_from_env_or_file(env_name: str | None, path: str, generate: Callable[[], str]) -> str:
    if env_name and os.environ.get(env_name):
        return os.environ[env_name]
    try:
        with open(path, encoding="ascii") as fh:
            key = fh.read().strip()
        if key:
            return key
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    key = generate()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return key_from_env_or_file(None, path, generate)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key
