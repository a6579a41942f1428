"""An incident's messages as people send them: at once, and again. Two plans published together get two
numbers, a merge and a resolve sent together leave one of them, a link during all of it lands once, and an
Idempotency-Key reused with another body is refused as a complaint's is."""
import asyncio
import uuid

import pytest

from api import incidents
from api.service import ComplaintError
from models.incidents import Confirm, Link, Merge, PublishPlan, Resolve
from models.intake import Actor, workflow_id_for
from tests.actors import DECISION
from tests.conftest import eventually
from tests.poison import broken_tasks
from tests.test_incident_poison import SUPERVISOR, _iid, _start
from workflows.incident import IncidentWorkflow

pytestmark = pytest.mark.usefixtures("no_incident_left")
SUP = Actor.model_validate(SUPERVISOR)


def _ids(n: int) -> list[str]:
    return [f"AP8{uuid.uuid4().int % 10**9:09d}" for _ in range(n)]  # complaints of no other test


async def _try(coro):
    try:
        return await coro
    except ComplaintError as e:
        return e


async def test_plans_a_merge_a_resolve_and_a_link_sent_at_once_leave_one_consistent_incident(client, workers):
    a, b = _iid(), _iid()
    members, extra = _ids(3), _ids(1)[0]
    await client.start_workflow(IncidentWorkflow.run, _start(a, members=members), id=a, task_queue=workers["calm"])
    await client.start_workflow(IncidentWorkflow.run, _start(b, members=[]), id=b, task_queue=workers["calm"])
    await incidents.update(client, a, "confirm", Confirm(actor=SUP, note="确认"))

    got = await asyncio.gather(
        _try(incidents.update(client, a, "publish_plan", PublishPlan(actor=SUP, zh="今晚修复", en="fixed tonight"))),
        _try(incidents.update(client, a, "publish_plan", PublishPlan(actor=SUP, zh="明早修复", en="fixed tomorrow"))),
        _try(incidents.update(client, a, "link", Link(actor=SUP, complaint_id=extra))),
        _try(incidents.update(client, a, "merge", Merge(actor=SUP, into=b, reason="同一故障"))),
        _try(incidents.update(client, a, "resolve", Resolve(actor=SUP, text="非常抱歉。经核实，故障已修复。"
                                                                         "已为您退还手续费。我们将回访。", **DECISION))))
    final = await _told(client, a)
    # Each announcement has its own number, each applied before the incident closed.
    assert [x.seq for x in final.announcements] == list(range(1, len(final.announcements) + 1))
    # A merge and a resolve: one of them, whichever took its turn first; the other was refused on the state it met.
    assert final.status in ("merged", "resolved")
    merge, resolve = got[3], got[4]
    if final.status == "merged":
        assert isinstance(resolve, ComplaintError) and final.proposed == {} and final.resolution == ""
        taken = set((await incidents.state(client, b)).members)
        assert set(final.members) <= taken  # everything A had when it handed over, B has
    else:
        assert isinstance(merge, ComplaintError) and final.merged_into is None
        assert set(final.proposed) == set(final.members)  # the response went to every member it had then
    actions = [e.action for e in final.history]
    assert actions.count("merge") + actions.count("resolve") == 1
    assert actions.count("publish_plan") == len(final.announcements)
    assert actions.count("link") == (0 if isinstance(got[2], ComplaintError) else 1)
    assert await broken_tasks(client, a) == [] and await broken_tasks(client, b) == []


