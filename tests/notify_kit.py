"""pytest plugin (loaded by tests/conftest.py): a real SMTP server (aiosmtpd) and a real
HTTP receiver for the chat webhook, for tests/test_notifications.py and
tests/test_notifications_browser.py.

Fixtures: ``smtp`` (an ``SMTPServer`` a test can stop and start), ``receiver`` (a
``LocalServer`` answering ``/hook``), ``notify_config`` (mail to ``smtp``; a module's
``config`` fixture returns it)."""
from __future__ import annotations

import email
import email.policy

import pytest
from aiosmtpd.controller import Controller

from bridge import clock as clock_mod
from tests.conftest import make_config
from tests.localhttp import LocalServer
from tests.serve_helpers import free_port

PUBLIC = "https://bridge.example.org"


class Sink:
    """aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


class SMTPServer:
    """A real SMTP server on a fixed port that a test can stop and start again."""

    def __init__(self, port: int):
        self.port = port
        self.sink = Sink()
        self.controller = None

    def start(self):
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def texts(self) -> list[str]:
        return [m.get_body(("plain",)).get_content() for m in self.sink.messages]


@pytest.fixture
def smtp():
    server = SMTPServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def receiver():
    with LocalServer() as server:
        server.add("/hook", "ok")
        yield server


@pytest.fixture
def notify_config(tmp_path, smtp):
    """A config whose mail goes to the ``smtp`` server (a module's ``config`` returns this)."""
    return make_config(tmp_path, {"server": {"public_url": PUBLIC},
                                  "notifications": {"smtp_host": "127.0.0.1", "smtp_port": smtp.port,
                                                    "from": "bridge@example.org"},
                                  "media": {"allow_private": ["127.0.0.1"]}})


def iso_ago(clock, minutes: float) -> str:
    return clock_mod.iso(clock.t - minutes * 60)
