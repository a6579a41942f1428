"""The production rehearsal: the project's own services of docker-compose.yml started as processes on this
machine, with the commands and environment the file gives them, and no `complaints up`.

Images cannot be pulled here, so what compose would run in containers runs beside the test: PostgreSQL (the
rehearsal's own database on the suite's server), a Temporal dev server in place of the cluster image, a real
SMTP server and a gateway sink in place of the bank's. What differs from a container is only what one host
forces: each process its own port (compose gives each container its own address), the services' host names
and /run/secrets/ paths mapped to this machine's, `0.0.0.0` bound to loopback. The operator's steps are
docs/operations.md's: `complaints init`, then the services in compose's order.

It runs once per CI run, in the PostgreSQL pass (the shape a bank runs is PostgreSQL)."""
import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import create_engine, text
from sqlmodel import Session, col, select

from complaints.db import make_engine
from complaints.devserver import start_dev_server, wait_until_up
from models.tables import ComplaintRow, IncidentLink, IncidentRow, LookBackRun
from tests.conftest import eventually
from tests.helpers import free_port
from tests.test_front_door import intake_body
from tests.test_incidents import OUTAGE
from tools.outbox import Sinks
from workers import system

pytestmark = [pytest.mark.process, pytest.mark.timeout(600)]

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent
# Settings a developer's shell may carry that a container would not.
INHERITED = {"CUSTOMER_PAGE_URL", "DATABASE_URL", "DATA_DIR", "TEMPORAL_ADDRESS", "COMPLAINTS_KEY_FILE", "COMPLAINTS_ACTOR_KEY_FILE",
             "API_SECRET_FILE", "CODEC_TOKEN_FILE", "COMPLAINTS_POLICY", "COMPLAINTS_API_URL", "SMTP_URL",
             "SMS_GATEWAY_URL", "APP_GATEWAY_URL", "GATEWAY_SECRET_FILE", "WORKER_METRICS_PORT", "API_PORT"}
# The watch looks every 15 s here (the policy's `incidents.every`; 2 minutes by default), through .env.
POLICY = '[incidents]\nevery = "15s"\n'
_VAR = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def interpolate(value, env: dict[str, str]):
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}, over the file's strings."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(m: re.Match) -> str:
        name, how, arg = m.group(1), m.group(2) or "", m.group(3) or ""
        got = env.get(name)
        if how.endswith("?") and not got:
            raise AssertionError(f"compose needs {name}: {arg}")
        return got if got else (arg if how.endswith("-") else "")

    return _VAR.sub(one, value)


def compose(dotenv: dict[str, str]) -> dict:
    return interpolate(yaml.safe_load((ROOT / "docker-compose.yml").read_text()), dotenv)


def rehearsal_database() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("the production rehearsal runs once, in the PostgreSQL pass (.ci/run)")
    url = url.rsplit("/", 1)[0] + "/complaints_rehearsal"  # made by .ci/postgres beside the suite's
    engine = create_engine(url)
    with engine.begin() as conn:  # a rerun on a developer's machine starts from nothing too
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


class Shape:
    """The compose file's services as processes: their commands and environments, mapped to this host."""

    def __init__(self, spec: dict, tmp: Path, temporal: str, database: str):
        self.spec, self.tmp, self.temporal, self.database = spec, tmp, temporal, database
        self.procs: dict[str, asyncio.subprocess.Process] = {}
        self.secrets = {name: (tmp / s["file"]).resolve() for name, s in spec["secrets"].items()}

    def env(self, service: str, **more: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in INHERITED}
        for key, value in self.spec["services"][service]["environment"].items():
            value = str(value)
            if value.startswith("/run/secrets/"):
                value = str(self.secrets[value.removeprefix("/run/secrets/")])
            value = value.replace("temporal:7233", self.temporal)
            if key == "DATABASE_URL":
                assert value.startswith("postgresql://") and "@postgresql:5432/" in value
                value = self.database
            env[key] = value
        return {**env, "DATA_DIR": str(self.tmp / ".data"), **more}

    def command(self, service: str) -> list[str]:
        exe = {"complaints": str(BIN / "complaints"), "python": sys.executable}
        return [exe.get(a, "127.0.0.1" if a == "0.0.0.0" else a) for a in self.spec["services"][service]["command"]]  # noqa: S104

    async def start(self, name: str, service: str, **more: str) -> asyncio.subprocess.Process:
        log = (self.tmp / f"{name}.log").open("ab")
        proc = await asyncio.create_subprocess_exec(*self.command(service), env=self.env(service, **more),
                                                    stdout=log, stderr=subprocess.STDOUT)
        self.procs[name] = proc
        return proc

    async def run(self, service: str) -> str:
        proc = await asyncio.create_subprocess_exec(*self.command(service), env=self.env(service),
                                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=120)
        assert proc.returncode == 0, out.decode()
        return out.decode()

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")[-3000:]

    async def stop(self) -> None:
        for proc in self.procs.values():
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                await asyncio.wait_for(proc.wait(), timeout=45)
            except TimeoutError:
                proc.kill()