async def test_a_repeated_key_applies_once_and_another_body_under_it_is_refused(client, workers):
    a = _iid()
    await client.start_workflow(IncidentWorkflow.run, _start(a, members=_ids(2)), id=a, task_queue=workers["calm"])
    key = f"idem-{uuid.uuid4().hex}"
    one = await incidents.update(client, a, "link", Link(actor=SUP, complaint_id="AP8000000001"), key)
    again = await incidents.update(client, a, "link", Link(actor=SUP, complaint_id="AP8000000001"), key)
    assert one.members == again.members and one.members.count("AP8000000001") == 1
    with pytest.raises(ComplaintError, match="idempotency key was used for another link") as refused:
        await incidents.update(client, a, "link", Link(actor=SUP, complaint_id="AP8000000002"), key)
    assert refused.value.kind == "idempotency"
    final = await incidents.state(client, a)
    assert "AP8000000002" not in final.members and [e.action for e in final.history].count("link") == 1
    # The answer is kept in the state the incident carries into its next run (continue-as-new).
    assert [(x.message_id, x.action) for x in final.answered] == [(key, "link")]


async def test_two_incidents_merged_into_each_other_at_once_end_as_one(client, workers):
    """Each merge holds its incident while the other absorbs: an incident that is handing its complaints over
    refuses to absorb at once, so neither waits on the other; at most one merge goes through, and every
    complaint ends in exactly one open or merged-into incident."""
    a, b = _iid(), _iid()
    ours, theirs = _ids(2), _ids(2)
    await client.start_workflow(IncidentWorkflow.run, _start(a, members=ours), id=a, task_queue=workers["calm"])
    await client.start_workflow(IncidentWorkflow.run, _start(b, members=theirs), id=b, task_queue=workers["calm"])
    got = await asyncio.wait_for(asyncio.gather(
        _try(incidents.update(client, a, "merge", Merge(actor=SUP, into=b, reason="同一故障"))),
        _try(incidents.update(client, b, "merge", Merge(actor=SUP, into=a, reason="同一故障")))), timeout=90)
    applied = [g for g in got if not isinstance(g, ComplaintError)]
    assert len(applied) <= 1, got
    sa, sb = await incidents.state(client, a), await incidents.state(client, b)
    if applied:
        survivor = applied[0].merged_into
        assert set((sa if survivor == a else sb).members) == set(ours) | set(theirs)
    else:  # both refused at once: each keeps its own, and either merge may be sent again
        assert (set(sa.members), set(sb.members), sa.status, sb.status) == (set(ours), set(theirs), "candidate",
                                                                             "candidate")
    assert await broken_tasks(client, a) == [] and await broken_tasks(client, b) == []


async def _told(client, iid: str):
    """The incident once everything asked of it has been told to its complaints."""
    await eventually(lambda: _done(client, iid), timeout=60)
    return await incidents.state(client, iid)


async def _done(client, iid: str) -> bool:
    return not (await incidents.state(client, iid)).outreach


async def test_a_plan_is_answered_when_recorded_then_told_to_every_member_one_linked_meanwhile_too(client, workers):
    """Telling thousands of complaints takes minutes: the supervisor's update is answered once the plan is
    recorded, and the telling runs after, outside the handler, so a link sent meanwhile is applied at once and
    its complaint told as well."""
    a = _iid()
    slow, quick, late = _ids(3)
    # The slow member's workflow waits on a queue no worker polls: telling it takes the whole answer window.
    await client.start_workflow("ComplaintWorkflow", id=workflow_id_for(slow), task_queue=f"nobody-{uuid.uuid4()}")
    try:
        await client.start_workflow(IncidentWorkflow.run, _start(a, members=[slow, quick]), id=a,
                                    task_queue=workers["calm"])
        await incidents.update(client, a, "confirm", Confirm(actor=SUP, note="确认"))
        state = await incidents.update(client, a, "publish_plan", PublishPlan(actor=SUP, zh="今晚修复", en="tonight"))
        assert [x.seq for x in state.announcements] == [1]  # the plan clock is met by the plan recorded
        assert [o.kind for o in state.outreach] == ["announce"] and slow not in state.outreach[0].said
        linked = await incidents.update(client, a, "link", Link(actor=SUP, complaint_id=late))
        assert late in linked.members and linked.outreach  # applied while the telling goes on
        final = await _told(client, a)
        assert set(final.told) == {slow, quick, late}
        assert final.told[slow].startswith("no answer within")
    finally:
        await client.get_workflow_handle(workflow_id_for(slow)).terminate("test over")
