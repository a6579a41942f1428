"""The front door in the tests: a real uvicorn server on a free port, over the test Temporal server and
database, with an OIDC provider of its own; accounts and channel keys for the cast."""
import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import pytest

from api.accounts import add_account
from api.channels import add_channel
from api.context import Context
from server.app import build_context, server
from tests.helpers import free_port
from tests.oidc_provider import AUDIENCE, ROLE_MAP, Provider

PASSWORD = "correct horse battery staple"
# id -> (role, department): the cast of tests/actors.py, with accounts of their own.
PEOPLE = {
    "E207": ("handler", "branch-0101"), "E300": ("handler", "branch-0101"),
    "H501": ("handler", "credit-card-centre"), "H502": ("handler", "credit-card-centre"),
    "H801": ("handler", "operations"), "R010": ("reviewer", "risk"), "R011": ("reviewer", "risk"),
    "S001": ("supervisor", "complaints"), "A601": ("department_agent", "loans"), "O001": ("operator", "it-ops"),
    "O002": ("operator", "credit-card-centre"),
    "G001": ("handler", "special-group"), "D001": ("handler", "app-desk"),
    "V001": ("handler", "head-office"),  # the higher-level unit: reviews (核查) land on its desk
}


@dataclass
class Api:
    url: str
    ctx: Context
    provider: Provider
    channel_keys: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)

    def http(self, **kw) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=30, **kw)

    async def token(self, user: str) -> str:
        if user not in self.tokens:
            async with self.http() as h:
                r = await h.post("/v1/auth/token", data={"username": user, "password": PASSWORD})
                assert r.status_code == 200, r.text
                self.tokens[user] = r.json()["access_token"]
        return self.tokens[user]

    async def as_(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token(user)}"}

    def channel(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.channel_keys[name]}"}


@pytest.fixture(scope="session")
async def api(settings, client, engine, workers, tmp_data):
    provider = await Provider().start(free_port())
    cfg = settings.model_copy(update={
        "oidc_issuer": provider.issuer, "oidc_audience": AUDIENCE, "oidc_role_map": ROLE_MAP,
        "api_secret_file": tmp_data / "api.secret", "login_max_failures": 5})
    ctx = await build_context(cfg, client, engine, create_secret=True)
    for user, (role, dept) in PEOPLE.items():
        add_account(engine, user, role, dept, PASSWORD, replace=True)
    keys = {name: add_channel(engine, name, ctx.api_secret).key for name in ("hotline", "app", "wechat")}
    async with running(ctx) as url:
        yield Api(url, ctx, provider, keys)
    await provider.stop()


@asynccontextmanager
async def running(ctx: Context, port: int | None = None):
    """uvicorn serving the API for `ctx` on `port` (a free one by default) of this machine; yields its address."""
    port = port or free_port()
    srv = server(ctx, "127.0.0.1", port)
    task = asyncio.create_task(srv.serve())
    await srv.listening(task)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        await task
