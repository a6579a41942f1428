"""`complaints up` as a newcomer runs it: dev server + worker from one command, state kept across restarts."""
import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import eventually, make_intake
from tests.helpers import free_port

CLI = str(Path(sys.executable).parent / "complaints")



async def start_up(env: dict, log: Path) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(CLI, "up", env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    await eventually(lambda: "worker running" in log.read_text(errors="replace"), timeout=60)
    return proc


async def stop(proc: asyncio.subprocess.Process) -> None:
    proc.send_signal(signal.SIGINT)
    await asyncio.wait_for(proc.wait(), timeout=30)


async def run_cli(env, *args, stdin: str | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(CLI, *args, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                stderr=subprocess.PIPE)
    out, err = await proc.communicate(stdin.encode() if stdin is not None else None)
    return proc.returncode, out.decode(), err.decode()


async def test_up_runs_everything_and_keeps_complaints_across_a_restart(tmp_path):
    api_port = free_port()
    env = {**os.environ, "DATA_DIR": str(tmp_path / ".data"), "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
           "TEMPORAL_UI_PORT": str(free_port()), "CODEC_PORT": str(free_port()), "SINK_SMTP_PORT": str(free_port()),
           "SINK_GATEWAY_PORT": str(free_port()), "API_PORT": str(api_port),
           "LOG_FORMAT": "json", "COMPLAINTS_SESSION_FILE": str(tmp_path / "session.json")}
    for inherited in ("DATABASE_URL", "COMPLAINTS_API_URL", "COMPLAINTS_CHANNEL_KEY"):
        env.pop(inherited, None)
    intake = tmp_path / "intake.json"
    intake.write_text(make_intake("信用卡年费乱收费").model_dump_json(exclude={"received_by"}), encoding="utf-8")

    log = tmp_path / "up-1.log"
    proc = await start_up(env, log)
    try:
        said = log.read_text()
        assert f"Temporal UI: http://127.0.0.1:{env['TEMPORAL_UI_PORT']}" in said
        assert f"API: http://127.0.0.1:{api_port}" in said and f"Workbench: http://127.0.0.1:{api_port}/ui/" in said
        password_file = tmp_path / ".data" / "first-supervisor.password"
        assert f"complaints login --user supervisor < {password_file}" in said
        # The first supervisor signs in, an operator adds a handler, and the handler keys a complaint in.
        code, out, err = await run_cli(env, "login", "--user", "supervisor", stdin=password_file.read_text())
        assert code == 0 and "signed in as supervisor (supervisor, complaints)" in out.replace("\n", " "), err
        code, _, err = await run_cli(env, "users", "add", "E207", "--role", "handler", "--dept", "branch-0101",
                                     stdin="a handler's long password\n")
        assert code == 0, err
        code, _, err = await run_cli(env, "login", "--user", "E207", stdin="a handler's long password\n")
        assert code == 0, err
        code, out, err = await run_cli(env, "submit", str(intake), "--json")
        assert code == 0, err
        cid = json.loads(out)["complaint_id"]

        async def in_handle():
            code, out, _ = await run_cli(env, "show", cid, "--json")
            return code == 0 and json.loads(out)["stage"] == "handle"

        await eventually(in_handle, timeout=30)
        # The acknowledgement SMS reaches the local gateway sink within a run of the outbox's schedule.
        kept = tmp_path / ".data" / "outbox" / "gateway.jsonl"
        await eventually(lambda: kept.exists() and cid in kept.read_text(encoding="utf-8"), timeout=60)
        code, out, err = await run_cli(env, "outbox", "--json")
        assert code == 0 and any(n["complaint_id"] == cid and n["status"] == "sent" for n in json.loads(out)), err
    finally:
        await stop(proc)
    assert (tmp_path / ".data" / "temporal.db").exists() and (tmp_path / ".data" / "complaints.db").exists()
    # The key, the codec token, the API secret and the first password were made on first run, owner-only.
    for secret in ("complaints.key", "codec.token", "api.secret", "first-supervisor.password"):
        assert (tmp_path / ".data" / secret).stat().st_mode & 0o777 == 0o600
    assert "--codec-auth" in log.read_text()

    proc = await start_up(env, tmp_path / "up-2.log")  # same data dir: the complaint and its clocks are still there
    try:
        code, out, err = await run_cli(env, "accept", cid, "--json")  # still signed in, across the restart
        assert code == 0, err
        assert json.loads(out)["accepted"] is True
        # An operators' tool run with another data folder finds no key: a clear error, and no key made up.
        elsewhere = {**env, "DATA_DIR": str(tmp_path / "elsewhere")}
        code, out, err = await run_cli(elsewhere, "lookback", "schedule")
        assert code == 2 and f"no key file at {tmp_path / 'elsewhere' / 'complaints.key'}" in err
        assert "Traceback" not in err and not (tmp_path / "elsewhere" / "complaints.key").exists()
    finally:
        await stop(proc)


async def test_a_second_up_while_one_runs_is_one_line(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "DATA_DIR": str(tmp_path / ".data"), "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
               "CODEC_PORT": str(port), "API_PORT": str(free_port())}
        code, out, err = await run_cli(env, "up")
    assert code == 2 and err.strip().splitlines() == [
        f"error: port {port} (codec) is in use on 127.0.0.1: is `complaints up` already running? (or set CODEC_PORT)"]
    assert not (tmp_path / ".data" / "temporal.db").exists()  # nothing was started
