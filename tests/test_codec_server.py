"""The codec server, checked with the real `temporal` CLI: it decrypts only for a caller with the token."""
import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from api import service
from models import messages as m
from models.intake import workflow_id_for
from tests.actors import INTAKE
from tests.conftest import eventually, make_intake
from tests.helpers import free_port, result

BIN = Path(sys.executable).parent
PHONE = "13766554433"



@pytest.fixture(scope="module")
async def codec_url(settings):
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        str(BIN / "complaints"), "codec-server", "--port", str(port), "--token", "s3cret",
        "--origin", "http://localhost:8233",
        env={**os.environ, "COMPLAINTS_KEY_FILE": str(settings.key_file)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    await eventually(lambda: _listening(port), timeout=20)
    yield url
    proc.terminate()
    await proc.wait()


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def payload_texts(history_json: str) -> str:
    """Every payload's data in a `temporal workflow show --output json`, as text where it is text."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if "metadata" in node and "data" in node:
                found.append(base64.b64decode(node["data"]).decode("utf-8", errors="replace"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(history_json))
    return "\n".join(found)


async def temporal_show(env, workflow_id: str, *extra: str) -> subprocess.CompletedProcess:
    proc = await asyncio.create_subprocess_exec(
        str(BIN / "temporal"), "workflow", "show", "--workflow-id", workflow_id, "--output", "json",
        "--address", env.client.service_client.config.target_host, *extra,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = await proc.communicate()
    return subprocess.CompletedProcess([], proc.returncode, out.decode(), err.decode())


async def test_temporal_cli_reads_decrypted_payloads_only_through_the_codec_server(env, client, workers, codec_url):
    intake = make_intake("信用卡年费乱收费", customer={"id": "C77", "name": "李雷", "phone": PHONE, "tier": "vip"})
    cid = (await service.submit(client, intake, workers["calm"])).complaint_id
    await eventually(lambda: _in_handle(client, cid))
    await service.send(client, cid, "withdraw", m.Withdraw(actor=INTAKE))
    await result(client, cid)
    wid = workflow_id_for(cid)

    plain = await temporal_show(env, wid)
    assert plain.returncode == 0 and PHONE not in payload_texts(plain.stdout)

    decoded = await temporal_show(env, wid, "--codec-endpoint", codec_url, "--codec-auth", "Bearer s3cret")
    assert decoded.returncode == 0, decoded.stderr
    texts = payload_texts(decoded.stdout)
    assert PHONE in texts and "李雷" in texts

    refused = await temporal_show(env, wid, "--codec-endpoint", codec_url, "--codec-auth", "Bearer wrong")
    assert PHONE not in payload_texts(refused.stdout) if refused.returncode == 0 else True


async def test_cors_preflight_for_the_ui(codec_url):
    def preflight(origin: str) -> dict:
        req = urllib.request.Request(f"{codec_url}/decode", method="OPTIONS", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-namespace,authorization"})
        with urllib.request.urlopen(req) as resp:
            return dict(resp.headers)

    allowed = await asyncio.to_thread(preflight, "http://localhost:8233")
    assert allowed["Access-Control-Allow-Origin"] == "http://localhost:8233"
    assert "Authorization" in allowed["Access-Control-Allow-Headers"]
    other = await asyncio.to_thread(preflight, "http://evil.example")
    assert "Access-Control-Allow-Origin" not in other


async def test_bad_body_is_a_clear_400(codec_url):
    def post() -> tuple[int, dict]:
        req = urllib.request.Request(f"{codec_url}/decode", data=b"not json", method="POST",
                                     headers={"Authorization": "Bearer s3cret", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    status, body = await asyncio.to_thread(post)
    assert status == 400 and "error" in body


async def _in_handle(client, cid):
    return (await service.state(client, cid)).stage.value == "handle"


async def test_behind_oidc_the_codec_decodes_for_operators_and_supervisors_only(api, settings):
    """The Temporal UI forwards the signed-in person's token: a supervisor's or an operator's decodes;
    a handler's, an expired one, a forged one, or one of the API's own local tokens does not."""
    from datetime import timedelta

    from temporalio.api.common.v1 import Payload

    from complaints.codec import EncryptionCodec, load_or_create_key
    from tests.test_front_door_refusals import OTHER_KEY
    from tools.codec_server import operators_and_supervisors, start

    codec = EncryptionCodec(*load_or_create_key(settings.key_file))
    sealed = (await codec.encode([Payload(metadata={"encoding": b"json/plain"}, data=b'{"phone": "13766554433"}')]))[0]
    body = json.dumps({"payloads": [{"metadata": {k: base64.b64encode(v).decode() for k, v in sealed.metadata.items()},
                                     "data": base64.b64encode(sealed.data).decode()}]}).encode()
    port = free_port()
    runner = await start(codec, "127.0.0.1", port, "static-operator-token", (),
                         operators_and_supervisors(api.ctx.settings))

    def decode(bearer: str) -> int:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/decode", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req) as resp:
                assert b"13766554433" in base64.b64decode(json.loads(resp.read())["payloads"][0]["data"])
                return resp.status
        except urllib.error.HTTPError as e:
            return e.code

    p = api.provider
    try:
        cases = {
            "static token": ("static-operator-token", 200),
            "supervisor": (p.token(roles=("cms-supervisor",)), 200),
            "operator": (p.token(user="oidc-O1", roles=("cms-operator",), department="it-ops"), 200),
            "handler": (p.token(user="oidc-H1", roles=("cms-handler",), department="loans"), 401),
            "expired supervisor": (p.token(expires_in=timedelta(minutes=-5)), 401),
            "forged supervisor": (p.token(key=OTHER_KEY), 401),
            "local supervisor token": (await api.token("S001"), 401),
        }
        for name, (bearer, status) in cases.items():
            assert await asyncio.to_thread(decode, bearer) == status, name
    finally:
        await runner.cleanup()
