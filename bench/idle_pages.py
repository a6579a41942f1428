"""What a hundred staff with complaint pages open cost Temporal while nobody does anything: each page polls
every 3 s; counts the Temporal queries the API sends per minute, with the pages' poll tokens (an idle poll
reads the read model's version) and without them (every poll asks the workflow, as before the token).

    .venv/bin/python bench/idle_pages.py                  # 100 pages, one minute each way
    .venv/bin/python bench/idle_pages.py --pages 10 --seconds 9

One in-process worker and API on a dev server, SQLite; the pages are HTTP clients polling as htmx does."""
import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from temporalio.client import Client, OutboundInterceptor  # noqa: E402

from api.accounts import add_account  # noqa: E402
from api.channels import add_channel  # noqa: E402
from complaints import reads  # noqa: E402
from complaints.db import make_engine  # noqa: E402
from complaints.temporal import ensure_search_attributes  # noqa: E402
from server.app import build_context, server  # noqa: E402
from tests.conftest import bench_settings, dev_environment  # noqa: E402
from workers.worker import build_worker  # noqa: E402

PASSWORD = "a long benchmark password"
POLL_SECONDS = 3


class Counting:
    def __init__(self) -> None:
        self.queries = 0

    def intercept_client(self, next_: OutboundInterceptor) -> OutboundInterceptor:
        counter = self

        class Outbound(OutboundInterceptor):
            async def query_workflow(self, input):  # noqa: A002 - the SDK's name
                counter.queries += 1
                return await super().query_workflow(input)

        return Outbound(next_)


async def main(args: argparse.Namespace) -> dict:
    from complaints.logs import configure

    configure("console", "WARNING")  # the figures, not a log line per poll
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        settings = bench_settings(work, "idle")
        engine = make_engine(settings.db_url)
        add_account(engine, "S001", "supervisor", "complaints", PASSWORD)
        env = await dev_environment(settings)
        counter = Counting()
        try:
            await ensure_search_attributes(env.client, "default")
            counted = Client(env.client.service_client, namespace="default", data_converter=env.client.data_converter,
                             interceptors=[counter])
            ctx = await build_context(settings, counted, engine)
            key = add_channel(engine, "hotline", ctx.api_secret).key
            sock_port = _free_port()
            srv = server(ctx, "127.0.0.1", sock_port)
            serving = asyncio.create_task(srv.serve())
            await srv.listening(serving)
            url = f"http://127.0.0.1:{sock_port}"
            async with build_worker(env.client, settings, engine), httpx.AsyncClient(base_url=url, timeout=30) as h:
                token = (await h.post("/v1/auth/token", data={"username": "S001", "password": PASSWORD})).json()
                auth = {"Authorization": f"Bearer {token['access_token']}", "HX-Request": "true"}
                pages = []
                for i in range(args.pages):
                    r = await h.post("/v1/complaints", headers={"Authorization": f"Bearer {key}"}, json={
                        "external_ref": f"IDLE-{i}", "text": "信用卡年费乱收费", "channel": "hotline",
                        "customer": {"id": f"C{i}", "name": "王芳", "phone": "13800138000", "tier": "standard"}})
                    cid = r.json()["complaint_id"]
                    # The door answers before the analyse stage: the page is opened once the complaint is in
                    # handling, as a handler finds it in their queue.
                    while (row := reads.complaint_row(engine, cid)) is None or row.stage in ("receive", "analyse"):  # noqa: ASYNC110 - another process writes it
                        await asyncio.sleep(0.2)
                    page = (await h.get(f"/ui/complaints/{cid}", headers=auth)).text
                    poll = re.search(r'hx-get="(/ui/complaints/[^"]+/body\?[^"]+)"', page).group(1)
                    pages.append((cid, poll.replace("&amp;", "&")))
                for cid, poll in pages:  # the read model has caught up with each page
                    since = int(re.search(r"since=(\d+)", poll).group(1))
                    while reads.complaint_version(engine, cid) != since:  # noqa: ASYNC110 - another process writes it
                        await asyncio.sleep(0.2)
                figures = {}
                for name, strip in (("with the poll token", False), ("without it (before)", True)):
                    before, started = counter.queries, time.perf_counter()
                    await asyncio.gather(*(idle(h, re.sub(r"&poll=[^&]*", "", p) if strip else p, auth,
                                                args.seconds) for _, p in pages))
                    minutes = (time.perf_counter() - started) / 60
                    figures[name] = round((counter.queries - before) / minutes, 1)
            srv.should_exit = True
            await serving
        finally:
            await env.shutdown()
    out = {"pages": args.pages, "poll_seconds": POLL_SECONDS,
           **{f"temporal_queries_per_minute {k}": v for k, v in figures.items()}}
    print(json.dumps(out) if args.json else "\n".join(f"{k:<58} {v}" for k, v in out.items()))
    return out


async def idle(h: httpx.AsyncClient, poll: str, auth: dict, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        r = await h.get(poll, headers=auth)
        assert r.status_code == 204, r.status_code  # nothing changed: nothing redrawn
        await asyncio.sleep(POLL_SECONDS)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--json", action="store_true")
    asyncio.run(main(parser.parse_args()))
