"""A real OpenID Connect provider's public side for the tests: discovery and JWKS over HTTP, and tokens
signed with its RSA key. The API fetches the keys over the network as it would from a bank's provider."""
import json
import uuid
from datetime import UTC, datetime, timedelta

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

AUDIENCE = "complaints-api"
ROLE_MAP = {"cms-supervisor": "supervisor", "cms-handler": "handler", "cms-reviewer": "reviewer",
            "cms-operator": "operator"}


class Provider:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex[:8]
        self.issuer = ""
        self._runner: web.AppRunner | None = None

    async def start(self, port: int) -> "Provider":
        self.issuer = f"http://127.0.0.1:{port}/realms/bank"
        app = web.Application()
        app.router.add_get("/realms/bank/.well-known/openid-configuration", self._discovery)
        app.router.add_get("/realms/bank/jwks", self._jwks)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def _discovery(self, _request: web.Request) -> web.Response:
        return web.json_response({"issuer": self.issuer, "jwks_uri": f"{self.issuer}/jwks"})

    async def _jwks(self, _request: web.Request) -> web.Response:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return web.json_response({"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]})

    def token(self, *, user="oidc-S900", roles=("cms-supervisor",), department="complaints", issuer=None,
              audience=AUDIENCE, expires_in=timedelta(minutes=10), key=None, kid=None, **extra) -> str:
        now = datetime.now(UTC)
        claims = {"iss": issuer or self.issuer, "aud": audience, "sub": uuid.uuid4().hex, "iat": now,
                  "exp": now + expires_in, "preferred_username": user, "roles": list(roles), **extra}
        if department is not None:
            claims["department"] = department
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})
