"""Tell the few who moderate that something waits: digests and threshold alerts.

Each user sets on the account page a digest (off, hourly, daily) and thresholds
(more than N pending on a site, the oldest pending waited over M minutes, a site
needs attention), and where to hear it: e-mail over the ``[notifications]`` SMTP
server and/or a chat webhook (Slack-compatible ``{"text": …}`` or a Matrix
incoming webhook, which takes ``text`` and ``html``).

**Never twice, never lost.** :meth:`NotificationService.evaluate` only enqueues
outbox jobs (kind ``notify``, no site): one per channel, with the idempotency key
``notify:<channel>:digest:<user>:<period>`` (the hour or day) or
``notify:<channel>:alert:<user>:<alert>:<site>:<episode>``. An episode starts when a
threshold is crossed and ends when the condition is gone, so an alert goes out
once per crossing however often cron runs; a failed delivery is retried by the
outbox with backoff.

**Rights.** Every count is taken over the user's visible sites (``rights.visible_sites``,
the rule behind the web pages' ``allowed_sites``), so nobody hears about a site they may
not see; a queued message is dropped when sent if the user lost one of its sites meanwhile.

**Language.** A message is written in the user's language (the account page's
choice; English when none is set): its words are Words, said when the job is queued.

**Links.** Every message links to the filtered inbox and carries an unsubscribe
link whose token is signed with the session key (itsdangerous, as Flask's own
session), so it works without logging in.
"""
from __future__ import annotations

import json
import logging
import os
import smtplib
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from itsdangerous import BadSignature, URLSafeSerializer

from adapters import fetch as guarded
from adapters.base import AdapterError, Unreachable

from .rights import visible_sites
from .translations import LANGUAGES, N_, Words, in_language

if TYPE_CHECKING:
    from .core import Bridge

log = logging.getLogger(__name__)

KIND = "notify"
DIGESTS = ("off", "hourly", "daily")
WEBHOOK_KINDS = ("slack", "matrix")
#: a user may name only these variables for a webhook secret: never the server's own secrets
NOTIFY_ENV_PREFIX = "CMS_BRIDGE_NOTIFY_"
UNSUBSCRIBE_SALT = "cms-bridge-notifications-unsubscribe"


class DeliveryFailed(AdapterError):
    """The SMTP server or the webhook receiver did not take the message; retried."""

    retriable = True


class Rejected(AdapterError):
    """The receiver refused the message for good (e.g. HTTP 404 on the webhook)."""


@dataclass
class Message:
    """What one notification says, in Words: said in the reader's language when written out."""

    subject: str
    lines: list[str]
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url)
    sites: list[str] = field(default_factory=list)  # the sites it tells about, re-checked when sent

    def said(self, lang: str) -> Message:
        """The same message in ``lang``."""
        return Message(in_language(self.subject, lang), [in_language(line, lang) for line in self.lines],
                       [(in_language(label, lang), url) for label, url in self.links], self.sites)

    def text(self, unsubscribe: str, lang: str = LANGUAGES[0]) -> str:
        body = "\n".join(self.lines)
        for label, url in self.links:
            body += f"\n{label}: {url}"
        return f"{body}\n\n{in_language(UNSUBSCRIBE, lang)}: {unsubscribe}\n"

    def html(self, unsubscribe: str, lang: str = LANGUAGES[0]) -> str:
        from markupsafe import escape

        parts = [f"<p>{escape(line)}</p>" for line in self.lines]
        parts += [f'<p><a href="{escape(url)}">{escape(label)}</a></p>' for label, url in self.links]
        parts.append(f'<p><a href="{escape(unsubscribe)}">{escape(in_language(UNSUBSCRIBE, lang))}</a></p>')
        return "".join(parts)


UNSUBSCRIBE = N_("Unsubscribe")


