"""Console test helpers: a small panel, a wave, logged-in clients and a real SMTP server."""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy
from email.message import Message

import factories  # tests/factories.py
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from conftest import PASSWORD  # tests/conftest.py

from webapp.extensions import db
from webapp.models import Person, utcnow


def add_person(
    i: int,
    role: str = "skoleleder",
    fylke: str = "Vestland",
    network: str | None = "Nettverk Vest",
    email: str | None = None,
    left: bool = False,
) -> Person:
    """Add person number ``i`` with contact data, in a kompetansenettverk (the caller commits)."""
    return factories.add_person(
        role,
        fylke,
        name=f"Person {i}",
        email=email or f"person{i}@example.no",
        network=factories.network(network, fylke) if network else None,
        external_id=f"EXT-{i}",
        left_at=utcnow() if left else None,
    )


def make_wave(
    instrument: dict[str, int], name: str = "Dekom 2025", status: str = "draft", invite: bool = True
):
    """A wave with the real questionnaires; invitations for the panel when ``invite``."""
    from webapp.domain import waves

    wave = waves.create_wave(name, 2025, instrument)
    if status == "open":
        waves.open_wave(wave)
    if invite:
        waves.invite_panel(wave)
    db.session.commit()
    return wave


def login(client, role: str):
    """Log ``client`` in as the fixture user with ``role``."""
    response = client.post(
        "/auth/login", data={"email": f"{role}@example.no", "password": PASSWORD}
    )
    assert response.status_code == 302, response.data[:500]
    return client


class Collector:
    """aiosmtpd handler keeping every message; refuses recipients listed in ``refuse``."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refuse: set[str] = set()
        self.lock = threading.Lock()
        self.on_message = None

    async def handle_RCPT(self, server, session, envelope: Envelope, address: str, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope: Envelope):
        if self.on_message is not None:
            reply = self.on_message(len(self.messages) + 1)
            if reply:
                return reply
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"

    def to(self) -> list[str]:
        """Recipient addresses of the received messages, in order."""
        return [m["To"].split("<")[-1].rstrip(">") for m in self.messages]


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback; yields (controller, collector)."""
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, collector
    controller.stop()


@pytest.fixture
def smtp_app(app, smtp_server):
    """``app`` configured to deliver to the loopback SMTP server; yields (app, collector)."""
    controller, collector = smtp_server
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
    return app, collector
