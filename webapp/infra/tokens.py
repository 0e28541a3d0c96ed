"""Personal link tokens: derived from a random salt and the server key; only the hash is stored.

token = HMAC-SHA256(key, salt) in URL-safe base64 (256 bits). The database keeps the salt and
SHA-256(token); without the server key a stolen database gives no working link, and the sender
can re-derive the link for reminders. A new salt revokes the old link.

Key rotation: a link is found by the hash of its token alone, so links already sent keep working
under a new SECRET_KEY. To re-derive a link for a reminder, the sender tries SECRET_KEY and then
every key in SECRET_KEY_FALLBACKS and takes the one whose token has the stored hash. When none
does (the old key was dropped), :func:`reissue_if_needed` gives the invitation a new salt under
the current key, so the reminder carries a fresh link that works (docs/privacy.md).
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


def _derive(secret: str) -> bytes:
    return hashlib.sha256(b"dekom-link-token:" + secret.encode()).digest()


def _key() -> bytes:
    return _derive(current_app.config["SECRET_KEY"])


def _keys() -> list[bytes]:
    """The current link key first, then the keys derived from SECRET_KEY_FALLBACKS."""
    fallbacks = current_app.config.get("SECRET_KEY_FALLBACKS") or []
    return [_key(), *(_derive(k) for k in fallbacks if k)]


def _token(key: bytes, salt: str) -> str:
    mac = hmac.new(key, salt.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def hash_token(token: str) -> str:
    """SHA-256 hex digest of a link token."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def token_for_salt(salt: str) -> str:
    """The link token for a salt under the current server key."""
    return _token(_key(), salt)


def assign_token(invitation: Invitation) -> str:
    """Give ``invitation`` a fresh random salt and token hash; returns the token."""
    invitation.token_salt = secrets.token_hex(16)
    token = token_for_salt(invitation.token_salt)
    invitation.token_hash = hash_token(token)
    return token


def derived_token(invitation: Invitation) -> str | None:
    """The token of ``invitation`` re-derived with the key it was made with, or None if that key is gone."""
    for key in _keys():
        token = _token(key, invitation.token_salt)
        if hash_token(token) == invitation.token_hash:
            return token
    return None


def token_for(invitation: Invitation) -> str:
    """Re-derive the token of ``invitation`` (for sending invitations and reminders).

    Raises LookupError when no configured key gives the stored hash; call
    :func:`reissue_if_needed` first where a new link is acceptable.
    """
    token = derived_token(invitation)
    if token is None:
        raise LookupError(
            f"invitation {invitation.id}: its link was made with a key that is no longer "
            "configured (SECRET_KEY_FALLBACKS); a new link must be issued"
        )
    return token


def reissue_if_needed(invitation: Invitation) -> dict[str, str] | None:
    """When the link of ``invitation`` cannot be re-derived, a new salt and hash (set on the object
    as committed state) for the caller to write; None when the old link still derives."""
    if derived_token(invitation) is not None:
        return None
    from sqlalchemy.orm.attributes import set_committed_value

    salt = secrets.token_hex(16)
    values = {"token_salt": salt, "token_hash": hash_token(token_for_salt(salt))}
    for name, value in values.items():
        set_committed_value(invitation, name, value)
    return values


def plausible_token_hash(token: str) -> str | None:
    """The hash to look ``token`` up by, or None for a malformed token (never sent to the DB)."""
    if not token or len(token) < TOKEN_MIN_LENGTH or len(token) > 64:
        return None
    if not all(c.isalnum() or c in "-_" for c in token):
        return None
    return hash_token(token)


def find_invitation(token: str) -> Invitation | None:
    """The invitation whose link carries ``token``, or None (malformed tokens never hit the DB)."""
    token_hash = plausible_token_hash(token)
    if token_hash is None:
        return None
    return db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == token_hash))


def survey_url(invitation: Invitation, language: str = "nb") -> str:
    """The absolute personal link for ``invitation``; it opens in ``language`` unless bokmål."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    lang = f"?lang={language}" if language in ("nn", "en") else ""
    return f"{base}/s/{token_for(invitation)}{lang}"


def privacy_url(language: str = "nb") -> str:
    """The absolute address of the privacy notice in ``language`` (linked from every invitation)."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/personvern?lang={language if language in ('nb', 'nn', 'en') else 'nb'}"
