"""The `complaints` command as a person runs it: a real process against the test server."""
import asyncio
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from complaints.codec import load_or_create_key
from tests.api_support import PASSWORD
from tests.conftest import eventually, make_intake

CLI = str(Path(sys.executable).parent / "complaints")


@pytest.fixture(scope="module")
def cli_env(env, settings, workers, api, tmp_path_factory):
    """People's commands reach the API; operators' commands (history, schedules) Temporal with the key."""
    return {**os.environ, "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
            "COMPLAINTS_KEY_FILE": str(settings.key_file), "TASK_QUEUE": workers["calm"],
            "COMPLAINTS_ACTOR_KEY_FILE": str(settings.actor_key_file),
            "DATABASE_URL": settings.db_url, "LOG_FORMAT": "console", "COLUMNS": "160",
            "COMPLAINTS_API_URL": api.url,
            "COMPLAINTS_SESSION_FILE": str(tmp_path_factory.mktemp("session") / "session.json")}


async def complaints(cli_env, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run the CLI without blocking the event loop the test workers poll on."""
    proc = await asyncio.create_subprocess_exec(
        CLI, *args, env=cli_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(stdin.encode() if stdin else None), timeout=60)
    return subprocess.CompletedProcess(args, proc.returncode, out.decode(), err.decode())


@pytest.fixture(scope="module")
async def signed_in(cli_env):
    out = await complaints(cli_env, "login", "--user", "E207", stdin=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    assert "signed in as E207 (handler, branch-0101)" in out.stdout.replace("\n", " ")
    return cli_env


@pytest.fixture
def intake_file(tmp_path_factory) -> Path:
    """A new complaint's intake as a person keys it in: no first responder (that is who signs in)."""
    path = tmp_path_factory.mktemp("cli") / "intake.json"
    data = json.loads(make_intake("信用卡年费乱收费，流程太繁琐").model_dump_json(exclude={"received_by"}))
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


async def test_a_complaint_the_workflow_would_refuse_is_an_error_not_submitted(signed_in, tmp_path):
    old = json.loads(make_intake("卡被冻结").model_dump_json(exclude={"received_by"}))
    old["received_at"] = "2001-01-01T09:00:00+08:00"
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    out = await complaints(signed_in, "submit", str(path))
    assert out.returncode == 1 and "more than 30 days ago" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "submitted" not in out.stdout


async def test_submit_show_act_and_list_as_the_signed_in_person(signed_in, intake_file, api):
    cli_env = signed_in
    out = await complaints(cli_env, "submit", str(intake_file), "--json")
    assert out.returncode == 0, out.stderr
    sub = json.loads(out.stdout)
    assert sub["created"] is True and sub["first_responder"] == "E207"  # who is signed in, not the file
    again = await complaints(cli_env, "submit", str(intake_file))
    assert again.returncode == 0 and "already submitted" in again.stdout
    cid = sub["complaint_id"]

    async def handling():
        shown = await complaints(cli_env, "show", cid, "--json")
        return shown.returncode == 0 and json.loads(shown.stdout)["stage"] == "handle"

    await eventually(handling)
    shown = await complaints(cli_env, "show", cid)
    assert shown.returncode == 0 and cid in shown.stdout and "SLA clocks" in shown.stdout
    assert "13800138000" not in shown.stdout  # no personal data on the screen either

    refused = await complaints(cli_env, "customer-feedback", cid, "--satisfied", "--csat", "5")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "error: customer_feedback comes from the customer, through their channel's credential"]
    accepted = await complaints(cli_env, "accept", cid, "--json")
    assert accepted.returncode == 0 and json.loads(accepted.stdout)["accepted"] is True
    trail = await complaints(cli_env, "timeline", cid, "--json")
    assert ("accept", "E207") in [(e["action"], e["actor_id"]) for e in json.loads(trail.stdout)]

    async def listed():
        out = await complaints(cli_env, "list", "--stage", "handle", "--mine", "--json")
        return out.returncode == 0 and cid in [i["complaint_id"] for i in json.loads(out.stdout)]

    await eventually(listed)
    table = await complaints(cli_env, "list", "--reference", cid)
    assert table.returncode == 0 and cid in table.stdout
    query = await complaints(cli_env, "list", "--stage", "handle", "--breached", "--query")
    assert "WorkflowType = 'ComplaintWorkflow' AND ComplaintStage = 'handle' AND SlaBreached = true" in query.stdout

    as_channel = {**cli_env, "COMPLAINTS_CHANNEL_KEY": api.channel_keys["hotline"]}
    withdrawn = await complaints(as_channel, "withdraw", cid, "--reason", "客户撤诉", "--json")
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert json.loads(withdrawn.stdout)["stage"] == "closed"


async def test_invalid_intake_is_one_clear_line(signed_in, tmp_path):
    cli_env = signed_in
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"channel": "fax", "text": ""}), encoding="utf-8")
    out = await complaints(cli_env, "submit", str(bad))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.startswith("error: invalid intake:") and "channel" in out.stderr
    garbage = await complaints(cli_env, "submit", "-", stdin="{not json")
    assert garbage.returncode == 1 and "invalid intake" in garbage.stderr and "Traceback" not in garbage.stderr
    missing = await complaints(cli_env, "submit", str(tmp_path / "nope.json"))
    assert missing.returncode == 1 and "cannot read" in missing.stderr


async def test_unknown_complaint_unreachable_api_and_nobody_signed_in(signed_in, tmp_path):
    cli_env = signed_in
    out = await complaints(cli_env, "show", "HL0000000000")
    assert out.returncode == 1 and out.stderr.strip() == "error: no complaint HL0000000000"
    down = await complaints({**cli_env, "COMPLAINTS_API_URL": "http://127.0.0.1:1"}, "show", "HL0000000000")
    assert down.returncode == 2 and "cannot reach the API" in down.stderr and "Traceback" not in down.stderr
    nobody = await complaints({**cli_env, "COMPLAINTS_SESSION_FILE": str(tmp_path / "none.json")}, "show",
                              "HL0000000000")
    assert nobody.returncode == 2 and nobody.stderr.strip() == "error: not signed in: run `complaints login` first"
    wrong = await complaints({**cli_env, "COMPLAINTS_SESSION_FILE": str(tmp_path / "s.json")}, "login", "--user",
                             "E207", stdin="not the password\n")
    assert wrong.returncode == 2 and "wrong user name or password" in wrong.stderr
    assert not (tmp_path / "s.json").exists()


async def test_roles_and_policy_commands(cli_env, tmp_path):
    roles = json.loads((await complaints(cli_env, "roles", "--json")).stdout)
    assert roles["approve_close"] == ["supervisor"] and roles["customer_feedback"] == ["intake"]
    bad = tmp_path / "p.toml"
    bad.write_text('warn_at = 2\n', encoding="utf-8")
    out = await complaints(cli_env, "policy", "show", str(bad))
    assert out.returncode == 1 and "warn_at must be a share" in out.stderr


async def test_open_workflows_replay_before_a_deploy(signed_in, cli_env, intake_file):
    await complaints(cli_env, "submit", str(intake_file), "--json")
    out = await complaints(cli_env, "history", "replay-open", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["replayed"] >= 1 and report["failed"] == {}


async def test_an_operator_with_another_key_gets_one_clear_line(signed_in, cli_env, intake_file, tmp_path):
    await complaints(cli_env, "submit", str(intake_file), "--json")
    other = tmp_path / "other.key"
    load_or_create_key(other)  # a key file of its own: not the one the complaints were written with
    out = await complaints({**cli_env, "COMPLAINTS_KEY_FILE": str(other)}, "history", "replay-open")
    assert out.returncode == 2 and "unknown key id" in out.stderr and "COMPLAINTS_KEY_FILE" in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


async def test_complaints_api_serves_on_a_free_port_with_the_configured_temporal_and_key(cli_env, tmp_path):
    import httpx

    from tests.helpers import free_port

    port = free_port()
    env = {**cli_env, "DATA_DIR": str(tmp_path / "api-data")}
    made = await complaints(env, "init", "--only-missing")  # the operator's step before a first start
    assert made.returncode == 0 and "api.secret" in made.stdout, made.stderr
    proc = await asyncio.create_subprocess_exec(CLI, "api", "--port", str(port), env=env,
                                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        async def up():
            try:
                async with httpx.AsyncClient() as h:
                    return (await h.get(f"http://127.0.0.1:{port}/openapi.json")).status_code == 200
            except httpx.TransportError:
                return False

        await eventually(up, timeout=30)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as h:
            spec = (await h.get("/openapi.json")).json()
            assert "/v1/complaints/{complaint_id}/accept" in spec["paths"]
            refused = await h.get("/v1/complaints")
            assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
    finally:
        proc.terminate()
        await proc.wait()
    # Without a key file the API does not start, and says where it looked.
    nokey = {**env, "COMPLAINTS_KEY_FILE": str(tmp_path / "none.key")}
    out = await complaints(nokey, "api", "--port", str(free_port()))
    assert out.returncode == 2 and "no key file at" in out.stderr and "Traceback" not in out.stderr


async def test_login_with_the_banks_provider_token_read_from_standard_input(cli_env, api, tmp_path):
    """The command line's way in where passwords are off: the provider's access token, never on argv."""
    env = {**cli_env, "COMPLAINTS_SESSION_FILE": str(tmp_path / "session.json")}
    out = await complaints(env, "login", "--token", stdin=api.provider.token(user="oidc-S901") + "\n")
    assert out.returncode == 0, out.stderr
    assert "signed in as oidc-S901 (supervisor, complaints)" in out.stdout.replace("\n", " ")
    me = await complaints(env, "whoami", "--json")
    assert json.loads(me.stdout)["via"] == "oidc"
    (tmp_path / "session.json").unlink()
    expired = api.provider.token(expires_in=timedelta(minutes=-5))
    out = await complaints(env, "login", "--token", stdin=expired + "\n")
    assert out.returncode == 2 and "expired" in out.stderr and not (tmp_path / "session.json").exists()


async def test_a_supervisor_s_returns_ledger_and_problems_from_the_command_line(cli_env, tmp_path):
    sup = {**cli_env, "COMPLAINTS_SESSION_FILE": str(tmp_path / "s001.json")}
    out = await complaints(sup, "login", "--user", "S001", stdin=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    out = await complaints(sup, "report", "quarterly", "2017Q2", "--out", str(tmp_path / "q.xlsx"))
    assert out.returncode == 0, out.stderr
    assert "return 2017Q2" in out.stdout and (tmp_path / "q.xlsx").read_bytes()[:2] == b"PK"
    assert oct((tmp_path / "q.xlsx").stat().st_mode & 0o777) == "0o600"
    again = await complaints(sup, "report", "quarterly", "2017Q2", "--out", str(tmp_path / "q.xlsx"))
    assert again.returncode == 1 and "exists" in again.stderr  # kept unless --force
    wrong = await complaints(sup, "report", "quarterly", "2017Q2", "--out", str(tmp_path / "q.pdf"))
    assert wrong.returncode == 1 and ".csv or .xlsx" in wrong.stderr
    out = await complaints(sup, "report", "disclosure", "2016", "--out", str(tmp_path / "d"), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["year"]["year"] == 2016 and (tmp_path / "d" / "disclosure-2016.pdf").exists()
    out = await complaints(sup, "redress", "ledger", "2026-12", "--json")
    assert out.returncode == 0 and "totals" in json.loads(out.stdout)
    out = await complaints(sup, "problems", "list", "--json")
    assert out.returncode == 0 and isinstance(json.loads(out.stdout), list)