# -- settings from the account form ----------------------------------------------
def parse_settings(form: Mapping[str, str], environ: Mapping[str, str] = os.environ) -> tuple[dict, list[str]]:
    """The account form → (values, problems); each problem names field, value and fix."""
    problems: list[str] = []
    values: dict = {"enabled": 1}
    digest = form.get("digest", "off")
    if digest not in DIGESTS:
        problems.append(Words(N_("Digest: %(value)r is not one of %(choices)s; choose one of them."), value=digest,
                              choices=", ".join(DIGESTS)))
    values["digest"] = digest
    for name, label, low in (("max_pending", N_("Pending comments above"), 0),
                             ("max_wait_minutes", N_("Oldest pending waited over (minutes)"), 1)):
        raw = (form.get(name) or "").strip()
        if not raw:
            values[name] = None
        elif not raw.isdigit() or int(raw) < low:
            problems.append(Words(N_("%(field)s: %(value)r is not a whole number of at least %(low)s; enter one, or "
                                     "leave it empty for no alert."), field=Words(label), value=raw, low=low))
        else:
            values[name] = int(raw)
    values["on_attention"] = 1 if form.get("on_attention") == "1" else 0
    email = (form.get("email") or "").strip()
    if email and ("@" not in email or any(c.isspace() for c in email) or len(email) > 254):
        problems.append(Words(N_("E-mail: %(value)r is not an e-mail address; write it like ann@example.org."),
                              value=email))
    values["email"] = email
    url = (form.get("webhook_url") or "").strip()
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        problems.append(Words(N_("Chat webhook URL: %(value)r is not an http(s) URL; paste the URL the chat's "
                                 "incoming webhook shows."), value=url))
    values["webhook_url"] = url
    kind = form.get("webhook_kind", "slack")
    if kind not in WEBHOOK_KINDS:
        problems.append(Words(N_("Chat webhook kind: %(value)r is not one of %(choices)s."), value=kind,
                              choices=", ".join(WEBHOOK_KINDS)))
    values["webhook_kind"] = kind
    secret_env = (form.get("webhook_secret_env") or "").strip()
    if secret_env and not secret_env.startswith(NOTIFY_ENV_PREFIX):
        problems.append(Words(N_("Webhook secret variable: %(value)r does not start with %(prefix)s; ask an admin to "
                                 "export the secret as %(prefix)s<NAME> and enter that name."), value=secret_env,
                              prefix=NOTIFY_ENV_PREFIX))
    elif secret_env and not environ.get(secret_env):
        problems.append(Words(N_("Webhook secret variable: %(value)r is not set on the server; ask an admin to "
                                 "export it for cms-bridge, or leave the field empty."), value=secret_env))
    values["webhook_secret_env"] = secret_env
    return values, problems


