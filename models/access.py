"""Who may come in: people's accounts, channels' credentials, and the record of every request.

Secrets are never stored as given: passwords as argon2id hashes, channel keys as a SHA-256 digest (they are
32 random bytes, so a slow hash adds nothing) beside the signing secret sealed with the API's own secret."""
from datetime import datetime

from sqlmodel import Field, SQLModel


class Account(SQLModel, table=True):
    """A person's local account (the embedded default; OpenID Connect identities have no row here)."""

    __tablename__ = "account"

    id: str = Field(primary_key=True)          # the employee id, also the actor id on every message
    role: str
    department: str
    password_hash: str
    failed_logins: int = 0
    locked_until: datetime | None = None
    disabled: bool = False
    created_at: datetime
    password_changed_at: datetime


class ChannelCredential(SQLModel, table=True):
    """One intake channel system's key. A channel may hold several (rotation); a revoked one stays."""

    __tablename__ = "channel_credential"

    key_id: str = Field(primary_key=True)
    channel: str = Field(index=True)
    desk_department: str                      # whose queue the channel's complaints land in
    key_digest: str = Field(index=True, unique=True)
    sealed_secret: str                        # for HMAC-signed requests; opened with the API secret
    created_at: datetime
    revoked_at: datetime | None = None


class RequestAudit(SQLModel, table=True):
    """Every request the API answered: who, what, when, from where, and how it ended."""

    __tablename__ = "request_audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    principal_kind: str                        # person / channel / anonymous
    principal_id: str = Field(index=True)      # employee id, channel name, or the name tried
    role: str = ""
    department: str = ""
    method: str
    path: str
    complaint_id: str | None = Field(default=None, index=True)
    status: int
    outcome: str = ""                          # what was refused and why, or "unmasked" for a read in clear
    client: str = ""                           # the caller's address
    request_id: str = Field(default="", index=True)  # X-Request-ID: also on the log lines and the messages sent


class SeenSignature(SQLModel, table=True):
    """Signed channel requests already served: the same signature twice is a replay."""

    __tablename__ = "seen_signature"

    digest: str = Field(primary_key=True)
    key_id: str
    at: datetime


class EndedSession(SQLModel, table=True):
    """Browser sessions signed out before their token expired: the token, copied or kept, no longer signs in."""

    __tablename__ = "ended_session"

    sid: str = Field(primary_key=True)
    until: datetime = Field(index=True)  # the token's own expiry: past it the row may be swept
