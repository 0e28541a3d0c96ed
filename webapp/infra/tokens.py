"""Personal link tokens: derived from a random salt and the server key; only the hash is stored.

token = HMAC-SHA256(key, salt) in URL-safe base64 (256 bits). The database keeps the salt and
SHA-256(token); without the server key a stolen database gives no working link, and the sender
can re-derive the link for reminders. A new salt revokes the old link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import Invitation

TOKEN_MIN_LENGTH = 40


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"].encode()
    return hashlib.sha256(b"dekom-link-token:" + secret).digest()


def hash_token(token: str) -> str:
    """SHA-256 hex digest of a link token."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def token_for_salt(salt: str) -> str:
    """The link token for a salt (deterministic given the server key)."""
    mac = hmac.new(_key(), salt.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def assign_token(invitation: Invitation) -> str:
    """Give ``invitation`` a fresh random salt and token hash; returns the token."""
    invitation.token_salt = secrets.token_hex(16)
    token = token_for_salt(invitation.token_salt)
    invitation.token_hash = hash_token(token)
    return token


def token_for(invitation: Invitation) -> str:
    """Re-derive the token of ``invitation`` (for sending invitations and reminders)."""
    return token_for_salt(invitation.token_salt)


def find_invitation(token: str) -> Invitation | None:
    """The invitation whose link carries ``token``, or None (malformed tokens never hit the DB)."""
    if not token or len(token) < TOKEN_MIN_LENGTH or len(token) > 64:
        return None
    if not all(c.isalnum() or c in "-_" for c in token):
        return None
    return db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == hash_token(token)))


def survey_url(invitation: Invitation) -> str:
    """The absolute personal link for ``invitation``."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/s/{token_for(invitation)}"
