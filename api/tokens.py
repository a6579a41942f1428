"""Bearer tokens: the API's own (for local accounts) and an OpenID Connect provider's (production).

Local tokens are HS256 JWTs signed with the API secret; they name only the account and when its password
was set, so role and department are read from the account on every request and a password change ends
every older token. Provider tokens are checked against the provider's published keys (JWKS), issuer,
audience and expiry; role and department come from claims through the configured map."""
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from complaints.config import Settings
from models.enums import Role

LOCAL_ISSUER = "complaints-api"
LOCAL_AUDIENCE = "complaints"
# When a provider's token maps to several roles, the person acts in the first of these.
ROLE_ORDER = (Role.SUPERVISOR, Role.REVIEWER, Role.HANDLER, Role.DEPARTMENT_AGENT, Role.OPERATOR)


class TokenRefused(Exception):
    """Why a bearer token is not accepted, in a sentence."""


@dataclass(frozen=True)
class Claimed:
    """Who a verified token says the person is."""

    id: str
    role: Role | None       # None: local token, read the account
    department: str | None
    issued_for: datetime | None = None  # local: the password time the token was issued under
    issuer: str = LOCAL_ISSUER
    sid: str | None = None              # a browser session's id: signing out ends it (models.access.EndedSession)
    until: datetime | None = None       # the token's expiry


def issue_local(secret: str, user_id: str, password_changed_at: datetime, minutes: int,
                now: datetime | None = None) -> tuple[str, int]:
    now = now or datetime.now(UTC)
    claims = {"iss": LOCAL_ISSUER, "aud": LOCAL_AUDIENCE, "sub": user_id, "iat": now, "nbf": now,
              "exp": now + timedelta(minutes=minutes), "pwd": int(_aware(password_changed_at).timestamp()),
              "sid": uuid.uuid4().hex}
    return jwt.encode(claims, secret, algorithm="HS256"), minutes * 60


def issue_sso(secret: str, who: Claimed, minutes: int, now: datetime | None = None) -> tuple[str, int]:
    """A browser session for a person the bank's provider vouched for (web/sso_pages.py): role and department
    as the provider's claims mapped them at sign-in, for a working day at most, ended by signing out."""
    now = now or datetime.now(UTC)
    assert who.role is not None
    claims = {"iss": LOCAL_ISSUER, "aud": LOCAL_AUDIENCE, "sub": who.id, "iat": now, "nbf": now,
              "exp": now + timedelta(minutes=minutes), "sid": uuid.uuid4().hex,
              "sso": {"role": who.role.value, "department": who.department, "issuer": who.issuer}}
    return jwt.encode(claims, secret, algorithm="HS256"), minutes * 60


def verify(token: str, settings: Settings, secret: str) -> Claimed:
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise TokenRefused("the bearer token is not a JWT") from None
    if unverified.get("iss") == LOCAL_ISSUER:
        if not secret:
            raise TokenRefused("local tokens are not accepted here")
        if header.get("alg") != "HS256":
            raise TokenRefused("a local token is signed HS256")
        claims = decode_jwt(token, secret, ["HS256"], LOCAL_ISSUER, LOCAL_AUDIENCE)
        sid, until = claims.get("sid"), datetime.fromtimestamp(int(claims["exp"]), UTC)
        sso = claims.get("sso")
        if isinstance(sso, dict):  # signed by us at an SSO sign-in: the provider's word, mapped then
            return Claimed(id=str(claims["sub"]), role=Role(sso["role"]), department=str(sso["department"]),
                           issuer=str(sso.get("issuer", "")), sid=sid, until=until)
        if not settings.local_accounts:
            raise TokenRefused("local accounts are switched off here: sign in with the bank's identity provider")
        return Claimed(id=str(claims["sub"]), role=None, department=None,
                       issued_for=datetime.fromtimestamp(int(claims.get("pwd", 0)), UTC), sid=sid, until=until)
    if not settings.oidc_issuer:
        raise TokenRefused("the token's issuer is not trusted here")
    if unverified.get("iss") != settings.oidc_issuer:
        raise TokenRefused(f"the token's issuer {str(unverified.get('iss'))[:100]!r} is not trusted here")
    return _provider_claims(token, settings)


