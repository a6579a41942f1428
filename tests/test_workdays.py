"""Working-day deadlines from the days pinned into a complaint's policy (models/workdays.py) give what the
holiday tables give (sla/calendar.py), so the workflow computes them itself; past the pinned span it asks
the activity, as before."""
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from temporalio.api.enums.v1 import EventType

from api import service
from models import messages as m
from models.intake import workflow_id_for
from models.workdays import Workdays
from sla import calendar
from sla.calendar import calendar_for, pinned_workdays
from tests.actors import DECISION, GOOD_RESPONSE, HANDLER
from tests.helpers import submit

SHANGHAI = ZoneInfo("Asia/Shanghai")
PINNED = pinned_workdays("CN", "Asia/Shanghai", date(2026, 12, 7))


@pytest.mark.parametrize(("start", "n", "due_local"), [
    # A Friday evening: Monday is the first working day, and the limit ends at its 24:00.
    (datetime(2026, 12, 4, 20, 0, tzinfo=SHANGHAI), 1, date(2026, 12, 7)),
    # Before the National Day week (2026-10-01..07): the days off are skipped.
    (datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI), 1, date(2026, 10, 8)),
    # The Spring Festival of 2027, with its make-up Saturday or Sunday counted as a working day.
    (datetime(2027, 2, 3, 9, 0, tzinfo=SHANGHAI), 3, None),
    (datetime(2026, 12, 7, 0, 0, tzinfo=SHANGHAI), 21, None),
])
def test_a_few_known_days(start, n, due_local):
    ours = PINNED.deadline(start, n, "Asia/Shanghai")
    theirs = calendar_for("CN", "Asia/Shanghai").deadline(start, f"{n}wd")
    assert ours == theirs
    if due_local is not None:  # 24:00 of that day, local time
        assert ours.astimezone(SHANGHAI) == datetime.combine(due_local + timedelta(days=1), datetime.min.time(),
                                                             tzinfo=SHANGHAI)


def test_every_day_of_the_pinned_span_gives_the_holiday_tables_answer():
    tables = calendar_for("CN", "Asia/Shanghai")
    day = PINNED.first
    checked = 0
    while day <= PINNED.last - timedelta(days=60):
        for hour, n in ((0, 1), (13, 3), (23, 5), (9, 15)):
            start = datetime(day.year, day.month, day.day, hour, 30, tzinfo=SHANGHAI)
            assert PINNED.deadline(start, n, "Asia/Shanghai") == tables.deadline(start, f"{n}wd"), (start, n)
            checked += 1
        day += timedelta(days=1)
    assert checked > 4 * 1000
    assert PINNED.off and PINNED.on  # China has both: holidays on weekdays, make-up working weekends


def test_outside_the_pinned_span_there_is_no_answer():
    span = Workdays(first=date(2026, 1, 1), last=date(2026, 1, 31))
    assert span.deadline(datetime(2025, 12, 31, 12, tzinfo=UTC), 1, "UTC") is None  # starts before
    assert span.deadline(datetime(2026, 1, 28, 12, tzinfo=UTC), 5, "UTC") is None   # runs past the end
    assert span.deadline(datetime(2026, 1, 5, 12, tzinfo=UTC), 2, "UTC") == datetime(2026, 1, 8, tzinfo=UTC)


async def _decided(client, queue: str) -> tuple[datetime, int]:
    """A complaint decided: its verify window's deadline and how many deadline activities its history ran."""
    cid = await submit(client, queue)
    await service.acknowledge(client, cid, "accept", m.Accept(actor=HANDLER))
    await service.acknowledge(client, cid, "propose_response", m.ProposeResponse(actor=HANDLER, text=GOOD_RESPONSE,
                                                                                 **DECISION))
    state = await service.state(client, cid)
    due = next(c.deadline() for c in state.clocks if c.name.startswith("verify"))
    assert state.decision is not None
    assert due == calendar_for("CN", "Asia/Shanghai").deadline(state.decision.at, "3wd")
    handle = client.get_workflow_handle(workflow_id_for(cid))
    asked = 0
    async for e in handle.fetch_history_events():
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED and \
                e.activity_task_scheduled_event_attributes.activity_type.name == "compute_deadline":
            asked += 1
    return due, asked


async def test_a_decision_sets_its_verify_window_in_the_workflow_and_past_the_span_by_the_activity(
        client, settings, engine, monkeypatch):
    from tests.policies import CALM
    from workers.worker import build_worker

    working = CALM.model_copy(update={"verify_window": "3wd"})
    async with build_worker(client, settings.model_copy(update={"task_queue": "workdays-pinned"}), engine, working):
        pinned_due, pinned_asked = await _decided(client, "workdays-pinned")
    monkeypatch.setattr(calendar, "PINNED_AHEAD", timedelta(days=0))  # a worker whose span ends today
    pinned_workdays.cache_clear()  # pinned once a day: forget the span made before the patch
    async with build_worker(client, settings.model_copy(update={"task_queue": "workdays-past"}), engine, working):
        past_due, past_asked = await _decided(client, "workdays-past")
    pinned_workdays.cache_clear()  # and the patched span, for the tests after this one
    assert (pinned_asked, past_asked) == (0, 1)  # the same deadline (checked in _decided), asked once past the span
