"""Console user accounts with argon2-hashed passwords and one role each."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, one_of, utcnow


class UserRole(StrEnum):
    """What a console user may do."""

    ADMIN = "admin"
    EVALUATOR = "evaluator"
    RESEARCHER = "researcher"


USER_ROLES = tuple(UserRole)
_hasher = PasswordHasher()


class User(UserMixin, db.Model):
    """An admin, evaluator or researcher who logs in to the console."""

    __tablename__ = "user_account"
    __table_args__ = (one_of("role", UserRole, "role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16))
    is_active_account: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    language: Mapped[str] = mapped_column(sa.String(2), default="nb")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: part of the session id; raised on logout so every copy of an older session cookie
    #: (and remember cookie) stops working
    session_version: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")

    def get_id(self) -> str:  # Flask-Login
        """The session id: ``<user id>:<session version>``."""
        return f"{self.id}:{self.session_version or 1}"

    def end_sessions(self) -> None:
        """Invalidate every session and remember cookie of this user (the caller commits)."""
        self.session_version = (self.session_version or 1) + 1

    @property
    def is_active(self) -> bool:  # Flask-Login
        """Deactivated accounts cannot log in."""
        return bool(self.is_active_account)

    def set_password(self, password: str) -> None:
        """Hash and store ``password`` with argon2id."""
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        """True when ``password`` matches; rehashes if the parameters are outdated."""
        try:
            _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if _hasher.check_needs_rehash(self.password_hash):
            self.set_password(password)
        return True

    def has_role(self, *roles: str) -> bool:
        """True when the user's role is one of ``roles``."""
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