async def ready(url: str) -> bool:
    try:
        async with httpx.AsyncClient() as h:
            return (await h.get(f"{url}/readyz", timeout=5)).status_code == 200
    except httpx.TransportError:
        return False


def last_month() -> str:
    today = datetime.now(UTC).date()
    first = date(today.year, today.month, 1)
    prev = date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1)
    return f"{prev:%Y-%m}"


async def test_the_compose_shape_runs_whole_without_up(tmp_path):
    database = rehearsal_database()
    data = tmp_path / ".data"
    # The operator's first step: every key and secret compose mounts (docs/operations.md).
    made = subprocess.run([str(BIN / "complaints"), "init", "--json"], env={**os.environ, "DATA_DIR": str(data)},
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    temporal = f"127.0.0.1:{free_port()}"
    server = start_dev_server(tmp_path / "temporal", temporal, free_port(), "default")
    sinks = Sinks(tmp_path / "outbox")
    smtp, gateway = await sinks.start("127.0.0.1", free_port(), free_port())
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    dotenv = {"OIDC_ISSUER": "https://login.bank.example/realms/staff", "TEMPORAL_UI_CLIENT_SECRET": "from-the-vault",
              "CUSTOMER_PAGE_URL": "https://complaints.bank.example",
              "SMTP_URL": smtp, "SMS_GATEWAY_URL": f"{gateway}/sms", "APP_GATEWAY_URL": f"{gateway}/app",
              "COMPLAINTS_POLICY": str(policy)}
    shape = Shape(compose(dotenv), tmp_path, temporal, database)
    client = None
    try:
        client = await wait_until_up(temporal, "default", server)
        # compose's order: prepare (one-shot) before the workers and the API.
        assert shape.spec["services"]["worker"]["depends_on"]["prepare"]["condition"] == \
            "service_completed_successfully"
        said = await shape.run("prepare")
        assert all(f"schedule {sid}: created" in said for sid in system.SCHEDULE_IDS), said
        worker_ports = [free_port() for _ in range(3)]
        for i, port in enumerate(worker_ports):
            await shape.start(f"worker-{i}", "worker", WORKER_METRICS_PORT=str(port))
        api_port, codec_port = free_port(), free_port()
        await shape.start("api", "api", API_PORT=str(api_port))
        await shape.start("codec", "codec", CODEC_PORT=str(codec_port))
        api = f"http://127.0.0.1:{api_port}"
        workers = [f"http://127.0.0.1:{p}" for p in worker_ports]
        for url in [api, *workers]:
            await eventually(lambda url=url: ready(url), timeout=90)
        for sid in system.SCHEDULE_IDS:  # every schedule the system relies on, unpaused
            described = await client.get_schedule_handle(sid).describe()
            assert not described.schedule.state.paused, sid

        # A channel's key, made by the operators' tool against the production database.
        key = subprocess.run([str(BIN / "complaints"), "channels", "add", "hotline", "--json"],
                             env=shape.env("api"), capture_output=True, text=True, timeout=60)
        assert key.returncode == 0, key.stderr
        channel = {"Authorization": f"Bearer {json.loads(key.stdout)['key']}"}
        intake = json.loads((ROOT / "examples" / "intake.json").read_text())
        async with httpx.AsyncClient(base_url=api, timeout=30) as h:
            r = await h.post("/v1/complaints", json={**intake, "external_ref": "HL-REHEARSAL-1"}, headers=channel)
            assert r.status_code == 201, r.text
            first = r.json()["complaint_id"]
        # The acknowledgement reaches the bank's gateway (the customer gave a phone number).
        kept = tmp_path / "outbox" / "gateway.jsonl"
        await eventually(lambda: kept.exists() and first in kept.read_text(encoding="utf-8"), timeout=90)
        # It links to the customer's page at the bank's public address; the API opens it and texts the code
        # through the same gateway (its secret mounted for the API too).
        said = [json.loads(x)["body"] for x in kept.read_text(encoding="utf-8").splitlines()]
        ack = next(b["text"] for b in said if b.get("complaint_id") == first)
        token = re.search(r"https://complaints\.bank\.example/my/([^\s?]+)", ack).group(1)
        async with httpx.AsyncClient(base_url=api, timeout=30) as h:
            assert (await h.get(f"/my/{token}")).status_code == 200
            texted = await h.post(f"/my/{token}/code")
            assert texted.status_code == 200 and "data-sent" in texted.text, texted.text[-400:]
        await eventually(lambda: '"access_code"' in kept.read_text(encoding="utf-8"))

        # A worker dies; the other two carry on with what it had and with a burst of one outage.
        victim = shape.procs["worker-0"]
        victim.send_signal(signal.SIGKILL)
        await victim.wait()
        engine = make_engine(database)
        async with httpx.AsyncClient(base_url=api, timeout=30) as h:
            burst = []
            for i, words in enumerate(OUTAGE):
                r = await h.post("/v1/complaints", json=intake_body(words, f"HL-OUTAGE-{i}"), headers=channel)
                assert r.status_code == 201, r.text
                burst.append(r.json()["complaint_id"])

        def analysed() -> bool:
            with Session(engine) as s:
                rows = s.exec(select(ComplaintRow).where(col(ComplaintRow.id).in_(burst))).all()
            return len(rows) == len(burst) and all(r.stage != "receive" for r in rows)

        await eventually(analysed, timeout=90)

        def incident() -> list[str]:
            with Session(engine) as s:
                opened = s.exec(select(IncidentRow)).all()
                linked = s.exec(select(IncidentLink.complaint_id).where(
                    col(IncidentLink.incident_id).in_([i.id for i in opened]))).all()
            return list(linked) if opened else []

        linked = await eventually(lambda: len(incident()) >= 8 and incident(), timeout=150)
        assert set(linked) <= set(burst)

        # The look-back's schedule runs a month (triggered now rather than on the first working day).
        await client.get_schedule_handle(system.LOOKBACK_ID).trigger()

        def looked_back() -> bool:
            with Session(engine) as s:
                run = s.get(LookBackRun, last_month())
            return run is not None and run.finished_at is not None

        await eventually(looked_back, timeout=90)

        # Every surviving process answers its scrape, the workers with the SDK's families beside ours.
        async with httpx.AsyncClient(timeout=10) as h:
            scraped = (await h.get(f"{api}/metrics")).text
            assert "complaints_received_total" in scraped and "complaints_http_requests_total" in scraped
            for url in workers[1:]:
                body = (await h.get(f"{url}/metrics")).text
                assert "temporal_" in body and "complaints_outbox_sent" in body, url
            codec = await h.post(f"http://127.0.0.1:{codec_port}/decode", json={"payloads": []})
            assert codec.status_code == 401  # up, and nothing without its token
        engine.dispose()
    except BaseException:
        for name in shape.procs:
            print(f"--- {name}\n{shape.log(name)}")  # noqa: T201 - what each process said, when it failed
        raise
    finally:
        await shape.stop()
        await sinks.stop()
        server.terminate()
        with contextlib.suppress(Exception):
            server.wait(timeout=15)