# -- the service -------------------------------------------------------------------
class NotificationService:
    def __init__(self, bridge: Bridge):
        self.bridge = bridge
        self.store = bridge.store
        self.config = bridge.config

    # -- links ---------------------------------------------------------------
    def base_url(self) -> str:
        server = self.config.server
        return (server.public_url or f"http://{server.host}:{server.port}").rstrip("/")

    def inbox_url(self, site_id: str) -> str:
        return f"{self.base_url()}/inbox?{urlencode({'site': site_id, 'status': 'pending'})}"

    def _serializer(self) -> URLSafeSerializer:
        from .app import load_secret_key  # the session key: the same one Flask signs with

        return URLSafeSerializer(load_secret_key(self.config), salt=UNSUBSCRIBE_SALT)

    def unsubscribe_token(self, user_id: int) -> str:
        return self._serializer().dumps({"u": user_id})

    def unsubscribe_url(self, user_id: int) -> str:
        return f"{self.base_url()}/notifications/unsubscribe/{self.unsubscribe_token(user_id)}"

    def check_token(self, token: str) -> dict | None:
        """The user a genuine unsubscribe token names, or None."""
        try:
            data = self._serializer().loads(token)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("u"), int):
            return None
        return self.store.get_user(data["u"])

    def unsubscribe(self, token: str) -> dict | None:
        """Turn the token's user's notifications off; the user, or None for a bad token."""
        user = self.check_token(token)
        if user is None:
            return None
        self.store.save_notification_settings(user["id"], {"enabled": 0})
        return user

    # -- settings --------------------------------------------------------------
    def settings(self, user_id: int) -> dict:
        row = self.store.notification_settings(user_id)
        if row is None:
            return {"enabled": 1, "digest": "off", "max_pending": None, "max_wait_minutes": None,
                    "on_attention": 0, "email": "", "webhook_url": "", "webhook_kind": "slack",
                    "webhook_secret_env": ""}
        return row

    def parse(self, form: Mapping[str, str]) -> tuple[dict, list[str]]:
        return parse_settings(form)

    def save(self, user_id: int, values: dict) -> None:
        self.store.save_notification_settings(user_id, values)

    # -- what a user may hear about ------------------------------------------------
    def _items_to_curate(self, allowed: list[str] | None) -> int:
        visible_sources = self.bridge.curation.sources_targeting(allowed) if allowed is not None else None
        rows = self.store.curation_items(states=["pending", "flagged"], visible_sites=allowed,
                                         visible_sources=visible_sources, limit=1001)
        return len(rows)

    # -- evaluating ------------------------------------------------------------------
    def evaluate(self) -> int:
        """Enqueue the due digests and the alerts of newly crossed thresholds; how many jobs were created."""
        created = 0
        now = self.bridge.clock()
        for user in self.store.subscribed_users():
            channels = self._channels(user)
            if not channels:
                continue
            allowed = visible_sites(user)
            pending = self.store.pending_by_site(allowed)
            created += self._digest(user, channels, allowed, pending, now)
            created += self._alerts(user, channels, allowed, pending, now)
        return created

    def _channels(self, user: dict) -> list[str]:
        out = []
        if user["email"] and self.config.notifications.smtp_host:
            out.append("email")
        if user["webhook_url"]:
            out.append("webhook")
        return out

    def _digest(self, user: dict, channels: list[str], allowed: list[str] | None, pending: dict[str, dict],
                now: float) -> int:
        if user["digest"] == "off":
            return 0
        period = time.strftime("%Y-%m-%dT%H" if user["digest"] == "hourly" else "%Y-%m-%d", time.gmtime(now))
        failed = self.store.failed_jobs_by_site(allowed)
        items = self._items_to_curate(allowed)
        lines: list[str] = []
        links: list[tuple[str, str]] = []
        for site_id in sorted(pending):
            waited = _minutes_since(pending[site_id]["oldest"], now)
            lines.append(Words(N_("%(site)s: %(n)s pending comment(s), the oldest waiting %(waited)s"),
                               site=site_id, n=pending[site_id]["pending"], waited=_duration(waited)))
            links.append((_inbox_of(site_id), self.inbox_url(site_id)))
        for site_id in sorted(failed):
            lines.append(Words(N_("%(site)s: %(n)s failed change(s)"), site=site_id, n=failed[site_id]))
        if items:
            lines.append(Words(N_("%(n)s item(s) to curate"), n=items if items <= 1000 else Words(N_("over 1000"))))
            links.append((Words(N_("Curation")), f"{self.base_url()}/curation"))
        if not lines:
            return 0  # nothing waits: no mail (the next run in this period may still send one)
        subject = (Words(N_("cms-bridge hourly digest: what waits for you")) if user["digest"] == "hourly"
                   else Words(N_("cms-bridge daily digest: what waits for you")))
        message = Message(subject, lines, links, sites=sorted(set(pending) | set(failed)))
        return self._enqueue(user, channels, f"digest:{user['user_id']}:{period}", message)

    def _alerts(self, user: dict, channels: list[str], allowed: list[str] | None, pending: dict[str, dict],
                now: float) -> int:
        crossed: dict[str, dict[str, Words]] = {"pending": {}, "wait": {}, "attention": {}}
        if user["max_pending"] is not None:
            for site_id, row in pending.items():
                if row["pending"] > user["max_pending"]:
                    crossed["pending"][site_id] = Words(N_("%(n)s comments are pending on %(site)s (your limit: "
                                                           "%(limit)s)"), n=row["pending"], site=site_id,
                                                        limit=user["max_pending"])
        if user["max_wait_minutes"] is not None:
            for site_id, row in pending.items():
                waited = _minutes_since(row["oldest"], now)
                if waited > user["max_wait_minutes"]:
                    crossed["wait"][site_id] = Words(N_("a comment on %(site)s has waited %(waited)s (your limit: "
                                                        "%(limit)s)"), site=site_id, waited=_duration(waited),
                                                     limit=_duration(user["max_wait_minutes"]))
        if user["on_attention"]:
            for site_id, reason in self.store.sites_needing_attention(allowed).items():
                crossed["attention"][site_id] = Words(N_("%(site)s needs attention: %(reason)s"), site=site_id,
                                                      reason=reason or Words(N_("see the sites page")))
        created = 0
        for alert, sites in crossed.items():
            self.store.close_alerts(user["user_id"], alert, list(sites))
            for site_id, text in sorted(sites.items()):
                # the same episode gives the same key: the outbox keeps the first job, so
                # one message per crossing however many runs see it crossed
                episode = self.store.open_alert(user["user_id"], alert, site_id)
                message = Message(Words(N_("cms-bridge: %(alert)s"), alert=text),
                                  [Words(N_("Alert: %(alert)s."), alert=text)],
                                  [(_inbox_of(site_id), self.inbox_url(site_id))], sites=[site_id])
                created += self._enqueue(user, channels,
                                         f"alert:{user['user_id']}:{alert}:{site_id}:{episode}", message)
        return created

    def _enqueue(self, user: dict, channels: list[str], key: str, message: Message) -> int:
        unsubscribe = self.unsubscribe_url(user["user_id"])
        lang = str(user.get("language") or "")
        lang = lang if lang in LANGUAGES else LANGUAGES[0]
        said = message.said(lang)
        created = 0
        for channel in channels:
            payload = {"user_id": user["user_id"], "channel": channel, "subject": said.subject,
                       "text": said.text(unsubscribe, lang), "html": said.html(unsubscribe, lang),
                       "unsubscribe": unsubscribe, "sites": message.sites}
            job = self.bridge.outbox.enqueue(KIND, key=f"notify:{channel}:{key}", payload=payload)
            created += int(job["attempts"] == 0 and job["state"] == "queued")
        return created

    def run(self):
        """What ``cms-bridge notify`` and the end of ``cms-bridge sync`` do: evaluate, then send."""
        created = self.evaluate()
        return created, self.drain()

    def drain(self):
        return self.bridge.outbox.run_due(kinds=[KIND])

    # -- sending (the outbox handler) ----------------------------------------------
    def handle(self, job: dict) -> dict:
        """Send one message; re-reads the settings so an unsubscribe or a change wins over a queued job."""
        payload = job["payload"]
        user = self.store.get_user(payload["user_id"])
        settings = self.store.notification_settings(payload["user_id"])
        if user is None or user["disabled"] or settings is None or not settings["enabled"]:
            return {"skipped": "the user is gone, disabled or unsubscribed"}
        allowed = visible_sites(user)
        if allowed is not None and not set(payload.get("sites", [])) <= set(allowed):
            return {"skipped": "the user may no longer see every site the message is about"}
        if payload["channel"] == "email":
            if not settings["email"]:
                return {"skipped": "no e-mail address any more"}
            self.send_email(settings["email"], payload)
            return {"sent": "email", "to": settings["email"]}
        if not settings["webhook_url"]:
            return {"skipped": "no chat webhook any more"}
        self.send_webhook(settings, payload)
        return {"sent": "webhook"}

    def send_email(self, to: str, payload: dict) -> None:
        cfg = self.config.notifications
        msg = EmailMessage()
        msg["From"] = cfg.from_
        msg["To"] = to
        msg["Subject"] = payload["subject"]
        msg["List-Unsubscribe"] = f"<{payload['unsubscribe']}>"
        msg.set_content(payload["text"])
        msg.add_alternative(payload["html"], subtype="html")
        password = self.config.secrets.get(("notifications", "smtp"), {}).get("password")
        try:
            with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout) as smtp:
                if cfg.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if cfg.username:
                    smtp.login(cfg.username, password or "")
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            raise Rejected(Words(N_("the SMTP server refused the recipient %(to)r: %(reason)s"), to=to,
                                 reason=str(exc.recipients)),
                           hint=N_("correct the e-mail address on the account page")) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(Words(N_("sending e-mail through %(server)s failed: %(reason)s"),
                                       server=f"{cfg.smtp_host}:{cfg.smtp_port}", reason=str(exc)),
                                 hint=N_("retried with backoff; check [notifications] smtp_host/smtp_port")) from None

    def send_webhook(self, settings: dict, payload: dict) -> None:
        """POST the message through the SSRF guard of ``bridge.media`` (the one outbound-URL guard)."""
        body = {"text": payload["text"]}
        if settings["webhook_kind"] == "matrix":
            body["html"] = payload["html"]
        headers = {"Content-Type": "application/json", "User-Agent": "cms-bridge notifications"}
        if settings["webhook_secret_env"]:
            secret = os.environ.get(settings["webhook_secret_env"])
            if not secret:
                raise DeliveryFailed(Words(N_("the webhook secret variable %(variable)r is not set"),
                                           variable=settings["webhook_secret_env"]),
                                     hint=N_("export it for cms-bridge; the job is retried"))
            headers["Authorization"] = f"Bearer {secret}"
        status = _post(settings["webhook_url"], json.dumps(body).encode(), headers,
                       timeout=self.config.notifications.timeout,
                       allow_private=self.config.media.allow_private)
        if status == 429 or status >= 500:
            raise DeliveryFailed(Words(N_("the chat webhook answered HTTP %(status)s"), status=status),
                                 hint=N_("retried with backoff"))
        if status >= 300:
            raise Rejected(Words(N_("the chat webhook answered HTTP %(status)s"), status=status),
                           hint=N_("check the webhook URL on the account page"))


