"""The FastAPI application (the API and the workbench) and the uvicorn server that runs it (`complaints api`, `up`)."""
import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from temporalio.client import Client

from api import problems
from api.audit import AuditAndLimit, BodyTooLarge
from api.context import Context
from api.routes import (
    auth,
    complaints,
    customer_links,
    departments,
    improvement,
    incidents,
    operations,
    reads,
    records,
    redress,
    referrals,
    returns,
    reviews,
    supervision,
)
from api.routes.operations import RequestContext
from classifier import configured
from complaints import metrics, tracing
from complaints.config import Settings
from web import install as install_workbench

DESCRIPTION = """The one door people and intake channels come through.

* **Channels** send their key as `Authorization: Bearer ck_…`, or sign each request (`X-Key-Id`,
  `X-Timestamp`, `X-Signature`); the channel of a complaint is the credential's.
* **People** sign in (`POST /v1/auth/token`, or `/v1/auth/login` for a browser session) or bring an
  OpenID Connect token. Every message's actor is built from that identity: no request names its own.
* Errors are RFC 9457 problem details (`application/problem+json`) naming the field or the rule.
* Every request is audited: who, what, when, from where, and how it ended."""


def create_app(ctx: Context) -> FastAPI:
    docs = ctx.settings.api_docs
    app = FastAPI(title="Complaints API", version="1", description=DESCRIPTION, redoc_url=None, lifespan=lifespan,
                  docs_url="/docs" if docs == "open" else None, openapi_url="/openapi.json" if docs == "open" else None)
    app.state.ctx = ctx
    problems.install(app)
    if docs == "signed-in":
        _signed_in_docs(app)

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request, exc):
        return problems.problem_response(request, 413, "too-large",
                                         f"the request body is over {ctx.settings.max_body_bytes} bytes")

    for module in (auth, complaints, departments, reads, supervision, operations, incidents, records, reviews,
                   referrals, customer_links, redress, returns, improvement):
        app.include_router(module.router)
    install_workbench(app)
    app.state.metrics = metrics.registry(ctx.engine)

    app.add_middleware(AuditAndLimit, engine_of=lambda: ctx.engine, max_body=ctx.settings.max_body_bytes,
                       larger={"/my/info": ctx.settings.upload_max_bytes})
    app.add_middleware(RequestContext)  # outermost: the request id is there for everything inside
    tracing.instrument_api(app, ctx.settings)
    return app


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Shutdown (uvicorn has drained the requests in flight by then): the database pool is closed."""
    yield
    app.state.ctx.engine.dispose()


def _signed_in_docs(app: FastAPI) -> None:
    """API_DOCS=signed-in: the schema and its page for people signed in (a bearer token or the browser's
    session), not for anyone who finds the address."""
    from fastapi import Depends
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse, JSONResponse

    from api.identity import person

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(person)])
    async def schema() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=[Depends(person)])
    async def page() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} - docs")


async def build_context(settings: Settings, client: Client | None = None, engine: Engine | None = None,
                        create_secret: bool = False) -> Context:
    from complaints.db import make_engine
    from complaints.fields import cipher_for
    from complaints.temporal import connect

    if client is None:
        from complaints import proof

        proof.load_or_create(settings.actor_key_file, create=create_secret)  # the API seals every message
        client = await connect(settings)  # it says clearly when the payload key file is missing
    return Context(settings=settings, client=client, engine=engine or make_engine(settings.db_url),
                   api_secret=settings.api_secret(create_secret), cipher=cipher_for(settings),
                   classifier=configured(settings))


class Server(uvicorn.Server):
    """uvicorn's server, saying when it listens: `listening()` returns once it does, or raises if it stopped
    before (waiting on an event rather than polling its `started` flag)."""

    def __init__(self, config: uvicorn.Config):
        super().__init__(config)
        self.ready = asyncio.Event()

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self.ready.set()

    async def listening(self, serving: asyncio.Task) -> None:
        waiting = asyncio.create_task(self.ready.wait())
        await asyncio.wait({waiting, serving}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if not self.ready.is_set():
            serving.result()  # the server's own error, if it had one
            raise RuntimeError("the API server stopped before it listened")


def server(ctx: Context, host: str, port: int) -> "Server":
    config = uvicorn.Config(create_app(ctx), host=host, port=port, log_level="warning", access_log=False,
                            proxy_headers=True, server_header=False, lifespan="on",
                            timeout_graceful_shutdown=ctx.settings.shutdown_grace_seconds)
    return Server(config)


async def serve(settings: Settings, host: str | None = None, port: int | None = None,
                started: asyncio.Event | None = None) -> None:
    srv = server(await build_context(settings), host or settings.api_host, port or settings.api_port)
    task = asyncio.create_task(srv.serve())
    await srv.listening(task)
    if started is not None:
        started.set()
    await task
