"""The README's walkthrough, run as a newcomer would: `complaints up` on a fresh data folder, then every
line of the README's tested blocks in order, in a shell. It fails when the README and the product drift."""
import asyncio
import json
import os
import re
import shutil
import sys
from pathlib import Path

from tests.helpers import free_port
from tests.test_up import start_up, stop

ROOT = Path(__file__).parent.parent
MARK = "<!-- tested by tests/test_readme.py -->"
PASSWORD = "a newcomer's long password"


def walkthrough() -> list[str]:
    """The command lines of every block the README marks as tested, comments removed."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = []
    for block in text.split(MARK)[1:]:
        body = block.split("```bash\n", 1)[1].split("```", 1)[0].replace("\\\n", " ")  # a continued line is one
        for line in body.splitlines():
            command = re.sub(r"\s+#\s.*$", "", line).strip()
            if command:
                lines.append(command)
    return lines


def test_the_walkthrough_is_found():
    lines = walkthrough()
    assert len(lines) >= 15 and lines[0].startswith("complaints login --user supervisor")
    assert any("approve-disposal" in line for line in lines)


async def test_the_readme_walkthrough_runs_on_a_fresh_data_folder(tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = {**os.environ, "DATA_DIR": str(tmp_path / ".data"), "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
           "TEMPORAL_UI_PORT": str(free_port()), "CODEC_PORT": str(free_port()), "SINK_SMTP_PORT": str(free_port()),
           "SINK_GATEWAY_PORT": str(free_port()), "API_PORT": str(free_port()),
           "LOG_FORMAT": "console", "COMPLAINTS_SESSION_FILE": str(tmp_path / "session.json"), "COLUMNS": "200",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for inherited in ("DATABASE_URL", "COMPLAINTS_API_URL", "COMPLAINTS_CHANNEL_KEY", "COMPLAINTS_KEY_FILE",
                      "COMPLAINTS_ACTOR_KEY_FILE"):
        env.pop(inherited, None)
    proc = await start_up(env, tmp_path / "up.log")
    key = None
    try:
        for line in walkthrough():
            if "ck_…" in line:
                assert key, "the walkthrough uses a channel key before it makes one"
                line = line.replace("ck_…", key)
            shell = await asyncio.create_subprocess_exec(
                "bash", "-c", line, cwd=tmp_path, env=env, stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            # A password for whatever asks (users add, login); a command that reads a file ignores it.
            out, err = await asyncio.wait_for(shell.communicate((PASSWORD + "\n").encode()), timeout=90)
            assert shell.returncode == 0, f"README line failed: {line}\n{err.decode()}{out.decode()}"
            if "ask-review" in line:  # asked for the moment the complaint closed: the head office reviews it
                assert "review started" in out.decode() and "head-office" in out.decode(), out.decode()
            if found := re.search(r"ck_[A-Za-z0-9_-]+", out.decode()):
                key = found.group(0)
        show = await asyncio.create_subprocess_exec("complaints", "show", "HL5552086002", "--json", env=env,
                                                    stdout=asyncio.subprocess.PIPE)
        state = json.loads((await show.communicate())[0])
        assert (state["stage"], state["outcome"]) == ("closed", "resolved")
        show = await asyncio.create_subprocess_exec("complaints", "show", "HL1166515325", "--json", env=env,
                                                    stdout=asyncio.subprocess.PIPE)
        emergency = json.loads((await show.communicate())[0])
        assert emergency["stage"] == "verify" and set(emergency["disposal_approvals"]) == {"R010", "R011"}

    finally:
        await stop(proc)