def _post(url: str, body: bytes, headers: dict, *, timeout: float, allow_private: Iterable[str]) -> int:
    try:
        conn, target = guarded.pinned_connection(url, timeout=timeout, allow_private=allow_private)
    except guarded.Refused as exc:
        raise Rejected(exc.message, hint=N_("use the chat's public webhook URL")) from None
    except guarded.FetchError as exc:
        raise Unreachable(exc.message) from None
    try:
        conn.request("POST", target, body=body, headers={"Host": urlsplit(url).netloc, **headers})
        response = conn.getresponse()
        response.read(64 * 1024)
        return response.status
    except OSError as exc:
        raise DeliveryFailed(Words(N_("posting to the chat webhook failed: %(reason)s"), reason=str(exc)),
                             hint=N_("retried with backoff")) from None
    finally:
        conn.close()


def _minutes_since(iso: str | None, now: float) -> float:
    if not iso:
        return 0.0
    from .clock import parse_iso

    return max(0.0, (now - parse_iso(iso).timestamp()) / 60.0)


def _duration(minutes: float) -> Words:
    minutes = int(minutes)
    if minutes < 120:
        return Words(N_("%(minutes)s min"), minutes=minutes)
    if minutes < 48 * 60:
        return Words(N_("%(hours)s h %(minutes)s min"), hours=minutes // 60, minutes=minutes % 60)
    return Words(N_("%(days)s days"), days=minutes // 1440)


def _inbox_of(site_id: str) -> Words:
    return Words(N_("Inbox of %(site)s"), site=site_id)


def setup(bridge: Bridge) -> NotificationService:
    service = NotificationService(bridge)
    bridge.outbox.register(KIND, service.handle)
    return service