_jwks_clients: dict[str, jwt.PyJWKClient] = {}


def jwks_client(url: str) -> jwt.PyJWKClient:
    if url not in _jwks_clients:
        _jwks_clients[url] = jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5)
    return _jwks_clients[url]


def _jwks(settings: Settings) -> jwt.PyJWKClient:
    return jwks_client(settings.oidc_jwks_url or str(discovery(settings.oidc_issuer or "")["jwks_uri"]))


_discovered: dict[str, dict[str, Any]] = {}


def discovery(issuer: str) -> dict[str, Any]:
    """The provider's discovery document, once per process. Its issuer must be the configured one, exactly
    (OpenID Connect Discovery 1.0, section 4.3): a document naming another is a provider we do not trust."""
    if issuer not in _discovered:
        import json
        import urllib.request

        if not issuer.startswith(("https://", "http://")):
            raise ValueError(f"OIDC_ISSUER must be an http(s) address, not {issuer!r}")
        # the operator's configured issuer, its scheme checked above
        with urllib.request.urlopen(issuer.rstrip("/") + "/.well-known/openid-configuration", timeout=5) as r:  # noqa: S310
            doc = json.load(r)
        if doc.get("issuer") != issuer:
            raise TokenRefused(f"the provider at {issuer} names its issuer {str(doc.get('issuer'))[:100]!r}: "
                               "OIDC_ISSUER must be exactly the provider's issuer")
        _discovered[issuer] = doc
    return _discovered[issuer]


def _provider_claims(token: str, settings: Settings) -> Claimed:
    try:
        key = _jwks(settings).get_signing_key_from_jwt(token).key
    except jwt.PyJWKClientError as e:
        raise TokenRefused(f"the token's signing key is not the provider's: {str(e)[:120]}") from None
    except OSError:
        raise TokenRefused("the identity provider's keys cannot be fetched now") from None
    claims = decode_jwt(token, key, ["RS256", "ES256", "PS256"], settings.oidc_issuer or "",
                     settings.oidc_audience or "")
    return person_from_claims(claims, settings)


class NoRole(TokenRefused):
    """The provider vouched for the person, and none of their roles is one of ours."""


def person_from_claims(claims: dict[str, Any], settings: Settings) -> Claimed:
    """Who the provider's verified claims say the person is, through the configured claim names and role map."""
    user = claims.get(settings.oidc_id_claim) or claims.get("sub")
    roles = claims.get(settings.oidc_role_claim) or []
    roles = [roles] if isinstance(roles, str) else roles
    mapped = {Role(settings.oidc_role_map[r]) for r in roles if isinstance(r, str) and r in settings.oidc_role_map}
    role = next((r for r in ROLE_ORDER if r in mapped), None)
    department = claims.get(settings.oidc_department_claim)
    if not isinstance(user, str) or not user or len(user) > 64:
        raise TokenRefused(f"the token has no usable {settings.oidc_id_claim} claim")
    if role is None:
        raise NoRole("none of the token's roles is mapped to a complaints role (OIDC_ROLE_MAP)")
    if not isinstance(department, str) or not department or len(department) > 64:
        raise TokenRefused(f"the token has no {settings.oidc_department_claim} claim")
    return Claimed(id=user, role=role, department=department, issuer=settings.oidc_issuer or "")


def decode_jwt(token: str, key: Any, algorithms: list[str], issuer: str, audience: str, leeway: int = 30,
            require: tuple[str, ...] = ()) -> dict[str, Any]:
    try:
        return jwt.decode(token, key, algorithms=algorithms, issuer=issuer, audience=audience, leeway=leeway,
                          options={"require": ["exp", "iat", "sub", "iss", "aud", *require]})
    except jwt.ExpiredSignatureError:
        raise TokenRefused("the token has expired: sign in again") from None
    except jwt.InvalidAudienceError:
        raise TokenRefused("the token is for another audience") from None
    except jwt.InvalidIssuerError:
        raise TokenRefused("the token's issuer is not trusted here") from None
    except jwt.InvalidSignatureError:
        raise TokenRefused("the token's signature does not verify") from None
    except jwt.PyJWTError as e:
        raise TokenRefused(f"the token is not valid: {str(e)[:120]}") from None


def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt
