"""What every way of talking to one WordPress site shares: where it is, who we are there,
how long we wait, one HTTP session, and the one guarded request that turns every
transfer failure into the adapter error family.

The REST and XML-RPC transports and the connector plugin's client each get this object,
not the adapter: they need the site, not the adapter's choice of transport, and the
adapter can import them without them importing it back.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import requests

from ..base import Unreachable
from ..words import N_, Words
from .common import USER_AGENT, TLSFailure


def _was_sent(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the connection broke after it was made (the request may have
    arrived), False when it never stood (refused, DNS, connect timeout)."""
    return not any(name in repr(exc) for name in ("NewConnectionError", "ConnectTimeout", "NameResolution"))


class WordPressConnection:
    """One site's address, credentials, timeout and session."""

    def __init__(self, base_url: str, username: str = "", password: str = "", *, timeout: float = 20.0,
                 verify_tls: bool = True):
        self.base_url = base_url.rstrip("/")
        self.username = username
        self.password = password
        self.timeout = timeout
        self.verify_tls = verify_tls
        #: HTTP requests made so far (every transport); benchmarks and tests read it
        self.request_count = 0
        #: REST term ids by (taxonomy, lower-cased name), kept for the connection's life
        self.term_cache: dict[tuple[str, str], int] = {}
        self.session = requests.Session()
        self.session.auth = (username, password)
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.verify = verify_tls

    @classmethod
    def for_site(cls, site: dict, secrets: dict[str, str]) -> WordPressConnection:
        """From a validated ``[[sites]]`` table: application passwords are shown with
        spaces in wp-admin, and WordPress ignores them, so they are dropped here."""
        return cls(site["url"], site.get("username", ""), (secrets.get("password") or "").replace(" ", ""),
                   timeout=float(site.get("timeout") or 20.0), verify_tls=bool(site.get("verify_tls", True)))

    def request(self, method: str, url: str, *, auth: bool = True, **kw) -> requests.Response:
        """One HTTP request to the site (any status is returned); a failed transfer is
        ``Unreachable`` (``TLSFailure`` for certificates), saying whether a write may
        have arrived."""
        self.request_count += 1
        timeout = kw.pop("timeout", self.timeout)
        try:
            if auth:
                return self.session.request(method, url, timeout=timeout, **kw)
            return requests.request(method, url, headers={"User-Agent": USER_AGENT, **kw.pop("headers", {})},
                                    verify=self.verify_tls, timeout=timeout, **kw)
        except requests.exceptions.SSLError as exc:
            raise TLSFailure(Words(N_("TLS failure talking to %(url)s: %(reason)s"), url=self.base_url,
                                   reason=str(exc)),
                             hint=N_("fix the site's certificate, or set verify_tls = false for a test site")) from None
        except requests.exceptions.Timeout:
            raise Unreachable(Words(N_("%(url)s did not answer within %(seconds)s s"), url=self.base_url,
                                    seconds=f"{self.timeout:g}"),
                              hint=N_("check that the site is up; raise the site's timeout if it is slow")) from None
        except requests.exceptions.ConnectionError as exc:
            if method != "GET" and _was_sent(exc):
                # Sent, then dropped: the site may have acted. Retried; the retry
                # finds the result (posts by marker, media by hash, replies by key).
                raise Unreachable(Words(N_("%(url)s dropped the connection after %(request)s was sent"),
                                        url=self.base_url, request=f"{method} {urlsplit(url).path}"),
                                  hint=N_("the site may have acted; the bridge retries and finds the result")) from None
            raise self._cannot_connect(exc) from None
        except requests.exceptions.RequestException as exc:
            raise self._cannot_connect(exc) from None

    def _cannot_connect(self, exc: Exception) -> Unreachable:
        return Unreachable(Words(N_("cannot connect to %(url)s: %(reason)s"), url=self.base_url,
                                 reason=exc.__class__.__name__),
                           hint=N_("check the site's URL and that it is up"))

    def get(self, url: str, **kw) -> requests.Response:
        """An unauthenticated GET of one of the site's pages (its feed, for the version)."""
        return self.request("GET", url, auth=False, **kw)

    def close(self) -> None:
        self.session.close()
