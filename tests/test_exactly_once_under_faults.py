"""Exactly once under faults: hundreds of notes through a real API process, each retried with its own
Idempotency-Key on any error or lost answer, while the worker and then the API are SIGKILLed mid-run.
Every acknowledged note is in the audit trail and the state exactly once, none is there twice, and the
state read right after a 2xx holds it. A fault run: once, on the default database (not again on PostgreSQL)."""
import asyncio
import os
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from models.tables import AuditEvent
from tests.api_support import PASSWORD
from tests.conftest import eventually, rows
from tests.helpers import free_port
from tests.test_durability import FAST_POLICY, kill, start_worker, worker_env

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                                reason="a fault run: once per suite, on the default database")
CLI = str(Path(sys.executable).parent / "complaints")
QUEUE = "complaints-faults"
# Under the policy's 60 notes an hour per complaint. FAULT_SIZE=200x5 runs the reviewers' size (1,000 notes to
# 200 complaints), as bench/README.md reports it.
COMPLAINTS, NOTES_EACH = (int(n) for n in os.environ.get("FAULT_SIZE", "8x40").split("x"))
IN_FLIGHT = 16
POLICY = FAST_POLICY.replace('name = "crash"', 'name = "faults"').replace('first_response = "3s"',
                                                                         'first_response = "1h"')


async def start_api(env: dict, port: int, log: Path) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(CLI, "api", "--port", str(port), env=env, stdout=log.open("ab"),
                                                stderr=asyncio.subprocess.STDOUT)

    async def up() -> bool:
        try:
            async with httpx.AsyncClient() as h:
                return (await h.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
        except httpx.TransportError:
            return False

    await eventually(up, timeout=60)
    return proc


class Sender:
    """A client that never gives up on an action: any error or lost answer is sent again, same key."""

    def __init__(self, url: str, token: str):
        self.url, self.token = url, token
        self.acked: dict[str, tuple[str, int]] = {}  # note text -> (complaint, seq)
        self.latency: list[float] = []
        self.retries = 0
        self.unseen_after_ack: list[str] = []

    async def note(self, h: httpx.AsyncClient, cid: str, text: str, check_state: bool) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": str(uuid.uuid4())}
        started = time.perf_counter()
        deadline = started + 120
        while time.perf_counter() < deadline:
            try:
                r = await h.post(f"{self.url}/v1/complaints/{cid}/add_note", json={"text": text}, headers=headers)
            except httpx.TransportError:
                self.retries += 1
                await asyncio.sleep(0.3)
                continue
            if r.status_code >= 500:
                self.retries += 1
                await asyncio.sleep(0.3)
                continue
            assert r.status_code == 200, r.text
            self.latency.append(time.perf_counter() - started)
            self.acked[text] = (cid, r.json()["seq"])
            if check_state:
                state = await self._state(h, cid)
                if text not in {e["detail"] for e in state["history"]}:
                    self.unseen_after_ack.append(text)
            return
        raise AssertionError(f"{text} was never acknowledged")

    async def _state(self, h: httpx.AsyncClient, cid: str) -> dict:
        while True:
            try:
                r = await h.get(f"{self.url}/v1/complaints/{cid}", headers={"Authorization": f"Bearer {self.token}"})
                if r.status_code == 200:
                    return r.json()
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.3)


async def test_notes_are_applied_exactly_once_while_the_worker_and_the_api_are_killed(
        env, settings, engine, api, tmp_path):
    policy = tmp_path / "faults.toml"
    policy.write_text(POLICY)
    wenv = {**worker_env(settings, env.client.service_client.config.target_host, QUEUE, policy),
            "COMPLAINTS_EMERGENCY": "rules", "DATA_DIR": str(tmp_path / "data"),
            "API_SECRET_FILE": str(tmp_path / "api.secret")}
    made = await asyncio.create_subprocess_exec(CLI, "init", "--only-missing", env=wenv)  # the API's secret
    assert await made.wait() == 0
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    worker = await start_worker(wenv, tmp_path / "w1.log")
    server = await start_api(wenv, port, tmp_path / "api1.log")
    try:
        async with httpx.AsyncClient(timeout=60) as h:
            r = await h.post(f"{url}/v1/auth/token", data={"username": "E207", "password": PASSWORD})
            sender = Sender(url, r.json()["access_token"])
            cids = []
            for i in range(COMPLAINTS):
                body = {"channel": "hotline", "external_ref": f"F-{uuid.uuid4().hex[:10]}", "text": "转账一直失败",
                        "customer": {"id": f"C{i}", "name": "王芳", "phone": "13800138000", "tier": "standard"}}
                r = await h.post(f"{url}/v1/complaints", json=body, headers={"Authorization": f"Bearer {sender.token}"})
                assert r.status_code == 201, r.text
                cids.append(r.json()["complaint_id"])
            gate = asyncio.Semaphore(IN_FLIGHT)
            texts = [(cids[i % COMPLAINTS], f"fault note {i}") for i in range(COMPLAINTS * NOTES_EACH)]

            async def one(n: int, cid: str, text: str) -> None:
                async with gate:
                    await sender.note(h, cid, text, check_state=n % 4 == 0)

            tasks = [asyncio.create_task(one(n, cid, text)) for n, (cid, text) in enumerate(texts)]
            total = len(tasks)
            await eventually(lambda: len(sender.acked) >= total // 3, timeout=120)
            await kill(worker)  # mid-run: updates in flight lose their worker
            worker = await start_worker(wenv, tmp_path / "w2.log")
            await eventually(lambda: len(sender.acked) >= 2 * total // 3, timeout=120)
            await kill(server)  # mid-run: answers in flight are lost; the clients send again
            server = await start_api(wenv, port, tmp_path / "api2.log")
            await asyncio.gather(*tasks)

        assert len(sender.acked) == total
        assert sender.unseen_after_ack == []
        # Every acknowledged note is in the next read of its complaint, after the run and both kills.
        async with httpx.AsyncClient(timeout=60) as h:
            for cid in cids:
                state = await sender._state(h, cid)
                held = {e["detail"]: e["seq"] for e in state["history"]}
                mine = {text: seq for text, (c, seq) in sender.acked.items() if c == cid}
                assert {t: held.get(t) for t in mine} == mine, cid

        def trail() -> list[AuditEvent]:
            return [e for cid in cids for e in rows(engine, AuditEvent, complaint_id=cid) if e.action == "add_note"]

        await eventually(lambda: len(trail()) >= total, timeout=60)  # the worker writes the trail after answering
        written = [e.detail for e in trail()]
        assert sorted(written) == sorted(text for _, text in texts)  # each once: none lost, none twice
        seqs = {(e.complaint_id, e.detail): e.seq for e in trail()}
        assert all(seqs[(cid, text)] == seq for text, (cid, seq) in sender.acked.items())
    finally:
        await kill(worker)
        await kill(server)
