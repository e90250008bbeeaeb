"""The application factory (as in Flask's own tutorial): one call builds a
configured app, so tests, ``cms-bridge serve`` and WSGI servers all get the same."""
from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from flask import Blueprint, Flask, jsonify, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from webhooks import routes as webhooks_routes

from .config import Config, load_config
from .core import Bridge
from .keyfiles import key_from_env_or_file
from .web import (
    access,
    api,
    audit,
    auth,
    contribute,
    curation,
    humane,
    i18n,
    inbox,
    insights,
    invitations,
    metrics,
    notifications,
    pages,
    site_admin,
    sites,
    source_admin,
    stories,
    users,
)
from .web.converters import BoundedIntConverter
from .web.problems import problem

if TYPE_CHECKING:
    from flask import Response

#: every blueprint, in registration order; a feature adds its import and one entry here
BLUEPRINTS: tuple[Blueprint, ...] = (
    auth.bp,
    pages.bp,
    curation.bp,
    stories.bp,
    api.bp,
    webhooks_routes.bp,
    inbox.bp,
    audit.bp,
    sites.bp,
    users.bp,
    metrics.bp,
    site_admin.bp,
    source_admin.bp,
    insights.bp,
    contribute.bp,
    invitations.bp,
    notifications.bp,
)

#: (endpoint, label, admins only) of the top navigation; entries whose endpoint
#: is not registered are left out, so a feature appears when its blueprint does
NAV_ITEMS: tuple[tuple[str, object, bool], ...] = (
    ("inbox.index", _l("Inbox"), False),
    ("curation.queue", _l("Curation"), False),
    ("stories.index", _l("Stories"), False),
    ("sites.index", _l("Sites"), False),
    ("insights.index", _l("Insights"), False),
    ("invitations.index", _l("Invitations"), False),
    ("audit.index", _l("Audit log"), True),
    ("users.index", _l("Users"), True),
)

log = logging.getLogger(__name__)


class SessionInterface(SecureCookieSessionInterface):
    """Session cookie: HttpOnly, SameSite=Lax, and Secure whenever the request came over https."""

    def get_cookie_secure(self, app: Flask):  # noqa: D401 - Flask hook
        from flask import request as current_request

        return bool(current_request) and current_request.is_secure


def load_secret_key(config: Config) -> str:
    """The session signing key: from the environment variable the config names, or
    else from a file only its owner can read, created on first use."""
    return key_from_env_or_file(config.server.secret_key_env, config.server.secret_key_file,
                                lambda: secrets.token_hex(32))


def create_app(config: Config | None = None, *, bridge: Bridge | None = None, testing: bool = False) -> Flask:
    if config is None:
        config = bridge.config if bridge is not None else load_config()
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.update(
        SECRET_KEY=load_secret_key(config),
        TESTING=testing,
        MAX_CONTENT_LENGTH=config.server.max_body_bytes,
        SESSION_COOKIE_NAME="cms_bridge_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.security.session_hours),
        JSON_SORT_KEYS=False,
    )
    app.session_interface = SessionInterface()
    if config.server.behind_proxy:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Wrapping wsgi_app is how Flask's and Werkzeug's docs install middleware; mypy sees a method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    app.extensions["bridge"] = bridge or Bridge(config)
    # ids beyond SQLite's int64 are refused at routing (404), never reach the store
    app.url_map.converters["int"] = BoundedIntConverter

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

    app.before_request(access.enforce_access)
    def template_globals():
        items = [(endpoint, label) for endpoint, label, admin_only in NAV_ITEMS
                 if endpoint in app.view_functions and (not admin_only or access.is_admin())]
        return {"csrf_token": access.csrf_token, "is_admin": access.is_admin, "nav_items": items}

    app.context_processor(template_globals)
    humane.install(app)
    i18n.install(app)

    @app.get("/healthz")
    def healthz():
        try:
            app.extensions["bridge"].store.check_health()
        except Exception as exc:  # noqa: BLE001 - any failure to read means unhealthy
            log.warning("healthz: database check failed: %s", exc)
            return jsonify({"status": "error", "database": "unreadable"}), 503
        return jsonify({"status": "ok", "database": "ok"})

    @app.after_request
    def security_headers(response: Response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # The exception's own headers carry what the client needs to go on: `Allow` on
        # a 405 (RFC 9110 §15.5.6 requires it), `Retry-After` where one is set.
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        if access.wants_json():
            return problem(exc.code or 500, exc.name, exc.description or "", headers=headers)
        return render_template("error.html", error=exc), exc.code, headers

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if access.wants_json():
            return problem(500, "Internal error", "Something went wrong on our side; it has been logged.")
        return render_template("error.html", error=None), 500

    return app
