"""A real, throwaway WordPress site for tests (see up.sh for how it is made).

    site = WordPressSite.up()          # fresh site on a free port (~1 s)
    site.rest.get("posts").json()      # REST as admin, application password
    site.reset()                       # back to just-installed (~0.1 s)
    site.down()                        # server stopped, database dropped

Everything runs through the shell/PHP scripts beside this file, which need
root and Debian's wordpress/php/mariadb packages (up.sh installs them).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from functools import cached_property
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
DEFAULT_ROOT = Path(os.environ.get("WP_HARNESS_ROOT", "/tmp/wp-harness"))

# Failure-path switches honoured by router.php / wp-harness-mu.php; each is a
# file <instance>/flags/<name>, checked on every request. reset() clears them.
FLAGS = {
    "xmlrpc_off": "filter xmlrpc_enabled -> false (XML-RPC fault 405 on authenticated calls)",
    "strip_authorization": "router drops the Authorization header / PHP_AUTH_* before WordPress",
    "app_passwords_off": "filter wp_is_application_passwords_available -> false",
    "display_errors": "PHP warnings and notices printed into responses (a shared host's display_errors = On)",
}


class HarnessError(RuntimeError):
    """A harness script failed; the message carries its output or log path."""


class RestSession(requests.Session):
    """requests.Session whose relative URLs resolve against the REST base.

    ``site.rest.get("posts")`` means ``GET <url>/wp-json/wp/v2/posts``; absolute
    URLs pass through unchanged. A default timeout keeps a wedged server from
    hanging the test run.
    """

    def __init__(self, base_url: str, auth: tuple[str, str], timeout: float = 30.0):
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.default_timeout = timeout

    def request(self, method, url, *args, **kwargs):
        if not str(url).startswith(("http://", "https://")):
            url = f"{self.base_url}/{str(url).lstrip('/')}"
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)


def _run(cmd: list[str], *, env: dict[str, str] | None = None, input: str | None = None,
         timeout: float = 120) -> str:
    proc = subprocess.run(cmd, input=input, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)
    if proc.returncode != 0:
        raise HarnessError(
            f"{' '.join(cmd)} exited {proc.returncode}\n"
            f"--- stdout:\n{proc.stdout[-4000:]}\n--- stderr:\n{proc.stderr[-4000:]}")
    return proc.stdout


def parse_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in Path(path).read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            values[key.strip()] = value.strip()
    return values


class WordPressSite:
    """One harness site, described by its ``<instance>/site.env``."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.url: str = env["WP_URL"]
        self.port: int = int(env.get("WP_PORT") or self.url.rsplit(":", 1)[1])
        self.admin_user: str = env["WP_ADMIN_USER"]
        self.admin_password: str = env["WP_ADMIN_PASSWORD"]
        self.app_password: str = env["WP_APP_PASSWORD"]
        self.admin_id: int = int(env.get("WP_ADMIN_ID", "1"))
        self.xmlrpc_url: str = env["WP_XMLRPC_URL"]
        self.rest_url: str = f"{self.url}/wp-json/wp/v2"
        self.dir: Path = Path(env["WP_HARNESS_DIR"])
        self.db_name: str = env.get("WP_DB_NAME", f"wph_{self.port}")
        self.up_log: Path | None = None  # up.sh's progress log, when made by up()

    def __repr__(self) -> str:
        return f"WordPressSite({self.url}, dir={self.dir})"

    # -- life cycle -----------------------------------------------------------

    @classmethod
    def from_env_file(cls, path: str | os.PathLike) -> WordPressSite:
        return cls(parse_env_file(Path(path)))

    @classmethod
    def up(cls, port: int | str = "auto", root: str | os.PathLike | None = None,
           log_path: str | os.PathLike | None = None) -> WordPressSite:
        """Create a fresh site (up.sh); its progress goes to ``log_path``.

        The site records this process as its owner, so if the process dies
        without calling down(), the next up.sh removes the leftover site.
        """
        root = Path(root or DEFAULT_ROOT)
        root.mkdir(parents=True, exist_ok=True)
        if log_path is None:
            fd, log_path = tempfile.mkstemp(prefix="up-", suffix=".log", dir=root)
            os.close(fd)
        log_path = Path(log_path)
        env = {**os.environ, "WP_HARNESS_ROOT": str(root),
               "WP_HARNESS_OWNER_PID": str(os.getpid())}
        with open(log_path, "w") as log:
            proc = subprocess.run(["bash", str(HERE / "up.sh"), str(port)], env=env,
                                  stdout=subprocess.PIPE, stderr=log, text=True, timeout=900)
        if proc.returncode != 0:
            tail = log_path.read_text()[-3000:]
            raise HarnessError(f"up.sh failed (exit {proc.returncode}); log: {log_path}\n{tail}")
        site = cls(dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line))
        site.up_log = log_path
        return site

    def down(self) -> None:
        """Stop this site's server, drop its database, remove its dir."""
        self._script("down.sh", str(self.port))
        if self.up_log is not None:
            self.up_log.unlink(missing_ok=True)

    def reset(self) -> None:
        """Back to the just-installed state (~0.1 s); clears flags and uploads."""
        self._script("reset.sh", str(self.port))

    def stop_server(self) -> None:
        """Kill the php -S process group: connections are refused afterwards."""
        self._script("server.sh", "stop", str(self.port))

    def start_server(self) -> None:
        """Start the server again (same port, same instance); wait for /wp-json/."""
        self._script("server.sh", "start", str(self.port))

    def server_running(self) -> bool:
        cmd = ["bash", str(HERE / "server.sh"), "status", str(self.port)]
        return subprocess.run(cmd, env=self._env(), capture_output=True).returncode == 0

    # -- test helpers -----------------------------------------------------------

    @cached_property
    def rest(self) -> RestSession:
        """Session authenticated as admin with the application password."""
        return RestSession(self.rest_url, (self.admin_user, self.app_password))

    def seed_comments(self, n: int, post: int | str = "new", status: str = "mix",
                      mode: str = "sql") -> dict:
        """Bulk-create ``n`` visitor comments (seed-comments.php).

        post: a post id or "new" (a fresh published post); status: hold,
        approve, spam, trash or mix (40% hold, 40% approve, 10% spam, 10%
        trash, by position); mode: sql (one INSERT, 10,000 in ~0.25 s, no
        hooks) or php (wp_insert_comment, hooks run). Returns post_id,
        first_id, last_id, created, seconds (ids increase but may have gaps).
        """
        out = self._php_script("seed-comments.php", str(int(n)), str(post), status, mode)
        return json.loads(out.strip().splitlines()[-1])

    def php(self, code: str) -> str:
        """Run PHP statements inside this site's WordPress (CLI, as admin).

        Returns what the code prints (plus its return value, if not null), e.g.
        ``site.php("wp_set_comment_status(5, 'spam');")``. Raises HarnessError
        if the code fails or does not run to its end.
        """
        return self._php_script("php-eval.php", input=code)

    def set_flag(self, name: str, on: bool = True) -> None:
        """Switch a failure-path behaviour (see FLAGS); next request sees it."""
        if name not in FLAGS:
            raise ValueError(f"unknown flag {name!r}; known: {', '.join(FLAGS)}")
        flag = self.dir / "flags" / name
        if on:
            flag.parent.mkdir(exist_ok=True)
            flag.touch()
        else:
            flag.unlink(missing_ok=True)

    @property
    def server_log(self) -> Path:
        return self.dir / "server.log"

    # -- internals ----------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        return {"WP_HARNESS_ROOT": str(self.dir.parent), "WP_HARNESS_DIR": str(self.dir)}

    def _script(self, name: str, *args: str) -> str:
        return _run(["bash", str(HERE / name), *args], env=self._env())

    def _php_script(self, name: str, *args: str, input: str | None = None) -> str:
        cmd = ["php", "-d", "memory_limit=512M", "-d", "display_errors=stderr",
               str(HERE / name), *args]
        return _run(cmd, env=self._env(), input=input)
