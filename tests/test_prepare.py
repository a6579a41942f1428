"""`complaints prepare` and `complaints init`: the one step that makes the system whole in Temporal, run by
`up` and by compose's one-shot job, and the keys an operator makes before the first start."""
import asyncio
import contextlib
import json
import os
import stat
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from temporalio.client import ScheduleListDescription

from complaints import keys
from complaints.config import Settings
from tests.policies import CALM
from workers import system

CLI = str(Path(sys.executable).parent / "complaints")


@pytest.fixture
async def clean(client):
    async def drop():
        for sid in system.SCHEDULE_IDS:
            with contextlib.suppress(Exception):
                await client.get_schedule_handle(sid).delete()

    await drop()
    yield
    await drop()


async def ours(client) -> list[ScheduleListDescription]:
    found = []
    async for s in await client.list_schedules():
        if s.id in system.SCHEDULE_IDS:
            found.append(s)
    return found


async def test_three_prepares_at_once_make_each_schedule_once_and_a_new_period_updates_it(client, settings, clean):
    cfg = settings.model_copy(update={"task_queue": "complaints-unpolled"})
    done = await asyncio.gather(*(system.prepare(client, cfg, date(2026, 12, 6), CALM) for _ in range(3)))
    assert all(set(d.schedules) == set(system.SCHEDULE_IDS) for d in done)
    for sid in system.SCHEDULE_IDS:  # one run created it, the others found it and brought it up to date
        assert sorted(d.schedules[sid] for d in done) == ["created", "updated", "updated"]
    watch = await client.get_schedule_handle(system.WATCH_ID).describe()
    assert watch.schedule.spec.intervals[0].every == timedelta(minutes=2)
    assert watch.schedule.action.task_queue == "complaints-unpolled"  # type: ignore[union-attr]
    look = await client.get_schedule_handle(system.OUTBOX_ID).describe()
    assert look.schedule.spec.intervals[0].every == timedelta(seconds=30)
    slower = CALM.model_copy(update={"incidents": CALM.incidents.model_copy(update={"every": "7m"})})
    again = await system.prepare(client, cfg, date(2026, 12, 6), slower)
    assert set(again.schedules.values()) == {"updated"}
    watch = await client.get_schedule_handle(system.WATCH_ID).describe()
    assert watch.schedule.spec.intervals[0].every == timedelta(minutes=7)
    # Listing is eventually consistent on the dev server: wait until all four show, then count them.
    for _ in range(50):
        listed = await ours(client)
        if len(listed) >= 4:
            break
        await asyncio.sleep(0.2)
    assert sorted(s.id for s in listed) == sorted(system.SCHEDULE_IDS)  # updated in place, never a second one
    look_back = await client.get_schedule_handle(system.LOOKBACK_ID).describe()
    assert look_back.info.next_action_times and again.lookback_next == look_back.info.next_action_times


async def test_prepare_names_a_namespace_that_does_not_exist(client, settings):
    from temporalio.client import Client

    other = Client(client.service_client, namespace="no-such-namespace", data_converter=client.data_converter)
    with pytest.raises(system.NotPrepared, match="namespace 'no-such-namespace' does not exist"):
        await system.prepare(other, settings)


def test_init_makes_every_secret_owner_only_and_never_overwrites(tmp_path):
    env = {**os.environ, "DATA_DIR": str(tmp_path / "secrets")}
    for inherited in ("COMPLAINTS_KEY_FILE", "COMPLAINTS_ACTOR_KEY_FILE", "API_SECRET_FILE", "CODEC_TOKEN_FILE",
                      "GATEWAY_SECRET_FILE"):
        env.pop(inherited, None)
    first = subprocess.run([CLI, "init", "--json"], env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    made = json.loads(first.stdout)
    assert {m["secret"] for m in made} == {s.name for s in keys.SECRETS} and all(m["made"] for m in made)
    contents = {}
    for m in made:
        path = Path(m["path"])
        assert path.parent == tmp_path / "secrets" and stat.S_IMODE(path.stat().st_mode) == 0o600
        contents[path] = path.read_text()
    assert len(set(contents.values())) == len(contents)  # each its own random value
    again = subprocess.run([CLI, "init"], env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and again.stderr.startswith("error: will not overwrite ")
    (tmp_path / "secrets" / "codec.token").unlink()
    filled = subprocess.run([CLI, "init", "--only-missing", "--json"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert filled.returncode == 0, filled.stderr
    assert [m["secret"] for m in json.loads(filled.stdout) if m["made"]] == ["codec_token"]
    assert all(p.read_text() == c for p, c in contents.items() if p.name != "codec.token")


def test_no_process_makes_a_key_because_it_started_first(tmp_path):
    """A worker, the API and the codec server on an empty folder stop with one line naming `complaints init`."""
    env = {**os.environ, "DATA_DIR": str(tmp_path), "TEMPORAL_ADDRESS": "127.0.0.1:9", "LOG_FORMAT": "json"}
    for inherited in ("COMPLAINTS_KEY_FILE", "COMPLAINTS_ACTOR_KEY_FILE", "API_SECRET_FILE", "CODEC_TOKEN_FILE",
                      "DATABASE_URL"):
        env.pop(inherited, None)
    for args in ([CLI, "worker"], [CLI, "api", "--port", "1"], [CLI, "codec-server", "--port", "1"]):
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode != 0, args
        assert "complaints init" in done.stderr, (args, done.stderr[-800:])
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".key", ".token", ".secret")]


def test_the_keys_init_makes_are_the_ones_the_settings_read(tmp_path):
    cfg = Settings(data_dir=tmp_path)
    made = {m.name: m.path for m in keys.make(cfg)}
    assert made["complaints_key"] == cfg.key_file and made["actor_key"] == cfg.actor_key_file
    assert cfg.api_secret(create=False) and cfg.codec_token_value(create=False) and cfg.gateway_secret(create=False)
