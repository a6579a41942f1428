"""Is this process ready to take work? Each check answers None, or one line saying why not. `/readyz` (the API,
and each worker's metrics port) answers 503 with those lines; `/healthz` stays a liveness probe that checks
nothing but the process itself."""
import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Engine
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from complaints import schema
from complaints.config import Settings

TIMEOUT = timedelta(seconds=3)
POLLED_WITHIN = timedelta(seconds=90)  # a poll is long (60 s at most); a worker silent longer is not polling


def database(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as e:  # noqa: BLE001 - any failure is "not ready", said in one line
        return f"database: {type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
    return None


def migrations(engine: Engine) -> str | None:
    """The schema at the newest revision this code knows (a process migrates when it opens the database, so
    a lag means another process's migration is still running, or failed)."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    try:
        head = ScriptDirectory.from_config(schema.config()).get_current_head()
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except Exception as e:  # noqa: BLE001
        return f"migrations: {type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
    return None if current == head else f"migrations: the database is at {current}, this code needs {head}"


async def temporal(client: Client) -> str | None:
    try:
        ok = await client.service_client.check_health(timeout=TIMEOUT)
    except Exception as e:  # noqa: BLE001
        return f"temporal: {type(e).__name__}: {str(e)[:200]}"
    return None if ok else "temporal: the server says it is not serving"


async def polling(client: Client, task_queue: str, identity: str) -> str | None:
    """This worker is among the task queue's recent pollers (workflow and activity tasks alike)."""
    now = datetime.now(UTC)
    for kind in (TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY):
        try:
            got = await client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
                namespace=client.namespace, task_queue=TaskQueue(name=task_queue), task_queue_type=kind),
                timeout=TIMEOUT)
        except Exception as e:  # noqa: BLE001
            return f"polling: {type(e).__name__}: {str(e)[:200]}"
        seen = [p for p in got.pollers if p.identity == identity
                and now - p.last_access_time.ToDatetime(UTC) < POLLED_WITHIN]
        if not seen:
            tasks = "workflow" if kind == TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW else "activity"
            return f"polling: {identity} is not polling {task_queue} ({tasks} tasks)"
    return None


NO_TRANSPORT = "SMTP_URL, SMS_GATEWAY_URL and APP_GATEWAY_URL are all unset"


def delivery(settings: Settings) -> str | None:
    """No transport at all is a shape in which no customer is ever told anything: never ready."""
    return None if settings.transports() else f"delivery: {NO_TRANSPORT}: no notification reaches a customer"


async def problems(engine: Engine, client: Client, task_queue: str | None = None,
                   identity: str | None = None, settings: Settings | None = None) -> list[str]:
    """Every check that fails, the database's in a thread (a blocking driver); with `settings`, delivery too."""
    found = [await asyncio.to_thread(database, engine)]
    if settings is not None:
        found.append(delivery(settings))
    if found[0] is None:
        found.append(await asyncio.to_thread(migrations, engine))
    found.append(await temporal(client))
    if task_queue and identity and found[-1] is None:
        found.append(await polling(client, task_queue, identity))
    return [p for p in found if p]
