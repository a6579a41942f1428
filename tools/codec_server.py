"""Temporal's remote codec protocol over HTTP, so the `temporal` CLI (`--codec-endpoint`) and the UI can
show decrypted payloads to people allowed to see them.

POST /encode and /decode take and return `{"payloads": [...]}` in protobuf JSON. Access: a bearer token
(`Authorization: Bearer …`), always required (whoever can call /decode reads every customer's data, and
/encode forges messages the workers accept): the operators' static token, or, in production, the signed-in
person's OpenID Connect token that the Temporal UI forwards (TEMPORAL_CODEC_PASS_ACCESS_TOKEN), accepted
only for an operator or a supervisor. Browsers from the allowed origins get CORS headers."""
import asyncio
import hmac
from collections.abc import Callable

from aiohttp import web
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads
from temporalio.converter import PayloadCodec

ALLOWED_HEADERS = "Content-Type, X-Namespace, Authorization"


def make_app(codec: PayloadCodec, token: str, origins: tuple[str, ...] = (),
             person_allowed: Callable[[str], bool] | None = None) -> web.Application:
    if not token:
        raise ValueError("the codec server needs a token (CODEC_TOKEN or the token file)")

    def cors(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin and (origin in origins or "*" in origins):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response.headers["Access-Control-Allow-Credentials"] = "true"
            response.headers["Vary"] = "Origin"
        return response

    async def authorised(request: web.Request) -> bool:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
        scheme, _, bearer = given.partition(" ")
        if person_allowed is None or scheme.lower() != "bearer" or not bearer:
            return False
        return await asyncio.get_running_loop().run_in_executor(None, person_allowed, bearer.strip())

    def endpoint(transform):
        async def handle(request: web.Request) -> web.StreamResponse:
            if not await authorised(request):
                return cors(request, web.json_response({"error": "unauthorised"}, status=401))
            try:
                payloads = json_format.Parse(await request.text(), Payloads())
                result = Payloads(payloads=await transform(list(payloads.payloads)))
            except Exception as e:  # a bad body or a payload that does not decrypt: say so, keep serving
                return cors(request, web.json_response({"error": f"{type(e).__name__}: {e}"}, status=400))
            return cors(request, web.Response(text=json_format.MessageToJson(result),
                                              content_type="application/json"))
        return handle

    async def preflight(request: web.Request) -> web.StreamResponse:
        return cors(request, web.Response(status=204))

    app = web.Application()
    app.router.add_post("/encode", endpoint(codec.encode))
    app.router.add_post("/decode", endpoint(codec.decode))
    app.router.add_route("OPTIONS", "/{tail:.*}", preflight)
    return app


def serve(codec: PayloadCodec, host: str, port: int, token: str, origins: tuple[str, ...],
          person_allowed: Callable[[str], bool] | None = None) -> None:
    web.run_app(make_app(codec, token, origins, person_allowed), host=host, port=port, print=None)


def operators_and_supervisors(settings) -> Callable[[str], bool] | None:
    """With OpenID Connect configured: a verified provider token of an operator or a supervisor."""
    if not settings.oidc_issuer:
        return None
    from api.tokens import TokenRefused, verify
    from models.enums import Role

    def allowed(bearer: str) -> bool:
        try:
            claimed = verify(bearer, settings, secret="")
        except TokenRefused:
            return False
        return claimed.role in (Role.OPERATOR, Role.SUPERVISOR)

    return allowed


async def start(codec: PayloadCodec, host: str, port: int, token: str, origins: tuple[str, ...] = (),
                person_allowed: Callable[[str], bool] | None = None) -> web.AppRunner:
    """Serve inside an already running event loop (as `complaints up` does); `await runner.cleanup()` stops."""
    runner = web.AppRunner(make_app(codec, token, origins, person_allowed))
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
