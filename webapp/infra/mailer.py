"""Build invitation e-mails from the Jinja templates in webapp/mail and deliver them.

Two transports: the outbox (default; each message becomes an ``.eml`` file in ``OUTBOX_DIR``)
and SMTP (when ``SMTP_HOST`` is set), which keeps one connection open for a batch of messages.
Delivery errors are split into permanent ones (the recipient is refused: record and move on)
and transient ones (connection lost, 4xx: release the row and try again later).
"""

from __future__ import annotations

import base64
import re
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

MAIL_DIR = Path(__file__).resolve().parent.parent / "mail"
MAIL_LANGUAGES = ("nb", "nn", "en")
MAIL_KINDS = ("invitation", "reminder", "reminder_partial")

_env = Environment(
    loader=FileSystemLoader(str(MAIL_DIR)),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


class PermanentFailure(Exception):
    """The server refused this message for good (e.g. 550 unknown recipient)."""


class TransientFailure(Exception):
    """Delivery failed for now (connection lost, 4xx); the message may be retried."""


def render_mail(kind: str, language: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Subject, plain text and HTML for ``kind`` in ``language`` (nb when unknown)."""
    if kind not in MAIL_KINDS:
        raise ValueError(f"unknown mail kind {kind!r}; expected one of {', '.join(MAIL_KINDS)}")
    lang = language if language in MAIL_LANGUAGES else "nb"
    subject = " ".join(_env.get_template(f"{lang}/{kind}.subject.txt").render(context).split())
    text = _env.get_template(f"{lang}/{kind}.txt").render(context)
    html = _env.get_template(f"{lang}/{kind}.html").render({**context, "subject": subject})
    return subject, text, html


@dataclass(frozen=True)
class OutgoingMail:
    """A message ready for delivery: envelope addresses, Message-ID and the RFC 5322 bytes."""

    sender: str
    recipient: str
    message_id: str
    data: bytes


def build_message(
    to_name: str, to_email: str, subject: str, text: str, html: str, message_id: str | None = None
) -> OutgoingMail:
    """A multipart/alternative message (UTF-8 text + HTML, base64) from the configured sender.

    The MIME structure is written out directly rather than through email.message: the stdlib
    re-folds every header on each message, which alone would take longer than the SMTP
    exchange when 10 000 invitations go out in one run. Header values are encoded per RFC 2047.
    """
    from_header = current_app.config["MAIL_FROM"]
    to_email = to_email.strip()
    if any(c in to_email for c in '\r\n\0<>,;"') or " " in to_email:
        raise PermanentFailure(f"unusable recipient address {to_email!r}")
    to_name, subject = single_line(to_name), single_line(subject)
    message_id = message_id or make_msgid(domain="dekom-eval.local")
    boundary = f"=_dekom_{secrets.token_hex(12)}"
    head = (
        f"From: {_header('From', from_header)}\r\n"
        f"To: {_address(to_name, to_email)}\r\n"
        f"Subject: {_header('Subject', subject)}\r\n"
        f"Date: {formatdate(usegmt=True)}\r\n"
        f"Message-ID: {message_id}\r\n"
        "Auto-Submitted: auto-generated\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
    )
    parts = [head.encode("ascii")]
    for subtype, body in (("plain", text), ("html", html)):
        parts.append(
            f'--{boundary}\r\nContent-Type: text/{subtype}; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n".encode("ascii")
        )
        parts.append(base64.encodebytes(body.encode("utf-8")).replace(b"\n", b"\r\n"))
    parts.append(f"--{boundary}--\r\n".encode("ascii"))
    return OutgoingMail(parseaddr(from_header)[1], to_email, message_id, b"".join(parts))


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def single_line(value: str) -> str:
    """``value`` with line breaks and other control characters turned into one space.

    A header value never carries CR or LF, so a contact name such as
    ``"Eve\r\nReply-To: x@y"`` stays the display name it is and cannot add a header.
    """
    return " ".join(_CONTROL.sub(" ", value or "").split())


@lru_cache(maxsize=4096)
def _header(name: str, value: str) -> str:
    """A header value, RFC 2047-encoded and folded when it is not plain short ASCII."""
    if value.isascii() and len(value) < 900:
        return value
    return Header(value, "utf-8", header_name=name).encode(linesep="\r\n")


def _address(name: str, email: str) -> str:
    if name.isascii():
        return formataddr((name, email))
    return f"{Header(name, 'utf-8').encode()} <{email}>"


class OutboxTransport:
    """Write each message as an .eml file (for laptops and the demo)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def __enter__(self) -> OutboxTransport:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc) -> None:
        return None

    def send(self, msg: OutgoingMail) -> None:
        """Write ``msg`` to the outbox; the file name comes from its Message-ID."""
        name = msg.message_id.strip("<>").replace("@", "_at_").replace("/", "_")
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(msg.data)
        tmp.replace(self.folder / f"{name}.eml")


class SmtpTransport:
    """One SMTP connection for a batch of messages (reconnects when the server drops it)."""

    def __init__(self, config: dict[str, Any]):
        self.config = config
        self.conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        try:
            if c.get("SMTP_SSL"):
                conn = smtplib.SMTP_SSL(
                    c["SMTP_HOST"], c["SMTP_PORT"], timeout=30, context=ssl.create_default_context()
                )
            else:
                conn = smtplib.SMTP(c["SMTP_HOST"], c["SMTP_PORT"], timeout=30)
                if c.get("SMTP_STARTTLS"):
                    conn.starttls(context=ssl.create_default_context())
            if c.get("SMTP_USER"):
                conn.login(c["SMTP_USER"], c.get("SMTP_PASSWORD") or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientFailure(
                f"cannot connect to SMTP {c['SMTP_HOST']}:{c['SMTP_PORT']}: {exc}"
            ) from exc
        return conn

    def __enter__(self) -> SmtpTransport:
        self.conn = self._connect()
        return self

    def __exit__(self, *exc) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (OSError, smtplib.SMTPException):
                self.conn.close()
            self.conn = None

    def send(self, msg: OutgoingMail) -> None:
        """Deliver ``msg``; raises PermanentFailure or TransientFailure."""
        if self.conn is None:
            self.conn = self._connect()
        try:
            refused = self.conn.sendmail(msg.sender, [msg.recipient], msg.data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            self._reset()
            raise _classify(code, text, "recipient refused") from exc
        except smtplib.SMTPSenderRefused as exc:
            self._reset()
            raise _classify(exc.smtp_code, exc.smtp_error, "sender refused") from exc
        except smtplib.SMTPResponseException as exc:
            self._reset()
            raise _classify(exc.smtp_code, exc.smtp_error, "message refused") from exc
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.conn = None
            raise TransientFailure(f"connection lost: {exc}") from exc
        if refused:
            code, text = next(iter(refused.values()))
            raise _classify(code, text, "recipient refused")

    def _reset(self) -> None:
        try:
            if self.conn is not None:
                self.conn.rset()
        except (OSError, smtplib.SMTPException):
            self.conn = None


def _classify(code: int, text: bytes | str, what: str) -> Exception:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    error = f"{what}: {code} {message}".strip()
    return PermanentFailure(error) if 500 <= int(code) < 600 else TransientFailure(error)


def transport():
    """The configured transport: SMTP when SMTP_HOST is set, else the .eml outbox."""
    config = current_app.config
    if config.get("SMTP_HOST"):
        return SmtpTransport(config)
    return OutboxTransport(config["OUTBOX_DIR"])
