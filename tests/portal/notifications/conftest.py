"""A real SMTP server on a free local port (aiosmtpd) that keeps what it receives, and tasks
run in-process once the transaction that queued them commits."""

from __future__ import annotations

import email
import socket
from email.message import Message

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """What the test SMTP server accepted; ``refuse`` makes it answer 451 to the next N mails."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refuse = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            return "451 Try again later"
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


@pytest.fixture
def eager(django_capture_on_commit_callbacks):
    """Celery tasks run in the process, and on_commit callbacks run (the test's transaction
    never commits): what a worker would do, in order."""
    from portal.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    yield run
    app.conf.task_always_eager = before
