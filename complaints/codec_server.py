"""Temporal's remote codec protocol over HTTP, so the `temporal` CLI (`--codec-endpoint`) and the UI can
show decrypted payloads to people allowed to see them.

POST /encode and /decode take and return `{"payloads": [...]}` in protobuf JSON. Access: a bearer token
(`Authorization: Bearer …`), always required (whoever can call /decode reads every customer's data, and
/encode forges messages the workers accept); browsers from the allowed origins get CORS headers."""
import hmac

from aiohttp import web
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads
from temporalio.converter import PayloadCodec

ALLOWED_HEADERS = "Content-Type, X-Namespace, Authorization"


def make_app(codec: PayloadCodec, token: str, origins: tuple[str, ...] = ()) -> web.Application:
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

    def authorised(request: web.Request) -> bool:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())

    def endpoint(transform):
        async def handle(request: web.Request) -> web.StreamResponse:
            if not authorised(request):
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


def serve(codec: PayloadCodec, host: str, port: int, token: str, origins: tuple[str, ...]) -> None:
    web.run_app(make_app(codec, token, origins), host=host, port=port, print=None)


async def start(codec: PayloadCodec, host: str, port: int, token: str,
                origins: tuple[str, ...] = ()) -> web.AppRunner:
    """Serve inside an already running event loop (as `complaints up` does); `await runner.cleanup()` stops."""
    runner = web.AppRunner(make_app(codec, token, origins))
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
