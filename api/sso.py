"""Signing staff in at the bank's identity provider: OpenID Connect's authorization code flow with PKCE
(RFC 7636), authlib's OAuth 2 client for the protocol, the provider's keys for the ID token.

What this browser started travels in a short-lived cookie signed with the API secret: the state (the answer
must be to this browser's request: a forged callback has none or another), the nonce (the ID token must be
minted for this sign-in), the PKCE verifier (a code taken on the way is useless without it) and where to go
after. The ID token's signature, issuer, audience, expiry and nonce are checked before any claim is read;
the provider refuses a code used twice. The person then holds a session of ours (api.tokens.issue_sso) with
the role and department the claims mapped to, ended by signing out."""
import secrets
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from starlette.concurrency import run_in_threadpool

from api.tokens import Claimed, NoRole, TokenRefused, decode_jwt, discovery, jwks_client, person_from_claims
from complaints.config import Settings

with warnings.catch_warnings():
    # authlib 1.9 asks for its httpx2 fork and falls back to httpx, which works: said once, not on every import.
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

COOKIE = "complaints_sso"
STARTED_FOR = timedelta(minutes=10)  # a sign-in not finished by then starts again
_AUDIENCE = "complaints-sso-start"
SCOPE = "openid profile"


class SsoRefused(Exception):
    """Why a sign-in at the provider is not accepted, in a sentence."""


@dataclass(frozen=True)
class Started:
    url: str      # the provider's authorization endpoint, with this sign-in's parameters
    cookie: str   # what this browser keeps until the answer comes back


def configured(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def _client_secret(settings: Settings) -> str | None:
    """The client's secret from its file; None (a public client, PKCE alone) when the file is absent or empty."""
    path = settings.oidc_client_secret_file
    secret = path.read_text().strip() if path is not None and path.exists() else ""
    return secret or None


def _provider(settings: Settings) -> dict[str, Any]:
    try:
        return discovery(settings.oidc_issuer or "")
    except TokenRefused as e:
        raise SsoRefused(str(e)) from None
    except (OSError, ValueError) as e:
        raise SsoRefused(f"the identity provider cannot be reached now ({type(e).__name__})") from None


async def start(settings: Settings, secret: str, redirect_uri: str, next_path: str) -> Started:
    doc = await run_in_threadpool(_provider, settings)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    client = AsyncOAuth2Client(settings.oidc_client_id, scope=SCOPE, redirect_uri=redirect_uri,
                               code_challenge_method="S256")
    url, _ = client.create_authorization_url(doc["authorization_endpoint"], state=state, nonce=nonce,
                                             code_verifier=verifier)
    now = datetime.now(UTC)
    cookie = jwt.encode({"aud": _AUDIENCE, "iat": now, "exp": now + STARTED_FOR, "state": state, "nonce": nonce,
                         "verifier": verifier, "next": next_path, "redirect_uri": redirect_uri}, secret, "HS256")
    return Started(url, cookie)


def _same(given: str, kept: str) -> bool:
    """Constant-time, and as bytes: a hostile answer's non-ASCII state must be a refusal, not a TypeError."""
    return secrets.compare_digest(given.encode(errors="replace"), kept.encode())


def _started(cookie: str | None, secret: str) -> dict[str, Any]:
    if not cookie:
        raise SsoRefused("this browser did not start a sign-in (or its cookie was lost): start again")
    try:
        return jwt.decode(cookie, secret, algorithms=["HS256"], audience=_AUDIENCE)
    except jwt.ExpiredSignatureError:
        raise SsoRefused("the sign-in took longer than 10 minutes: start again") from None
    except jwt.PyJWTError:
        raise SsoRefused("this browser's sign-in cookie is not ours: start again") from None


async def finish(settings: Settings, secret: str, cookie: str | None, params: dict[str, str]) -> tuple[Claimed, str]:
    """The person the provider's answer proves, and where they were going; SsoRefused (or NoRole) otherwise."""
    started = _started(cookie, secret)
    if not _same(params.get("state", ""), started["state"]):
        raise SsoRefused("the answer does not belong to the sign-in this browser started")
    if "error" in params:
        raise SsoRefused(f"the identity provider said: {params.get('error_description') or params['error']}"[:300])
    # RFC 9207: a provider that names itself in the answer must be ours (a mix-up with another provider).
    if "iss" in params and params["iss"] != settings.oidc_issuer:
        raise SsoRefused("the answer comes from another identity provider than OIDC_ISSUER")
    code = params.get("code")
    if not code:
        raise SsoRefused("the answer carries no authorization code")
    doc = await run_in_threadpool(_provider, settings)
    client = AsyncOAuth2Client(settings.oidc_client_id, _client_secret(settings), scope=SCOPE,
                               redirect_uri=started["redirect_uri"], code_challenge_method="S256", timeout=10)
    try:
        async with client:
            token = await client.fetch_token(doc["token_endpoint"], code=code, code_verifier=started["verifier"])
    except OAuthError as e:
        raise SsoRefused(f"the identity provider refused the code ({e.error}): it was used before, has expired "
                         "or was not issued to this sign-in") from None
    except OSError as e:
        raise SsoRefused(f"the identity provider cannot be reached now ({type(e).__name__})") from None
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SsoRefused("the identity provider sent no ID token")
    claims = await run_in_threadpool(_verified, settings, doc, id_token)
    if not _same(str(claims.get("nonce", "")), started["nonce"]):
        raise SsoRefused("the ID token was not minted for this sign-in (nonce)")
    try:
        return person_from_claims(claims, settings), started["next"]
    except NoRole:
        raise
    except TokenRefused as e:
        raise SsoRefused(str(e)) from None


def _verified(settings: Settings, doc: dict[str, Any], id_token: str) -> dict[str, Any]:
    try:
        key = jwks_client(settings.oidc_jwks_url or str(doc["jwks_uri"])).get_signing_key_from_jwt(id_token).key
        claims = decode_jwt(id_token, key, ["RS256", "ES256", "PS256"], settings.oidc_issuer or "",
                         settings.oidc_client_id or "", settings.oidc_leeway_seconds, ("nonce",))
    except jwt.PyJWKClientError as e:
        raise SsoRefused(f"the ID token's signing key is not the provider's: {str(e)[:120]}") from None
    except TokenRefused as e:
        raise SsoRefused(f"ID token: {e}") from None
    azp = claims.get("azp")
    if isinstance(claims.get("aud"), list) and len(claims["aud"]) > 1 and azp != settings.oidc_client_id:
        raise SsoRefused("the ID token was issued to another client (azp)")
    return claims


def end_session_url(settings: Settings, after: str) -> str | None:
    """The provider's RP-initiated logout, returning to `after`; None when it offers none."""
    if not configured(settings):
        return None
    try:
        endpoint = discovery(settings.oidc_issuer or "").get("end_session_endpoint")
    except (OSError, ValueError, TokenRefused):
        return None
    if not endpoint:
        return None
    from urllib.parse import urlencode

    return f"{endpoint}?{urlencode({'client_id': settings.oidc_client_id, 'post_logout_redirect_uri': after})}"
