"""The bank's identity provider for the sign-in tests: the certified `oidc-provider` package from npm
(tests/oidc, installed by `./run test` and .ci/run), run by Node as its own process on this machine's
loopback. Its issuer is http://localhost:PORT while the API answers on 127.0.0.1: two sites, as a bank's
provider and its workbench are, so the browser's cookie rules are the ones production meets."""
import asyncio
import json
import os
import shutil
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import free_port

HERE = Path(__file__).parent / "oidc"
START_SECONDS = 120
ROLE_MAP = {"cms-supervisor": "supervisor", "cms-handler": "handler", "cms-reviewer": "reviewer"}
USERS = {"S900": {"roles": ["cms-supervisor"], "department": "complaints"},
         "H900": {"roles": ["cms-handler", "bank-staff"], "department": "branch-0101"},
         "T100": {"roles": ["bank-teller"], "department": "branch-0101"}}  # a bank account with no role here


@dataclass
class Idp:
    issuer: str
    clients: dict[str, str]  # client id -> secret


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "oidc-provider").exists():
        why = "Node and tests/oidc/node_modules (npm ci --prefix tests/oidc) are needed for the provider"
        if os.environ.get("CI"):
            pytest.fail(why)  # CI installs both: missing there is a broken run, not a skip
        pytest.skip(why)
    return node


@asynccontextmanager
async def provider(tmp_path: Path, api_url: str, clients: dict[str, int]):
    """Run the provider with a client per entry of `clients` (id -> ID token lifetime in seconds), each
    redirecting to `api_url`'s callback."""
    node = node_or_skip()
    port = free_port()
    secrets = {cid: f"secret-of-{cid}" for cid in clients}
    config = {"issuer": f"http://localhost:{port}", "port": port, "users": USERS,
              "clients": [{"client_id": cid, "client_secret": secrets[cid], "id_token_seconds": ttl,
                           "redirect_uris": [f"{api_url}/ui/sso/callback"],
                           "post_logout_redirect_uris": [f"{api_url}/ui/login"]} for cid, ttl in clients.items()]}
    path = tmp_path / "idp.json"
    path.write_text(json.dumps(config))
    log = (tmp_path / "idp.log").open("wb")
    proc = await asyncio.create_subprocess_exec(node, str(HERE / "provider.mjs"), str(path), cwd=HERE,
                                                stdout=asyncio.subprocess.PIPE, stderr=log)
    try:
        assert proc.stdout is not None
        # Wait for its first line or its exit, without cancelling the read: a CI run once saw the line not
        # read within 30 s (a starved machine or a loop held up elsewhere), where it takes 0.3 s here.
        started = time.monotonic()
        line = asyncio.ensure_future(proc.stdout.readline())
        exited = asyncio.ensure_future(proc.wait())
        await asyncio.wait({line, exited}, timeout=START_SECONDS, return_when=asyncio.FIRST_COMPLETED)
        if not line.done():
            line.cancel()
            exited.cancel()
            pytest.fail(f"the identity provider printed nothing in {time.monotonic() - started:.0f} s "
                        f"(exit code {proc.returncode}); its log: {(tmp_path / 'idp.log').read_text()[-2000:]}")
        exited.cancel()
        assert line.result().strip() == b"listening", (tmp_path / "idp.log").read_text()
        yield Idp(config["issuer"], secrets)
    finally:
        proc.terminate()
        await proc.wait()
        log.close()
