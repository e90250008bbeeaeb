"""``GET /metrics`` for Prometheus, and the webhook delivery counter it reports.

Open only to loopback clients unless the environment variable named by
``server.metrics_token_env`` holds a token: then any client that sends it as
``Authorization: Bearer …`` may scrape, and loopback needs it too.
"""
from __future__ import annotations

import hmac
import ipaddress
import os

from flask import Blueprint, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..metrics import registry_for
from .access import bridge

bp = Blueprint("metrics", __name__)


def _token() -> str | None:
    return os.environ.get(bridge().config.server.metrics_token_env) or None


def _from_loopback() -> bool:
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
def metrics():
    token = _token()
    if token is not None:
        sent = request.headers.get("Authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return Response("metrics need the bearer token from $"
                            f"{bridge().config.server.metrics_token_env}\n", status=401, mimetype="text/plain",
                            headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    elif not _from_loopback():
        return Response("metrics are served to loopback only; set $"
                        f"{bridge().config.server.metrics_token_env} to scrape from elsewhere with a token\n",
                        status=403, mimetype="text/plain")
    return Response(generate_latest(registry_for(bridge().store)), mimetype=CONTENT_TYPE_LATEST)


@bp.after_app_request
def count_webhook_delivery(response: Response):
    """Count each answer of the webhook endpoints, per source and status code."""
    if request.blueprint == "webhooks" and request.view_args:
        source = str(request.view_args.get("source_id") or request.view_args.get("site_id") or "")
        try:
            bridge().store.bump_counter("webhook_deliveries", f"{source}|{response.status_code}")
        except Exception:  # noqa: BLE001 - a metrics write must never fail the delivery's answer
            current_app.logger.exception("could not count a webhook delivery")
    return response
