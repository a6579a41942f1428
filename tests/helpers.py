"""Steps most tests share."""
import socket

from api import service
from models.enums import Stage
from models.intake import workflow_id_for
from models.state import ComplaintState
from tests.conftest import eventually, make_intake
from workflows.complaint import ComplaintWorkflow

FEE_TEXT = "信用卡年费乱收费，办理流程太繁琐，来回跑了三次"


async def stage_is(client, cid, stage: Stage) -> bool:
    return (await service.state(client, cid)).stage is stage


async def submit(client, queue: str, text: str = FEE_TEXT, **kw) -> str:
    """Submit a complaint and wait until it is in handling."""
    sub = await service.submit(client, make_intake(text, **kw), queue)
    assert sub.created
    await eventually(lambda: stage_is(client, sub.complaint_id, Stage.HANDLE))
    return sub.complaint_id


async def result(client, cid) -> ComplaintState:
    return await client.get_workflow_handle_for(ComplaintWorkflow.run, workflow_id_for(cid)).result()


async def list_workflows(client, query: str) -> list:
    return [w async for w in client.list_workflows(query)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
