"""Departments are a registry, not free text: the file's rules, the door and the workflow refusing an unknown
one with the same reason, and the list people and scripts read."""
import uuid

import pytest

from api import service
from models import messages as m
from models.departments import DEFAULT, load, unknown
from tests.actors import HANDLER, SUPERVISOR
from tests.helpers import submit
from tests.policies import CALM
from tests.test_front_door import LOST_CARD, intake_body, submitted_in_handle
from workers.worker import build_worker

REGISTERED = ["loans", "operations", "it"]


@pytest.mark.parametrize("department, refused", [
    ("loans", False), ("it", False), ("信息科技部", True), ("Loans", True), ("", True), ("x" * 80, True),
])
def test_only_a_registered_id_passes(department, refused):
    reason = unknown(department, REGISTERED)
    assert (reason is not None) == refused
    if refused:
        assert "is registered" in reason and "loans" in reason and len(reason) < 300


def test_nothing_pinned_means_nothing_checked_and_the_default_file_names_every_routing_target():
    assert unknown("anything", []) is None
    registry = load(DEFAULT)
    from classifier.rules import default_taxonomy

    taxonomy = default_taxonomy()
    routed = set(taxonomy.departments.values()) | set(taxonomy.nature_departments.values())
    assert routed <= set(registry.ids), routed - set(registry.ids)  # the classifier routes only to real ones
    assert registry.name("it", "zh") == "信息科技部" and registry.name("it", "en") == "Information technology"


@pytest.mark.parametrize("text, problem", [
    ('[Bad_Id]\nzh = "x"\nen = "x"\n', "id"), ('[loans]\nzh = "贷款"\n', "en"), ("[loans\n", "departments file"),
])
def test_a_broken_registry_file_says_what_is_wrong(tmp_path, text, problem):
    path = tmp_path / "departments.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=problem):
        load(path)


async def test_the_door_refuses_a_work_order_to_nowhere_and_lists_the_registry(api):
    cid = await submitted_in_handle(api, intake_body(LOST_CARD, f"AP-{uuid.uuid4().hex[:8]}"), api.channel("app"))
    async with api.http() as h:
        sup = await api.as_("S001")
        nowhere = await h.post(f"/v1/complaints/{cid}/open_work_order",
                               json={"department": "信息科技部", "question": "系统是否故障？"}, headers=sup)
        listed = await h.get("/v1/departments", headers=sup)
        anonymous = await h.get("/v1/departments")
    assert nowhere.status_code == 422 and nowhere.json()["field"] == "department"
    assert "no department '信息科技部' is registered" in nowhere.json()["detail"]
    assert {"id": "it", "zh": "信息科技部", "en": "Information technology", "desk": True, "supervisor": None,
            "head_office": False, "parent": None, "region": None} in \
        listed.json()["departments"]
    assert anonymous.status_code == 401


@pytest.fixture(scope="module")
async def registered_queue(client, settings, engine):
    pinned = CALM.model_copy(update={"name": "registered", "departments": REGISTERED + ["operations"]})
    async with build_worker(client, settings.model_copy(update={"task_queue": "complaints-registered"}), engine,
                            pinned):
        yield "complaints-registered"


async def test_the_workflow_refuses_an_unknown_department_whatever_the_client(client, registered_queue):
    cid = await submit(client, registered_queue)
    with pytest.raises(service.ComplaintError, match="no department 'nowhere' is registered"):
        await service.send(client, cid, "open_work_order", m.OpenWorkOrder(actor=HANDLER, department="nowhere",
                                                                            question="?"))
    with pytest.raises(service.ComplaintError, match="no department 'nowhere' is registered"):
        await service.send(client, cid, "reassign", m.Reassign(actor=SUPERVISOR, department="nowhere", reason="x"))
    s = await service.send(client, cid, "open_work_order", m.OpenWorkOrder(actor=HANDLER, department="it",
                                                                        question="系统是否故障？"))
    assert [w.department for w in s.work_orders] == ["it"]
