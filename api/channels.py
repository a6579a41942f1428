"""Intake channels' credentials: a key per channel, sent as a bearer token or used to sign requests.

A key reads `ck_<key id>_<secret>`. The database keeps its SHA-256 digest (to find it from a bearer token)
and the key sealed with the API secret (to check an HMAC signature); the key itself is printed once.
A signed request carries `X-Key-Id`, `X-Timestamp` (Unix seconds) and `X-Signature`, the hex HMAC-SHA256
of `timestamp \\n METHOD \\n path?query \\n sha256(body)`; it is good once, within the signature window."""
import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.access import ChannelCredential, SeenSignature
from models.enums import Channel
from models.intake import SPECIAL_GROUP_DEPARTMENT

PREFIX = "ck_"


@dataclass(frozen=True)
class NewKey:
    key_id: str
    channel: Channel
    key: str  # shown once


def _seal_key(api_secret: str) -> AESGCM:
    return AESGCM(hashlib.sha256(b"complaints channel seal\x00" + api_secret.encode()).digest())


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def add_channel(engine: Engine, channel: Channel | str, api_secret: str, desk_department: str | None = None) -> NewKey:
    channel = Channel(channel)
    desk = desk_department or f"{channel.value}-desk"
    if desk == SPECIAL_GROUP_DEPARTMENT:
        raise ValueError(f"a channel's complaints may not land in the {SPECIAL_GROUP_DEPARTMENT}")
    key_id = base64.b32encode(os.urandom(5)).decode().lower()
    key = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    nonce = os.urandom(12)
    sealed = base64.b64encode(nonce + _seal_key(api_secret).encrypt(nonce, key.encode(), key_id.encode())).decode()
    with Session(engine) as session:
        session.add(ChannelCredential(key_id=key_id, channel=channel.value, desk_department=desk,
                                      key_digest=digest(key), sealed_secret=sealed,
                                      created_at=datetime.now(UTC)))
        session.commit()
    return NewKey(key_id, channel, key)


def revoke(engine: Engine, key_id: str) -> bool:
    with Session(engine) as session:
        cred = session.get(ChannelCredential, key_id)
        if cred is None or cred.revoked_at:
            return False
        cred.revoked_at = datetime.now(UTC)
        session.add(cred)
        session.commit()
        return True


def by_key(engine: Engine, key: str) -> ChannelCredential | None:
    if not key.startswith(PREFIX):
        return None
    with Session(engine) as session:
        cred = session.exec(select(ChannelCredential).where(ChannelCredential.key_digest == digest(key))).first()
    return cred if cred is not None and cred.revoked_at is None else None


def listed(engine: Engine) -> list[ChannelCredential]:
    with Session(engine) as session:
        return list(session.exec(select(ChannelCredential).order_by(col(ChannelCredential.created_at))).all())


def signing_string(timestamp: str, method: str, path_and_query: str, body: bytes) -> bytes:
    return f"{timestamp}\n{method.upper()}\n{path_and_query}\n{hashlib.sha256(body).hexdigest()}".encode()


def sign(key: str, timestamp: str, method: str, path_and_query: str, body: bytes) -> str:
    """What a channel computes (and the tests, and `bench/`)."""
    return hmac.new(key.encode(), signing_string(timestamp, method, path_and_query, body), hashlib.sha256).hexdigest()


def check_signature(engine: Engine, api_secret: str, key_id: str, timestamp: str, signature: str, method: str,
                    path_and_query: str, body: bytes, window: timedelta,
                    now: datetime | None = None) -> ChannelCredential | str:
    """The credential that signed this request, or why it is refused. A signature is accepted once."""
    now = now or datetime.now(UTC)
    try:
        at = datetime.fromtimestamp(int(timestamp), UTC)
    except (ValueError, OverflowError, OSError):
        return "X-Timestamp is Unix seconds"
    if abs(now - at) > window:
        return f"the signature's timestamp is more than {int(window.total_seconds())} s from now"
    with Session(engine) as session:
        cred = session.get(ChannelCredential, key_id[:16])
        if cred is None or cred.revoked_at is not None:
            return "unknown or revoked key id"
        raw = base64.b64decode(cred.sealed_secret)
        key = _seal_key(api_secret).decrypt(raw[:12], raw[12:], cred.key_id.encode()).decode()
        if not hmac.compare_digest(sign(key, timestamp, method, path_and_query, body), signature.lower()):
            return "the signature does not match the request"
        session.add(SeenSignature(digest=hashlib.sha256(signature.lower().encode()).hexdigest(), key_id=key_id, at=now))
        try:
            session.commit()
        except IntegrityError:
            return "this signed request was already served (a replay)"
        session.refresh(cred)
        return cred
